/**
 * The objects a simulated node registers: its Node (capacity, addresses, conditions, system
 * info, pod CIDR, labels and kwok's annotations) and its Lease in `kube-node-lease`. Pure:
 * the caller passes the clock.
 */
import { createHash } from "node:crypto";
import type { NodeCondition, NodeStatus, Taint } from "kubernetes-types/core/v1.js";
import type { NodeObj } from "../../../api/core/v1/node.js";
import type { Lease as LeaseObj } from "../../../api/coordination/v1/lease.js";
import { nowMicroTime, nowRFC3339 } from "../../../machinery/object.js";

export type { LeaseObj, NodeObj };

export const nodeLeaseNamespace = "kube-node-lease";
export const simulatedAnnotation = "timonel.dev/simulated";
export const kubeletVersion = "v1.32.0-timonel-sim";

export interface NodeShape {
  cpu: string;
  memory: string;
  pods: number;
  ephemeralStorage: string;
  labels: Record<string, string>;
  taints: Taint[];
}

export interface NodeIdentity {
  name: string;
  internalIP: string;
  podCIDR: string;
}

export function nodeLabels(name: string, extra: Record<string, string>): Record<string, string> {
  return {
    "beta.kubernetes.io/arch": "amd64",
    "beta.kubernetes.io/os": "linux",
    "kubernetes.io/arch": "amd64",
    "kubernetes.io/hostname": name,
    "kubernetes.io/os": "linux",
    type: "simulated",
    ...extra,
  };
}

export function nodeAnnotations(): Record<string, string> {
  // kwok's marker that node TTL caching does not apply, and ours that no kubelet runs.
  return { "node.alpha.kubernetes.io/ttl": "0", [simulatedAnnotation]: "true" };
}

/** A fresh Node, ready to create (status is kept on create). */
export function buildNode(id: NodeIdentity, shape: NodeShape, now: Date): NodeObj {
  const node: NodeObj = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: id.name, labels: nodeLabels(id.name, shape.labels), annotations: nodeAnnotations() },
    spec: { podCIDR: id.podCIDR, podCIDRs: [id.podCIDR] },
    status: nodeStatus(id, shape, now, now),
  };
  if (shape.taints.length) node.spec!.taints = shape.taints.map((t) => ({ ...t }));
  return node;
}

/** The status a simulated node reports; `readySince` is Ready's lastTransitionTime. */
export function nodeStatus(id: NodeIdentity, shape: NodeShape, readySince: Date, now: Date): NodeStatus {
  const capacity = {
    cpu: shape.cpu,
    "ephemeral-storage": shape.ephemeralStorage,
    memory: shape.memory,
    pods: String(shape.pods),
  };
  const ids = machineIds(id.name);
  return {
    capacity,
    allocatable: { ...capacity },
    conditions: nodeConditions(readySince, now),
    addresses: [
      { type: "InternalIP", address: id.internalIP },
      { type: "Hostname", address: id.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: ids.machineID,
      systemUUID: ids.systemUUID,
      bootID: ids.bootID,
      kernelVersion: "6.1.0-timonel-sim",
      osImage: "Timonel simulated node",
      containerRuntimeVersion: "fake://timonel",
      kubeletVersion,
      kubeProxyVersion: "",
      operatingSystem: "linux",
      architecture: "amd64",
    },
  };
}

/** kubelet's four conditions, in its order; all healthy. */
export function nodeConditions(readySince: Date, now: Date): NodeCondition[] {
  const hb = nowRFC3339(now);
  const since = nowRFC3339(readySince);
  const c = (type: string, status: string, reason: string, message: string): NodeCondition => ({
    type, status, lastHeartbeatTime: hb, lastTransitionTime: since, reason, message,
  });
  return [
    c("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    c("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    c("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    c("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
  ];
}

/** Ready's lastTransitionTime to keep when adopting a node: its own if it was Ready. */
export function readySinceOf(node: NodeObj, now: Date): Date {
  const ready = (node.status?.conditions ?? []).find((c) => c.type === "Ready");
  if (ready?.status === "True" && ready.lastTransitionTime) {
    const t = Date.parse(ready.lastTransitionTime);
    if (Number.isFinite(t)) return new Date(t);
  }
  return now;
}

export function buildLease(name: string, nodeUid: string | undefined, durationSeconds: number, now: Date): LeaseObj {
  const lease: LeaseObj = {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name, namespace: nodeLeaseNamespace },
    spec: { holderIdentity: name, leaseDurationSeconds: durationSeconds, renewTime: nowMicroTime(now) },
  };
  // As kubelet does, the Node owns its Lease, so deleting the Node removes it.
  if (nodeUid) lease.metadata.ownerReferences = [{ apiVersion: "v1", kind: "Node", name, uid: nodeUid }];
  return lease;
}

function machineIds(name: string): { machineID: string; systemUUID: string; bootID: string } {
  const h = createHash("sha256").update(`timonel-sim/${name}`).digest("hex");
  const uuid = (s: string): string => `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
  return { machineID: h.slice(0, 32), systemUUID: uuid(h.slice(32, 64)), bootID: uuid(h.slice(16, 48)) };
}
