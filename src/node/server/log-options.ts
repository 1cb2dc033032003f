/**
 * kubelet's `/containerLogs` query parameters (a PodLogOptions in query form), parsed with
 * its rules: booleans are false only for "", "0" and "false"; numbers are integers;
 * `sinceSeconds` and `sinceTime` both narrow to the later of the two instants.
 */
import { errors } from "../../machinery/errors.js";

export interface LogReadOptions {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  /** Only the last N lines (0: none, then whatever follow brings). */
  tailLines?: number;
  /** Lines logged before this instant (nanoseconds since the epoch) are skipped. */
  sinceNs?: bigint;
  /** Stop after this many bytes of output. */
  limitBytes?: number;
}

function bool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v !== null && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

function int(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === "") return undefined;
  if (!/^-?\d{1,18}$/.test(v)) throw errors.badRequest(`invalid value for ${name}: ${JSON.stringify(v)}: must be an integer`);
  return Number(v);
}

/** Nanoseconds since the epoch of an RFC 3339 timestamp (any fraction length, Z or an offset). */
export function parseTimestampNs(ts: string): bigint | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/i.exec(ts);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]!.toUpperCase()}`);
  if (!Number.isFinite(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
}

/**
 * The timestamp as kubelet prints it with `timestamps=true`: Go's RFC3339Nano, which drops
 * trailing zeros of the fraction (and the dot when nothing is left).
 */
export function formatLogTimestamp(ts: string): string {
  return ts.replace(/\.(\d+)(?=Z|[+-]\d\d:\d\d$)/i, (_, frac: string) => {
    const t = frac.replace(/0+$/, "");
    return t ? `.${t}` : "";
  });
}

export function parseLogOptions(q: URLSearchParams, now = Date.now()): LogReadOptions {
  const opts: LogReadOptions = { follow: bool(q, "follow"), previous: bool(q, "previous"), timestamps: bool(q, "timestamps") };
  const tail = int(q, "tailLines");
  if (tail !== undefined) {
    if (tail < 0) throw errors.badRequest(`tailLines: Invalid value: ${tail}: must be greater than or equal to 0`);
    opts.tailLines = tail;
  }
  const limit = int(q, "limitBytes");
  if (limit !== undefined) {
    if (limit < 1) throw errors.badRequest(`limitBytes: Invalid value: ${limit}: must be greater than 0`);
    opts.limitBytes = limit;
  }
  const sinceSeconds = int(q, "sinceSeconds");
  if (sinceSeconds !== undefined) {
    if (sinceSeconds < 1) throw errors.badRequest(`sinceSeconds: Invalid value: ${sinceSeconds}: must be greater than 0`);
    opts.sinceNs = BigInt(now - sinceSeconds * 1000) * 1_000_000n;
  }
  const sinceTime = q.get("sinceTime");
  if (sinceTime) {
    const ns = parseTimestampNs(sinceTime);
    if (ns === undefined) throw errors.badRequest(`invalid value for sinceTime: ${JSON.stringify(sinceTime)}: must be an RFC 3339 time`);
    if (opts.sinceNs === undefined || ns > opts.sinceNs) opts.sinceNs = ns;
  }
  return opts;
}
