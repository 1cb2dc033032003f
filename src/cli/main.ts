/** The `timonel` command: dispatches to subcommands and turns failures into clear messages. */
import { UsageError, helpText } from "./args.js";
import { runUp, upCommand } from "./up.js";
import { imageCommand, runImage } from "./image.js";

const commands: Record<string, { spec: typeof upCommand; run(argv: string[]): Promise<number> }> = {
  up: { spec: upCommand, run: runUp },
  image: { spec: imageCommand, run: runImage },
};

function usage(): string {
  const lines = [
    "timonel: a Kubernetes-compatible cluster in one process. The real kubectl and helm drive it.",
    "",
    "Usage: timonel <command> [flags]",
    "",
    "Commands:",
    ...Object.values(commands).map((c) => `  ${c.spec.name.padEnd(10)} ${c.spec.summary}`),
    `  ${"version".padEnd(10)} Print Timonel's version and the Kubernetes version it serves.`,
    "",
    'Run "timonel <command> --help" for the flags of a command.',
  ];
  return lines.join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (!name || name === "--help" || name === "-h" || name === "help") {
      if (name === "help" && rest[0] && commands[rest[0]]) console.log(helpText(commands[rest[0]]!.spec));
      else console.log(usage());
      return 0;
    }
    if (name === "version" || name === "--version") {
      console.log("timonel 0.1.0 (serves Kubernetes API v1.32)");
      return 0;
    }
    const cmd = commands[name];
    if (!cmd) {
      console.error(`timonel: unknown command "${name}"; run "timonel --help" to list the commands`);
      return 2;
    }
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`timonel: ${err.message}`);
      return 2;
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") {
      console.error(`timonel: the port is already in use (${(err as Error).message}); stop the other server or pick another port with --port`);
      return 1;
    }
    if (code === "EACCES") {
      console.error(`timonel: permission denied (${(err as Error).message}); use a data dir you can write (--data-dir) or a port above 1024`);
      return 1;
    }
    console.error(`timonel: ${(err as Error).message ?? String(err)}`);
    return 1;
  }
}
