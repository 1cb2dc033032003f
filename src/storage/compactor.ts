/**
 * Periodic compaction, as the upstream API server runs against etcd: history is kept for a
 * window (5 minutes by default) so watches and paged lists can resume from recent revisions,
 * and everything older is compacted away so the log does not grow without bound.
 *
 * Every interval it samples (time, current revision); it compacts to the newest sampled
 * revision that is older than the window. So a revision stays readable for at least the
 * window, and at most about window + interval.
 */

import type { Backend } from "./backend.js";

export interface CompactorOptions {
  /** How long history stays readable. */
  windowMs?: number;
  /** How often to sample the revision and compact. */
  intervalMs?: number;
  /** Clock, for tests. */
  now?: () => number;
  /** Called when a compaction fails (it is retried on the next tick). */
  onError?: (err: Error) => void;
}

export interface Compactor {
  stop(): void;
}

interface Sample {
  at: number;
  revision: number;
}

export function startCompactor(backend: Backend, opts: CompactorOptions = {}): Compactor {
  const windowMs = opts.windowMs ?? 5 * 60_000;
  const intervalMs = opts.intervalMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const samples: Sample[] = [];
  let stopped = false;
  let running = false;

  const tick = async (): Promise<void> => {
    if (stopped || running) return;
    running = true;
    try {
      const at = now();
      samples.push({ at, revision: await backend.currentRevision() });
      // The newest sample that has aged past the window is the compaction point; samples
      // before it are no longer needed.
      let target: Sample | undefined;
      while (samples.length > 0 && samples[0]!.at <= at - windowMs) target = samples.shift();
      if (target && !stopped && target.revision > (await backend.compactRevision())) {
        await backend.compact(target.revision);
      }
    } catch (err) {
      if (!stopped) opts.onError?.(err instanceof Error ? err : new Error(String(err)));
    } finally {
      running = false;
    }
  };

  void tick();
  const timer = setInterval(() => void tick(), intervalMs);
  // Compaction is housekeeping: it must not keep a process alive on its own.
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
