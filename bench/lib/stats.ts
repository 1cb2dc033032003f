/**
 * Small numeric and formatting helpers shared by the benchmarks: percentiles over samples,
 * rate and latency cells, and the aligned table every benchmark prints.
 */

export interface Latency {
  p50Ms: number;
  p99Ms: number;
  samples: number;
}

/** Nearest-rank percentile of an ascending array (q in 0..1). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function summarize(samplesMs: number[]): Latency {
  const sorted = Float64Array.from(samplesMs).sort();
  const arr = Array.from(sorted);
  return { p50Ms: percentile(arr, 0.5), p99Ms: percentile(arr, 0.99), samples: arr.length };
}

/** Times `runs` sequential calls of `fn`. */
export async function timeRuns(runs: number, fn: (i: number) => unknown): Promise<Latency> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
  }
  return summarize(times);
}

export const fmt = {
  int: (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "—"),
  ms: (x: number): string => {
    const a = Math.abs(x);
    return !Number.isFinite(x) ? "—" : a < 1 ? x.toFixed(3) : a < 100 ? x.toFixed(2) : x.toFixed(0);
  },
  lat: (l: Latency | undefined): string => (l ? `${fmt.ms(l.p50Ms)} / ${fmt.ms(l.p99Ms)}` : ""),
  ratio: (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}×` : "—"),
  mb: (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`,
};

/** Pass/fail mark for a target; blank when the figure has no target. */
export function mark(ok: boolean | undefined): string {
  return ok === undefined ? "" : ok ? "PASS" : "FAIL";
}

/** Left-aligns the first column, right-aligns the rest. */
export function table(rows: string[][]): string {
  const cols = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: cols }, (_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]): string =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  const sep = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(rows[0]!), sep, ...rows.slice(1).map(line)].join("\n");
}
