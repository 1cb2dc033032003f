/**
 * Container log rotation by size, as kubelet's container log manager does it
 * (containerLogMaxSize, containerLogMaxFiles): every 10 s the current log file of each running
 * container is measured; one at or over the size is moved aside as `<n>.log.<YYYYMMDD-HHMMSS>`
 * and the container writes a fresh `<n>.log`. At most maxFiles - 1 rotated files are kept per
 * log, the newest as it is and the older ones gzipped (`.gz`), as kubelet keeps them.
 * `kubectl logs` reads only the current file; a follow (`-f`) reopens it once it is replaced.
 *
 * How the writer is moved to a new file decides what can be lost:
 * - a runtime that can reopen its log (runc: conmon's REOPEN_LOGS control message, CRI's
 *   ReopenContainerLog) gets rename-then-reopen. Nothing is lost: until conmon reopens, it
 *   keeps writing to the renamed file. For that short moment (a few ms) the log path does not
 *   exist, and a `kubectl logs` that starts just then is told the container is waiting.
 * - otherwise (the process runtime's shim, which appends with O_APPEND) copy-then-truncate:
 *   the file is copied, the copy catches up synchronously to the end of the file, and the file
 *   is truncated right after the last read. Entries written in the microseconds between that
 *   last read and the truncate are lost; nothing is duplicated.
 */
import { createReadStream, createWriteStream, ftruncateSync, readSync, writeSync } from "node:fs";
import { open, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { checkLogPolicy, defaultContainerLogMaxFiles, defaultContainerLogMaxSize, defaultLogRotationIntervalMs } from "./housekeeping.js";
import type { ContainerInfo } from "../runtime/types.js";

/** What rotation needs from the runtime: its containers, and (optionally) CRI's ReopenContainerLog. */
export interface LogRotationRuntime {
  listContainers(): Promise<ContainerInfo[]>;
  reopenContainerLog?(id: string): Promise<void>;
}

export interface LogRotationPolicy {
  /** Bytes; a current log at or over this is rotated. */
  maxSize: number;
  /** Files kept per container log, the current one included (>= 2). */
  maxFiles: number;
  /** Gzip rotated files but the newest. Default true. */
  compress?: boolean;
  /** The clock for rotated names (tests). */
  now?: () => Date;
}

export interface LogRotatorOptions extends Partial<LogRotationPolicy> {
  /** Default 10 s (kubelet's containerLogMonitorInterval). */
  intervalMs?: number;
  onError?: (err: unknown, what: string) => void;
  /** A line per rotation (default: none). */
  onRotate?: (logPath: string, rotated: string) => void;
}

/** kubelet's rotated-name timestamp, `20261122-060102` (UTC here). */
export function rotationStamp(d: Date): string {
  const iso = d.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

interface RotatedFile {
  name: string;
  stamp: string;
  /** A second rotation within the same second gets `-1`, `-2`, ... after the stamp. */
  seq: number;
  gz: boolean;
}

/** The rotated files of one log (`0.log.20261122-060102`, `...-1`, `....gz`), oldest first. */
export async function rotatedFiles(logPath: string): Promise<RotatedFile[]> {
  const dir = path.dirname(logPath);
  const base = path.basename(logPath);
  const re = new RegExp(`^${escapeRe(base)}\\.(\\d{8}-\\d{6})(?:-(\\d+))?(\\.gz)?$`);
  const out: RotatedFile[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const m = re.exec(name);
    if (m) out.push({ name, stamp: m[1]!, seq: Number(m[2] ?? 0), gz: m[3] !== undefined });
  }
  return out.sort((a, b) => a.stamp.localeCompare(b.stamp) || a.seq - b.seq || Number(a.gz) - Number(b.gz));
}

/**
 * Rotates one log now: drops the oldest rotated files so that maxFiles - 1 remain once this
 * one is added, moves the current file aside (reopen, or copy-then-truncate), and gzips the
 * older rotated files. Returns the rotated file's path.
 */
export async function rotateLog(logPath: string, policy: LogRotationPolicy, reopen?: () => Promise<void>): Promise<string> {
  checkLogPolicy(policy);
  const dir = path.dirname(logPath);
  const base = path.basename(logPath);
  await removeStaleTemps(dir, base);
  let rotated = await rotatedFiles(logPath);
  // A compression interrupted after its rename leaves both forms; the `.gz` one is whole.
  const gzipped = new Set(rotated.filter((f) => f.gz).map((f) => f.name.slice(0, -3)));
  for (const f of rotated) if (!f.gz && gzipped.has(f.name)) await rm(path.join(dir, f.name), { force: true });
  rotated = rotated.filter((f) => f.gz || !gzipped.has(f.name));
  // Oldest first, so that a `kubectl logs` reading a newer file is not disturbed.
  const excess = rotated.length - (policy.maxFiles - 2);
  for (const f of rotated.slice(0, Math.max(0, excess))) await rm(path.join(dir, f.name), { force: true });
  rotated = rotated.slice(Math.max(0, excess));

  const stamp = rotationStamp((policy.now ?? (() => new Date()))());
  // After the newest of the same second, so that names keep sorting oldest first.
  const seq = Math.max(-1, ...rotated.filter((f) => f.stamp === stamp).map((f) => f.seq)) + 1;
  const target = path.join(dir, `${base}.${stamp}${seq ? `-${seq}` : ""}`);
  if (reopen) await renameAndReopen(logPath, target, reopen);
  else await copyTruncate(logPath, target);

  if (policy.compress ?? true) {
    // Every rotated file but the newest one is complete (the writer moved on before this round).
    for (const f of rotated) if (!f.gz) await gzipFile(path.join(dir, f.name));
  }
  return target;
}

async function renameAndReopen(logPath: string, target: string, reopen: () => Promise<void>): Promise<void> {
  const before = await stat(logPath);
  await rename(logPath, target);
  try {
    await reopen();
  } catch (err) {
    // The writer still has the renamed file: put it back so the log keeps its name.
    await rename(target, logPath).catch(() => undefined);
    throw err;
  }
  // The reopen is asynchronous (conmon reads its control FIFO in its own loop): wait, bounded,
  // for the new file, so that the next steps never race the writer.
  const deadline = Date.now() + 5000;
  for (;;) {
    const st = await stat(logPath).catch(() => undefined);
    if (st && st.ino !== before.ino) return;
    if (Date.now() > deadline) throw new Error(`the runtime did not reopen ${logPath} within 5 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const CHUNK = 1 << 20;

/**
 * Copies the file to `target`, then truncates it. The bulk is copied asynchronously; the last
 * stretch is read synchronously and followed at once by the truncate, so that only what the
 * writer appends between that last read and the truncate (microseconds) is lost.
 */
export async function copyTruncate(logPath: string, target: string): Promise<void> {
  const src = await open(logPath, "r+");
  try {
    const dst = await open(target, "wx", 0o640);
    let pos = 0;
    try {
      const buf = Buffer.alloc(CHUNK);
      const size = (await src.stat()).size;
      while (pos < size) {
        const { bytesRead } = await src.read(buf, 0, CHUNK, pos);
        if (bytesRead === 0) break;
        await dst.write(buf, 0, bytesRead);
        pos += bytesRead;
      }
      // Bounded: a writer faster than the copy cannot keep this loop going forever.
      for (let i = 0; i < 256; i++) {
        const n = readSync(src.fd, buf, 0, CHUNK, pos);
        if (n === 0) break;
        writeSync(dst.fd, buf, 0, n);
        pos += n;
      }
      ftruncateSync(src.fd, 0);
    } finally {
      await dst.close();
    }
  } finally {
    await src.close();
  }
}

async function gzipFile(file: string): Promise<void> {
  const tmp = `${file}.gz.tmp`;
  try {
    await pipeline(createReadStream(file), createGzip(), createWriteStream(tmp, { mode: 0o640 }));
    await rename(tmp, `${file}.gz`);
    await rm(file, { force: true });
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Our own interrupted compressions (`0.log.<stamp>.gz.tmp`); conmon's `0.log.tmp` is left alone. */
async function removeStaleTemps(dir: string, base: string): Promise<void> {
  const re = new RegExp(`^${escapeRe(base)}\\.\\d{8}-\\d{6}(?:-\\d+)?\\.gz\\.tmp$`);
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (re.test(name)) await rm(path.join(dir, name), { force: true });
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The periodic loop over running containers' current logs. */
export class ContainerLogRotator {
  private readonly policy: LogRotationPolicy;
  private readonly intervalMs: number;
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private stopped = false;
  /** Rotations done so far (tests, metrics). */
  rotations = 0;

  constructor(private readonly runtime: LogRotationRuntime, private readonly opts: LogRotatorOptions = {}) {
    this.policy = {
      maxSize: opts.maxSize ?? defaultContainerLogMaxSize,
      maxFiles: opts.maxFiles ?? defaultContainerLogMaxFiles,
      ...(opts.compress !== undefined ? { compress: opts.compress } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    };
    checkLogPolicy(this.policy);
    this.intervalMs = opts.intervalMs ?? defaultLogRotationIntervalMs;
    if (!(this.intervalMs > 0)) throw new Error(`log rotation interval must be > 0, got ${this.intervalMs}`);
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => {
      // One round at a time: a slow round (big copies) skips ticks instead of piling up.
      if (!this.round) this.round = this.rotateAll().finally(() => (this.round = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.round;
  }

  /** One round: every running container whose current log is at or over the size is rotated. */
  async rotateAll(): Promise<void> {
    let containers: ContainerInfo[];
    try {
      containers = await this.runtime.listContainers();
    } catch (err) {
      this.opts.onError?.(err, "log rotation: listing containers");
      return;
    }
    for (const c of containers) {
      if (this.stopped) return;
      if (c.status.state !== "running" || !c.logPath) continue;
      try {
        await this.rotateIfNeeded(c);
      } catch (err) {
        this.opts.onError?.(err, `log rotation of ${c.logPath}`);
      }
    }
  }

  private async rotateIfNeeded(c: ContainerInfo): Promise<void> {
    const reopen = this.runtime.reopenContainerLog ? () => this.runtime.reopenContainerLog!(c.id) : undefined;
    const st = await stat(c.logPath).catch(() => undefined);
    if (!st) {
      // A rename whose reopen did not finish (agent stopped in between): have the writer start
      // the file again, so that `kubectl logs` finds it.
      if (reopen && (await rotatedFiles(c.logPath)).length) await reopen();
      return;
    }
    if (st.size < this.policy.maxSize) return;
    const rotated = await rotateLog(c.logPath, this.policy, reopen);
    this.rotations++;
    this.opts.onRotate?.(c.logPath, rotated);
  }
}

