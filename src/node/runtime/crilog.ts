/**
 * The CRI container log format that kubelet reads and `kubectl logs` serves: one entry per
 * line, `<RFC3339Nano timestamp> <stdout|stderr> <F|P> <content>`, where P marks a partial
 * line continued by the next entry and F the end of a line.
 */
import { readFileSync } from "node:fs";

export type LogStream = "stdout" | "stderr";

export interface LogEntry {
  time: string;
  stream: LogStream;
  /** False for a "P" (partial) entry. */
  full: boolean;
  content: string;
}

/** RFC 3339 with nine fractional digits, in UTC, from nanoseconds since the epoch. */
export function formatTimestampNs(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, "0");
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
}

export function nowNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

export function formatEntry(stream: LogStream, content: string, full = true, time = formatTimestampNs(nowNs())): string {
  return `${time} ${stream} ${full ? "F" : "P"} ${content}\n`;
}

const lineRe = /^(\S+) (stdout|stderr) ([FP])(?: (.*))?$/;

export function parseEntry(line: string): LogEntry | undefined {
  const m = lineRe.exec(line.endsWith("\n") ? line.slice(0, -1) : line);
  if (!m) return undefined;
  return { time: m[1]!, stream: m[2] as LogStream, full: m[3] === "F", content: m[4] ?? "" };
}

/** Every entry of a log file (malformed lines skipped). */
export function readLog(path: string): LogEntry[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const out: LogEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    const e = parseEntry(line);
    if (e) out.push(e);
  }
  return out;
}

/** Joins partial entries back into whole lines, per stream. */
export function logLines(entries: LogEntry[]): Array<{ stream: LogStream; time: string; line: string }> {
  const out: Array<{ stream: LogStream; time: string; line: string }> = [];
  const pending: Partial<Record<LogStream, { time: string; parts: string[] }>> = {};
  for (const e of entries) {
    const p = (pending[e.stream] ??= { time: e.time, parts: [] });
    p.parts.push(e.content);
    if (e.full) {
      out.push({ stream: e.stream, time: p.time, line: p.parts.join("") });
      delete pending[e.stream];
    }
  }
  // A stream that ended without a newline leaves its last entry partial.
  for (const stream of ["stdout", "stderr"] as const) {
    const p = pending[stream];
    if (p) out.push({ stream, time: p.time, line: p.parts.join("") });
  }
  return out;
}
