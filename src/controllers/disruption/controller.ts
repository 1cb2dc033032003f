/**
 * The disruption controller (upstream's pkg/controller/disruption): keeps every
 * PodDisruptionBudget's status current — expected pods, healthy pods, desired healthy pods,
 * disruptions allowed, the DisruptionAllowed condition — and prunes status.disruptedPods of
 * evictions that happened or timed out. A second queue resets DisruptionTarget conditions
 * that an eviction left on a pod it then failed to delete.
 *
 * Informers on budgets, pods and the workload kinds that own pods; handlers only enqueue
 * (a pod event enqueues every budget whose selector matches it). The arithmetic is in
 * status.ts. Imports client/, api/ and machinery/ only.
 */
import type { LabelSelector } from "kubernetes-types/meta/v1.js";
import { parseSelector, type ParsedSelector } from "../../api/common/selector.js";
import { ApiClient, builtinRef } from "../../client/client.js";
import type { ResourceOps, ResourceRef } from "../../client/interfaces.js";
import { Informer, SharedInformerFactory, objectKey, type HandlerRegistration } from "../../client/informer/index.js";
import { resourcePath } from "../../client/request.js";
import { RateLimitedQueue } from "../../client/workqueue/index.js";
import { StatusError } from "../../machinery/errors.js";
import { deepCopy, nowRFC3339, splitApiVersion, type KubeObject, type OwnerReference } from "../../machinery/object.js";
import { eventRecorder, type EventRecorder } from "./events.js";
import {
  deletionTimeoutMs, failSafeStatus, needsControllerScale, reconcileBudget, staleDisruptionIn,
  type PdbLike, type PodLike,
} from "./status.js";

export interface DisruptionControllerOptions {
  /** Share informers with the other components of the process (default: a private factory). */
  factory?: SharedInformerFactory;
  /** Concurrent budget syncs (default 2). */
  workers?: number;
  /** When a DisruptionTarget condition without a deletion counts as stale (default 2 min). */
  staleDisruptionTimeoutMs?: number;
  recorder?: EventRecorder;
  /** Told about failed syncs (they are retried with backoff). Default: a console warning. */
  onError?(err: Error): void;
  /** Clock for tests. */
  now?(): Date;
}

export interface RunningController {
  stop(): Promise<void>;
}

const component = "controllermanager";

interface Workload extends KubeObject {
  spec?: { replicas?: number };
}

const ref = (apiVersion: string, kind: string): ResourceRef => builtinRef(apiVersion, kind);

/** Events name their object by apiVersion and kind, which list items may lack. */
function typed<T extends KubeObject>(obj: T, apiVersion: string, kind: string): T {
  return obj.apiVersion && obj.kind ? obj : { ...obj, apiVersion, kind };
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => b![k] === a![k]);
}

function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

function isKind(r: OwnerReference, kind: string, groups: string[]): boolean {
  return r.kind === kind && groups.includes(splitApiVersion(r.apiVersion).group);
}

/** Go's %v of a *metav1.LabelSelector, as upstream's UnmanagedPods event prints it. */
export function goLabelSelector(sel: LabelSelector | undefined): string {
  if (!sel) return "nil";
  const ml = Object.keys(sel.matchLabels ?? {}).sort().map((k) => `${k}: ${sel.matchLabels![k]},`).join("");
  const me = (sel.matchExpressions ?? []).map((e) => `LabelSelectorRequirement{Key:${e.key},Operator:${e.operator},Values:[${(e.values ?? []).join(" ")}],}`).map((s) => `${s},`).join("");
  return `&LabelSelector{MatchLabels:map[string]string{${ml}},MatchExpressions:[]LabelSelectorRequirement{${me}},}`;
}

class DisruptionController {
  private readonly queue = new RateLimitedQueue<string>();
  private readonly staleQueue = new RateLimitedQueue<string>();
  private readonly selectors = new WeakMap<PdbLike, ParsedSelector | undefined>();
  private readonly registrations: HandlerRegistration[] = [];
  private readonly recorder: EventRecorder;
  private readonly now: () => Date;
  private readonly staleTimeoutMs: number;
  private readonly pdbOps: ResourceOps<PdbLike>;
  private readonly podOps: ResourceOps<PodLike>;
  readonly pdbs: Informer<PdbLike>;
  readonly pods: Informer<PodLike>;
  private readonly rcs: Informer<Workload>;
  private readonly rss: Informer<Workload>;
  private readonly deployments: Informer<Workload>;
  private readonly statefulsets: Informer<Workload>;

  constructor(private readonly client: ApiClient, readonly factory: SharedInformerFactory, private readonly opts: DisruptionControllerOptions) {
    this.now = opts.now ?? (() => new Date());
    this.staleTimeoutMs = opts.staleDisruptionTimeoutMs ?? deletionTimeoutMs;
    this.recorder = opts.recorder ?? eventRecorder(client.resource(ref("v1", "Event")), component, (e) => this.report(e));
    this.pdbOps = client.resource<PdbLike>(ref("policy/v1", "PodDisruptionBudget"));
    this.podOps = client.resource<PodLike>(ref("v1", "Pod"));
    this.pdbs = factory.informerFor<PdbLike>(ref("policy/v1", "PodDisruptionBudget"));
    this.pods = factory.informerFor<PodLike>(ref("v1", "Pod"));
    this.rcs = factory.informerFor<Workload>(ref("v1", "ReplicationController"));
    this.rss = factory.informerFor<Workload>(ref("apps/v1", "ReplicaSet"));
    this.deployments = factory.informerFor<Workload>(ref("apps/v1", "Deployment"));
    this.statefulsets = factory.informerFor<Workload>(ref("apps/v1", "StatefulSet"));
  }

  get informers(): Informer<KubeObject>[] {
    return [this.pdbs, this.pods, this.rcs, this.rss, this.deployments, this.statefulsets] as Informer<KubeObject>[];
  }

  addHandlers(): void {
    const enqueuePdb = (pdb: PdbLike) => this.queue.add(objectKey(pdb));
    this.registrations.push(this.pdbs.addHandler({
      onAdd: enqueuePdb,
      onUpdate: (_old, cur) => enqueuePdb(cur),
      onDelete: enqueuePdb,
    }));
    this.registrations.push(this.pods.addHandler({
      onAdd: (pod) => { this.enqueueBudgetsOf(pod); this.checkStale(pod); },
      onUpdate: (old, cur) => {
        this.enqueueBudgetsOf(cur);
        // A relabelled pod leaves its old budgets too.
        if (!sameLabels(old.metadata.labels, cur.metadata.labels)) this.enqueueBudgetsOf(old);
        this.checkStale(cur);
      },
      onDelete: (pod) => this.enqueueBudgetsOf(pod),
    }));
  }

  private selectorOf(pdb: PdbLike): ParsedSelector | undefined {
    if (this.selectors.has(pdb)) return this.selectors.get(pdb);
    const sel = parseSelector(pdb.spec?.selector);
    this.selectors.set(pdb, sel);
    return sel;
  }

  /** The budgets of the pod's namespace whose selector matches it (lister's GetPodPodDisruptionBudgets). */
  budgetsFor(pod: PodLike): PdbLike[] {
    const ns = pod.metadata.namespace ?? "";
    return this.pdbs.byIndex("namespace", ns).filter((pdb) => this.selectorOf(pdb)?.matches(pod.metadata.labels) ?? false);
  }

  private enqueueBudgetsOf(pod: PodLike): void {
    for (const pdb of this.budgetsFor(pod)) this.queue.add(objectKey(pdb));
  }

  private checkStale(pod: PodLike): void {
    const wait = staleDisruptionIn(pod, this.now(), this.staleTimeoutMs);
    if (wait !== undefined) this.staleQueue.addAfter(objectKey(pod), wait);
  }

  podsFor(pdb: PdbLike): PodLike[] {
    const sel = this.selectorOf(pdb);
    if (!sel) return [];
    return this.pods.byIndex("namespace", pdb.metadata.namespace ?? "").filter((p) => sel.matches(p.metadata.labels));
  }

  // --- controller finders (upstream's finders(), in its order) ---

  private cached(inf: Informer<Workload>, ns: string, r: OwnerReference): Workload | undefined {
    const obj = inf.get(`${ns}/${r.name}`);
    return obj && obj.metadata.uid === r.uid ? obj : undefined;
  }

  private async scaleOf(r: OwnerReference, ns: string): Promise<{ uid: string; replicas: number } | undefined> {
    const replicas = (w: Workload) => ({ uid: w.metadata.uid ?? "", replicas: w.spec?.replicas ?? 1 });
    if (isKind(r, "ReplicationController", [""])) {
      const rc = this.cached(this.rcs, ns, r);
      if (rc) return replicas(rc);
    }
    if (isKind(r, "ReplicaSet", ["apps", "extensions"])) {
      const rs = this.cached(this.rss, ns, r);
      if (rs) {
        const owner = controllerOf(rs);
        if (owner && isKind(owner, "Deployment", ["apps", "extensions"])) {
          const d = this.cached(this.deployments, ns, owner);
          if (d) return replicas(d);
        } else if (!owner || owner.kind !== "Deployment") {
          return replicas(rs);
        }
      }
    }
    if (isKind(r, "StatefulSet", ["apps"])) {
      const ss = this.cached(this.statefulsets, ns, r);
      if (ss) return replicas(ss);
    }
    // Any other kind: its scale subresource, as upstream's getScaleController.
    const target = builtinRef(r.apiVersion, r.kind);
    try {
      const scale = await this.client.request<KubeObject & { spec?: { replicas?: number } }>({ method: "GET", path: resourcePath(target, ns, r.name, "scale") });
      if (scale.metadata.uid !== r.uid) return undefined;
      return { uid: scale.metadata.uid ?? "", replicas: scale.spec?.replicas ?? 0 };
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) return undefined;
      throw err;
    }
  }

  /** getExpectedScale: the summed scale of the pods' distinct controllers, and the pods with none. */
  private async expectedScale(pods: PodLike[]): Promise<{ scale: number; unmanaged: string[] }> {
    const scales = new Map<string, number>();
    // A Deployment's pods point at its ReplicaSets: remember what each controllerRef resolved to.
    const resolved = new Set<string>();
    const unmanaged: string[] = [];
    for (const pod of pods) {
      const r = controllerOf(pod);
      if (!r) {
        unmanaged.push(pod.metadata.name ?? "");
        continue;
      }
      if (resolved.has(r.uid)) continue;
      const found = await this.scaleOf(r, pod.metadata.namespace ?? "");
      if (!found) throw new Error(`found no controllers for pod ${JSON.stringify(pod.metadata.name ?? "")}`);
      scales.set(found.uid, found.replicas);
      resolved.add(r.uid);
    }
    let scale = 0;
    for (const n of scales.values()) scale += n;
    return { scale, unmanaged };
  }

  // --- reconcile ---

  async sync(key: string): Promise<void> {
    const cached = this.pdbs.get(key);
    if (!cached) return;
    try {
      await this.trySync(cached);
    } catch (err) {
      if (err instanceof StatusError && err.code === 409) throw err;
      const e = err instanceof Error ? err : new Error(String(err));
      await this.failSafe(cached, e);
      throw e;
    }
  }

  private async trySync(cached: PdbLike): Promise<void> {
    const pdb = typed(cached, "policy/v1", "PodDisruptionBudget");
    const pods = this.podsFor(cached);
    if (pods.length === 0) this.recorder.event(pdb, "Normal", "NoPods", "No matching pods found");
    let expected = 0;
    if (needsControllerScale(pdb.spec)) {
      let found;
      try {
        found = await this.expectedScale(pods);
      } catch (err) {
        this.recorder.event(pdb, "Warning", "CalculateExpectedPodCountFailed", `Failed to calculate the number of expected pods: ${(err as Error).message}`);
        throw err;
      }
      expected = found.scale;
      if (found.unmanaged.length) {
        this.recorder.event(pdb, "Warning", "UnmanagedPods", `Pods selected by this PodDisruptionBudget (selector: ${goLabelSelector(pdb.spec?.selector)}) were found `
          + "to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. "
          + "To account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value.");
      }
    }
    const now = this.now();
    const r = reconcileBudget(pdb, pods, expected, now);
    for (const name of r.expired) {
      const pod = pods.find((p) => p.metadata.name === name);
      // Upstream prints the budget's namespace twice here; kept for identical events.
      if (pod) this.recorder.event(typed(pod, "v1", "Pod"), "Warning", "NotDeleted", `Pod was expected by PDB ${pdb.metadata.namespace ?? ""}/${pdb.metadata.namespace ?? ""} to be deleted but it wasn't`);
    }
    if (r.status) await this.pdbOps.updateStatus({ ...deepCopy(cached), status: r.status });
    if (r.recheckAt) this.queue.addAfter(objectKey(cached), Math.max(0, r.recheckAt.getTime() - now.getTime()));
  }

  private async failSafe(pdb: PdbLike, err: Error): Promise<void> {
    await this.pdbOps.updateStatus({ ...deepCopy(pdb), status: failSafeStatus(pdb, err.message, this.now()) });
  }

  /** syncStalePodDisruption: DisruptionTarget=True on a pod nobody deleted goes back to False. */
  async syncStale(key: string): Promise<void> {
    const pod = this.pods.get(key);
    if (!pod) return;
    const wait = staleDisruptionIn(pod, this.now(), this.staleTimeoutMs);
    if (wait === undefined) return;
    if (wait > 0) {
      this.staleQueue.addAfter(key, wait);
      return;
    }
    const next = deepCopy(pod);
    const conds = next.status!.conditions!;
    const i = conds.findIndex((c) => c.type === "DisruptionTarget");
    conds[i] = { type: "DisruptionTarget", status: "False", lastProbeTime: null, lastTransitionTime: nowRFC3339(this.now()) };
    try {
      await this.podOps.updateStatus(next);
    } catch (err) {
      // Deleted since the cache saw it: nothing is left to reset.
      if (err instanceof StatusError && err.code === 404) return;
      throw err;
    }
  }

  // --- workers ---

  async runWorker(queue: RateLimitedQueue<string>, fn: (key: string) => Promise<void>): Promise<void> {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await fn(key);
        queue.forget(key);
      } catch (err) {
        if (!queue.isShuttingDown) {
          this.report(err instanceof Error ? err : new Error(String(err)), key);
          queue.addRateLimited(key);
        }
      } finally {
        queue.done(key);
      }
    }
  }

  report(err: Error, key?: string): void {
    if (this.opts.onError) this.opts.onError(err);
    else console.warn(`disruption controller${key ? ` ${key}` : ""}: ${err.message}`);
  }

  async shutDown(): Promise<void> {
    for (const r of this.registrations.splice(0)) r.remove();
    this.queue.shutDown();
    this.staleQueue.shutDown();
  }

  queues(): { main: RateLimitedQueue<string>; stale: RateLimitedQueue<string> } {
    return { main: this.queue, stale: this.staleQueue };
  }
}

/**
 * Starts the controller: waits for its informers to sync, then runs its workers until stop().
 * With a shared factory the informers stay running after stop (others may use them).
 */
export async function startDisruptionController(client: ApiClient, opts: DisruptionControllerOptions = {}): Promise<RunningController> {
  const ownFactory = !opts.factory;
  const factory = opts.factory ?? new SharedInformerFactory(client);
  const c = new DisruptionController(client, factory, opts);
  c.addHandlers();
  for (const inf of c.informers) inf.start();
  try {
    await Promise.all(c.informers.map((i) => i.waitForSync()));
  } catch (err) {
    await c.shutDown();
    if (ownFactory) factory.stop();
    throw err;
  }
  const { main, stale } = c.queues();
  const workers: Promise<void>[] = [];
  for (let i = 0; i < (opts.workers ?? 2); i++) workers.push(c.runWorker(main, (k) => c.sync(k)));
  workers.push(c.runWorker(stale, (k) => c.syncStale(k)));
  let stopped: Promise<void> | undefined;
  return {
    stop: () => (stopped ??= (async () => {
      await c.shutDown();
      await Promise.all(workers);
      if (ownFactory) factory.stop();
    })()),
  };
}
