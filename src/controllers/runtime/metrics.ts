/** Per-controller counters and a window of recent reconcile latencies for p50/p99. */

const window = 1024;

export class ControllerStats {
  reconciles = 0;
  errors = 0;
  private readonly samples = new Float64Array(window);
  private n = 0;

  observe(ms: number): void {
    this.samples[this.n % window] = ms;
    this.n++;
    this.reconciles++;
  }

  /** Nearest-rank percentile over the last 1024 reconciles (0 when none). */
  percentile(p: number): number {
    const count = Math.min(this.n, window);
    if (count === 0) return 0;
    const sorted = this.samples.slice(0, count).sort();
    return sorted[Math.min(count - 1, Math.max(0, Math.ceil(p * count) - 1))]!;
  }
}
