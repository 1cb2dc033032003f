/**
 * Flag parsing for every `timonel` command: a command declares its flags once, and parsing,
 * `--help` text and the "unknown flag" error all come from that declaration.
 */
import { parseArgs } from "node:util";

export interface FlagSpec {
  type: "string" | "boolean";
  /** Shown in help: the value's name, e.g. DIR. */
  value?: string;
  description: string;
  default?: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  flags: Record<string, FlagSpec>;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function parseFlags(cmd: CommandSpec, argv: string[]): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  const options: Record<string, { type: "string" | "boolean" }> = { help: { type: "boolean" } };
  for (const [name, f] of Object.entries(cmd.flags)) options[name] = { type: f.type };
  try {
    const r = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
    return { values: r.values as Record<string, string | boolean | undefined>, positionals: r.positionals };
  } catch (err) {
    const msg = (err as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(msg);
    if (unknown) throw new UsageError(`unknown flag ${unknown[1]} for "timonel ${cmd.name}"; run "timonel ${cmd.name} --help" to see its flags`);
    const missing = /Option '([^']+?)(?: <value>)?' argument missing/.exec(msg);
    if (missing) throw new UsageError(`flag ${missing[1]} needs a value; run "timonel ${cmd.name} --help"`);
    throw new UsageError(`${msg}; run "timonel ${cmd.name} --help"`);
  }
}

export function helpText(cmd: CommandSpec): string {
  const lines = [cmd.summary, "", `Usage: ${cmd.usage}`, "", "Flags:"];
  const rows = Object.entries(cmd.flags).map(([n, f]) => [`--${n}${f.value ? ` ${f.value}` : ""}`, f.description + (f.default ? ` (default ${f.default})` : "")]);
  rows.push(["--help", "Show this help."]);
  const w = Math.max(...rows.map((r) => r[0]!.length));
  for (const [a, b] of rows) lines.push(`  ${a!.padEnd(w)}  ${b}`);
  return lines.join("\n");
}

export function intFlag(name: string, v: string | boolean | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== "string" || !/^\d+$/.test(v) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${String(v)}"`);
  return n;
}
