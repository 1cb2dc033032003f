/**
 * The loop every queue worker runs (client-go's processNextWorkItem): take a key, handle it,
 * forget its backoff on success or requeue it rate-limited on failure, mark it done. And a
 * throttled error line for such loops, so that a failing dependency (the API server away)
 * prints one line every few seconds rather than one per key.
 */
import type { RateLimitedQueue } from "./queue.js";

export type ErrorReporter = (err: unknown, what: string) => void;

export interface WorkerOptions<K> {
  handle(key: K): Promise<void>;
  onError: ErrorReporter;
  /** Describes a key in error lines (default `String(key)`). */
  describe?: (key: K) => string;
  /** Once true, failures are neither reported nor requeued (shutting down). */
  stopped?: () => boolean;
}

/** Runs until the queue shuts down (get() resolves undefined). */
export async function runWorker<K>(queue: RateLimitedQueue<K>, opts: WorkerOptions<K>): Promise<void> {
  for (;;) {
    const key = await queue.get();
    if (key === undefined) return;
    try {
      await opts.handle(key);
      queue.forget(key);
    } catch (err) {
      if (!opts.stopped?.()) {
        opts.onError(err, opts.describe ? opts.describe(key) : String(key));
        queue.addRateLimited(key);
      }
    } finally {
      queue.done(key);
    }
  }
}

/** Writes `<component>: <what>: <message>` to stderr, at most one line per interval, counting the rest. */
export function throttledStderr(component: string, intervalMs = 10_000): ErrorReporter {
  let last = 0;
  let dropped = 0;
  return (err, what) => {
    const now = Date.now();
    if (now - last < intervalMs) {
      dropped++;
      return;
    }
    last = now;
    const more = dropped ? ` (${dropped} more errors since the last report)` : "";
    dropped = 0;
    process.stderr.write(`${component}: ${what}: ${err instanceof Error ? err.message : String(err)}${more}\n`);
  };
}
