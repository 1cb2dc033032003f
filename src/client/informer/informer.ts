/**
 * An informer: a list+watch cache of one resource (client-go's reflector, indexer and shared
 * processor in one). It lists, then watches from the list's resourceVersion with bookmarks;
 * a watch that ends is resumed from the last resourceVersion seen; a 410 Gone relists and
 * tells the handlers the difference against the cache (adds, updates, deletes). Handlers run
 * synchronously right after the cache changed, so they must only enqueue work. Cached
 * objects are shared by every reader: never mutate them (deepCopy first). Under `node --test`
 * (or with TIMONEL_FREEZE_INFORMER_CACHE=1) they are deep-frozen, so a component that writes
 * into one fails its tests instead of corrupting what every other component reads.
 */
import { StatusError } from "../../machinery/errors.js";
import type { KubeObject } from "../../machinery/object.js";
import type { ResourceOps, StreamHandle, WatchEvent } from "../interfaces.js";
import { statusErrorFromObject } from "../status.js";
import { objectKey } from "./keys.js";
import { IndexedStore, type IndexFunc } from "./store.js";

export interface EventHandler<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

export interface HandlerRegistration {
  remove(): void;
}

export interface InformerOptions<T> {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Every resyncMs, onUpdate(obj, obj) for every cached object. 0 or absent: never. */
  resyncMs?: number;
  indexers?: Record<string, IndexFunc<T>>;
  /** Page size of the list (client-go's pager: 500). */
  pageSize?: number;
  /** Server-side watch timeout; default 5–10 min, randomized as client-go does. */
  watchTimeoutSeconds?: number;
  /** Backoff after a failed list or watch: first and longest delay (client-go: 800 ms, 30 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Told about list/watch failures that are retried (default: a console warning). */
  onError?(err: Error): void;
  /**
   * Deep-freeze objects as they enter the cache. Default: under Node's test runner or with
   * TIMONEL_FREEZE_INFORMER_CACHE=1 (=0 turns it off); never otherwise (it walks every object).
   */
  freezeObjects?: boolean;
}

function freezeByDefault(): boolean {
  const env = process.env.TIMONEL_FREEZE_INFORMER_CACHE;
  if (env !== undefined) return env === "1";
  return process.env.NODE_TEST_CONTEXT !== undefined;
}

function deepFreeze(v: unknown): void {
  if (typeof v !== "object" || v === null || Object.isFrozen(v)) return;
  Object.freeze(v);
  for (const x of Object.values(v)) deepFreeze(x);
}

/** A watch shorter than this that delivered nothing counts as a failure, as in client-go. */
const shortWatchMs = 1000;

export class Informer<T extends KubeObject = KubeObject> {
  private readonly store: IndexedStore<T>;
  private readonly handlers = new Set<EventHandler<T>>();
  private rv = "";
  private started = false;
  private stopped = false;
  private synced = false;
  private syncWaiters: { resolve(): void; reject(err: Error): void }[] = [];
  private watchHandle?: StreamHandle;
  /** Bumped for every list or watch attempt, so callbacks of an abandoned one are ignored. */
  private attempt = 0;
  private retryTimer?: NodeJS.Timeout;
  private resyncTimer?: NodeJS.Timeout;
  private resyncMs: number;
  private failures = 0;
  private readonly freeze: boolean;

  constructor(readonly ops: ResourceOps<T>, private readonly opts: InformerOptions<T> = {}) {
    this.store = new IndexedStore<T>(opts.indexers);
    this.resyncMs = opts.resyncMs ?? 0;
    this.freeze = opts.freezeObjects ?? freezeByDefault();
  }

  /** Registers handlers. On an informer that has objects, onAdd replays them to the new handler. */
  addHandler(h: EventHandler<T>): HandlerRegistration {
    this.handlers.add(h);
    if (h.onAdd) for (const obj of this.store.list()) this.call(() => h.onAdd!(obj));
    return { remove: () => this.handlers.delete(h) };
  }

  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    this.store.addIndexers(indexers);
  }

  /** Resyncs at least every `ms` (shared informers take the shortest period asked for). */
  requestResync(ms: number): void {
    if (!(ms > 0) || (this.resyncMs > 0 && this.resyncMs <= ms)) return;
    this.resyncMs = ms;
    if (this.started && !this.stopped) this.startResync();
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.startResync();
    void this.relist();
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (this.stopped) return Promise.reject(new Error("informer stopped before it synced"));
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.syncWaiters = this.syncWaiters.filter((w) => w !== waiter);
        reject(abortError(signal!));
      };
      const waiter = {
        resolve: () => { signal?.removeEventListener("abort", onAbort); resolve(); },
        reject: (err: Error) => { signal?.removeEventListener("abort", onAbort); reject(err); },
      };
      this.syncWaiters.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(): T[] {
    return this.store.list();
  }

  listKeys(): string[] {
    return [...this.store.keys()];
  }

  byIndex(index: string, value: string): T[] {
    return this.store.byIndex(index, value);
  }

  /** The resourceVersion of the last list, event or bookmark. */
  get lastSyncResourceVersion(): string {
    return this.rv;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.attempt++;
    this.watchHandle?.close();
    this.watchHandle = undefined;
    clearTimeout(this.retryTimer);
    clearInterval(this.resyncTimer);
    for (const w of this.syncWaiters.splice(0)) w.reject(new Error("informer stopped before it synced"));
  }

  private startResync(): void {
    clearInterval(this.resyncTimer);
    if (!(this.resyncMs > 0)) return;
    this.resyncTimer = setInterval(() => this.resync(), this.resyncMs);
    this.resyncTimer.unref();
  }

  private resync(): void {
    if (!this.synced || this.stopped) return;
    for (const obj of this.store.list()) this.notify("update", obj, obj);
  }

  private async relist(): Promise<void> {
    const attempt = ++this.attempt;
    this.watchHandle?.close();
    this.watchHandle = undefined;
    let items: T[];
    let rv: string;
    try {
      const res = await this.ops.listAll(this.opts.namespace, {
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        limit: this.opts.pageSize,
      });
      items = res.items;
      rv = res.metadata.resourceVersion ?? "";
    } catch (err) {
      if (attempt !== this.attempt) return;
      this.report(err, "list");
      this.retry(() => void this.relist());
      return;
    }
    if (attempt !== this.attempt) return;
    this.replace(items, rv);
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w.resolve();
    }
    this.watch();
  }

  /** A fresh list replaces the cache; handlers hear only what differs. */
  private replace(items: T[], rv: string): void {
    const seen = new Set<string>();
    for (const obj of items) {
      const key = objectKey(obj);
      seen.add(key);
      const old = this.store.get(key);
      if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) continue;
      if (this.freeze) deepFreeze(obj);
      this.store.set(key, obj);
      if (old) this.notify("update", old, obj);
      else this.notify("add", obj);
    }
    for (const key of [...this.store.keys()]) {
      if (seen.has(key)) continue;
      const old = this.store.delete(key)!;
      this.notify("delete", old);
    }
    this.rv = rv;
  }

  private watch(): void {
    if (this.stopped) return;
    const attempt = ++this.attempt;
    const began = Date.now();
    let events = 0;
    const timeoutSeconds = this.opts.watchTimeoutSeconds ?? Math.floor(300 * (1 + Math.random()));
    const onEvent = (ev: WatchEvent<T>): void => {
      if (attempt !== this.attempt) return;
      events++;
      if (ev.type === "ERROR") {
        this.watchHandle?.close();
        this.watchHandle = undefined;
        this.attempt++;
        this.watchFailed(statusErrorFromObject(ev.object));
        return;
      }
      this.apply(ev);
    };
    const onEnd = (err?: Error): void => {
      if (attempt !== this.attempt) return;
      this.watchHandle = undefined;
      this.attempt++;
      if (err) {
        this.watchFailed(err);
      } else if (events === 0 && Date.now() - began < shortWatchMs) {
        this.watchFailed(new Error("very short watch: the server closed it at once without sending anything"));
      } else {
        this.failures = 0;
        this.watch();
      }
    };
    this.watchHandle = this.ops.watch(this.opts.namespace, {
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
      resourceVersion: this.rv,
      allowWatchBookmarks: true,
      timeoutSeconds,
    }, onEvent, onEnd);
  }

  private watchFailed(err: Error): void {
    if (this.stopped) return;
    if (isGone(err)) {
      // Our resourceVersion was compacted away: only a fresh list can catch up.
      this.failures = 0;
      void this.relist();
      return;
    }
    this.report(err, "watch");
    this.retry(() => this.watch());
  }

  private apply(ev: WatchEvent<T>): void {
    const obj = ev.object;
    const rv = obj.metadata?.resourceVersion;
    switch (ev.type) {
      case "ADDED":
      case "MODIFIED": {
        const key = objectKey(obj);
        if (this.freeze) deepFreeze(obj);
        const old = this.store.set(key, obj);
        if (old) this.notify("update", old, obj);
        else this.notify("add", obj);
        break;
      }
      case "DELETED": {
        const old = this.store.delete(objectKey(obj));
        if (this.freeze) deepFreeze(obj);
        if (old) this.notify("delete", obj);
        break;
      }
      case "BOOKMARK":
        break;
      default:
        return;
    }
    if (rv) this.rv = rv;
    this.failures = 0;
  }

  private notify(kind: "add" | "update" | "delete", a: T, b?: T): void {
    for (const h of this.handlers) {
      if (kind === "add") { if (h.onAdd) this.call(() => h.onAdd!(a)); }
      else if (kind === "update") { if (h.onUpdate) this.call(() => h.onUpdate!(a, b!)); }
      else if (h.onDelete) this.call(() => h.onDelete!(a));
    }
  }

  /** A throwing handler must not break the informer nor starve the other handlers. */
  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.report(err, "event handler");
    }
  }

  private retry(fn: () => void): void {
    if (this.stopped) return;
    const min = this.opts.minBackoffMs ?? 800;
    const max = this.opts.maxBackoffMs ?? 30_000;
    const delay = Math.min(max, min * 2 ** this.failures) * (1 + Math.random() * 0.25);
    this.failures++;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (!this.stopped) fn();
    }, delay);
  }

  private report(err: unknown, what: string): void {
    const e = err instanceof Error ? err : new Error(String(err));
    if (this.opts.onError) this.opts.onError(e);
    else console.warn(`informer ${this.ops.ref.plural}: ${what} failed: ${e.message}`);
  }
}

function isGone(err: Error): boolean {
  return err instanceof StatusError && (err.code === 410 || err.reason === "Expired" || err.reason === "Gone");
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error("aborted");
}
