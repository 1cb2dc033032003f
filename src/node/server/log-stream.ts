/**
 * Streams a container's CRI log file as `kubectl logs` shows it: the content of each line
 * (partial entries joined to their full one), optionally prefixed by its timestamp, from the
 * tail offset, filtered by time, cut at a byte limit, and with `follow` kept open while the
 * file grows (fs.watch, with a poll as a fallback) until the client leaves or the container
 * has exited and every byte has been read. A rotated file (new inode, or truncated) is
 * reopened from its start.
 */
import { open, stat, type FileHandle } from "node:fs/promises";
import { watch, type FSWatcher } from "node:fs";
import { parseEntry, type LogStream } from "../runtime/crilog.js";
import { formatLogTimestamp, parseTimestampNs, type LogReadOptions } from "./log-options.js";
import { tailOffset } from "./tail.js";

const CHUNK = 64 * 1024;
/** How often a follower looks again without a file event (and asks whether the container runs). */
const POLL_MS = 500;
/** A raw line longer than this without a newline is cut (conmon writes at most 8 KiB per entry). */
const MAX_RAW_LINE = 1024 * 1024;

/** Where the output goes; `write` returns false when the reader should wait for `drained`. */
export interface LogOutput {
  write(chunk: Buffer): boolean;
  drained(): Promise<void>;
  readonly signal: AbortSignal;
}

export interface StreamLogArgs {
  path: string;
  opts: LogReadOptions;
  out: LogOutput;
  /** Whether the container still runs; follow ends at EOF once it does not. Absent: runs until the client leaves. */
  running?: () => boolean | Promise<boolean>;
}

interface Pending {
  time: string;
  parts: string[];
}

/** Turns raw entries into output text; `done` once the byte limit is reached. */
class LineFormatter {
  // Two fields, not a map: this runs once per log line.
  private stdout: Pending | undefined;
  private stderr: Pending | undefined;
  private remaining: number;
  private out: (string | Buffer)[] = [];

  constructor(private readonly opts: LogReadOptions) {
    this.remaining = opts.limitBytes ?? Infinity;
  }

  get done(): boolean {
    return this.remaining <= 0;
  }

  /** The text formatted since the last call. */
  take(): Buffer | undefined {
    if (!this.out.length) return undefined;
    const parts = this.out;
    this.out = [];
    if (parts.every((p) => typeof p === "string")) return Buffer.from(parts.join(""), "utf8");
    return Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : p)));
  }

  rawLine(raw: string): void {
    const e = parseEntry(raw);
    if (!e || this.done) return;
    const p = e.stream === "stdout" ? this.stdout : this.stderr;
    if (e.full && !p) {
      this.line(e.time, e.content, true);
      return;
    }
    const pending = p ?? { time: e.time, parts: [] };
    pending.parts.push(e.content);
    const keep = e.full ? undefined : pending;
    if (e.stream === "stdout") this.stdout = keep;
    else this.stderr = keep;
    if (e.full) this.line(pending.time, pending.parts.join(""), true);
  }

  /** Lines still partial at the end of the stream, without a newline (as the container left them). */
  flush(): void {
    for (const p of [this.stdout, this.stderr]) if (p) this.line(p.time, p.parts.join(""), false);
    this.stdout = this.stderr = undefined;
  }

  private line(time: string, content: string, newline: boolean): void {
    if (this.done) return;
    if (this.opts.sinceNs !== undefined) {
      const t = parseTimestampNs(time);
      if (t !== undefined && t < this.opts.sinceNs) return;
    }
    const text = `${this.opts.timestamps ? `${formatLogTimestamp(time)} ` : ""}${content}${newline ? "\n" : ""}`;
    if (this.remaining !== Infinity) {
      const bytes = Buffer.byteLength(text, "utf8");
      if (bytes > this.remaining) {
        // The cut may split a UTF-8 sequence: those bytes go out as they are.
        this.out.push(Buffer.from(text, "utf8").subarray(0, this.remaining));
        this.remaining = 0;
        return;
      }
      this.remaining -= bytes;
    }
    this.out.push(text);
  }
}

/** Splits bytes into raw lines (without the newline), keeping an incomplete last line. */
class RawLines {
  private rest: Buffer = Buffer.alloc(0);

  push(chunk: Buffer, onLine: (line: string) => void): void {
    let data = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    let from = 0;
    for (;;) {
      const nl = data.indexOf(0x0a, from);
      if (nl < 0) break;
      onLine(data.toString("utf8", from, nl));
      from = nl + 1;
    }
    data = data.subarray(from);
    if (data.length > MAX_RAW_LINE) {
      onLine(data.toString("utf8"));
      data = Buffer.alloc(0);
    }
    this.rest = Buffer.from(data);
  }

  /** The last line, when the writer never ended it. */
  end(onLine: (line: string) => void): void {
    if (this.rest.length) onLine(this.rest.toString("utf8"));
    this.rest = Buffer.alloc(0);
  }

  reset(): void {
    this.rest = Buffer.alloc(0);
  }
}

async function openIfExists(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/** Resolves after `ms`, on a change of the watched file, or on abort, whichever is first. */
class ChangeWaiter {
  private watcher: FSWatcher | undefined;
  private wake: (() => void) | undefined;
  private watchedPath = "";

  constructor(private readonly signal: AbortSignal) {}

  watch(path: string): void {
    if (this.watcher && this.watchedPath === path) return;
    this.close();
    this.watchedPath = path;
    try {
      this.watcher = watch(path, { persistent: false }, () => this.wake?.());
      this.watcher.on("error", () => this.close());
    } catch {
      // No inotify (or the file is gone): the poll still finds new data.
    }
  }

  wait(ms: number): Promise<void> {
    if (this.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.signal.removeEventListener("abort", done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.signal.addEventListener("abort", done, { once: true });
      this.wake = done;
    });
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}

/** Streams the log to `out`; resolves when the output is complete or the client has gone. */
export async function streamLog({ path, opts, out, running }: StreamLogArgs): Promise<void> {
  const { signal } = out;
  const fmt = new LineFormatter(opts);
  // Lines of one read go out as one write: a TLS write per line would cost more than the line.
  const send = async (): Promise<void> => {
    const chunk = fmt.take();
    if (chunk && !out.write(chunk)) await out.drained();
  };
  const raw = new RawLines();
  const onLine = (l: string): void => fmt.rawLine(l);
  const waiter = new ChangeWaiter(signal);
  let fh = await openIfExists(path);
  try {
    let pos = 0;
    let ino = 0;
    if (fh) {
      const st = await fh.stat();
      ino = st.ino;
      pos = opts.tailLines !== undefined ? await tailOffset(fh, st.size, opts.tailLines) : 0;
    }
    const buf = Buffer.alloc(CHUNK);
    // Set once the container was seen stopped: one more pass to EOF, then the end.
    let finalPass = false;
    while (!signal.aborted && !fmt.done) {
      const n = fh ? (await fh.read(buf, 0, CHUNK, pos)).bytesRead : 0;
      if (n > 0) {
        pos += n;
        raw.push(buf.subarray(0, n), onLine);
        await send();
        continue;
      }
      if (!opts.follow || opts.previous || finalPass) break;
      // At EOF while following: has the file been rotated or truncated?
      const st = await stat(path).catch(() => undefined);
      if (st && (!fh || st.ino !== ino || st.size < pos)) {
        // Renamed away by rotation: what the writer added to the old file before it reopened
        // the path is read first.
        if (fh && st.ino !== ino && (await fh.stat()).size > pos) continue;
        await fh?.close();
        // The watch is on the old file's inode: watch the new one.
        if (st.ino !== ino) waiter.close();
        fh = await openIfExists(path);
        ino = st.ino;
        pos = 0;
        raw.reset();
        continue;
      }
      if (running && !(await running())) {
        finalPass = true;
        continue;
      }
      waiter.watch(path);
      // No file at the path: a rotation is between its rename and the writer's reopen, which
      // takes milliseconds; a long wait here would skip what the new file gets meanwhile.
      await waiter.wait(st ? POLL_MS : 20);
    }
    if (!signal.aborted && !fmt.done && (!opts.follow || opts.previous || finalPass)) {
      raw.end(onLine);
      fmt.flush();
      await send();
    }
  } finally {
    waiter.close();
    await fh?.close();
  }
}
