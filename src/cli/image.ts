/**
 * `timonel image import|ls|rm`: manage the node's image store, for air-gapped machines
 * (import `docker save` or OCI-layout tarballs, as k3s's `ctr images import` does).
 */
import path from "node:path";
import { helpText, parseFlags, UsageError, type CommandSpec } from "./args.js";
import { defaultDataDir } from "./cluster.js";

export const imageCommand: CommandSpec = {
  name: "image",
  summary: "Import, list and remove the images in this node's image store (for air-gapped machines).",
  usage: "timonel image import FILE... | ls | rm [--force] IMAGE... [--data-dir DIR]",
  flags: {
    "data-dir": { type: "string", value: "DIR", description: "The data dir whose image store to use (images live in DIR/images).", default: "~/.timonel, or /var/lib/timonel as root" },
    force: { type: "boolean", description: "rm: remove an image even if a container uses it." },
  },
};

export async function runImage(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(imageCommand, argv);
  if (values.help) {
    console.log(helpText(imageCommand));
    return 0;
  }
  const [sub, ...args] = positionals;
  const storeRoot = path.join(path.resolve((values["data-dir"] as string | undefined) ?? defaultDataDir()), "images");
  // The image code (tar parsing, registry client) loads only for this command.
  const images = await import("../image/index.js");
  switch (sub) {
    case "import": {
      if (!args.length) throw new UsageError('image import needs at least one FILE (a "docker save" or OCI-layout tarball)');
      for (const file of args) {
        const r = await images.imageImport(storeRoot, path.resolve(file));
        for (const img of r.images) console.log(`imported ${img.names.join(", ") || img.id} (${r.format}) from ${file}`);
      }
      return 0;
    }
    case "ls":
    case "list":
      process.stdout.write(images.formatImageTable(await images.imageList(storeRoot)));
      return 0;
    case "rm":
    case "remove": {
      if (!args.length) throw new UsageError("image rm needs at least one IMAGE");
      for (const ref of args) {
        const r = await images.imageRemove(storeRoot, ref, { force: values.force === true });
        for (const u of r.untagged) console.log(`untagged ${u}`);
        for (const d of r.deleted) console.log(`deleted ${d}`);
      }
      return 0;
    }
    default:
      throw new UsageError(sub ? `unknown image subcommand "${sub}"; use import, ls or rm` : "image needs a subcommand: import, ls or rm");
  }
}
