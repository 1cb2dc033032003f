/**
 * The garbage collector's loop. Its dependency graph is the informer caches themselves: every
 * monitored kind gets two indexes, by uid and by owner uid, so "the object with this uid" and
 * "the dependents of this uid" are cache lookups and no second graph has to be kept in step.
 * Queue keys are uids. An owner that is in no cache (upstream's "virtual" node) is looked up
 * live by name before anything that depends on it is deleted.
 *
 * Handlers only enqueue: an object whose owners are not all cached, an object deleted with the
 * orphan or foreground finalizer, the uid of a deleted object (its dependents are then looked
 * at) and the owners of a deleted or unblocked dependent (a foreground deletion may be free to
 * finish). The decisions are in decide.ts.
 */
import type { Informer } from "../../client/informer/index.js";
import type { ApiClient, ResourceOps, ResourceRef } from "../../client/index.js";
import { refOf } from "../../client/index.js";
import { StatusError } from "../../machinery/errors.js";
import type { KubeObject, OwnerReference } from "../../machinery/object.js";
import type { ResourceDef } from "../../machinery/resource.js";
import type { ControllerDeps, ControllerFactory, ControllerSpec, Enqueuer, ReconcileResult } from "../runtime/index.js";
import { AbsentOwners } from "./absent.js";
import {
  classifyOwner, decideForeground, decideItem, deletionState, foregroundFinalizer, orphanFinalizer,
  ownerReferencesChanged, removeFinalizerPatch, removeOwnerReferencesPatch, unblockedOwners,
  unblockOwnerReferencesPatch, type ClassifiedOwner, type PropagationPolicy,
} from "./decide.js";
import { gcResources, resolveBuiltinKind, type OwnerKind } from "./resources.js";

export interface GarbageCollectorOptions {
  /** Concurrent reconciles (kube-controller-manager's --concurrent-gc-syncs: 20). */
  workers?: number;
  /** The kinds to monitor (default: gcResources()). */
  resources?: ResourceDef[];
  /** Owners remembered as absent (default 1000). */
  absentOwnerCacheSize?: number;
}

const uidIndex = "gc:uid";
const ownerIndex = "gc:owner-uid";

const indexers = {
  [uidIndex]: (o: KubeObject): string[] => (o.metadata.uid ? [o.metadata.uid] : []),
  [ownerIndex]: (o: KubeObject): string[] => (o.metadata.ownerReferences ?? []).map((r) => r.uid),
};

interface Monitor {
  ref: ResourceRef;
  informer: Informer<KubeObject>;
  ops: ResourceOps<KubeObject>;
}

interface Located {
  obj: KubeObject;
  monitor: Monitor;
}

/** How one owner counts, or why it could not be told. */
type Classification = ClassifiedOwner | { unresolved: string } | { invalid: string };

/** Upstream's garbage collector, as a controller of the runtime. */
export function garbageCollector(opts: GarbageCollectorOptions = {}): ControllerFactory {
  return (deps) => new GarbageCollector(deps, opts).spec();
}

class GarbageCollector {
  private readonly monitors: Monitor[];
  private readonly absent: AbsentOwners;
  private readonly client: ApiClient;
  private queue?: Enqueuer;

  constructor(deps: ControllerDeps, private readonly opts: GarbageCollectorOptions) {
    this.client = deps.client;
    this.absent = new AbsentOwners(opts.absentOwnerCacheSize ?? 1000);
    this.monitors = (opts.resources ?? gcResources()).map((def) => {
      const ref = refOf(def);
      return { ref, informer: deps.informers.informerFor(ref, { indexers }), ops: deps.client.resource(ref) };
    });
  }

  spec(): ControllerSpec {
    return {
      name: "garbagecollector",
      workers: this.opts.workers ?? 20,
      setup: (enqueue) => {
        this.queue = enqueue;
        for (const m of this.monitors) {
          m.informer.addHandler({
            onAdd: (obj) => this.onAdd(obj),
            onUpdate: (old, obj) => this.onUpdate(old, obj),
            onDelete: (obj) => this.onDelete(obj),
          });
        }
      },
      waitFor: this.monitors.map((m) => m.informer),
      reconcile: (uid) => this.reconcile(uid),
    };
  }

  // --- handlers: enqueue only -------------------------------------------------------------

  private onAdd(obj: KubeObject): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    const state = deletionState(obj);
    if (state === "orphaning" || state === "deletingDependents") return this.queue!.add(uid);
    // An owner no cache holds may be gone: the object is looked at (with a live lookup).
    if ((obj.metadata.ownerReferences ?? []).some((r) => !this.cached(r.uid))) this.queue!.add(uid);
  }

  private onUpdate(old: KubeObject, obj: KubeObject): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    if (old === obj) return this.onAdd(obj);
    const state = deletionState(obj);
    if (state === "orphaning" || state === "deletingDependents") this.queue!.add(uid);
    if (ownerReferencesChanged(old, obj)) {
      this.queue!.add(uid);
      for (const owner of unblockedOwners(old, obj)) this.queue!.add(owner);
    }
  }

  private onDelete(obj: KubeObject): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    // Its dependents are looked at; the first one confirms the owner is gone with a live read.
    this.queue!.add(uid);
    for (const r of obj.metadata.ownerReferences ?? []) this.queue!.add(r.uid);
  }

  // --- the graph, read from the caches ----------------------------------------------------

  private cached(uid: string): boolean {
    return this.monitors.some((m) => m.informer.byIndex(uidIndex, uid).length > 0);
  }

  private locate(uid: string): Located | undefined {
    for (const monitor of this.monitors) {
      const obj = monitor.informer.byIndex(uidIndex, uid)[0];
      if (obj) return { obj, monitor };
    }
    return undefined;
  }

  private dependents(uid: string): Located[] {
    const out: Located[] = [];
    for (const monitor of this.monitors) {
      for (const obj of monitor.informer.byIndex(ownerIndex, uid)) out.push({ obj, monitor });
    }
    return out;
  }

  private resolveKind(ref: OwnerReference): OwnerKind | undefined {
    const known = resolveBuiltinKind(ref.apiVersion, ref.kind);
    if (known) return known;
    // A kind only a monitor knows (custom resources, when monitored).
    const m = this.monitors.find((x) => x.ref.kind === ref.kind && `${x.ref.group ? `${x.ref.group}/` : ""}${x.ref.version}` === ref.apiVersion);
    return m ? { ...m.ref } : undefined;
  }

  // --- reconcile --------------------------------------------------------------------------

  private async reconcile(uid: string): Promise<ReconcileResult | void> {
    const item = this.locate(uid);
    if (!item) {
      // Gone, or never seen: whatever depends on it may be dangling now.
      for (const d of this.dependents(uid)) this.queue!.add(d.obj.metadata.uid!);
      return;
    }
    switch (deletionState(item.obj)) {
      case "orphaning":
        return this.orphanDependents(item);
      case "deletingDependents":
        return this.processDeletingDependents(item);
      case "beingDeleted":
        return;
      case "live":
        return this.attemptToDelete(item);
    }
  }

  /** Owner deleted with the orphan finalizer: drop every dependent's reference to it, then the finalizer. */
  private async orphanDependents(owner: Located): Promise<ReconcileResult | void> {
    const uid = owner.obj.metadata.uid!;
    const failures: string[] = [];
    await eachLimited(this.dependents(uid), 16, async (d) => {
      try {
        await this.patchLatest(d, (obj) => {
          if (!obj.metadata.ownerReferences?.some((r) => r.uid === uid)) return undefined;
          return removeOwnerReferencesPatch(obj, [uid]);
        });
      } catch (err) {
        failures.push(`${describe(d)}: ${(err as Error).message}`);
      }
    });
    if (failures.length) throw new Error(`failed to orphan dependents of owner ${describe(owner)}, got errors: ${failures.join("; ")}`);
    await this.patchLatest(owner, (obj) => removeFinalizerPatch(obj, orphanFinalizer));
  }

  /** Owner deleted in the foreground: once no blocking dependent is left, remove the finalizer. */
  private async processDeletingDependents(owner: Located): Promise<ReconcileResult | void> {
    const deps = this.dependents(owner.obj.metadata.uid!);
    const action = decideForeground(owner.obj, deps.map((d) => d.obj));
    if (action.type === "wait") {
      for (const d of action.recheck) this.queue!.add(d.metadata.uid!);
      return;
    }
    await this.patchLatest(owner, (obj) => removeFinalizerPatch(obj, foregroundFinalizer));
  }

  /** A live object: delete it when none of its owners is solid any more, or trim its references. */
  private async attemptToDelete(item: Located): Promise<ReconcileResult | void> {
    const refs = item.obj.metadata.ownerReferences ?? [];
    if (refs.length === 0) return;
    const classified: ClassifiedOwner[] = [];
    for (const ref of refs) {
      const c = await this.classify(item.obj, ref);
      // A cluster-scoped object cannot be owned by a namespaced one: retrying cannot fix it.
      if ("invalid" in c) return;
      // An owner kind nobody serves: nothing can be decided about this object yet.
      if ("unresolved" in c) return { requeueAfterMs: 30_000 };
      classified.push(c);
    }
    const deps = this.dependents(item.obj.metadata.uid!);
    const action = decideItem(item.obj, classified, {
      hasDependents: deps.length > 0,
      dependentDeletingDependents: deps.some((d) => deletionState(d.obj) === "deletingDependents"),
    });
    switch (action.type) {
      case "none":
        return;
      case "removeOwnerReferences":
        await this.patchLatest(item, (obj) => {
          const present = action.uids.filter((u) => obj.metadata.ownerReferences?.some((r) => r.uid === u));
          return present.length ? removeOwnerReferencesPatch(obj, present) : undefined;
        });
        return;
      case "delete": {
        let target = item.obj;
        if (action.unblockFirst) {
          const patch = unblockOwnerReferencesPatch(target);
          if (patch) target = await item.monitor.ops.patch(target.metadata.namespace, target.metadata.name!, "merge", patch);
        }
        return this.deleteObject(item.monitor, target, action.policy);
      }
    }
  }

  /** Upstream's classifyReferences for one owner: the cache first, then a live read. */
  private async classify(item: KubeObject, ref: OwnerReference): Promise<Classification> {
    const kind = this.resolveKind(ref);
    if (!kind) return { unresolved: `${ref.apiVersion}, Kind=${ref.kind}` };
    const itemNamespace = item.metadata.namespace;
    if (kind.namespaced && !itemNamespace) return { invalid: `cluster-scoped object owned by namespaced ${ref.kind} ${ref.name}` };
    const namespace = kind.namespaced ? itemNamespace : undefined;
    const absentKey = AbsentOwners.key(namespace, ref.uid);
    if (this.absent.has(absentKey)) return { ref, cls: "dangling" };
    const cached = this.locate(ref.uid);
    if (cached && cached.obj.metadata.namespace === namespace) return { ref, cls: classifyOwner(ref, cached.obj) };
    let owner: KubeObject | undefined;
    try {
      owner = await this.client.resource(kind).get(namespace, ref.name);
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) throw err;
    }
    const cls = classifyOwner(ref, owner);
    if (cls === "dangling") this.absent.add(absentKey);
    return { ref, cls };
  }

  /**
   * Deletes with uid and resourceVersion preconditions. When the object changed meanwhile but
   * its owner references did not, the decision still holds: delete on the uid alone.
   */
  private async deleteObject(monitor: Monitor, obj: KubeObject, policy: PropagationPolicy): Promise<ReconcileResult | void> {
    const { namespace, name, uid, resourceVersion } = obj.metadata;
    try {
      await monitor.ops.delete(namespace, name!, { propagationPolicy: policy, preconditions: { uid, resourceVersion } });
      return;
    } catch (err) {
      if (!(err instanceof StatusError)) throw err;
      if (err.code === 404) return;
      if (err.code !== 409) throw err;
    }
    let live: KubeObject;
    try {
      live = await monitor.ops.get(namespace, name!);
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) return;
      throw err;
    }
    if (live.metadata.uid !== uid) return;
    if (JSON.stringify(live.metadata.ownerReferences ?? []) !== JSON.stringify(obj.metadata.ownerReferences ?? [])) {
      // Someone changed the owners: decide again on the new state.
      return { requeue: true };
    }
    try {
      await monitor.ops.delete(namespace, name!, { propagationPolicy: policy, preconditions: { uid } });
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) throw err;
    }
  }

  /**
   * Applies a merge patch computed from the object (pinned to its resourceVersion); on a
   * conflict, computes it again from a fresh read. A vanished object needs nothing.
   */
  private async patchLatest(target: Located, make: (obj: KubeObject) => Record<string, unknown> | undefined): Promise<void> {
    const { ops } = target.monitor;
    let obj = target.obj;
    for (let attempt = 0; ; attempt++) {
      const patch = make(obj);
      if (!patch) return;
      try {
        await ops.patch(obj.metadata.namespace, obj.metadata.name!, "merge", patch);
        return;
      } catch (err) {
        if (!(err instanceof StatusError)) throw err;
        if (err.code === 404) return;
        if (err.code !== 409 || attempt >= 4) throw err;
      }
      try {
        obj = await ops.get(obj.metadata.namespace, obj.metadata.name!);
      } catch (err) {
        if (err instanceof StatusError && err.code === 404) return;
        throw err;
      }
      if (obj.metadata.uid !== target.obj.metadata.uid) return;
    }
  }
}

function describe(l: Located): string {
  const { namespace, name, uid } = l.obj.metadata;
  return `[${l.monitor.ref.group ? `${l.monitor.ref.group}/` : ""}${l.monitor.ref.version}/${l.monitor.ref.kind}, namespace: ${namespace ?? ""}, name: ${name}, uid: ${uid}]`;
}

/** Runs `fn` over the items, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
