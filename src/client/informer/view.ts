/**
 * A view of a shared informer: what one component of a process holds instead of an informer
 * of its own. It reads the shared cache (no second list+watch, no second copy of any object)
 * and remembers the handlers added through it, so that `stop()` detaches exactly those and
 * leaves the informer running for the others. With a predicate it also narrows the cache,
 * as a server-side selector would: reads skip objects that do not match, and an update that
 * moves an object in or out of the selection reaches handlers as an add or a delete.
 *
 * It is an `Informer` (a subclass that forwards everything), so code written against
 * informers takes a view unchanged. Its own base-class state stays empty and unused.
 */
import type { KubeObject } from "../../machinery/object.js";
import { Informer, type EventHandler, type HandlerRegistration } from "./informer.js";
import type { IndexFunc } from "./store.js";

export class InformerView<T extends KubeObject = KubeObject> extends Informer<T> {
  private readonly registrations = new Set<HandlerRegistration>();
  private detached = false;

  constructor(readonly target: Informer<T>, private readonly predicate?: (obj: T) => boolean) {
    super(target.ops);
  }

  override addHandler(h: EventHandler<T>): HandlerRegistration {
    if (this.detached) return { remove: () => {} };
    const reg = this.target.addHandler(this.predicate ? narrowed(h, this.predicate) : h);
    this.registrations.add(reg);
    return {
      remove: () => {
        reg.remove();
        this.registrations.delete(reg);
      },
    };
  }

  override addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    this.target.addIndexers(indexers);
  }

  override requestResync(ms: number): void {
    this.target.requestResync(ms);
  }

  /** Starts the shared informer (idempotent); a detached view starts nothing. */
  override start(): void {
    if (!this.detached) this.target.start();
  }

  override hasSynced(): boolean {
    return this.target.hasSynced();
  }

  override waitForSync(signal?: AbortSignal): Promise<void> {
    return this.target.waitForSync(signal);
  }

  override get(key: string): T | undefined {
    const obj = this.target.get(key);
    return obj && (!this.predicate || this.predicate(obj)) ? obj : undefined;
  }

  override list(): T[] {
    const all = this.target.list();
    return this.predicate ? all.filter(this.predicate) : all;
  }

  override listKeys(): string[] {
    if (!this.predicate) return this.target.listKeys();
    return this.target.listKeys().filter((k) => this.get(k) !== undefined);
  }

  override byIndex(index: string, value: string): T[] {
    const objs = this.target.byIndex(index, value);
    return this.predicate ? objs.filter(this.predicate) : objs;
  }

  override get lastSyncResourceVersion(): string {
    return this.target.lastSyncResourceVersion;
  }

  override get isStopped(): boolean {
    return this.detached || this.target.isStopped;
  }

  /** Detaches this view's handlers; the shared informer keeps running. */
  override stop(): void {
    this.detached = true;
    for (const r of this.registrations) r.remove();
    this.registrations.clear();
  }
}

/** Handlers that see only objects matching `pred`; crossing the boundary is an add or a delete. */
function narrowed<T>(h: EventHandler<T>, pred: (obj: T) => boolean): EventHandler<T> {
  return {
    onAdd: (obj) => { if (pred(obj)) h.onAdd?.(obj); },
    onUpdate: (old, cur) => {
      const was = pred(old);
      const is = pred(cur);
      if (was && is) h.onUpdate?.(old, cur);
      else if (is) h.onAdd?.(cur);
      // As a server-side selector reports it: DELETED with the object's new state.
      else if (was) h.onDelete?.(cur);
    },
    onDelete: (obj) => { if (pred(obj)) h.onDelete?.(obj); },
  };
}
