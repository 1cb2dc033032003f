/**
 * A Deployment's status, pure: the counts summed over its ReplicaSets (calculateStatus), the
 * Available and Progressing conditions with upstream's reasons and messages, and the
 * progress-deadline arithmetic (complete, progressing, timed out, when to look again).
 */
import type { DeploymentCondition, DeploymentStatus } from "kubernetes-types/apps/v1.js";
import type { Deployment } from "../../api/apps/v1/deployment.js";
import type { ReplicaSet } from "../../api/apps/v1/replicaset.js";
import { nowRFC3339 } from "../../machinery/object.js";
import { maxUnavailable, specReplicas, sumSpecReplicas, sumStatus } from "./replicas.js";

export type Status = { -readonly [K in keyof DeploymentStatus]: DeploymentStatus[K] };
export type Condition = DeploymentCondition;

/** Condition reasons (upstream's deployment util constants). */
export const reasons = {
  replicaSetUpdated: "ReplicaSetUpdated",
  failedRSCreate: "ReplicaSetCreateError",
  newReplicaSet: "NewReplicaSetCreated",
  foundNewRS: "FoundNewReplicaSet",
  newRSAvailable: "NewReplicaSetAvailable",
  timedOut: "ProgressDeadlineExceeded",
  paused: "DeploymentPaused",
  resumed: "DeploymentResumed",
  minimumReplicasAvailable: "MinimumReplicasAvailable",
  minimumReplicasUnavailable: "MinimumReplicasUnavailable",
} as const;

/** upstream: math.MaxInt32 means "no deadline" / "keep every revision". */
const maxInt32 = 2147483647;

export function newCondition(type: string, status: "True" | "False" | "Unknown", reason: string, message: string, now: Date): Condition {
  const t = nowRFC3339(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

export function getCondition(status: Status | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * SetDeploymentCondition: nothing happens when a condition of that type already has the
 * same status and reason; otherwise it replaces it (moved to the end), keeping the old
 * lastTransitionTime when the status is unchanged.
 */
export function setCondition(status: Status, cond: Condition): void {
  const cur = getCondition(status, cond.type);
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return;
  const next = { ...cond };
  if (cur && cur.status === cond.status) next.lastTransitionTime = cur.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), next];
}

export function removeCondition(status: Status, type: string): void {
  const kept = (status.conditions ?? []).filter((c) => c.type !== type);
  if (kept.length) status.conditions = kept;
  else delete status.conditions;
}

export function hasProgressDeadline(d: Deployment): boolean {
  const s = d.spec?.progressDeadlineSeconds;
  return s !== undefined && s !== null && s !== maxInt32;
}

export function hasRevisionHistoryLimit(d: Deployment): boolean {
  const s = d.spec?.revisionHistoryLimit;
  return s !== undefined && s !== null && s !== maxInt32;
}

/** Drops zero counts, as Go's omitempty does on the wire. */
function setCount(status: Status, key: "observedGeneration" | "replicas" | "updatedReplicas" | "readyReplicas" | "availableReplicas" | "unavailableReplicas", n: number): void {
  if (n !== 0) status[key] = n;
}

/**
 * calculateStatus: the counts from the ReplicaSets' statuses, the previous conditions, and
 * Available set from whether the available pods reach replicas − maxUnavailable.
 */
export function calculateStatus(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, now: Date): Status {
  const available = sumStatus(allRSs, "availableReplicas");
  const total = sumSpecReplicas(allRSs);
  const status: Status = {};
  setCount(status, "observedGeneration", d.metadata.generation ?? 0);
  setCount(status, "replicas", sumStatus(allRSs, "replicas"));
  setCount(status, "updatedReplicas", sumStatus([newRS], "replicas"));
  setCount(status, "readyReplicas", sumStatus(allRSs, "readyReplicas"));
  setCount(status, "availableReplicas", available);
  setCount(status, "unavailableReplicas", Math.max(0, total - available));
  const prev = d.status ?? {};
  if (prev.conditions?.length) status.conditions = prev.conditions.map((c) => ({ ...c }));
  if (prev.collisionCount !== undefined && prev.collisionCount !== null) status.collisionCount = prev.collisionCount;
  if (available >= specReplicas(d) - maxUnavailable(d)) {
    setCondition(status, newCondition("Available", "True", reasons.minimumReplicasAvailable, "Deployment has minimum availability.", now));
  } else {
    setCondition(status, newCondition("Available", "False", reasons.minimumReplicasUnavailable, "Deployment does not have minimum availability.", now));
  }
  return status;
}

/** DeploymentComplete: every desired replica updated and available, no old pod left, generation observed. */
export function deploymentComplete(d: Deployment, s: Status): boolean {
  const replicas = specReplicas(d);
  return (s.updatedReplicas ?? 0) === replicas
    && (s.replicas ?? 0) === replicas
    && (s.availableReplicas ?? 0) === replicas
    && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** DeploymentProgressing: more updated, ready or available pods, or fewer old ones, than before. */
export function deploymentProgressing(d: Deployment, s: Status): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0)
    || newOld < oldOld
    || (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0)
    || (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

function deadlineMs(d: Deployment): number {
  return (d.spec?.progressDeadlineSeconds ?? 0) * 1000;
}

/**
 * DeploymentTimedOut: the Progressing condition was last updated longer than
 * progressDeadlineSeconds ago (never after a completed rollout; always once timed out).
 */
export function deploymentTimedOut(d: Deployment, s: Status, now: Date): boolean {
  if (!hasProgressDeadline(d)) return false;
  const cond = getCondition(s, "Progressing");
  if (!cond) return false;
  if (cond.reason === reasons.newRSAvailable) return false;
  if (cond.reason === reasons.timedOut) return true;
  const from = cond.lastUpdateTime ? Date.parse(cond.lastUpdateTime) : NaN;
  if (Number.isNaN(from)) return false;
  return from + deadlineMs(d) < now.getTime();
}

/**
 * The Progressing condition's next value (the middle of upstream's syncRolloutStatus), set in
 * `status`, which calculateStatus made from `d`.
 */
export function updateProgressing(d: Deployment, newRS: ReplicaSet | undefined, status: Status, now: Date): void {
  if (!hasProgressDeadline(d)) removeCondition(status, "Progressing");
  const current = getCondition(d.status, "Progressing");
  const complete = status.replicas === status.updatedReplicas && current?.reason === reasons.newRSAvailable;
  if (!hasProgressDeadline(d) || complete) return;
  const name = d.metadata.name ?? "";
  const rsName = newRS?.metadata.name;
  if (deploymentComplete(d, status)) {
    const msg = rsName ? `ReplicaSet "${rsName}" has successfully progressed.` : `Deployment "${name}" has successfully progressed.`;
    setCondition(status, newCondition("Progressing", "True", reasons.newRSAvailable, msg, now));
  } else if (deploymentProgressing(d, status)) {
    const msg = rsName ? `ReplicaSet "${rsName}" is progressing.` : `Deployment "${name}" is progressing.`;
    const cond = newCondition("Progressing", "True", reasons.replicaSetUpdated, msg, now);
    // Progress refreshes lastUpdateTime even when the reason stays; the transition time
    // stays while the status is True.
    if (current) {
      if (current.status === "True") cond.lastTransitionTime = current.lastTransitionTime;
      removeCondition(status, "Progressing");
    }
    setCondition(status, cond);
  } else if (deploymentTimedOut(d, status, now)) {
    const msg = rsName ? `ReplicaSet "${rsName}" has timed out progressing.` : `Deployment "${name}" has timed out progressing.`;
    setCondition(status, newCondition("Progressing", "False", reasons.timedOut, msg, now));
  }
}

/**
 * getReplicaFailures: the new ReplicaSet's ReplicaFailure conditions, else the old ones',
 * as Deployment conditions.
 */
export function replicaFailures(allRSs: (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): Condition[] {
  const convert = (rs: ReplicaSet | undefined): Condition[] =>
    (rs?.status?.conditions ?? []).filter((c) => c.type === "ReplicaFailure").map((c) => ({
      type: c.type,
      status: c.status,
      lastTransitionTime: c.lastTransitionTime,
      lastUpdateTime: c.lastTransitionTime,
      reason: c.reason,
      message: c.message,
    }));
  const fromNew = convert(newRS);
  if (fromNew.length) return fromNew;
  return allRSs.flatMap(convert);
}

/**
 * requeueStuckDeployment: when a rollout shows no progress, how long until its deadline is
 * worth checking again (ms; 0: now, rate limited); undefined when there is nothing to watch.
 */
export function stuckRequeueMs(d: Deployment, s: Status, now: Date): number | undefined {
  const cond = getCondition(d.status, "Progressing");
  if (!hasProgressDeadline(d) || !cond) return undefined;
  if (deploymentComplete(d, s) || cond.reason === reasons.timedOut) return undefined;
  const from = cond.lastUpdateTime ? Date.parse(cond.lastUpdateTime) : NaN;
  if (Number.isNaN(from)) return undefined;
  const after = from + deadlineMs(d) - now.getTime();
  if (after < 1000) return 0;
  // A second more, against millisecond skew (upstream does the same).
  return after + 1000;
}
