/**
 * The Node this agent registers and the status it reports, from what was read about the host.
 * Pure: the caller passes the facts and the clock.
 *
 * Allocatable is capacity minus system-reserved minus the hard eviction thresholds, as kubelet
 * computes it; MemoryPressure and DiskPressure use those same thresholds (memory.available,
 * nodefs.available), so a node reports pressure exactly when kubelet would start evicting.
 */
import type { ContainerImage, NodeCondition, NodeStatus } from "kubernetes-types/core/v1.js";
import type { NodeObj } from "../../api/core/v1/node.js";
import { formatQuantity, parseQuantity } from "../../api/core/v1/quantity.js";
import { nowRFC3339 } from "../../machinery/object.js";
import type { DiskFacts, HostFacts, MemoryFacts } from "./host.js";

export const kubeletVersion = "v1.32.0-timonel";
export const defaultPodCIDR = "10.244.0.0/24";
export const controlPlaneLabel = "node-role.kubernetes.io/control-plane";
/** kubelet's nodeStatusMaxImages. */
export const maxReportedImages = 50;

export type ReservableResource = "cpu" | "memory" | "ephemeral-storage";
export type Reserved = Partial<Record<ReservableResource, string>>;

/** Small by default: one agent on a laptop should leave most of it to pods. */
export const defaultSystemReserved: Reserved = { cpu: "100m", memory: "128Mi", "ephemeral-storage": "1Gi" };

export interface EvictionHard {
  /** memory.available below this many bytes. Default 100Mi (kubelet's default). */
  memoryAvailableBytes: number;
  /** nodefs.available below this share of the disk. Default 0.1 (kubelet's default). */
  nodefsAvailableRatio: number;
}

export const defaultEvictionHard: EvictionHard = { memoryAvailableBytes: 100 * 1024 * 1024, nodefsAvailableRatio: 0.1 };

export interface NodeIdentity {
  name: string;
  nodeIP: string;
  podCIDR: string;
  labels: Record<string, string>;
}

export interface RuntimeReport {
  /** `runc://1.1.5`, `process://20.20.0`. */
  version: string;
  /** What the runtime cannot isolate; shown in Ready's message. */
  limitations: string[];
  /** Why the runtime is not usable right now (Ready=False), if it is not. */
  down?: string;
}

export interface ImageInfo {
  names: string[];
  repoDigests: string[];
  size: number;
}

export interface StatusInput {
  host: HostFacts;
  memory: MemoryFacts;
  disk: DiskFacts;
  runtime: RuntimeReport;
  images: ImageInfo[];
  maxPods: number;
  systemReserved: Reserved;
  evictionHard: EvictionHard;
  /** The node server's port (status.daemonEndpoints.kubeletEndpoint.Port); 0 when there is none. */
  serverPort: number;
}

export function nodeLabels(id: NodeIdentity, host: HostFacts): Record<string, string> {
  return {
    "beta.kubernetes.io/arch": host.architecture,
    "beta.kubernetes.io/os": host.operatingSystem,
    "kubernetes.io/arch": host.architecture,
    "kubernetes.io/hostname": id.name,
    "kubernetes.io/os": host.operatingSystem,
    ...id.labels,
  };
}

/** A fresh Node, ready to create (status is kept on create). */
export function buildNode(id: NodeIdentity, input: StatusInput, now: Date): NodeObj {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: id.name, labels: nodeLabels(id, input.host), annotations: { "node.alpha.kubernetes.io/ttl": "0" } },
    spec: { podCIDR: id.podCIDR, podCIDRs: [id.podCIDR] },
    status: nodeStatus(id, input, [], now),
  };
}

/** `previous` (the node's last reported conditions) keeps lastTransitionTime of unchanged conditions. */
export function nodeStatus(id: NodeIdentity, input: StatusInput, previous: readonly NodeCondition[], now: Date): NodeStatus {
  const capacity = capacityOf(input);
  return {
    capacity: formatList(capacity),
    allocatable: formatList(allocatableOf(capacity, input)),
    conditions: nodeConditions(input, previous, now),
    addresses: [
      { type: "InternalIP", address: id.nodeIP },
      { type: "Hostname", address: input.host.hostname.toLowerCase() },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: input.serverPort } },
    nodeInfo: {
      machineID: input.host.machineID,
      systemUUID: input.host.systemUUID,
      bootID: input.host.bootID,
      kernelVersion: input.host.kernelVersion,
      osImage: input.host.osImage,
      containerRuntimeVersion: input.runtime.version,
      kubeletVersion,
      kubeProxyVersion: "",
      operatingSystem: input.host.operatingSystem,
      architecture: input.host.architecture,
    },
    images: imageList(input.images),
  };
}

/** Resource amounts in nano-units (cpu: nano-cores; bytes and counts: value × 10⁹). */
type Amounts = Record<"cpu" | "memory" | "ephemeral-storage" | "pods", bigint>;
const NANO = 1_000_000_000n;

function capacityOf(input: StatusInput): Amounts {
  return {
    cpu: BigInt(input.host.cpus) * NANO,
    memory: BigInt(input.memory.totalBytes) * NANO,
    "ephemeral-storage": BigInt(input.disk.capacityBytes) * NANO,
    pods: BigInt(input.maxPods) * NANO,
  };
}

function allocatableOf(capacity: Amounts, input: StatusInput): Amounts {
  const reserved = (r: ReservableResource): bigint => parseQuantity(input.systemReserved[r] ?? "0")?.nano ?? 0n;
  const nodefsHard = BigInt(Math.ceil(input.disk.capacityBytes * input.evictionHard.nodefsAvailableRatio)) * NANO;
  const clamp = (v: bigint): bigint => (v < 0n ? 0n : v);
  return {
    cpu: clamp(capacity.cpu - reserved("cpu")),
    memory: clamp(capacity.memory - reserved("memory") - BigInt(input.evictionHard.memoryAvailableBytes) * NANO),
    "ephemeral-storage": clamp(capacity["ephemeral-storage"] - reserved("ephemeral-storage") - nodefsHard),
    pods: capacity.pods,
  };
}

function formatList(a: Amounts): Record<string, string> {
  // Memory and disk as kubelet writes them: binary units when whole (Ki), plain bytes otherwise.
  const bytes = (n: bigint): string => formatQuantity({ nano: (n / NANO) * NANO, format: "BinarySI" });
  return {
    cpu: formatQuantity({ nano: a.cpu, format: "DecimalSI" }),
    "ephemeral-storage": bytes(a["ephemeral-storage"]),
    memory: bytes(a.memory),
    pods: formatQuantity({ nano: a.pods, format: "DecimalSI" }),
  };
}

/** Reserved quantities must parse and be non-negative (checked once, at start-up). */
export function checkReserved(r: Reserved): void {
  for (const [k, v] of Object.entries(r)) {
    if (!["cpu", "memory", "ephemeral-storage"].includes(k)) throw new Error(`system-reserved: unknown resource ${JSON.stringify(k)} (cpu, memory, ephemeral-storage)`);
    const q = parseQuantity(v);
    if (!q || q.nano < 0n) throw new Error(`system-reserved: ${k}=${JSON.stringify(v)} is not a non-negative quantity`);
  }
}

/** kubelet's four conditions, in its order, with its reasons and messages. */
export function nodeConditions(input: StatusInput, previous: readonly NodeCondition[], now: Date): NodeCondition[] {
  const hb = nowRFC3339(now);
  const c = (type: string, status: "True" | "False", reason: string, message: string): NodeCondition => {
    const before = previous.find((p) => p.type === type);
    const since = before?.status === status && before.lastTransitionTime ? before.lastTransitionTime : hb;
    return { type, status, lastHeartbeatTime: hb, lastTransitionTime: since, reason, message };
  };
  const memPressure = input.memory.availableBytes < input.evictionHard.memoryAvailableBytes;
  const diskPressure = input.disk.availableBytes < input.disk.capacityBytes * input.evictionHard.nodefsAvailableRatio;
  return [
    memPressure
      ? c("MemoryPressure", "True", "KubeletHasInsufficientMemory", "kubelet has insufficient memory available")
      : c("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    diskPressure
      ? c("DiskPressure", "True", "KubeletHasDiskPressure", "kubelet has disk pressure")
      : c("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    c("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    input.runtime.down
      ? c("Ready", "False", "KubeletNotReady", `container runtime is down: ${input.runtime.down}`)
      : c("Ready", "True", "KubeletReady", readyMessage(input.runtime.limitations)),
  ];
}

/** Upstream appends notes to Ready's message the same way (". AppArmor enabled"). */
export function readyMessage(limitations: readonly string[]): string {
  const base = "kubelet is posting ready status";
  return limitations.length ? `${base}. Runtime limitations: ${limitations.join("; ")}` : base;
}

/** status.images as kubelet reports them: largest first, at most 50, digests before tags. */
export function imageList(images: readonly ImageInfo[]): ContainerImage[] {
  return images
    .filter((i) => i.names.length + i.repoDigests.length > 0)
    .sort((a, b) => b.size - a.size)
    .slice(0, maxReportedImages)
    .map((i) => ({ names: [...i.repoDigests, ...i.names], sizeBytes: i.size }));
}

/** The condition types whose status changed between two reports (for events). */
export function changedConditions(before: readonly NodeCondition[], after: readonly NodeCondition[]): NodeCondition[] {
  return after.filter((c) => before.find((b) => b.type === c.type)?.status !== c.status);
}
