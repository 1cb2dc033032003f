/**
 * Which of this controller's own slice writes the cache has not shown yet, per Service: the
 * resourceVersion each create or update returned, and each delete. An entry clears when the
 * watch delivers the matching event or, since that event may come before the write's reply,
 * when the cache is seen to hold the write; an entry older than expireMs (a relist skipped
 * the event) is dropped rather than blocking the Service.
 */
import type { EndpointSlice } from "../../api/discovery/v1/endpointslice.js";

const deletedMark = "\u0000deleted";

/**
 * Whether the cache shows a write: the slice gone for a delete; for a create or update, the
 * same resourceVersion or (this API server's are counters) a later one.
 */
function seen(rv: string, slice: EndpointSlice | undefined): boolean {
  if (rv === deletedMark) return slice === undefined;
  const have = slice?.metadata.resourceVersion;
  if (have === undefined) return false;
  if (have === rv) return true;
  return /^\d+$/.test(have) && /^\d+$/.test(rv) && BigInt(have) > BigInt(rv);
}

export class SliceTracker {
  private readonly bySvc = new Map<string, Map<string, { rv: string; at: number }>>();

  constructor(private readonly expireMs = 10_000, private readonly now: () => number = Date.now) {}

  wrote(svcKey: string, slice: EndpointSlice): void {
    this.set(svcKey, slice.metadata.name ?? "", slice.metadata.resourceVersion ?? "");
  }

  deleted(svcKey: string, slice: EndpointSlice): void {
    this.set(svcKey, slice.metadata.name ?? "", deletedMark);
  }

  observe(svcKey: string, slice: EndpointSlice, deleted: boolean): void {
    const m = this.bySvc.get(svcKey);
    const e = m?.get(slice.metadata.name ?? "");
    if (!m || !e) return;
    if (deleted ? e.rv === deletedMark : e.rv === slice.metadata.resourceVersion) m.delete(slice.metadata.name ?? "");
    if (m.size === 0) this.bySvc.delete(svcKey);
  }

  forgetService(svcKey: string): void {
    this.bySvc.delete(svcKey);
  }

  /**
   * How long the oldest unseen write has waited, or undefined when the cache (`cached`: the
   * slice of that name in the Service's namespace) is caught up.
   */
  pendingMs(svcKey: string, cached: (name: string) => EndpointSlice | undefined): number | undefined {
    const m = this.bySvc.get(svcKey);
    if (!m) return undefined;
    const t = this.now();
    let oldest: number | undefined;
    for (const [name, e] of m) {
      if (t - e.at > this.expireMs || seen(e.rv, cached(name))) { m.delete(name); continue; }
      oldest = Math.max(oldest ?? 0, t - e.at);
    }
    if (m.size === 0) { this.bySvc.delete(svcKey); return undefined; }
    return oldest;
  }

  private set(svcKey: string, name: string, rv: string): void {
    let m = this.bySvc.get(svcKey);
    if (!m) this.bySvc.set(svcKey, m = new Map());
    m.set(name, { rv, at: this.now() });
  }
}
