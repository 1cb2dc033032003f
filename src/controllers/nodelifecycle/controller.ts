/**
 * The node lifecycle controller's loop, two kinds of keys:
 *
 * - `:monitor`, every monitor period (upstream's monitorNodeHealth): observes each node's
 *   Lease and Ready heartbeat, marks a node silent past the grace period Unknown (and its
 *   pods not ready), computes each zone's disruption state, and adds or removes the
 *   NoExecute taints (unreachable / not-ready) — adding them at each zone's eviction rate, and
 *   not at all while every zone is fully disrupted (the control plane is more likely cut off
 *   than every node dead).
 * - a node name (on node and pod events): the NoSchedule taints that mirror its conditions
 *   and spec.unschedulable, and taint-based eviction of its pods, requeued for the next
 *   deadline.
 */
import type { NodeObj } from "../../api/core/v1/node.js";
import type { PodObj } from "../../api/core/v1/pod-printer.js";
import type { Informer } from "../../client/index.js";
import { StatusError } from "../../machinery/errors.js";
import { deepCopy, nowRFC3339 } from "../../machinery/object.js";
import type { ControllerDeps, ControllerFactory, ControllerSpec, EventRecorder, ReconcileResult } from "../runtime/index.js";
import { disruptionCondition, notReadyConditions, planEviction, type PodLike } from "./eviction.js";
import {
  computeZoneState, condition, gracePeriodFor, isStale, observe, silentNodeConditions, zoneEvictionRate, zoneKey,
  type Health, type LeaseLike, type NodeLike, type ZoneState,
} from "./health.js";
import { hasTaint, noExecuteFor, noScheduleDiff, notReadyNoExecute, swapTaints, unreachableNoExecute, type TaintLike } from "./taints.js";

export interface NodeLifecycleOptions {
  /** How long a node may stay silent before it is Unknown (--node-monitor-grace-period). Default 40 s. */
  gracePeriodMs?: number;
  /** The same for a node that never posted Ready (--node-startup-grace-period). Default 60 s. */
  startupGracePeriodMs?: number;
  /** How often node health is checked (--node-monitor-period). Default 5 s. */
  monitorPeriodMs?: number;
  /** Nodes per second that get NoExecute taints in a healthy zone (--node-eviction-rate). Default 0.1. */
  evictionRate?: number;
  /** The same in a partially disrupted large zone (--secondary-node-eviction-rate). Default 0.01. */
  secondaryEvictionRate?: number;
  /** Zones up to this size stop tainting when partially disrupted (--large-cluster-size-threshold). Default 50. */
  largeClusterSizeThreshold?: number;
  /** Share of not-ready nodes that makes a zone partially disrupted (--unhealthy-zone-threshold). Default 0.55. */
  unhealthyZoneThreshold?: number;
  /** Default 5. */
  workers?: number;
  /** Told about failures of the periodic pass (it carries on). Default: a console warning. */
  onError?: (err: Error) => void;
}

export const monitorKey = ":monitor";
const leaseNamespace = "kube-node-lease";
const nodeIndex = "nodelifecycle:node";

export function nodeLifecycleController(opts: NodeLifecycleOptions = {}): ControllerFactory {
  return (deps) => new NodeLifecycle(deps, opts).spec();
}

interface Zone {
  state: ZoneState;
  /** Nodes in the zone at the last pass. */
  size: number;
  tokens: number;
  lastRefillMs: number;
  /** Nodes waiting for their NoExecute taint, with when they were queued (FIFO). */
  pending: Map<string, number>;
}

class NodeLifecycle {
  private readonly nodes: Informer<NodeLike>;
  private readonly leases: Informer<LeaseLike>;
  private readonly pods: Informer<PodLike>;
  private readonly nodeEvents: EventRecorder;
  private readonly evictionEvents: EventRecorder;
  private readonly graceMs: number;
  private readonly startupGraceMs: number;
  private readonly periodMs: number;
  private readonly onError: (err: Error) => void;
  private readonly health = new Map<string, Health>();
  /** Nodes seen so far, by name (their uid, for the RemovingNode event). */
  private readonly known = new Map<string, string>();
  private readonly zones = new Map<string, Zone>();
  /** Nodes whose pods could not all be marked not ready (retried next pass). */
  private readonly retryNotReady = new Set<string>();
  /** First sight of NoExecute taints without timeAdded (node|key). */
  private readonly taintSeen = new Map<string, number>();
  /** Pods with a scheduled eviction, to report a cancellation. */
  private readonly scheduled = new Set<string>();
  /** Every zone fully disrupted: no NoExecute taints at all (upstream's master disruption mode). */
  private allFullyDisrupted = false;

  constructor(private readonly deps: ControllerDeps, private readonly opts: NodeLifecycleOptions) {
    this.nodes = deps.informers.forKind<NodeLike>("v1", "Node");
    // All namespaces: the same cache the garbage collector keeps (keys are namespace/name either way).
    this.leases = deps.informers.forKind<LeaseLike>("coordination.k8s.io/v1", "Lease");
    this.pods = deps.informers.forKind<PodLike>("v1", "Pod", { indexers: { [nodeIndex]: (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []) } });
    this.nodeEvents = deps.recorder("node-controller");
    this.evictionEvents = deps.recorder("taint-eviction-controller");
    this.graceMs = opts.gracePeriodMs ?? 40_000;
    this.startupGraceMs = opts.startupGracePeriodMs ?? 60_000;
    this.periodMs = opts.monitorPeriodMs ?? 5000;
    this.onError = opts.onError ?? ((err) => console.warn(`node lifecycle controller: ${err.message}`));
  }

  spec(): ControllerSpec {
    return {
      name: "nodelifecycle",
      workers: this.opts.workers ?? 5,
      waitFor: [this.nodes, this.leases, this.pods],
      setup: (q) => {
        q.add(monitorKey);
        this.nodes.addHandler({
          onAdd: (n) => q.add(n.metadata.name!),
          onUpdate: (old, n) => {
            if (old.spec?.unschedulable !== n.spec?.unschedulable || old.status?.conditions !== n.status?.conditions || old.spec?.taints !== n.spec?.taints) q.add(n.metadata.name!);
          },
        });
        const podChanged = (p: PodLike): void => {
          const node = p.spec?.nodeName && this.nodes.get(p.spec.nodeName);
          if (node && (node.spec?.taints ?? []).some((t) => t.effect === "NoExecute")) q.add(p.spec!.nodeName!);
        };
        this.pods.addHandler({ onAdd: podChanged, onUpdate: (_o, p) => podChanged(p) });
      },
      reconcile: (key) => (key === monitorKey ? this.monitor() : this.syncNode(key)),
    };
  }

  // --- the monitor pass -------------------------------------------------------------------

  private async monitor(): Promise<ReconcileResult> {
    const nowMs = Date.now();
    const now = nowRFC3339(new Date(nowMs));
    const nodes = this.nodes.list();
    const zoneReady = new Map<string, (string | undefined)[]>();
    const current = new Set<string>();
    for (const cached of nodes) {
      const name = cached.metadata.name!;
      current.add(name);
      if (!this.known.has(name)) {
        this.known.set(name, cached.metadata.uid ?? "");
        this.nodeEvents.event(cached, "Normal", "RegisteredNode", `Node ${name} event: Registered Node ${name} in Controller`);
      }
      let ready = condition(cached, "Ready")?.status;
      try {
        ready = await this.monitorNode(cached, nowMs, now);
      } catch (err) {
        // One node's failure must not stop the others, nor the periodic pass.
        this.onError(new Error(`node ${name}: ${(err as Error).message}`));
      }
      const zone = zoneKey(cached);
      let statuses = zoneReady.get(zone);
      if (!statuses) zoneReady.set(zone, (statuses = []));
      statuses.push(ready);
    }
    for (const [name, uid] of this.known) {
      if (current.has(name)) continue;
      this.known.delete(name);
      this.health.delete(name);
      this.retryNotReady.delete(name);
      for (const z of this.zones.values()) z.pending.delete(name);
      this.nodeEvents.event({ apiVersion: "v1", kind: "Node", metadata: { name, uid } }, "Normal", "RemovingNode", `Node ${name} event: Removing Node ${name} from Controller`);
    }
    try {
      await this.handleDisruption(zoneReady, nodes, nowMs);
      await this.taintPending(nowMs, now);
    } catch (err) {
      this.onError(err as Error);
    }
    return { requeueAfterMs: this.periodMs };
  }

  /** One node's part of the pass; returns its Ready status after it. */
  private async monitorNode(cached: NodeLike, nowMs: number, now: string): Promise<string | undefined> {
    const name = cached.metadata.name!;
    const node = await this.updateHealth(cached, nowMs, now).catch((err: unknown) => {
      // A node changed or gone meanwhile: the next pass sees it as it is.
      if (!(err instanceof StatusError && (err.code === 409 || err.code === 404))) throw err;
      return cached;
    });
    const observedReady = condition(cached, "Ready")?.status;
    const ready = condition(node, "Ready")?.status;
    await this.processTaintBaseEviction(node, ready, now);
    if (ready !== "True" && (observedReady === "True" || this.retryNotReady.has(name))) {
      if (observedReady === "True") this.nodeEvents.event(node, "Normal", "NodeNotReady", `Node ${name} status is now: NodeNotReady`);
      await this.markPodsNotReady(name, now);
    }
    return ready;
  }

  /** Observes the node's heartbeats; past the grace period, writes its conditions Unknown. */
  private async updateHealth(node: NodeLike, nowMs: number, now: string): Promise<NodeLike> {
    const name = node.metadata.name!;
    const h = observe(this.health.get(name), node, this.leases.get(`${leaseNamespace}/${name}`), nowMs);
    this.health.set(name, h);
    if (!isStale(h, nowMs, gracePeriodFor(node, this.graceMs, this.startupGraceMs))) return node;
    const conditions = silentNodeConditions(node, now);
    if (!conditions) return node;
    const next = deepCopy(node);
    next.status = { ...next.status, conditions };
    return (await this.deps.client.nodes.updateStatus(next as NodeObj)) as NodeLike;
  }

  /** upstream's processTaintBaseEviction: swap at once, queue a new taint, or clear both. */
  private async processTaintBaseEviction(node: NodeLike, ready: string | undefined, now: string): Promise<void> {
    const name = node.metadata.name!;
    const zone = this.zone(zoneKey(node));
    const { want, other } = noExecuteFor(ready);
    if (!want) {
      zone.pending.delete(name);
      if (hasTaint(node.spec?.taints, notReadyNoExecute) || hasTaint(node.spec?.taints, unreachableNoExecute)) {
        await this.swap(name, [], [notReadyNoExecute, unreachableNoExecute], now);
      }
      return;
    }
    if (hasTaint(node.spec?.taints, want)) {
      zone.pending.delete(name);
      return;
    }
    if (other && hasTaint(node.spec?.taints, other)) {
      // Already tainted for the other reason: swap straight away, as upstream does.
      await this.swap(name, [want], [other], now);
      zone.pending.delete(name);
      return;
    }
    if (!zone.pending.has(name)) zone.pending.set(name, this.health.get(name)?.probeMs ?? Date.now());
  }

  /** Adds the queued NoExecute taints, as each zone's token bucket allows. */
  private async taintPending(nowMs: number, now: string): Promise<void> {
    for (const zone of this.zones.values()) {
      const rate = this.rateOf(zone);
      zone.tokens = rate > 0 ? Math.min(1, zone.tokens + ((nowMs - zone.lastRefillMs) / 1000) * rate) : 0;
      zone.lastRefillMs = nowMs;
      const queued = [...zone.pending].sort((a, b) => a[1] - b[1]).map(([n]) => n);
      for (const name of queued) {
        const node = this.nodes.get(name);
        const { want, other } = noExecuteFor(node ? condition(node, "Ready")?.status : "True");
        if (!node || !want || hasTaint(node.spec?.taints, want)) {
          zone.pending.delete(name);
          continue;
        }
        if (zone.tokens < 1) break;
        zone.tokens -= 1;
        await this.swap(name, [want], other ? [other] : [], now);
        zone.pending.delete(name);
      }
    }
  }

  private zone(key: string): Zone {
    let z = this.zones.get(key);
    if (!z) {
      z = { state: "Initial", size: 0, tokens: 1, lastRefillMs: Date.now(), pending: new Map() };
      this.zones.set(key, z);
    }
    return z;
  }

  private rateOf(zone: Zone): number {
    if (this.allFullyDisrupted) return 0;
    return zoneEvictionRate(zone.state, zone.size, {
      evictionRate: this.opts.evictionRate ?? 0.1,
      secondaryEvictionRate: this.opts.secondaryEvictionRate ?? 0.01,
      largeClusterThreshold: this.opts.largeClusterSizeThreshold ?? 50,
    });
  }

  /** upstream's handleDisruption: zone states, and the all-zones-down safety stop. */
  private async handleDisruption(zoneReady: Map<string, (string | undefined)[]>, nodes: NodeLike[], nowMs: number): Promise<void> {
    const threshold = this.opts.unhealthyZoneThreshold ?? 0.55;
    const newStates = new Map<string, ZoneState>();
    for (const [key, statuses] of zoneReady) {
      newStates.set(key, computeZoneState(statuses, threshold).state);
      this.zone(key).size = statuses.length;
    }
    for (const key of [...this.zones.keys()]) if (!zoneReady.has(key)) this.zones.delete(key);
    const allAre = newStates.size > 0 && [...newStates.values()].every((s) => s === "FullDisruption");
    const allWere = this.allFullyDisrupted;
    if (allAre && !allWere) {
      // Every node silent at once: more likely this side is cut off. Stop evicting, lift the taints.
      this.allFullyDisrupted = true;
      for (const z of this.zones.values()) {
        z.state = "FullDisruption";
        z.pending.clear();
      }
      const now = nowRFC3339(new Date(nowMs));
      for (const n of nodes) {
        if (hasTaint(n.spec?.taints, notReadyNoExecute) || hasTaint(n.spec?.taints, unreachableNoExecute)) {
          await this.swap(n.metadata.name!, [], [notReadyNoExecute, unreachableNoExecute], now).catch(() => undefined);
        }
      }
      return;
    }
    if (!allAre && allWere) {
      // Back: give every node a fresh grace period before judging it again.
      this.allFullyDisrupted = false;
      for (const n of nodes) {
        const h = this.health.get(n.metadata.name!);
        if (h) h.probeMs = nowMs;
      }
    }
    for (const [key, state] of newStates) this.zones.get(key)!.state = state;
  }

  private async markPodsNotReady(node: string, now: string): Promise<void> {
    let failed = false;
    for (const pod of this.pods.byIndex(nodeIndex, node)) {
      const conditions = notReadyConditions(pod, now);
      if (!conditions) continue;
      const next = deepCopy(pod);
      next.status = { ...next.status, conditions };
      try {
        await this.deps.client.pods.updateStatus(next as PodObj);
        this.nodeEvents.event(pod, "Warning", "NodeNotReady", "Node is not ready");
      } catch (err) {
        if (err instanceof StatusError && err.code === 404) continue;
        failed = true;
      }
    }
    if (failed) this.retryNotReady.add(node);
    else this.retryNotReady.delete(node);
  }

  // --- per node: NoSchedule taints and taint-based eviction ---------------------------------

  private async syncNode(name: string): Promise<ReconcileResult | void> {
    const node = this.nodes.get(name);
    if (!node) {
      for (const key of [...this.taintSeen.keys()]) if (key.startsWith(`${name}|`)) this.taintSeen.delete(key);
      return;
    }
    const diff = noScheduleDiff(node);
    if (diff.add.length || diff.remove.length) await this.swap(name, diff.add, diff.remove, nowRFC3339());
    return this.evictPods(node);
  }

  private async evictPods(node: NodeLike): Promise<ReconcileResult | void> {
    const name = node.metadata.name!;
    const taints = (node.spec?.taints ?? []) as TaintLike[];
    const nowMs = Date.now();
    const firstSeen = (t: TaintLike): number => {
      const key = `${name}|${t.key}|${t.effect}`;
      let ms = this.taintSeen.get(key);
      if (ms === undefined) this.taintSeen.set(key, (ms = nowMs));
      return ms;
    };
    let nextMs = Infinity;
    for (const pod of this.pods.byIndex(nodeIndex, name)) {
      const podKey = `${pod.metadata.namespace}/${pod.metadata.name}`;
      const plan = planEviction(pod, taints, firstSeen);
      if (plan.type === "none") {
        if (this.scheduled.delete(podKey) && !pod.metadata.deletionTimestamp) {
          this.evictionEvents.event(pod, "Normal", "TaintManagerEviction", `Cancelling deletion of Pod ${podKey}`);
        }
        continue;
      }
      if (plan.atMs > nowMs) {
        this.scheduled.add(podKey);
        nextMs = Math.min(nextMs, plan.atMs);
        continue;
      }
      this.scheduled.delete(podKey);
      this.evictionEvents.event(pod, "Normal", "TaintManagerEviction", `Marking for deletion Pod ${podKey}`);
      await this.evict(pod);
    }
    if (Number.isFinite(nextMs)) return { requeueAfterMs: Math.max(1, nextMs - nowMs) };
  }

  /** upstream's addConditionAndDeletePod. */
  private async evict(pod: PodLike): Promise<void> {
    const { namespace, name, uid } = pod.metadata;
    try {
      const conditions = disruptionCondition(pod, nowRFC3339());
      if (conditions) {
        const next = deepCopy(pod);
        next.status = { ...next.status, conditions };
        await this.deps.client.pods.updateStatus(next as PodObj);
      }
      await this.deps.client.pods.delete(namespace, name!, { preconditions: { uid } });
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) return;
      throw err;
    }
  }

  /** Adds and removes taints on the node (merge patch pinned to the resourceVersion, retried on conflict). */
  private async swap(name: string, add: TaintLike[], remove: TaintLike[], now: string): Promise<void> {
    let node: NodeLike | undefined = this.nodes.get(name);
    for (let attempt = 0; node; attempt++) {
      const taints = swapTaints(node.spec?.taints, add, remove, now);
      if (!taints) return;
      try {
        await this.deps.client.nodes.patch(undefined, name, "merge", {
          metadata: { resourceVersion: node.metadata.resourceVersion },
          spec: { taints: taints.length ? taints : null },
        });
        return;
      } catch (err) {
        if (!(err instanceof StatusError)) throw err;
        if (err.code === 404) return;
        if (err.code !== 409 || attempt >= 4) throw err;
      }
      node = await this.deps.client.nodes.get(undefined, name).then((n) => n as NodeLike, (err: unknown) => {
        if (err instanceof StatusError && err.code === 404) return undefined;
        throw err;
      });
    }
  }
}
