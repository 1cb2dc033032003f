/**
 * The replica controller core shared by ReplicaSet and ReplicationController (upstream's
 * pkg/controller/replicaset, which also runs replication controllers through an adapter).
 *
 * Informers on the owner kind and on pods. Handlers only enqueue (and count observed
 * creations and deletions for the expectations): a pod with a controller reference enqueues
 * its owner; an orphan enqueues every owner of its namespace whose selector matches, so one
 * of them can adopt it. Reconcile takes the active pods of the namespace from the cache,
 * claims them (claim.ts), creates or deletes the difference to spec.replicas (slow-start
 * batches, at most burstReplicas per sync, deletions in ranking.ts's order), then writes
 * status (status.ts) through the status subresource when it changed.
 */
import type { ParsedSelector } from "../../api/common/selector.js";
import type { Informer } from "../../client/informer/index.js";
import { objectKey, splitKey } from "../../client/informer/index.js";
import type { ResourceOps } from "../../client/interfaces.js";
import { StatusError } from "../../machinery/errors.js";
import type { KubeObject, OwnerReference } from "../../machinery/object.js";
import {
  Expectations, TerminalError, controllerRef, newControllerRef, slowStartBatch,
  type ControllerDeps, type ControllerFactory, type ControllerSpec, type Enqueuer, type EventRecorder, type ReconcileResult,
} from "../runtime/index.js";
import { claimPods } from "./claim.js";
import type { ReplicaKind } from "./kinds.js";
import { isPodActive, podFromTemplate, type PodObj } from "./pods.js";
import { podsToDelete } from "./ranking.js";
import { calculateStatus, nextAvailableInMs, specReplicas, statusUpToDate, type ReplicaOwner, type ReplicaStatus } from "./status.js";

export interface ReplicaControllerOptions {
  /** Most pods created or deleted in one sync (upstream's BurstReplicas: 500). */
  burstReplicas?: number;
  /** Workers (default: the manager's, 5). */
  workers?: number;
  /** Clock for availability (ms since epoch). */
  now?(): number;
}

export const defaultBurstReplicas = 500;
/** Upstream's SlowStartInitialBatchSize. */
const slowStartInitialBatchSize = 1;
/** Upstream's statusUpdateRetries: one re-read and retry after a failed status write. */
const statusUpdateRetries = 1;

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => b?.[k] === a?.[k]);
}

function sameRef(a: OwnerReference | undefined, b: OwnerReference | undefined): boolean {
  if (!a || !b) return a === b;
  return a.uid === b.uid && a.name === b.name && a.kind === b.kind && a.apiVersion === b.apiVersion &&
    a.controller === b.controller && a.blockOwnerDeletion === b.blockOwnerDeletion;
}

function hasCause(err: unknown, reason: string): boolean {
  return err instanceof StatusError && (err.details?.causes ?? []).some((c) => c.reason === reason);
}

/** Pods by their controller's uid, or as the orphans of their namespace. */
const claimIndex = "replicaset-claim";
function claimIndexKeys(pod: PodObj): string[] {
  const ref = controllerRef(pod);
  return [ref ? `uid:${ref.uid}` : `orphan:${pod.metadata.namespace ?? ""}`];
}

function isNotFound(err: unknown): boolean {
  return err instanceof StatusError && err.code === 404;
}

class ReplicaController {
  readonly owners: Informer<ReplicaOwner>;
  readonly pods: Informer<PodObj>;
  private readonly ownerOps: ResourceOps<ReplicaOwner>;
  private readonly podOps: ResourceOps<PodObj>;
  private readonly expectations = new Expectations();
  private readonly selectors = new WeakMap<ReplicaOwner, ParsedSelector | undefined>();
  private readonly burst: number;
  private readonly now: () => number;

  /** Upstream's event source ("replicaset-controller", "replication-controller"). */
  readonly recorder: EventRecorder;

  constructor(private readonly kind: ReplicaKind, deps: ControllerDeps, opts: ReplicaControllerOptions) {
    this.recorder = deps.recorder(kind.component);
    this.owners = deps.informers.forKind<ReplicaOwner>(kind.apiVersion, kind.kind);
    this.pods = deps.informers.forKind<PodObj>("v1", "Pod");
    this.ownerOps = deps.client.forKind<ReplicaOwner>(kind.apiVersion, kind.kind);
    this.podOps = deps.client.pods;
    this.burst = opts.burstReplicas ?? defaultBurstReplicas;
    this.now = opts.now ?? Date.now;
    this.pods.addIndexers({ [claimIndex]: claimIndexKeys });
  }

  /** Parsed once per cached object (cached objects are replaced, never changed). */
  selectorOf(owner: ReplicaOwner): ParsedSelector | undefined {
    if (this.selectors.has(owner)) return this.selectors.get(owner);
    const sel = this.kind.selector(owner);
    this.selectors.set(owner, sel);
    return sel;
  }

  /** The cached owner a controller reference points at, if it is ours (kind and uid). */
  resolve(namespace: string | undefined, ref: OwnerReference): ReplicaOwner | undefined {
    if (ref.kind !== this.kind.kind) return undefined;
    const owner = this.owners.get(namespace ? `${namespace}/${ref.name}` : ref.name);
    return owner && owner.metadata.uid === ref.uid ? owner : undefined;
  }

  /** getPodReplicaSets: the owners of the pod's namespace whose selector matches it. */
  ownersMatching(pod: PodObj): ReplicaOwner[] {
    return this.owners.byIndex("namespace", pod.metadata.namespace ?? "")
      .filter((o) => this.selectorOf(o)?.matches(pod.metadata.labels) ?? false);
  }

  setup(enqueue: Enqueuer): void {
    const add = (o: KubeObject): void => enqueue.add(objectKey(o));
    this.owners.addHandler({
      onAdd: add,
      onUpdate: (_old, cur) => add(cur),
      onDelete: (o) => {
        this.expectations.delete(objectKey(o));
        add(o);
      },
    });
    const podDeleted = (pod: PodObj): void => {
      const ref = controllerRef(pod);
      if (!ref) return;
      const owner = this.resolve(pod.metadata.namespace, ref);
      if (!owner) return;
      const key = objectKey(owner);
      this.expectations.deletionObserved(key, pod.metadata.uid ?? "");
      enqueue.add(key);
    };
    const enqueueMatching = (pod: PodObj): void => {
      for (const o of this.ownersMatching(pod)) add(o);
    };
    this.pods.addHandler({
      onAdd: (pod) => {
        // A pod already being deleted when we first see it (a restart): count it as gone.
        if (pod.metadata.deletionTimestamp) return podDeleted(pod);
        const ref = controllerRef(pod);
        if (ref) {
          const owner = this.resolve(pod.metadata.namespace, ref);
          if (!owner) return;
          const key = objectKey(owner);
          this.expectations.creationObserved(key);
          enqueue.add(key);
          return;
        }
        enqueueMatching(pod);
      },
      onUpdate: (old, cur) => {
        // Resyncs repeat the same version.
        if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
        const labelsChanged = !sameLabels(old.metadata.labels, cur.metadata.labels);
        if (cur.metadata.deletionTimestamp) {
          // Graceful deletion: act on the replacement now, not when the kubelet is done.
          podDeleted(cur);
          if (labelsChanged) podDeleted(old);
          return;
        }
        const curRef = controllerRef(cur);
        const oldRef = controllerRef(old);
        const refChanged = !sameRef(curRef, oldRef);
        if (refChanged && oldRef) {
          const prev = this.resolve(old.metadata.namespace, oldRef);
          if (prev) add(prev);
        }
        if (curRef) {
          const owner = this.resolve(cur.metadata.namespace, curRef);
          if (owner) add(owner);
          return;
        }
        if (labelsChanged || refChanged) enqueueMatching(cur);
      },
      onDelete: podDeleted,
    });
  }

  async reconcile(key: string, recorder: EventRecorder): Promise<ReconcileResult | void> {
    const owner = this.owners.get(key);
    if (!owner) {
      this.expectations.delete(key);
      return;
    }
    const needsSync = this.expectations.satisfied(key);
    const selector = this.selectorOf(owner);
    if (!selector) throw new TerminalError(`error converting pod selector to selector for ${this.kind.kind} ${key}`);

    const { namespace } = splitKey(key);
    // Only our own pods and the namespace's orphans can be claimed (pods of other controllers
    // are skipped by claimPods anyway), so the index spares a scan of the whole namespace.
    const candidates = [
      ...this.pods.byIndex(claimIndex, `uid:${owner.metadata.uid ?? ""}`),
      ...this.pods.byIndex(claimIndex, `orphan:${namespace ?? ""}`),
    ];
    const active = candidates.filter(isPodActive);
    const { claimed, errors } = await claimPods(this.podOps, {
      owner,
      apiVersion: this.kind.apiVersion,
      kind: this.kind.kind,
      selector,
      refetch: () => this.ownerOps.get(owner.metadata.namespace, owner.metadata.name ?? ""),
    }, active);
    if (errors.length) throw errors.length === 1 ? errors[0]! : new Error(`[${errors.map((e) => e.message).join(", ")}]`);

    let manageError: Error | undefined;
    if (needsSync && !owner.metadata.deletionTimestamp) manageError = await this.manage(key, owner, claimed, recorder);

    const now = this.now();
    const status = calculateStatus(owner, claimed, manageError, now);
    const updated = await this.writeStatus(owner, status);
    if (manageError) throw manageError;
    const wait = nextAvailableInMs(updated, claimed, this.now());
    return wait === undefined ? undefined : { requeueAfterMs: wait };
  }

  /** manageReplicas: create or delete the difference to spec.replicas; returns the first failure. */
  private async manage(key: string, owner: ReplicaOwner, pods: PodObj[], recorder: EventRecorder): Promise<Error | undefined> {
    const diff = pods.length - specReplicas(owner);
    if (diff < 0) return this.createPods(key, owner, Math.min(-diff, this.burst), recorder);
    if (diff > 0) return this.deletePods(key, owner, pods, Math.min(diff, this.burst), recorder);
    return undefined;
  }

  private async createPods(key: string, owner: ReplicaOwner, count: number, recorder: EventRecorder): Promise<Error | undefined> {
    const template = owner.spec?.template;
    const ref = newControllerRef(owner, this.kind.apiVersion, this.kind.kind);
    const typedOwner = this.typed(owner);
    this.expectations.expectCreations(key, count);
    const { successes, error } = await slowStartBatch(count, slowStartInitialBatchSize, async () => {
      if (!template?.metadata?.labels || Object.keys(template.metadata.labels).length === 0) {
        throw new Error("unable to create pods, no labels");
      }
      try {
        const pod = await this.podOps.create(owner.metadata.namespace, podFromTemplate(template, owner, ref));
        recorder.event(typedOwner, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata.name}`);
      } catch (err) {
        // Every create fails in a terminating namespace; nothing to report or retry.
        if (hasCause(err, "NamespaceTerminating")) return;
        recorder.event(typedOwner, "Warning", "FailedCreate", `Error creating: ${(err as Error).message}`);
        throw err;
      }
    });
    // The informer will never show the creates that failed or were skipped.
    for (let i = successes; i < count; i++) this.expectations.creationObserved(key);
    return error;
  }

  private async deletePods(key: string, owner: ReplicaOwner, pods: PodObj[], count: number, recorder: EventRecorder): Promise<Error | undefined> {
    const victims = podsToDelete(pods, this.relatedPods(owner), count, this.now());
    const typedOwner = this.typed(owner);
    this.expectations.expectDeletions(key, victims.map((p) => p.metadata.uid ?? ""));
    let first: Error | undefined;
    await Promise.all(victims.map(async (pod) => {
      const name = pod.metadata.name ?? "";
      try {
        await this.podOps.delete(pod.metadata.namespace, name);
        recorder.event(typedOwner, "Normal", "SuccessfulDelete", `Deleted pod: ${name}`);
      } catch (err) {
        this.expectations.deletionObserved(key, pod.metadata.uid ?? "");
        if (isNotFound(err)) return;
        recorder.event(typedOwner, "Warning", "FailedDelete", `Error deleting: ${(err as Error).message}`);
        first ??= new Error(`unable to delete pods: ${(err as Error).message}`);
      }
    }));
    return first;
  }

  /**
   * getIndirectlyRelatedPods: the pods selected by every owner that shares this one's
   * controller (the ReplicaSets of one Deployment). An owner without a controller has none,
   * so its pods all rank 0 on co-location, as upstream.
   */
  private relatedPods(owner: ReplicaOwner): PodObj[] {
    const ctl = controllerRef(owner);
    if (!ctl) return [];
    const ns = owner.metadata.namespace ?? "";
    const siblings = this.owners.byIndex("namespace", ns).filter((o) => controllerRef(o)?.uid === ctl.uid);
    const nsPods = this.pods.byIndex("namespace", ns);
    const seen = new Set<string>();
    const out: PodObj[] = [];
    for (const sib of siblings) {
      const sel = this.selectorOf(sib);
      if (!sel) continue;
      for (const p of nsPods) {
        const uid = p.metadata.uid ?? "";
        if (seen.has(uid) || !sel.matches(p.metadata.labels)) continue;
        seen.add(uid);
        out.push(p);
      }
    }
    return out;
  }

  /** updateReplicaSetStatus: skip when nothing changed; one re-read and retry on failure. */
  private async writeStatus(owner: ReplicaOwner, status: ReplicaStatus): Promise<ReplicaOwner> {
    if (statusUpToDate(owner, status)) return owner;
    const next: ReplicaStatus = { ...status, observedGeneration: owner.metadata.generation };
    let cur = owner;
    for (let i = 0; ; i++) {
      try {
        return await this.ownerOps.updateStatus({ ...this.typed(cur), status: next });
      } catch (err) {
        if (i >= statusUpdateRetries) throw err;
        cur = await this.ownerOps.get(owner.metadata.namespace, owner.metadata.name ?? "");
      }
    }
  }

  /** Events and PUT bodies name the object's apiVersion and kind, which list items may lack. */
  private typed(owner: ReplicaOwner): ReplicaOwner {
    return owner.apiVersion && owner.kind ? owner : { ...owner, apiVersion: this.kind.apiVersion, kind: this.kind.kind };
  }
}

/** The ControllerFactory of one replica kind. */
export function replicaControllerFactory(kind: ReplicaKind, opts: ReplicaControllerOptions = {}): ControllerFactory {
  return (deps: ControllerDeps): ControllerSpec => {
    const c = new ReplicaController(kind, deps, opts);
    return {
      name: kind.name,
      workers: opts.workers,
      setup: (enqueue) => c.setup(enqueue),
      waitFor: [c.owners, c.pods],
      reconcile: (key) => c.reconcile(key, c.recorder),
    };
  };
}
