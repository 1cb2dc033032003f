/**
 * One informer per (resource, namespace, selectors), shared by every controller of a process,
 * as client-go's SharedInformerFactory: one list+watch and one cache however many handlers.
 *
 * Several components of one process (scheduler, controller manager, simulated nodes...) share
 * one factory through `scoped()`: each gets views of the same informers, and stopping its scope
 * detaches its handlers without stopping what the others still use. `filtered()` replaces a
 * selector-filtered informer by a view over the unfiltered one (one cache, not two).
 */
import type { KubeObject } from "../../machinery/object.js";
import type { ResourceOps, ResourceRef } from "../interfaces.js";
import { builtinRef } from "../client.js";
import { Informer, type InformerOptions } from "./informer.js";
import { InformerView } from "./view.js";

/** What the factory needs of a client (ApiClient has it). */
export interface ResourceSource {
  resource<T extends KubeObject = KubeObject>(ref: ResourceRef): ResourceOps<T>;
}

export interface FactoryOptions {
  /** Default resync for every informer (0: none). */
  resyncMs?: number;
  /** Restrict every informer to one namespace. */
  namespace?: string;
  /** Passed to each informer (retry backoff, error reporting...). */
  informerDefaults?: Omit<InformerOptions<KubeObject>, "indexers" | "namespace" | "labelSelector" | "fieldSelector">;
}

export class SharedInformerFactory {
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private started = false;

  constructor(private readonly client: ResourceSource, private readonly opts: FactoryOptions = {}) {}

  /**
   * The shared informer for `ref` with these selectors. Asking again returns the same one; its
   * indexers are merged in and the shortest resync wins. Once the factory has started, new
   * informers start at once.
   */
  informerFor<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: InformerOptions<T> = {}): Informer<T> {
    const namespace = opts.namespace ?? this.opts.namespace;
    const key = [ref.group, ref.version, ref.plural, namespace ?? "", opts.labelSelector ?? "", opts.fieldSelector ?? ""].join("|");
    let inf = this.informers.get(key) as Informer<T> | undefined;
    const resyncMs = opts.resyncMs ?? this.opts.resyncMs ?? 0;
    if (inf) {
      if (opts.indexers) inf.addIndexers(opts.indexers);
      inf.requestResync(resyncMs);
    } else {
      inf = new Informer<T>(this.client.resource<T>(ref), {
        ...(this.opts.informerDefaults as InformerOptions<T> | undefined),
        ...opts,
        namespace,
        resyncMs,
      });
      this.informers.set(key, inf as unknown as Informer<KubeObject>);
      if (this.started) inf.start();
    }
    return inf;
  }

  /**
   * A view of the unfiltered shared informer of `ref` that holds only objects matching
   * `predicate`: what a field or label selector would select, with no cache of its own.
   */
  filtered<T extends KubeObject = KubeObject>(ref: ResourceRef, predicate: (obj: T) => boolean, opts: Omit<InformerOptions<T>, "labelSelector" | "fieldSelector"> = {}): Informer<T> {
    return new InformerView<T>(this.informerFor<T>(ref, opts), predicate);
  }

  /**
   * A factory for one component (or one term of leadership) over this one's informers: it
   * hands out views, its start() starts the shared informers it asked for, and its stop()
   * detaches its handlers only. The shared informers stop with this factory.
   */
  scoped(): SharedInformerFactory {
    return new ScopedInformerFactory(this);
  }

  /** The shared informer of a built-in kind. */
  forKind<T extends KubeObject = KubeObject>(apiVersion: string, kind: string, opts?: InformerOptions<T>): Informer<T> {
    return this.informerFor<T>(builtinRef(apiVersion, kind), opts);
  }

  start(): void {
    this.started = true;
    for (const inf of this.informers.values()) inf.start();
  }

  /** Resolves once every informer created so far has synced. */
  async waitForSync(signal?: AbortSignal): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
  }

  stop(): void {
    for (const inf of this.informers.values()) inf.stop();
    this.informers.clear();
    this.started = false;
  }
}

/** See `SharedInformerFactory.scoped()`. */
class ScopedInformerFactory extends SharedInformerFactory {
  private readonly views = new Map<Informer<KubeObject>, InformerView<KubeObject>>();
  private readonly filteredViews: InformerView<KubeObject>[] = [];
  private running = false;
  private detached = false;

  constructor(private readonly parent: SharedInformerFactory) {
    super({ resource: () => { throw new Error("a scoped informer factory has no client of its own"); } });
  }

  override informerFor<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: InformerOptions<T> = {}): Informer<T> {
    const target = this.parent.informerFor<T>(ref, opts) as unknown as Informer<KubeObject>;
    let view = this.views.get(target);
    if (!view) {
      view = new InformerView<KubeObject>(target);
      this.views.set(target, view);
      if (this.detached) view.stop();
      else if (this.running) view.start();
    }
    return view as unknown as Informer<T>;
  }

  override filtered<T extends KubeObject = KubeObject>(ref: ResourceRef, predicate: (obj: T) => boolean, opts: Omit<InformerOptions<T>, "labelSelector" | "fieldSelector"> = {}): Informer<T> {
    const view = new InformerView<T>(this.parent.informerFor<T>(ref, opts), predicate);
    this.filteredViews.push(view as unknown as InformerView<KubeObject>);
    if (this.detached) view.stop();
    else if (this.running) view.start();
    return view;
  }

  override scoped(): SharedInformerFactory {
    return new ScopedInformerFactory(this.parent);
  }

  override start(): void {
    if (this.detached) return;
    this.running = true;
    for (const v of this.all()) v.start();
  }

  override async waitForSync(signal?: AbortSignal): Promise<void> {
    await Promise.all(this.all().map((v) => v.waitForSync(signal)));
  }

  /** Detaches every handler added through this scope; the shared informers keep running. */
  override stop(): void {
    this.detached = true;
    this.running = false;
    for (const v of this.all()) v.stop();
  }

  private all(): InformerView<KubeObject>[] {
    return [...this.views.values(), ...this.filteredViews];
  }
}
