/**
 * Builders for hand-made nodes and pods, and a framework over a snapshot, for the
 * scheduler's table-driven unit tests (upstream's st.MakePod / st.MakeNode in spirit).
 */
import type { Affinity, Container, Taint, Toleration, TopologySpreadConstraint } from "kubernetes-types/core/v1.js";
import { Cache, snapshotOf } from "./cache/cache.js";
import { CycleState } from "./framework/cycle-state.js";
import { Framework, type FrameworkOptions } from "./framework/framework.js";
import type { NodeInfo } from "./framework/node-info.js";
import { PodInfo } from "./framework/pod-info.js";
import type { PluginRef } from "./framework/profile.js";
import type { Node, Pod } from "./framework/types.js";
import { inTreeRegistry } from "./plugins/index.js";

export interface NodeSpec {
  cpu?: string;
  memory?: string;
  pods?: number;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  images?: { names: string[]; sizeBytes: number }[];
  extended?: Record<string, string>;
}

export function makeNode(name: string, s: NodeSpec = {}): Node {
  const allocatable: Record<string, string> = { cpu: s.cpu ?? "4", memory: s.memory ?? "32Gi", pods: String(s.pods ?? 110), ...s.extended };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, uid: `uid-${name}`, labels: { "kubernetes.io/hostname": name, ...s.labels } },
    spec: { taints: s.taints, unschedulable: s.unschedulable },
    status: { capacity: allocatable, allocatable, images: s.images },
  };
}

export interface PodSpecLite {
  namespace?: string;
  uid?: string;
  cpu?: string;
  memory?: string;
  /** Extra requests (extended resources...). */
  requests?: Record<string, string>;
  node?: string;
  labels?: Record<string, string>;
  priority?: number;
  priorityClassName?: string;
  preemptionPolicy?: string;
  tolerations?: Toleration[];
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  hostPorts?: (number | { port: number; ip?: string; protocol?: string })[];
  initContainers?: Container[];
  containers?: Container[];
  overhead?: Record<string, string>;
  spread?: TopologySpreadConstraint[];
  startTime?: string;
  schedulerName?: string;
  deleting?: boolean;
  nominatedNodeName?: string;
  image?: string;
}

export function makePod(name: string, s: PodSpecLite = {}): Pod {
  const requests: Record<string, string> = { ...s.requests };
  if (s.cpu) requests.cpu = s.cpu;
  if (s.memory) requests.memory = s.memory;
  const ports = (s.hostPorts ?? []).map((p) => (typeof p === "number" ? { containerPort: p, hostPort: p } : { containerPort: p.port, hostPort: p.port, hostIP: p.ip, protocol: p.protocol }));
  const containers: Container[] = s.containers ?? [{
    name: "c",
    image: s.image ?? "busybox",
    resources: Object.keys(requests).length ? { requests } : {},
    ports: ports.length ? ports : undefined,
  }];
  const ns = s.namespace ?? "default";
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: ns,
      uid: s.uid ?? `uid-${ns}-${name}`,
      labels: s.labels,
      ...(s.deleting ? { deletionTimestamp: "2024-01-01T00:00:00Z" } : {}),
    },
    spec: {
      containers,
      initContainers: s.initContainers,
      nodeName: s.node,
      priority: s.priority,
      priorityClassName: s.priorityClassName,
      preemptionPolicy: s.preemptionPolicy,
      tolerations: s.tolerations,
      nodeSelector: s.nodeSelector,
      affinity: s.affinity,
      overhead: s.overhead,
      topologySpreadConstraints: s.spread,
      schedulerName: s.schedulerName,
    },
    status: { phase: s.node ? "Running" : "Pending", startTime: s.startTime, nominatedNodeName: s.nominatedNodeName },
  };
}

/** A framework with the named in-tree plugins over a snapshot of `nodes` and (assigned) `pods`. */
export function frameworkWith(plugins: (string | PluginRef)[], nodes: Node[], pods: Pod[] = [], extra: Partial<FrameworkOptions> = {}): { fwk: Framework; snap: Cache } {
  const snap = snapshotOf(nodes, pods);
  const fwk = new Framework({
    registry: inTreeRegistry(),
    profile: { schedulerName: "default-scheduler", plugins: plugins.map((p) => (typeof p === "string" ? { name: p } : p)) },
    ...extra,
  });
  fwk.setSnapshot(snap);
  return { fwk, snap };
}

/** Runs PreFilter then Filter for `pod` on every node; the reasons per node ("" = fits). */
export function filterAll(fwk: Framework, snap: Cache, pod: Pod): Record<string, string> {
  const state = new CycleState();
  const pi = new PodInfo(pod);
  const pre = fwk.runPreFilterPlugins(state, pi, snap.list());
  const out: Record<string, string> = {};
  for (const ni of snap.list()) {
    if (pre.status) out[ni.name] = `prefilter: ${pre.status.message()}`;
    else if (pre.result.nodeNames && !pre.result.nodeNames.has(ni.name)) out[ni.name] = "prefilter: excluded";
    else out[ni.name] = fwk.runFilterPlugins(state, pi, ni)?.message() ?? "";
  }
  return out;
}

/** Runs PreScore, Score and normalization for `pod` over every node; weighted totals by node. */
export function scoreAll(fwk: Framework, snap: Cache, pod: Pod, nodes: readonly NodeInfo[] = snap.list()): Record<string, number> {
  const state = new CycleState();
  const pi = new PodInfo(pod);
  fwk.runPreFilterPlugins(state, pi, snap.list());
  const pre = fwk.runPreScorePlugins(state, pi, nodes);
  if (pre) throw pre.asError();
  const totals = fwk.runScorePlugins(state, pi, nodes);
  if (!(totals instanceof Float64Array)) throw totals.asError();
  return Object.fromEntries(nodes.map((n, i) => [n.name, totals[i]!]));
}

export { Cache, PodInfo, CycleState };
