/**
 * The in-memory backend, for unit tests and throwaway in-process clusters. It keeps the same
 * revisioned log the durable backends keep — every version of every key until compaction —
 * so reads at an older revision and watches from one behave exactly as they do on sqlite.
 */

import {
  KeyExistsError,
  KeyNotFoundError,
  RevisionMismatchError,
  FutureRevisionError,
  type Backend,
  type DeleteResult,
  type GetResult,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type WatchEvent,
  type WatchOptions,
  type Watcher,
  type WriteResult,
} from "../backend.js";
import { readRevision } from "../revision.js";
import { WatchHub } from "../watch-hub.js";

/** One entry of the log: a put or a delete of one key. */
interface Version {
  revision: number;
  key: string;
  value: string;
  createRevision: number;
  deleted: boolean;
  /** The version this one replaced, when the key was live before it. */
  prev: Version | undefined;
}

function toKeyValue(v: Version): KeyValue {
  return { key: v.key, value: v.value, createRevision: v.createRevision, modRevision: v.revision };
}

function toEvent(v: Version): WatchEvent {
  const ev: WatchEvent = { type: v.deleted ? "delete" : "put", kv: toKeyValue(v) };
  if (v.prev) ev.prev = toKeyValue(v.prev);
  return ev;
}

/** Index of the first element of `arr` whose `key(x)` is greater than `target` (upper bound). */
function upperBound<T>(arr: readonly T[], target: number, key: (x: T) => number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(arr[mid]!) <= target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first string in sorted `arr` that is ≥ `target` (or > it when `exclusive`). */
function lowerBoundKey(arr: readonly string[], target: string, exclusive: boolean): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = arr[mid]!;
    if (k < target || (exclusive && k === target)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const byRevision = (v: Version): number => v.revision;

export class MemoryBackend implements Backend {
  readonly name = "memory";
  private revision = 0;
  private compactedTo = 0;
  /** Every retained version of each key, oldest first. */
  private readonly versions = new Map<string, Version[]>();
  /** Every retained version, in revision order (the watch history). */
  private log: Version[] = [];
  /** Keys that have versions, sorted; keys added since the last sort wait in `unsorted`. */
  private sortedKeys: string[] = [];
  private unsorted: string[] = [];
  private closed = false;
  private readonly hub: WatchHub;

  constructor() {
    this.hub = new WatchHub({ history: (prefix, after, upto, limit) => this.history(prefix, after, upto, limit) }, 0);
  }

  async currentRevision(): Promise<number> {
    this.ensureOpen();
    return this.revision;
  }

  async get(key: string, revision?: number): Promise<GetResult> {
    this.ensureOpen();
    const at = readRevision(revision, this.revision, this.compactedTo);
    const v = this.versionAt(key, at);
    return v ? { revision: at, kv: toKeyValue(v) } : { revision: at };
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.ensureOpen();
    const at = readRevision(opts.revision, this.revision, this.compactedTo);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const keys = this.keys();
    const after = opts.startAfter !== undefined && opts.startAfter >= prefix ? opts.startAfter : undefined;
    let i = after === undefined ? lowerBoundKey(keys, prefix, false) : lowerBoundKey(keys, after, true);
    const kvs: KeyValue[] = [];
    let remaining = 0;
    for (; i < keys.length; i++) {
      const key = keys[i]!;
      if (!key.startsWith(prefix)) break;
      const v = this.versionAt(key, at);
      if (!v) continue;
      if (kvs.length < limit) kvs.push(toKeyValue(v));
      else remaining++;
    }
    return { revision: at, kvs, more: remaining > 0, remaining };
  }

  async count(prefix: string): Promise<{ revision: number; count: number }> {
    const { revision, kvs } = await this.list(prefix);
    return { revision, count: kvs.length };
  }

  async create(key: string, value: string): Promise<WriteResult> {
    this.ensureOpen();
    const latest = this.latest(key);
    if (latest && !latest.deleted) throw new KeyExistsError(key);
    const revision = this.revision + 1;
    const v = this.append({ revision, key, value, createRevision: revision, deleted: false, prev: undefined });
    return { revision, kv: toKeyValue(v) };
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<WriteResult> {
    this.ensureOpen();
    const latest = this.latest(key);
    if (!latest || latest.deleted) throw new KeyNotFoundError(key);
    if (latest.revision !== expectedModRevision) throw new RevisionMismatchError(key, toKeyValue(latest));
    const revision = this.revision + 1;
    const v = this.append({ revision, key, value, createRevision: latest.createRevision, deleted: false, prev: latest });
    return { revision, kv: toKeyValue(v) };
  }

  async delete(key: string, expectedModRevision?: number): Promise<DeleteResult> {
    this.ensureOpen();
    const latest = this.latest(key);
    if (!latest || latest.deleted) throw new KeyNotFoundError(key);
    if (expectedModRevision !== undefined && latest.revision !== expectedModRevision) {
      throw new RevisionMismatchError(key, toKeyValue(latest));
    }
    const revision = this.revision + 1;
    this.append({ revision, key, value: latest.value, createRevision: latest.createRevision, deleted: true, prev: latest });
    return { revision, prev: toKeyValue(latest) };
  }

  watch(prefix: string, opts: WatchOptions): Watcher {
    this.ensureOpen();
    return this.hub.watch(prefix, opts, this.compactedTo);
  }

  async compact(revision: number): Promise<void> {
    this.ensureOpen();
    if (revision > this.revision) throw new FutureRevisionError(revision, this.revision);
    if (revision <= this.compactedTo) return;
    this.compactedTo = revision;
    this.hub.compacted(revision);
    const dropped = new Set<Version>();
    for (const [key, list] of this.versions) {
      // Keep the newest version at or below the revision (what a read there sees), unless it
      // is a delete: then the key simply did not exist at that revision.
      const cut = upperBound(list, revision, byRevision);
      if (cut === 0) continue;
      const keepFrom = list[cut - 1]!.deleted ? cut : cut - 1;
      for (let i = 0; i < keepFrom; i++) dropped.add(list[i]!);
      if (keepFrom === 0) continue;
      // Nothing at or below the compact revision is replayed again, so its `prev` is never
      // read; dropping the link lets the older versions be collected.
      const first = list[keepFrom];
      if (first && first.revision <= revision) first.prev = undefined;
      if (keepFrom === list.length) this.versions.delete(key);
      else this.versions.set(key, list.slice(keepFrom));
    }
    if (dropped.size === 0) return;
    this.log = this.log.filter((v) => !dropped.has(v));
    this.sortedKeys = this.keys().filter((k) => this.versions.has(k));
  }

  async compactRevision(): Promise<number> {
    this.ensureOpen();
    return this.compactedTo;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hub.closeAll(new Error("storage backend closed"));
  }

  private ensureOpen(): void {
    if (this.closed) throw new Error("storage backend closed");
  }

  private latest(key: string): Version | undefined {
    const list = this.versions.get(key);
    return list?.[list.length - 1];
  }

  /** The live version of `key` as of `revision`, if any. */
  private versionAt(key: string, revision: number): Version | undefined {
    const list = this.versions.get(key);
    if (!list) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const v = list[i]!;
      if (v.revision <= revision) return v.deleted ? undefined : v;
    }
    return undefined;
  }

  private append(v: Version): Version {
    this.revision = v.revision;
    const list = this.versions.get(v.key);
    if (list) list.push(v);
    else {
      this.versions.set(v.key, [v]);
      this.unsorted.push(v.key);
    }
    this.log.push(v);
    this.hub.publish([toEvent(v)]);
    return v;
  }

  /** All keys with versions, in order. New keys are merged in lazily, on the next read. */
  private keys(): string[] {
    if (this.unsorted.length > 0) {
      this.unsorted.sort();
      const merged: string[] = new Array(this.sortedKeys.length + this.unsorted.length);
      let a = 0;
      let b = 0;
      let o = 0;
      while (a < this.sortedKeys.length && b < this.unsorted.length) {
        merged[o++] = this.sortedKeys[a]! < this.unsorted[b]! ? this.sortedKeys[a++]! : this.unsorted[b++]!;
      }
      while (a < this.sortedKeys.length) merged[o++] = this.sortedKeys[a++]!;
      while (b < this.unsorted.length) merged[o++] = this.unsorted[b++]!;
      this.sortedKeys = merged;
      this.unsorted = [];
    }
    return this.sortedKeys;
  }

  private history(prefix: string, after: number, upto: number, limit: number): WatchEvent[] {
    const out: WatchEvent[] = [];
    for (let i = upperBound(this.log, after, byRevision); i < this.log.length && out.length < limit; i++) {
      const v = this.log[i]!;
      if (v.revision > upto) break;
      if (v.key.startsWith(prefix)) out.push(toEvent(v));
    }
    return out;
  }
}
