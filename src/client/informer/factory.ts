/**
 * One informer per (resource, namespace, selectors), shared by every controller of a process,
 * as client-go's SharedInformerFactory: one list+watch and one cache however many handlers.
 */
import type { KubeObject } from "../../machinery/object.js";
import type { ResourceOps, ResourceRef } from "../interfaces.js";
import { builtinRef } from "../client.js";
import { Informer, type InformerOptions } from "./informer.js";

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
