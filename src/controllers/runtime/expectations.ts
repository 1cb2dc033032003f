/**
 * client-go's ControllerExpectations (with UID tracking for deletions): after a controller
 * creates or deletes objects, its cache lags behind; until the informer has shown it every
 * create and delete it asked for, the controller must not act on the stale count again.
 * Expectations that are not met within 5 minutes expire (the controller syncs anyway), so a
 * lost watch event cannot wedge a controller forever.
 */
import { realClock, type Clock } from "../../client/index.js";

/** Upstream's ExpectationsTimeout. */
export const expectationsTimeoutMs = 5 * 60 * 1000;

interface Record {
  add: number;
  del: number;
  /** UIDs whose deletion is still expected. */
  uids: Set<string>;
  at: number;
}

export class Expectations {
  private readonly records = new Map<string, Record>();
  private readonly clock: Pick<Clock, "now">;
  private readonly ttlMs: number;

  constructor(opts: { clock?: Pick<Clock, "now">; ttlMs?: number } = {}) {
    this.clock = opts.clock ?? realClock;
    this.ttlMs = opts.ttlMs ?? expectationsTimeoutMs;
  }

  /** Expects `n` creations for `key` (replacing what was expected before). */
  expectCreations(key: string, n: number): void {
    this.records.set(key, { add: n, del: 0, uids: new Set(), at: this.clock.now() });
  }

  /** Expects the deletion of these objects (replacing what was expected before). */
  expectDeletions(key: string, uids: string[]): void {
    const set = new Set(uids);
    this.records.set(key, { add: 0, del: set.size, uids: set, at: this.clock.now() });
  }

  /** One expected creation was seen (or will never happen: a create that failed). */
  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r) r.add--;
  }

  /** The deletion of `uid` was seen (or will never happen); UIDs not expected are ignored. */
  deletionObserved(key: string, uid: string): void {
    const r = this.records.get(key);
    if (r && r.uids.delete(uid)) r.del--;
  }

  /**
   * True when the controller may sync `key`: nothing is expected, everything expected was
   * observed, or the expectations expired.
   */
  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    if (r.add <= 0 && r.del <= 0) return true;
    return this.clock.now() - r.at > this.ttlMs;
  }

  /** Forgets `key` (its owner was deleted). */
  delete(key: string): void {
    this.records.delete(key);
  }

  /** What is still expected (for logs and tests). */
  pending(key: string): { add: number; del: number } | undefined {
    const r = this.records.get(key);
    return r ? { add: r.add, del: r.del } : undefined;
  }
}
