/**
 * What this controller wrote, laid over the informer's cache until the cache catches up
 * (client-go's MutationCache): a sync that starts before the watch delivered our previous
 * write sees that write anyway, instead of deciding from an older object and then failing
 * with a 409 (or, for a ReplicaSet just created, trying to create it again). Entries go as
 * soon as the cache holds the same or a newer resourceVersion, when the object is deleted,
 * or after a time to live.
 */
import { objectKey } from "../../client/index.js";
import type { KubeObject } from "../../machinery/object.js";

/** resourceVersions are the storage revision here: numeric, so they compare. */
function newer(a: string | undefined, b: string | undefined): boolean {
  if (!a || !/^\d+$/.test(a)) return false;
  if (!b || !/^\d+$/.test(b)) return true;
  return BigInt(a) > BigInt(b);
}

export class MutationCache<T extends KubeObject> {
  private readonly recent = new Map<string, { obj: T; at: number }>();

  constructor(private readonly ttlMs = 60_000, private readonly now: () => number = Date.now) {}

  /** Remembers an object the server returned from our write. */
  mutated(obj: T): void {
    const key = objectKey(obj);
    const cur = this.recent.get(key);
    if (cur && !newer(obj.metadata.resourceVersion, cur.obj.metadata.resourceVersion)) return;
    this.recent.set(key, { obj, at: this.now() });
  }

  forget(key: string): void {
    this.recent.delete(key);
  }

  /** The newer of the cached object and our last write of it. */
  resolve(key: string, cached: T | undefined): T | undefined {
    const entry = this.recent.get(key);
    if (!entry) return cached;
    if (this.now() - entry.at > this.ttlMs) {
      this.recent.delete(key);
      return cached;
    }
    if (cached && !newer(entry.obj.metadata.resourceVersion, cached.metadata.resourceVersion)) {
      this.recent.delete(key);
      return cached;
    }
    if (cached && cached.metadata.uid !== entry.obj.metadata.uid) {
      // Deleted and created again by someone else: the cache knows better.
      this.recent.delete(key);
      return cached;
    }
    return entry.obj;
  }

  /** Objects we wrote in `namespace` that the cache may not have yet (created by us). */
  pending(namespace: string | undefined, inCache: (key: string) => boolean): T[] {
    const out: T[] = [];
    for (const [key, entry] of this.recent) {
      if (entry.obj.metadata.namespace !== namespace || inCache(key)) continue;
      if (this.now() - entry.at > this.ttlMs) {
        this.recent.delete(key);
        continue;
      }
      out.push(entry.obj);
    }
    return out;
  }
}
