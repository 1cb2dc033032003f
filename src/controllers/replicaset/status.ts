/**
 * The status a replica controller (ReplicaSet or ReplicationController) writes: upstream's
 * calculateStatus (replicas, fullyLabeledReplicas, readyReplicas, availableReplicas, the
 * ReplicaFailure condition), the "nothing changed" test of updateReplicaSetStatus, and when
 * a ready pod will turn available (minReadySeconds). Pure; no I/O.
 */
import type { PodTemplateSpec } from "kubernetes-types/core/v1.js";
import { nowRFC3339, type KubeObject } from "../../machinery/object.js";
import { isPodAvailable, isPodReady, msUntilAvailable, type PodObj } from "./pods.js";

export const replicaFailure = "ReplicaFailure";

export interface ReplicaCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** ReplicaSetStatus and ReplicationControllerStatus share this shape. */
export interface ReplicaStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaCondition[];
}

/** What the controller reads of a ReplicaSet or ReplicationController. */
export interface ReplicaOwner extends KubeObject {
  spec?: {
    replicas?: number;
    minReadySeconds?: number;
    selector?: unknown;
    template?: PodTemplateSpec;
  };
  status?: ReplicaStatus;
}

export function specReplicas(owner: ReplicaOwner): number {
  return owner.spec?.replicas ?? 1;
}

function matchesAll(required: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  for (const [k, v] of Object.entries(required ?? {})) if (labels?.[k] !== v) return false;
  return true;
}

/** Go's omitempty on the optional counts: zeros are left out. */
function setCount(st: ReplicaStatus, field: "fullyLabeledReplicas" | "readyReplicas" | "availableReplicas", n: number): void {
  if (n) st[field] = n;
  else delete st[field];
}

/**
 * calculateStatus: counts over the controller's active pods; a ReplicaFailure condition
 * (FailedCreate or FailedDelete, the error's message) is added on a failed create/delete
 * when none is present and dropped once a sync succeeds. observedGeneration is left as it
 * was: updateStatus sets it when it writes.
 */
export function calculateStatus(owner: ReplicaOwner, pods: PodObj[], manageError: Error | undefined, now: number = Date.now()): ReplicaStatus {
  const old = owner.status ?? { replicas: 0 };
  const st: ReplicaStatus = { ...old, replicas: pods.length };
  if (old.conditions) st.conditions = old.conditions.map((c) => ({ ...c }));
  const templateLabels = owner.spec?.template?.metadata?.labels;
  const minReady = owner.spec?.minReadySeconds ?? 0;
  let fully = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    if (matchesAll(templateLabels, pod.metadata.labels)) fully++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
    }
  }
  setCount(st, "fullyLabeledReplicas", fully);
  setCount(st, "readyReplicas", ready);
  setCount(st, "availableReplicas", available);

  const failure = st.conditions?.find((c) => c.type === replicaFailure);
  if (manageError && !failure) {
    const diff = pods.length - specReplicas(owner);
    const reason = diff < 0 ? "FailedCreate" : diff > 0 ? "FailedDelete" : "";
    const cond: ReplicaCondition = { type: replicaFailure, status: "True", lastTransitionTime: nowRFC3339(new Date(now)), message: manageError.message };
    if (reason) cond.reason = reason;
    st.conditions = [...(st.conditions ?? []), cond];
  } else if (!manageError && failure) {
    st.conditions = st.conditions!.filter((c) => c.type !== replicaFailure);
  }
  if (st.conditions && st.conditions.length === 0) delete st.conditions;
  return st;
}

function sameConditions(a: ReplicaCondition[] | undefined, b: ReplicaCondition[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  if (x.length !== y.length) return false;
  return x.every((c, i) => {
    const d = y[i]!;
    return c.type === d.type && c.status === d.status && c.reason === d.reason && c.message === d.message && c.lastTransitionTime === d.lastTransitionTime;
  });
}

/** updateReplicaSetStatus's steady state: same counts, same conditions, generation observed. */
export function statusUpToDate(owner: ReplicaOwner, next: ReplicaStatus): boolean {
  const cur = owner.status ?? { replicas: 0 };
  return (cur.replicas ?? 0) === next.replicas &&
    (cur.fullyLabeledReplicas ?? 0) === (next.fullyLabeledReplicas ?? 0) &&
    (cur.readyReplicas ?? 0) === (next.readyReplicas ?? 0) &&
    (cur.availableReplicas ?? 0) === (next.availableReplicas ?? 0) &&
    (owner.metadata.generation ?? 0) === (cur.observedGeneration ?? 0) &&
    sameConditions(cur.conditions, next.conditions);
}

/**
 * When the next ready-but-not-yet-available pod turns available (ms from now), so the
 * controller can look again then; undefined when no pod is waiting on minReadySeconds.
 * Availability is strict (`ready + minReadySeconds < now`), hence the extra millisecond.
 */
export function nextAvailableInMs(owner: ReplicaOwner, pods: PodObj[], now: number = Date.now()): number | undefined {
  const minReady = owner.spec?.minReadySeconds ?? 0;
  let next: number | undefined;
  for (const pod of pods) {
    const left = msUntilAvailable(pod, minReady, now);
    if (left !== undefined && (next === undefined || left < next)) next = left;
  }
  return next === undefined ? undefined : next + 1;
}
