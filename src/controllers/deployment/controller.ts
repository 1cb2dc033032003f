/**
 * The Deployment controller (upstream's pkg/controller/deployment): `deploymentController()`
 * is a ControllerFactory for the controller manager.
 *
 * Informers on Deployments, ReplicaSets and pods; handlers only enqueue Deployment keys:
 * a ReplicaSet enqueues its controlling Deployment (an orphan, every Deployment whose
 * selector matches it, so one can adopt it); a pod going away (or finishing) enqueues its
 * Deployment when that one uses Recreate, which waits for old pods to be gone.
 *
 * Reconcile follows upstream's syncDeployment: claim ReplicaSets (claim.ts), then status
 * only for a Deployment being deleted, the paused condition, `sync` (scaling, no rollout)
 * when paused or resized, the deprecated server-side rollback, else the strategy
 * (rolling.ts, recreate.ts). What this controller wrote is laid over the caches
 * (mutation-cache.ts). Imports client/, api/, machinery/ and the controller runtime only.
 */
import type { Deployment } from "../../api/apps/v1/deployment.js";
import type { ReplicaSet } from "../../api/apps/v1/replicaset.js";
import type { PodObj } from "../../api/core/v1/pod-printer.js";
import { parseSelector, type ParsedSelector } from "../../api/common/selector.js";
import { objectKey, namespaceIndex, type Informer } from "../../client/index.js";
import { StatusError } from "../../machinery/errors.js";
import { splitApiVersion, type KubeObject, type OwnerReference } from "../../machinery/object.js";
import {
  TerminalError, controllerRef,
  type ControllerDeps, type ControllerFactory, type ControllerSpec, type Enqueuer, type ReconcileResult,
} from "../runtime/index.js";
import { claimReplicaSets } from "./claim.js";
import { MutationCache } from "./mutation-cache.js";
import { rolloutRecreate, type PodMap } from "./recreate.js";
import { rollback, rollbackTo } from "./rollback.js";
import { rolloutRolling } from "./rolling.js";
import { DeploymentSync, type SyncEnv, type SyncOutcome } from "./sync.js";

export interface DeploymentControllerOptions {
  /** Concurrent syncs (upstream's ConcurrentDeploymentSyncs: 5). */
  workers?: number;
  /** Clock for conditions and the progress deadline. */
  now?(): Date;
}

/** Upstream's event source. */
export const component = "deployment-controller";

const controllerUidIndex = "deployment.controllerUid";
const orphanIndex = "deployment.orphanNamespace";

function controllerUid(obj: KubeObject): string[] {
  const ref = controllerRef(obj);
  return ref ? [ref.uid] : [];
}

function orphanNamespace(obj: KubeObject): string[] {
  return controllerRef(obj) ? [] : [obj.metadata.namespace ?? ""];
}

function sameRef(a: OwnerReference | undefined, b: OwnerReference | undefined): boolean {
  if (!a || !b) return a === b;
  return a.uid === b.uid && a.name === b.name && a.kind === b.kind && a.apiVersion === b.apiVersion;
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b ?? {}).length && ka.every((k) => b?.[k] === a?.[k]);
}

function isAppsRef(ref: OwnerReference, kind: string): boolean {
  return ref.kind === kind && splitApiVersion(ref.apiVersion).group === "apps";
}

function selectsNothingOrAll(d: Deployment): boolean {
  const sel = d.spec?.selector;
  return Boolean(sel) && Object.keys(sel?.matchLabels ?? {}).length === 0 && (sel?.matchExpressions ?? []).length === 0;
}

class DeploymentController {
  readonly deployments: Informer<Deployment>;
  readonly replicaSets: Informer<ReplicaSet>;
  readonly pods: Informer<PodObj>;
  private readonly recentDeployments = new MutationCache<Deployment>();
  private readonly recentReplicaSets = new MutationCache<ReplicaSet>();
  private readonly selectors = new WeakMap<Deployment, ParsedSelector | undefined>();
  private readonly env: SyncEnv;

  constructor(private readonly deps: ControllerDeps, private readonly opts: DeploymentControllerOptions) {
    this.deployments = deps.informers.forKind<Deployment>("apps/v1", "Deployment");
    this.replicaSets = deps.informers.forKind<ReplicaSet>("apps/v1", "ReplicaSet", {
      indexers: { [controllerUidIndex]: controllerUid, [orphanIndex]: orphanNamespace },
    });
    this.pods = deps.informers.forKind<PodObj>("v1", "Pod", { indexers: { [controllerUidIndex]: controllerUid } });
    this.env = {
      client: deps.client,
      recorder: deps.recorder(component),
      now: opts.now ?? (() => new Date()),
      sentRevisions: new Map(),
      written: (obj) => {
        if (obj.kind === "Deployment") this.recentDeployments.mutated(obj as Deployment);
        else this.recentReplicaSets.mutated(obj as ReplicaSet);
      },
    };
  }

  spec(): ControllerSpec {
    return {
      name: "deployment",
      workers: this.opts.workers,
      setup: (q) => this.setup(q),
      waitFor: [this.deployments, this.replicaSets, this.pods],
      reconcile: (key) => this.reconcile(key),
    };
  }

  private selectorOf(d: Deployment): ParsedSelector | undefined {
    if (!this.selectors.has(d)) this.selectors.set(d, parseSelector(d.spec?.selector));
    return this.selectors.get(d);
  }

  private setup(q: Enqueuer): void {
    const enqueue = (d: Deployment | undefined): void => {
      if (d) q.add(objectKey(d));
    };
    this.deployments.addHandler({
      onAdd: enqueue,
      onUpdate: (_old, cur) => enqueue(cur),
      onDelete: (d) => {
        this.recentDeployments.forget(objectKey(d));
        this.env.sentRevisions?.delete(d.metadata.uid ?? "");
        enqueue(d);
      },
    });
    this.replicaSets.addHandler({
      onAdd: (rs) => {
        const ref = controllerRef(rs);
        if (ref) enqueue(this.resolveDeployment(rs.metadata.namespace, ref));
        else if (!rs.metadata.deletionTimestamp) for (const d of this.deploymentsForReplicaSet(rs)) enqueue(d);
      },
      onUpdate: (old, cur) => {
        if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
        const oldRef = controllerRef(old);
        const curRef = controllerRef(cur);
        const refChanged = !sameRef(oldRef, curRef);
        if (refChanged && oldRef) enqueue(this.resolveDeployment(old.metadata.namespace, oldRef));
        if (curRef) {
          enqueue(this.resolveDeployment(cur.metadata.namespace, curRef));
          return;
        }
        if (refChanged || !sameLabels(old.metadata.labels, cur.metadata.labels)) {
          for (const d of this.deploymentsForReplicaSet(cur)) enqueue(d);
        }
      },
      onDelete: (rs) => {
        this.recentReplicaSets.forget(objectKey(rs));
        const ref = controllerRef(rs);
        if (ref) enqueue(this.resolveDeployment(rs.metadata.namespace, ref));
      },
    });
    this.pods.addHandler({
      onUpdate: (old, cur) => {
        const phase = cur.status?.phase;
        if (phase === old.status?.phase || (phase !== "Failed" && phase !== "Succeeded")) return;
        const d = this.deploymentForPod(cur);
        if (d?.spec?.strategy?.type === "Recreate") enqueue(d);
      },
      onDelete: (pod) => {
        const d = this.deploymentForPod(pod);
        if (d?.spec?.strategy?.type === "Recreate") enqueue(d);
      },
    });
  }

  /** resolveControllerRef: the Deployment a reference names, if it is still that one. */
  private resolveDeployment(namespace: string | undefined, ref: OwnerReference): Deployment | undefined {
    if (!isAppsRef(ref, "Deployment")) return undefined;
    const d = this.deployments.get(`${namespace}/${ref.name}`);
    return d && d.metadata.uid === ref.uid ? d : undefined;
  }

  /** getDeploymentsForReplicaSet: Deployments of the namespace whose selector matches an orphan. */
  private deploymentsForReplicaSet(rs: ReplicaSet): Deployment[] {
    const labels = rs.metadata.labels;
    if (!labels || Object.keys(labels).length === 0) return [];
    return this.deployments.byIndex(namespaceIndex, rs.metadata.namespace ?? "").filter((d) => {
      const sel = this.selectorOf(d);
      return sel !== undefined && !sel.empty && sel.matches(labels);
    });
  }

  /** getDeploymentForPod: through the pod's controlling ReplicaSet. */
  private deploymentForPod(pod: PodObj): Deployment | undefined {
    const ref = controllerRef(pod);
    if (!ref || !isAppsRef(ref, "ReplicaSet")) return undefined;
    const rs = this.replicaSets.get(`${pod.metadata.namespace}/${ref.name}`);
    if (!rs || rs.metadata.uid !== ref.uid) return undefined;
    const dref = controllerRef(rs);
    return dref ? this.resolveDeployment(rs.metadata.namespace, dref) : undefined;
  }

  /** ReplicaSets this Deployment may own: those it controls and the namespace's orphans. */
  private candidateReplicaSets(d: Deployment): ReplicaSet[] {
    const ns = d.metadata.namespace ?? "";
    const seen = new Map<string, ReplicaSet>();
    const add = (rs: ReplicaSet): void => {
      const key = objectKey(rs);
      const resolved = this.recentReplicaSets.resolve(key, rs);
      if (resolved) seen.set(key, resolved);
    };
    for (const rs of this.replicaSets.byIndex(controllerUidIndex, d.metadata.uid ?? "")) add(rs);
    for (const rs of this.replicaSets.byIndex(orphanIndex, ns)) add(rs);
    for (const rs of this.recentReplicaSets.pending(ns, (k) => this.replicaSets.get(k) !== undefined)) {
      if (controllerRef(rs)?.uid === d.metadata.uid) seen.set(objectKey(rs), rs);
    }
    return [...seen.values()];
  }

  /** getPodMapForDeployment: the Deployment's pods by the uid of their ReplicaSet. */
  private podMap(d: Deployment, rsList: ReplicaSet[], selector: ParsedSelector): PodMap {
    const map: PodMap = new Map();
    for (const rs of rsList) {
      const uid = rs.metadata.uid ?? "";
      map.set(uid, this.pods.byIndex(controllerUidIndex, uid).filter((p) => p.metadata.namespace === d.metadata.namespace && selector.matches(p.metadata.labels)));
    }
    return map;
  }

  private async reconcile(key: string): Promise<ReconcileResult | void> {
    const cached = this.recentDeployments.resolve(key, this.deployments.get(key));
    if (!cached) return;
    const s = new DeploymentSync(this.env, cached, []);
    const d = s.d;
    if (selectsNothingOrAll(d)) {
      s.event("Warning", "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        d.status = { ...d.status, observedGeneration: d.metadata.generation };
        await s.updateStatus();
      }
      return;
    }
    const selector = this.selectorOf(cached);
    if (!selector) throw new TerminalError(`deployment ${key} has invalid label selector`);
    let outcome: SyncOutcome;
    try {
      s.rsList = await claimReplicaSets(this.deps.client, d, selector, this.candidateReplicaSets(d));
      outcome = await this.run(s, selector);
    } catch (err) {
      // A write raced another writer (the ReplicaSet controller's status updates, mostly):
      // the cache is about to bring the newer object; look again soon, without an error.
      if (err instanceof StatusError && err.code === 409 && err.reason === "Conflict") return { requeue: true };
      throw err;
    }
    if (outcome.requeueAfterMs === undefined) return;
    return outcome.requeueAfterMs <= 0 ? { requeue: true } : { requeueAfterMs: outcome.requeueAfterMs };
  }

  private async run(s: DeploymentSync, selector: ParsedSelector): Promise<SyncOutcome> {
    const d = s.d;
    if (d.metadata.deletionTimestamp) return s.syncStatusOnly();
    await s.checkPausedConditions();
    if (d.spec?.paused) return s.sync();
    if (rollbackTo(d) !== undefined) return rollback(s);
    if (await s.isScalingEvent()) return s.sync();
    const type = d.spec?.strategy?.type ?? "RollingUpdate";
    if (type === "Recreate") return rolloutRecreate(s, this.podMap(d, s.rsList, selector));
    if (type === "RollingUpdate") return rolloutRolling(s);
    throw new TerminalError(`unexpected deployment strategy type: ${type}`);
  }
}

/** The Deployment controller, for `startControllerManager`. */
export function deploymentController(opts: DeploymentControllerOptions = {}): ControllerFactory {
  return (deps) => new DeploymentController(deps, opts).spec();
}
