/**
 * Runs the real networking tools (iproute2's `ip`, nftables' `nft`) as child processes and
 * turns a non-zero exit into an error carrying the tool's own message.
 */
import { execFile } from "node:child_process";

export class CommandError extends Error {
  constructor(readonly command: string, readonly exitCode: number | null, readonly stderr: string) {
    super(`${command} failed (exit ${exitCode ?? "signal"}): ${stderr.trim() || "no message"}`);
    this.name = "CommandError";
  }
}

export interface RunOptions {
  /** Written to the command's stdin (e.g. an `ip -batch -` or `nft -f -` script). */
  input?: string;
  timeoutMs?: number;
}

export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: opts.timeoutMs ?? 10_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const code = typeof (err as NodeJS.ErrnoException).code === "number" ? Number((err as NodeJS.ErrnoException).code) : null;
        reject(new CommandError(`${cmd} ${args.join(" ")}`, code, stderr || err.message));
      } else resolve(stdout);
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Like `run`, but an error whose message matches `ignore` counts as success. */
export async function runIgnoring(cmd: string, args: string[], ignore: RegExp, opts: RunOptions = {}): Promise<void> {
  try {
    await run(cmd, args, opts);
  } catch (e) {
    if (!(e instanceof CommandError) || !ignore.test(e.stderr)) throw e;
  }
}
