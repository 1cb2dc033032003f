/**
 * Small helpers shared by the runtimes for their on-disk state: ids, atomic JSON files,
 * conmon-style exit files, and looking at processes through /proc without trusting a bare pid
 * (a pid may be reused, and an orphan may linger as a zombie until init reaps it).
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RuntimeNotFoundError } from "./types.js";
import { execFile } from "node:child_process";

/** A 32-hex-digit id (short enough for unix socket paths under a state dir). */
export function newId(): string {
  return randomBytes(16).toString("hex");
}

export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2));
  renameSync(tmp, path);
}

export function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || e instanceof SyntaxError) return undefined;
    throw e;
  }
}

/** An exit file holds the exit code as decimal text; its mtime is when the container finished. */
export function readExitFile(path: string): { exitCode: number; finishedAt: string } | undefined {
  try {
    const text = readFileSync(path, "utf8").trim();
    if (!/^-?\d+$/.test(text)) return undefined;
    return { exitCode: Number(text), finishedAt: statSync(path).mtime.toISOString() };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

export interface ProcInfo {
  comm: string;
  state: string;
  /** Start time in clock ticks after boot: with the pid, identifies one process. */
  startTime: string;
}

/** /proc/<pid>/stat, or undefined when there is no such process (Linux only). */
export function procInfo(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const open = stat.indexOf("(");
    const close = stat.lastIndexOf(")");
    const rest = stat.slice(close + 2).split(" ");
    return { comm: stat.slice(open + 1, close), state: rest[0]!, startTime: rest[19]! };
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie; on non-Linux systems only `kill(pid, 0)` can tell. */
export function pidAlive(pid: number, expectStartTime?: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (process.platform === "linux") {
    const info = procInfo(pid);
    if (!info || info.state === "Z" || info.state === "X") return false;
    return expectStartTime === undefined || info.startTime === expectStartTime;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` every `intervalMs` until it returns true or `timeoutMs` passes; returns the last result. */
export async function waitFor(check: () => boolean, timeoutMs: number, intervalMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(intervalMs, Math.max(1, deadline - Date.now())));
  }
}

export class ToolError extends Error {
  constructor(readonly command: string, readonly exitCode: number | null, readonly stderr: string) {
    super(`${command} failed (exit ${exitCode ?? "signal"}): ${stderr.trim() || "no message"}`);
    this.name = "ToolError";
  }
}

/** Runs a tool (runc, mount, unshare...) and resolves with its stdout; a non-zero exit rejects with its stderr. */
export function tool(cmd: string, args: string[], timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const c = (err as NodeJS.ErrnoException).code;
        reject(new ToolError(`${cmd} ${args.join(" ")}`, typeof c === "number" ? c : null, stderr || err.message));
      } else resolve(stdout);
    });
    child.stdin?.end();
  });
}

/** Like `tool`, but an error whose stderr matches `ignore` counts as success. */
export async function toolIgnoring(cmd: string, args: string[], ignore: RegExp): Promise<void> {
  try {
    await tool(cmd, args);
  } catch (e) {
    if (!(e instanceof ToolError) || !ignore.test(e.stderr)) throw e;
  }
}

export const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The container's environment as `K=V` strings, with a default PATH and HOSTNAME as container runtimes add them. */
export function envList(env: Record<string, string>, hostname: string): string[] {
  const out = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  if (!("PATH" in env)) out.unshift(`PATH=${defaultPath}`);
  if (!("HOSTNAME" in env)) out.push(`HOSTNAME=${hostname}`);
  return out;
}

/** The entries of a directory, or none when it does not exist (yet). */
export function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Where a sandbox's files live under a runtime's state dir. */
export function sandboxDir(stateDir: string, id: string): string {
  return join(stateDir, "sandboxes", id);
}

/** A sandbox's record; RuntimeNotFoundError for an id that is malformed or unknown. */
export function readSandboxRecord<T>(stateDir: string, id: string): T {
  const rec = /^[0-9a-f]+$/.test(id) ? readJson<T>(join(sandboxDir(stateDir, id), "sandbox.json")) : undefined;
  if (!rec) throw new RuntimeNotFoundError("sandbox", id);
  return rec;
}

/** Every readable sandbox record (for adoption after a restart). */
export function listSandboxRecords<T>(stateDir: string): T[] {
  const out: T[] = [];
  for (const id of safeReaddir(join(stateDir, "sandboxes"))) {
    const rec = readJson<T>(join(sandboxDir(stateDir, id), "sandbox.json"));
    if (rec) out.push(rec);
  }
  return out;
}
