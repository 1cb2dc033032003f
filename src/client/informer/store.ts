/**
 * The informer's cache: objects by key plus secondary indexes (index name → value → keys), as
 * client-go's thread-safe store with indexers. Objects are stored as given and shared with
 * every reader, so nobody may mutate them.
 *
 * Built for caches of every pod of a cluster: an index value held by one key (a uid, a
 * name) stores that key alone, not a one-element Set, and an update whose index values did
 * not change leaves the index untouched.
 */
import type { KubeObject } from "../../machinery/object.js";

export type IndexFunc<T> = (obj: T) => string[];

export const namespaceIndex = "namespace";

export class IndexedStore<T extends KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** Index name → value → the key (when one key has the value) or the keys. */
  private readonly indices = new Map<string, Map<string, string | Set<string>>>();

  constructor(indexers: Record<string, IndexFunc<T>> = {}) {
    this.addIndexers({ [namespaceIndex]: (o) => [o.metadata.namespace ?? ""], ...indexers });
  }

  get size(): number {
    return this.items.size;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  has(key: string): boolean {
    return this.items.has(key);
  }

  keys(): IterableIterator<string> {
    return this.items.keys();
  }

  entries(): IterableIterator<[string, T]> {
    return this.items.entries();
  }

  list(): T[] {
    return [...this.items.values()];
  }

  /** Stores `obj` under `key`; returns what was there before. */
  set(key: string, obj: T): T | undefined {
    const old = this.items.get(key);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexers) {
      const values = fn(obj);
      if (old) {
        const before = fn(old);
        if (sameValues(before, values)) continue;
        this.unindex(name, before, key);
      }
      this.index(name, values, key);
    }
    return old;
  }

  delete(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.items.delete(key);
    for (const [name, fn] of this.indexers) this.unindex(name, fn(old), key);
    return old;
  }

  byIndex(index: string, value: string): T[] {
    const idx = this.indices.get(index);
    if (!idx) throw new Error(`index "${index}" does not exist`);
    const keys = idx.get(value);
    if (keys === undefined) return [];
    if (typeof keys === "string") return [this.items.get(keys)!];
    const out: T[] = [];
    for (const k of keys) out.push(this.items.get(k)!);
    return out;
  }

  indexKeys(index: string, value: string): string[] {
    const idx = this.indices.get(index);
    if (!idx) throw new Error(`index "${index}" does not exist`);
    const keys = idx.get(value);
    if (keys === undefined) return [];
    return typeof keys === "string" ? [keys] : [...keys];
  }

  hasIndex(index: string): boolean {
    return this.indexers.has(index);
  }

  /** Adds indexes (existing names are kept) and builds them over what is cached. */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexers.has(name)) continue;
      this.indexers.set(name, fn);
      this.indices.set(name, new Map());
      for (const [key, obj] of this.items) this.index(name, fn(obj), key);
    }
  }

  private index(name: string, values: string[], key: string): void {
    const idx = this.indices.get(name)!;
    for (const v of values) {
      const keys = idx.get(v);
      if (keys === undefined) idx.set(v, key);
      else if (typeof keys === "string") { if (keys !== key) idx.set(v, new Set([keys, key])); }
      else keys.add(key);
    }
  }

  private unindex(name: string, values: string[], key: string): void {
    const idx = this.indices.get(name)!;
    for (const v of values) {
      const keys = idx.get(v);
      if (keys === undefined) continue;
      if (typeof keys === "string") {
        if (keys === key) idx.delete(v);
        continue;
      }
      keys.delete(key);
      if (keys.size === 0) idx.delete(v);
      // Back to one key: store it alone again.
      else if (keys.size === 1) idx.set(v, keys.values().next().value!);
    }
  }
}

function sameValues(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
