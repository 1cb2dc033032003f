/**
 * Simulated nodes, as kwok does: `startSimulatedNodes` registers N Node objects (or adopts
 * them after a restart), keeps a Lease per node renewed in `kube-node-lease`, and drives the
 * pods bound to those nodes through kubelet's status transitions, with no containers at all.
 *
 * What keeps 5,000 nodes cheap in one process:
 * - heartbeats run from one timer; nodes are spread over buckets of the renew interval, so
 *   each tick renews a small, even share of the Leases (no thundering herd), and Ready's
 *   heartbeat is refreshed on the slower node-status cadence, as kubelet's
 *   nodeStatusReportFrequency;
 * - one pods informer (every bound pod) feeds one rate-limited work queue keyed by pod, so
 *   bursts coalesce and a pod is never worked on twice at once; per pod the simulator keeps
 *   only a small record (its IP, when it was first seen). Given the process's shared
 *   informers, that informer is a filtered view of the shared pod cache, not a second cache;
 * - writes go through the status subresource with the cached resourceVersion; a 409 re-reads
 *   the pod and plans again.
 */
import type { Taint } from "kubernetes-types/core/v1.js";
import type { ApiClient } from "../../../client/client.js";
import { Informer, type SharedInformerFactory } from "../../../client/informer/index.js";
import { RateLimitedQueue, runWorker, throttledStderr } from "../../../client/workqueue/index.js";
import { StatusError } from "../../../machinery/errors.js";
import { formatCidr, formatIPv4, nthSubnet, parseCidr, parseIPv4, subnetCount, NodeIpam } from "./ipam.js";
import {
  buildLease, buildNode, nodeAnnotations, nodeConditions, nodeLabels, nodeLeaseNamespace, nodeStatus, readySinceOf,
  simulatedAnnotation, type LeaseObj, type NodeObj, type NodeShape,
} from "./node-object.js";
import {
  completedStatus, planPod, podStage, runningStatus, startingStatus, terminatedStatus, type PodObj,
} from "./pod-status.js";
import type { PodStatus } from "kubernetes-types/core/v1.js";

export interface SimulatedNodeOptions {
  count: number;
  /** Node names are `${namePrefix}${index}`. Default "sim-node-". */
  namePrefix?: string;
  /**
   * Exact node names, one per node (`count` of them), instead of prefix + index: e.g. the
   * hostname, for the one simulated node that stands for this machine. Indexes (addresses,
   * pod blocks) still start at `firstIndex`.
   */
  names?: string[];
  /** Index of the first node (so several simulators can share a cluster). Default 0. */
  firstIndex?: number;
  cpu?: string;
  memory?: string;
  pods?: number;
  ephemeralStorage?: string;
  labels?: Record<string, string>;
  /** Registered with the node when it is created (as kubelet's --register-with-taints). */
  taints?: Taint[];
  /** Delay from seeing a bound pod to reporting it Running. Default: random in [0, 100) ms per pod. */
  podStartDelayMs?: number;
  /** Report Pending/ContainerCreating before Running when there is a start delay. Default true. */
  reportContainerCreating?: boolean;
  /** Pods with restartPolicy Never or OnFailure finish this long after running. Default: never. */
  podCompleteAfterMs?: number;
  /** Share (0..1) of finishing pods that fail (exit 1, reason Error) instead of succeeding. */
  podFailRatio?: number;
  /** Simulated shutdown time of a pod being deleted; its grace period caps it. Default 100 ms. */
  podTerminationDelayMs?: number;
  leaseDurationSeconds?: number;
  /** Lease renewal interval (kubelet: a quarter of the lease duration). Default 10 s. */
  heartbeatIntervalMs?: number;
  /** How often Ready's lastHeartbeatTime is refreshed (kubelet's nodeStatusReportFrequency). Default 5 min. */
  nodeStatusReportMs?: number;
  /**
   * The cluster pod range each node's block comes from. Default 10.244.0.0/16; when that
   * cannot hold the nodes asked for, 10.128.0.0/9 (clear of the default service range).
   */
  podCIDRBase?: string;
  /** Size of each node's block. Default 24. */
  nodeCIDRMaskSize?: number;
  /** Concurrent pod workers. Default 16. */
  workers?: number;
  /** Concurrent writes while registering. Default 32. */
  registerConcurrency?: number;
  /** Default "kubelet". */
  fieldManager?: string;
  /** Errors the simulator recovers from (it retries); default: a throttled line on stderr. */
  onError?: (err: unknown, what: string) => void;
  /**
   * The process's shared informers: bound pods are then read from the shared pod cache
   * (a filtered view) instead of an informer of the simulator's own. It keeps running after stop().
   */
  informers?: SharedInformerFactory;
}

export interface SimulatedNodes {
  nodeNames: string[];
  /** Stops timers, the informer and the workers; the objects stay (a restart adopts them). */
  stop(): Promise<void>;
}

interface SimNode {
  readonly name: string;
  readonly index: number;
  readonly internalIP: string;
  readonly podCIDR: string;
  readonly ipam: NodeIpam;
  uid?: string;
  readySince: Date;
  leaseRv?: string;
  nextStatusMs: number;
  busy: boolean;
}

interface PodRecord {
  uid: string;
  node: SimNode;
  firstSeenMs: number;
  startDelayMs: number;
  runningSinceMs?: number;
  /** resourceVersion of our last write: an older cached copy is stale, wait for the watch. */
  writtenRv?: number;
}

/** TEST-NET addresses (RFC 2544's benchmarking range): never a real host. */
const nodeAddressBase = parseIPv4("198.18.0.0");
const nodeAddressCount = 2 ** 17 - 2;
const defaultPodRange = "10.244.0.0/16";
const widePodRange = "10.128.0.0/9";
const maxConflictRetries = 3;

export async function startSimulatedNodes(client: ApiClient, opts: SimulatedNodeOptions): Promise<SimulatedNodes> {
  const sim = new Simulator(client, opts);
  try {
    await sim.start();
  } catch (err) {
    await sim.stop();
    throw err;
  }
  return { nodeNames: sim.nodes.map((n) => n.name), stop: () => sim.stop() };
}

class Simulator {
  readonly nodes: SimNode[] = [];
  private readonly byName = new Map<string, SimNode>();
  private readonly records = new Map<string, PodRecord>();
  private readonly shape: NodeShape;
  private readonly fieldManager: string;
  private readonly leaseSeconds: number;
  private readonly heartbeatMs: number;
  private readonly statusReportMs: number;
  private readonly tickMs: number;
  private buckets: SimNode[][] = [];
  private tickNo = 0;
  private timer?: NodeJS.Timeout;
  private informer?: Informer<PodObj>;
  private readonly queue: RateLimitedQueue<string>;
  private workers: Promise<void>[] = [];
  private readonly inflight = new Set<Promise<unknown>>();
  private stopped = false;
  private readonly onError: (err: unknown, what: string) => void;

  constructor(private readonly client: ApiClient, private readonly opts: SimulatedNodeOptions) {
    checkOptions(opts);
    this.shape = {
      cpu: opts.cpu ?? "32",
      memory: opts.memory ?? "256Gi",
      pods: opts.pods ?? 110,
      ephemeralStorage: opts.ephemeralStorage ?? "100Gi",
      labels: opts.labels ?? {},
      taints: opts.taints ?? [],
    };
    this.fieldManager = opts.fieldManager ?? "kubelet";
    this.leaseSeconds = opts.leaseDurationSeconds ?? 40;
    this.heartbeatMs = opts.heartbeatIntervalMs ?? 10_000;
    this.statusReportMs = opts.nodeStatusReportMs ?? 5 * 60_000;
    this.tickMs = Math.max(10, Math.min(100, Math.floor(this.heartbeatMs / 10)));
    this.queue = new RateLimitedQueue<string>({ baseDelayMs: 5, maxDelayMs: 30_000, qps: 200, burst: 1000 });
    this.onError = opts.onError ?? throttledStderr("simulated nodes");
  }

  async start(): Promise<void> {
    this.planNodes();
    await this.register();
    this.startHeartbeats();
    this.startPods();
    await this.informer!.waitForSync();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.informer?.stop();
    this.queue.shutDown();
    await Promise.allSettled([...this.workers, ...this.inflight]);
  }

  // -------------------------------------------------------------------------------------------
  // Nodes

  /** Names, addresses and pod CIDRs of the nodes asked for (existing objects may override the CIDR). */
  private planNodes(): void {
    const first = this.opts.firstIndex ?? 0;
    const prefix = this.opts.namePrefix ?? "sim-node-";
    const mask = this.opts.nodeCIDRMaskSize ?? 24;
    let range = parseCidr(this.opts.podCIDRBase ?? defaultPodRange);
    if (!this.opts.podCIDRBase && subnetCount(range, mask) < first + this.opts.count) range = parseCidr(widePodRange);
    if (subnetCount(range, mask) < first + this.opts.count) {
      throw new Error(`pod CIDR ${formatCidr(range)} holds ${subnetCount(range, mask)} /${mask} blocks, too few for nodes ${first}..${first + this.opts.count - 1}`);
    }
    if (first + this.opts.count > nodeAddressCount) throw new Error(`at most ${nodeAddressCount} simulated nodes`);
    for (let i = first; i < first + this.opts.count; i++) {
      const cidr = formatCidr(nthSubnet(range, mask, i));
      const n: SimNode = {
        name: this.opts.names?.[i - first] ?? `${prefix}${i}`,
        index: i,
        internalIP: formatIPv4(nodeAddressBase + 2 + i),
        podCIDR: cidr,
        ipam: new NodeIpam(cidr),
        readySince: new Date(),
        nextStatusMs: 0,
        busy: false,
      };
      this.nodes.push(n);
      this.byName.set(n.name, n);
    }
  }

  /** Creates the Nodes and Leases, or adopts the ones a previous run left. */
  private async register(): Promise<void> {
    const [nodeList, leaseList] = await Promise.all([
      this.client.nodes.listAll(undefined),
      this.client.leases.listAll(nodeLeaseNamespace),
    ]);
    const existing = new Map(nodeList.items.map((n) => [n.metadata.name ?? "", n]));
    const leases = new Map(leaseList.items.map((l) => [l.metadata.name ?? "", l]));
    for (const n of this.nodes) {
      const live = existing.get(n.name);
      if (live && live.metadata.annotations?.[simulatedAnnotation] !== "true") {
        throw new Error(`node ${n.name} exists and is not a simulated node`);
      }
    }
    await pool(this.nodes, this.opts.registerConcurrency ?? 32, async (n) => {
      if (this.stopped) return;
      const live = existing.get(n.name);
      if (live) await this.adoptNode(n, live);
      else await this.createNode(n);
      n.leaseRv = leases.get(n.name)?.metadata.resourceVersion;
      await this.renewLease(n);
    });
  }

  private async createNode(n: SimNode): Promise<void> {
    const now = new Date();
    n.readySince = now;
    try {
      const out = await this.client.nodes.create(undefined, buildNode(this.identity(n), this.shape, now), { fieldManager: this.fieldManager });
      n.uid = out.metadata.uid;
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 409)) throw err;
      await this.adoptNode(n, await this.client.nodes.get(undefined, n.name));
    }
    n.nextStatusMs = Date.now() + this.statusReportMs;
  }

  /** A node from a previous run: its pod CIDR stays (it is immutable); labels and status are refreshed. */
  private async adoptNode(n: SimNode, live: NodeObj): Promise<void> {
    const now = new Date();
    n.uid = live.metadata.uid;
    n.readySince = readySinceOf(live, now);
    const cidr = live.spec?.podCIDR;
    if (cidr && cidr !== n.podCIDR) {
      Object.assign(n, { podCIDR: cidr, ipam: new NodeIpam(cidr) });
    }
    const address = live.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
    if (address) Object.assign(n, { internalIP: address });
    const labels = nodeLabels(n.name, this.shape.labels);
    const annotations = nodeAnnotations();
    const stale = (want: Record<string, string>, have: Record<string, string> | undefined): boolean =>
      Object.entries(want).some(([k, v]) => have?.[k] !== v);
    const metaPatch: Record<string, unknown> = {};
    if (stale(labels, live.metadata.labels)) metaPatch.labels = labels;
    if (stale(annotations, live.metadata.annotations)) metaPatch.annotations = annotations;
    const specPatch = cidr ? undefined : { podCIDR: n.podCIDR, podCIDRs: [n.podCIDR] };
    if (Object.keys(metaPatch).length || specPatch) {
      await this.client.nodes.patch(undefined, n.name, "merge", { metadata: metaPatch, ...(specPatch ? { spec: specPatch } : {}) }, { fieldManager: this.fieldManager });
    }
    await this.client.nodes.patch(undefined, n.name, "merge", { status: nodeStatus(this.identity(n), this.shape, n.readySince, now) }, { subresource: "status", fieldManager: this.fieldManager });
    n.nextStatusMs = Date.now() + this.statusReportMs;
  }

  private identity(n: SimNode): { name: string; internalIP: string; podCIDR: string } {
    return { name: n.name, internalIP: n.internalIP, podCIDR: n.podCIDR };
  }

  /** Renews (or creates) the node's Lease; the cached resourceVersion guards the update. */
  private async renewLease(n: SimNode): Promise<void> {
    for (let attempt = 0; attempt <= maxConflictRetries; attempt++) {
      const lease: LeaseObj = buildLease(n.name, n.uid, this.leaseSeconds, new Date());
      try {
        if (n.leaseRv === undefined) {
          const out = await this.client.leases.create(nodeLeaseNamespace, lease, { fieldManager: this.fieldManager });
          n.leaseRv = out.metadata.resourceVersion;
        } else {
          lease.metadata.resourceVersion = n.leaseRv;
          const out = await this.client.leases.update(lease, { fieldManager: this.fieldManager });
          n.leaseRv = out.metadata.resourceVersion;
        }
        return;
      } catch (err) {
        if (!(err instanceof StatusError)) throw err;
        if (err.code === 404) n.leaseRv = undefined;
        else if (err.code === 409) n.leaseRv = await this.client.leases.get(nodeLeaseNamespace, n.name).then((l) => l.metadata.resourceVersion, () => undefined);
        else throw err;
      }
    }
  }

  /** Ready's heartbeat on the slow cadence; a node deleted meanwhile registers again, as kubelet does. */
  private async reportNodeStatus(n: SimNode): Promise<void> {
    const now = new Date();
    try {
      await this.client.nodes.patch(undefined, n.name, "merge", { status: { conditions: nodeConditions(n.readySince, now) } }, { subresource: "status", fieldManager: this.fieldManager });
    } catch (err) {
      if (!(err instanceof StatusError && err.code === 404)) throw err;
      await this.createNode(n);
      await this.renewLease(n);
    }
    n.nextStatusMs = now.getTime() + this.statusReportMs;
  }

  private startHeartbeats(): void {
    const count = Math.max(1, Math.round(this.heartbeatMs / this.tickMs));
    this.buckets = Array.from({ length: count }, () => []);
    // Registration just renewed every lease: start the round a random share of the way in.
    const offset = Math.floor(Math.random() * count);
    this.nodes.forEach((n, i) => this.buckets[(i + offset) % count]!.push(n));
    this.tickNo = 0;
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  private tick(): void {
    if (this.stopped) return;
    const bucket = this.buckets[this.tickNo++ % this.buckets.length]!;
    const now = Date.now();
    for (const n of bucket) {
      // A node whose last heartbeat is still in flight (a slow server) skips this round.
      if (n.busy) continue;
      n.busy = true;
      const work = (async () => {
        await this.renewLease(n);
        if (now >= n.nextStatusMs) await this.reportNodeStatus(n);
      })()
        .catch((err: unknown) => this.onError(err, `heartbeat of node ${n.name}`))
        .finally(() => {
          n.busy = false;
          this.inflight.delete(work);
        });
      this.inflight.add(work);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Pods

  private startPods(): void {
    // One informer for every bound pod; which are ours is a set lookup, not one watch per node.
    const bound = (p: PodObj): boolean => !!p.spec?.nodeName;
    const informer = this.opts.informers
      ? this.opts.informers.filtered<PodObj>(this.client.pods.ref, bound)
      : new Informer<PodObj>(this.client.pods, { fieldSelector: "spec.nodeName!=" });
    this.informer = informer;
    informer.addHandler({
      onAdd: (p) => this.enqueueIfMine(p),
      onUpdate: (_old, p) => this.enqueueIfMine(p),
      onDelete: (p) => {
        const key = podKey(p);
        if (this.records.has(key)) this.queue.add(key);
      },
    });
    informer.start();
    const workers = Math.max(1, this.opts.workers ?? 16);
    for (let i = 0; i < workers; i++) this.workers.push(this.work());
  }

  private enqueueIfMine(p: PodObj): void {
    const key = podKey(p);
    if (this.byName.has(p.spec?.nodeName ?? "") || this.records.has(key)) this.queue.add(key);
  }

  private work(): Promise<void> {
    return runWorker(this.queue, { handle: (key) => this.reconcile(key), onError: this.onError, describe: (key) => `pod ${key}`, stopped: () => this.stopped });
  }

  /** Level-triggered: reads the cached pod, does the next step, and requeues itself for timed ones. */
  private async reconcile(key: string): Promise<void> {
    let pod = this.informer?.get(key);
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) return;
      const node = pod ? this.byName.get(pod.spec?.nodeName ?? "") : undefined;
      let rec = this.records.get(key);
      if (rec && (!pod || !node || rec.uid !== pod.metadata.uid)) {
        // Gone, moved or replaced by a pod of the same name: its sandbox is gone.
        this.forgetPod(key, rec);
        rec = undefined;
      }
      if (!pod || !node) return;
      rec ??= this.track(key, pod, node);
      const rv = Number(pod.metadata.resourceVersion);
      if (rec.writtenRv !== undefined && Number.isFinite(rv) && rv < rec.writtenRv) {
        // The cache has not caught up with our last write; its watch event will requeue the pod.
        this.queue.addAfter(key, 5_000);
        return;
      }
      try {
        await this.step(key, pod, rec);
        return;
      } catch (err) {
        if (!(err instanceof StatusError && err.code === 409) || attempt >= maxConflictRetries) throw err;
        // Someone else wrote the pod: plan again from what the server holds now.
        pod = await this.client.pods.get(pod.metadata.namespace, pod.metadata.name ?? "").catch((e: unknown) => {
          if (e instanceof StatusError && e.code === 404) return undefined;
          throw e;
        });
        rec.writtenRv = undefined;
      }
    }
  }

  private track(key: string, pod: PodObj, node: SimNode): PodRecord {
    const delay = this.opts.podStartDelayMs ?? Math.floor(Math.random() * 100);
    const rec: PodRecord = { uid: pod.metadata.uid ?? "", node, firstSeenMs: Date.now(), startDelayMs: delay };
    // A pod this node ran before a restart keeps its address.
    const ip = pod.status?.podIP;
    if (ip && !pod.spec?.hostNetwork && podStage(pod) !== "terminal") node.ipam.claim(key, ip);
    this.records.set(key, rec);
    return rec;
  }

  private forgetPod(key: string, rec: PodRecord): void {
    rec.node.ipam.release(key);
    this.records.delete(key);
  }

  private async step(key: string, pod: PodObj, rec: PodRecord): Promise<void> {
    const now = Date.now();
    const step = planPod(pod, {
      nowMs: now,
      firstSeenMs: rec.firstSeenMs,
      startDelayMs: rec.startDelayMs,
      reportContainerCreating: this.opts.reportContainerCreating ?? true,
      runningSinceMs: rec.runningSinceMs,
      completeAfterMs: this.opts.podCompleteAfterMs,
      failRatio: this.opts.podFailRatio ?? 0,
      terminationDelayMs: this.opts.podTerminationDelayMs ?? 100,
    });
    const hostIP = rec.node.internalIP;
    switch (step.kind) {
      case "none":
        // A finished pod's sandbox is gone: its address may go to another pod, and nothing
        // about it needs remembering (a later event just looks again).
        if (podStage(pod) === "terminal") this.forgetPod(key, rec);
        return;
      case "wait":
        this.queue.addAfter(key, step.ms);
        return;
      case "starting":
        await this.writeStatus(pod, rec, startingStatus(pod, { now: new Date(now), hostIP }));
        this.queue.addAfter(key, Math.max(1, rec.firstSeenMs + rec.startDelayMs - now));
        return;
      case "run": {
        const podIP = pod.spec?.hostNetwork ? hostIP : rec.node.ipam.allocate(key);
        if (!podIP) throw new Error(`node ${rec.node.name} has no free pod address in ${rec.node.podCIDR}`);
        await this.writeStatus(pod, rec, runningStatus(pod, { now: new Date(now), hostIP, podIP }));
        rec.runningSinceMs = now;
        if (this.opts.podCompleteAfterMs !== undefined) this.queue.addAfter(key, Math.max(1, this.opts.podCompleteAfterMs));
        return;
      }
      case "complete":
        await this.writeStatus(pod, rec, completedStatus(pod, step.succeeded, { now: new Date(now) }));
        this.forgetPod(key, rec);
        return;
      case "terminate": {
        const out = await this.writeStatus(pod, rec, terminatedStatus(pod, { now: new Date(now) }));
        await this.confirmDeletion(key, out, rec);
        return;
      }
      case "delete":
        await this.confirmDeletion(key, pod, rec);
        return;
    }
  }

  private async writeStatus(pod: PodObj, rec: PodRecord, status: PodStatus): Promise<PodObj> {
    const out = await this.client.pods.updateStatus({ ...pod, status }, { fieldManager: this.fieldManager });
    const rv = Number(out.metadata.resourceVersion);
    rec.writtenRv = Number.isFinite(rv) ? rv : undefined;
    return out;
  }

  /** kubelet's last word on a pod: delete it for good, only if it is still the same pod. */
  private async confirmDeletion(key: string, pod: PodObj, rec: PodRecord): Promise<void> {
    try {
      await this.client.pods.delete(pod.metadata.namespace, pod.metadata.name ?? "", { gracePeriodSeconds: 0, preconditions: { uid: rec.uid } });
    } catch (err) {
      // Already gone, or a new pod took the name: nothing of ours is left either way.
      if (!(err instanceof StatusError && (err.code === 404 || (err.code === 409 && err.message.includes("UID"))))) throw err;
    }
    this.forgetPod(key, rec);
  }
}

function checkOptions(o: SimulatedNodeOptions): void {
  const whole = (name: string, v: number | undefined, min: number): void => {
    if (v !== undefined && !(Number.isInteger(v) && v >= min)) throw new Error(`${name} must be a whole number >= ${min}, got ${v}`);
  };
  const nonNegative = (name: string, v: number | undefined): void => {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new Error(`${name} must be a number >= 0, got ${v}`);
  };
  whole("count", o.count, 0);
  whole("firstIndex", o.firstIndex, 0);
  if (o.names !== undefined) {
    if (o.names.length !== o.count) throw new Error(`names must hold one name per node (${o.count}), got ${o.names.length}`);
    if (new Set(o.names).size !== o.names.length) throw new Error("names must be unique");
    for (const n of o.names) {
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(n) || n.length > 253) {
        throw new Error(`node name ${JSON.stringify(n)} is not a DNS-1123 subdomain`);
      }
    }
  }
  whole("pods", o.pods, 1);
  whole("leaseDurationSeconds", o.leaseDurationSeconds, 1);
  whole("workers", o.workers, 1);
  whole("registerConcurrency", o.registerConcurrency, 1);
  nonNegative("podStartDelayMs", o.podStartDelayMs);
  nonNegative("podCompleteAfterMs", o.podCompleteAfterMs);
  nonNegative("podTerminationDelayMs", o.podTerminationDelayMs);
  if (o.heartbeatIntervalMs !== undefined && !(o.heartbeatIntervalMs > 0)) throw new Error(`heartbeatIntervalMs must be > 0, got ${o.heartbeatIntervalMs}`);
  if (o.nodeStatusReportMs !== undefined && !(o.nodeStatusReportMs > 0)) throw new Error(`nodeStatusReportMs must be > 0, got ${o.nodeStatusReportMs}`);
  if (o.podFailRatio !== undefined && !(o.podFailRatio >= 0 && o.podFailRatio <= 1)) throw new Error(`podFailRatio must be between 0 and 1, got ${o.podFailRatio}`);
}

function podKey(p: PodObj): string {
  return `${p.metadata.namespace ?? ""}/${p.metadata.name ?? ""}`;
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const run = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, run));
}
