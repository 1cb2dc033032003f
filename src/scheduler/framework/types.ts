/**
 * The object shapes the scheduler reads (kubernetes-types core/v1 Pod and Node, made to fit
 * the registry's KubeObject) and a few accessors every part of the scheduler shares.
 */
import type { Node as NodeT, Pod as PodT, PersistentVolumeClaim as PvcT } from "kubernetes-types/core/v1.js";
import type { Obj } from "../../api/core/v1/common.js";

export type Pod = Obj<PodT>;
export type Node = Obj<NodeT>;
export type PersistentVolumeClaim = Obj<PvcT>;
export type { PodDisruptionBudget } from "../../api/policy/v1/poddisruptionbudget.js";
export type { PriorityClass } from "../../api/scheduling/v1/priorityclass.js";

/** `namespace/name`, the key informers and queues use. */
export function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? ""}/${pod.metadata.name ?? ""}`;
}

/** The scheduler's identity of a pod: its UID, or its key for hand-made pods without one. */
export function podUid(pod: Pod): string {
  return pod.metadata.uid || podKey(pod);
}

export function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed";
}

export function isAssigned(pod: Pod): boolean {
  return !!pod.spec?.nodeName;
}

export const defaultSchedulerName = "default-scheduler";
