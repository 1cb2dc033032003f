/**
 * Per-key exponential backoff as kubelet keeps it (client-go's flowcontrol.Backoff): the first
 * failure sets the delay to the base, each later one doubles it up to the cap; an entry not
 * touched for `resetAfterMs` starts over. Also Go's Duration formatting, which kubelet's
 * messages use ("10s", "1m20s", "200ms").
 */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** An entry idle (or a container running) this long starts over at the base. */
  resetAfterMs: number;
  now?: () => number;
}

interface Entry {
  delayMs: number;
  lastUpdateMs: number;
}

export class Backoff {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(readonly opts: BackoffOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The current delay of `key` (0 when it has none). */
  get(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** True while `eventMs + delay` is still ahead (the restart must wait). */
  inBackoffSince(key: string, eventMs: number): boolean {
    const e = this.entries.get(key);
    if (!e || this.expired(e, eventMs)) return false;
    return this.now() - eventMs < e.delayMs;
  }

  /** How long until `key` may try again after an event at `eventMs`. */
  remaining(key: string, eventMs: number): number {
    const e = this.entries.get(key);
    return e ? Math.max(0, eventMs + e.delayMs - this.now()) : 0;
  }

  /** Records one more failure at `eventMs`: base the first time (or after a reset), else double. */
  next(key: string, eventMs: number): void {
    const e = this.entries.get(key);
    if (!e || this.expired(e, eventMs)) {
      this.entries.set(key, { delayMs: this.opts.baseMs, lastUpdateMs: eventMs });
      return;
    }
    e.delayMs = Math.min(e.delayMs * 2, this.opts.maxMs);
    e.lastUpdateMs = eventMs;
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Drops keys with this prefix (a pod that went away). */
  resetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }

  private expired(e: Entry, eventMs: number): boolean {
    return eventMs - e.lastUpdateMs > this.opts.resetAfterMs;
  }
}

/** Go's time.Duration.String() at millisecond precision: "10s", "1m20s", "5m0s", "200ms", "1.5s". */
export function goDuration(ms: number): string {
  ms = Math.max(0, Math.round(ms));
  if (ms === 0) return "0s";
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const sMs = ms % 60_000;
  const secs = sMs % 1000 === 0 ? String(sMs / 1000) : (sMs / 1000).toFixed(3).replace(/0+$/, "");
  if (h) return `${h}h${m}m${secs}s`;
  if (m) return `${m}m${secs}s`;
  return `${secs}s`;
}
