/**
 * Taint-based eviction, pure (upstream's taint eviction controller): a pod on a node with
 * NoExecute taints it does not all tolerate goes at once; one that tolerates them all stays
 * for the shortest tolerationSeconds among the tolerations used (forever when none sets it).
 * Time runs from when the taint was added (or from the pod's creation, for a pod that came
 * later), so a restarted controller keeps the deadlines.
 */
import type { Toleration } from "kubernetes-types/core/v1.js";
import type { KubeObject } from "../../machinery/object.js";
import type { TaintLike } from "./taints.js";
import { toleratesTaint } from "../../api/core/v1/tolerations.js";

export { toleratesTaint };

export interface PodLike extends KubeObject {
  spec?: { nodeName?: string; tolerations?: Toleration[] };
  status?: { phase?: string; conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string | null; lastProbeTime?: string | null }[] };
}


/** upstream's GetMatchingTolerations: are all taints tolerated, and by which tolerations. */
export function matchingTolerations(taints: readonly TaintLike[], tolerations: readonly Toleration[]): { all: boolean; used: Toleration[] } {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const t = tolerations.find((x) => toleratesTaint(x, taint));
    if (!t) return { all: false, used: [] };
    used.push(t);
  }
  return { all: true, used };
}

/** upstream's getMinTolerationTime in seconds: -1 for forever, 0 for at once. */
export function minTolerationSeconds(used: readonly Toleration[]): number {
  if (used.length === 0) return 0;
  let min = Infinity;
  for (const t of used) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = Math.min(min, t.tolerationSeconds);
  }
  return min === Infinity ? -1 : min;
}

export type EvictionPlan = { type: "none" } | { type: "evict"; atMs: number };

/**
 * When the pod must go because of the node's NoExecute taints. `firstSeenMs` stands in for a
 * taint without timeAdded (the controller's first sight of it).
 */
export function planEviction(pod: PodLike, taints: readonly TaintLike[], firstSeenMs: (t: TaintLike) => number): EvictionPlan {
  const noExecute = taints.filter((t) => t.effect === "NoExecute");
  if (noExecute.length === 0 || pod.metadata.deletionTimestamp) return { type: "none" };
  const { all, used } = matchingTolerations(noExecute, pod.spec?.tolerations ?? []);
  if (!all) return { type: "evict", atMs: 0 };
  const seconds = minTolerationSeconds(used);
  if (seconds < 0) return { type: "none" };
  const added = Math.min(...noExecute.map((t) => (t.timeAdded ? Date.parse(t.timeAdded) : NaN)).map((ms, i) => (Number.isFinite(ms) ? ms : firstSeenMs(noExecute[i]!))));
  const created = pod.metadata.creationTimestamp ? Date.parse(pod.metadata.creationTimestamp) : NaN;
  const start = Number.isFinite(created) ? Math.max(added, created) : added;
  return { type: "evict", atMs: start + seconds * 1000 };
}

/**
 * The DisruptionTarget condition the controller sets before deleting (upstream's
 * addConditionAndDeletePod); undefined when the pod has it already.
 */
export function disruptionCondition(pod: PodLike, now: string): NonNullable<PodLike["status"]>["conditions"] | undefined {
  const conditions = (pod.status?.conditions ?? []).map((c) => ({ ...c }));
  const want = { type: "DisruptionTarget", status: "True", reason: "DeletionByTaintManager", message: "Taint manager: deleting due to NoExecute taint" };
  const old = conditions.find((c) => c.type === "DisruptionTarget");
  if (old && old.status === want.status && old.reason === want.reason && old.message === want.message) return undefined;
  if (old) Object.assign(old, want, { lastTransitionTime: now });
  else conditions.push({ ...want, lastProbeTime: null, lastTransitionTime: now });
  return conditions;
}

/** The pod's Ready condition turned False (upstream's MarkPodsNotReady), or undefined when it is not True. */
export function notReadyConditions(pod: PodLike, now: string): NonNullable<PodLike["status"]>["conditions"] | undefined {
  const conditions = pod.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === "Ready");
  if (!ready || ready.status === "False") return undefined;
  return conditions.map((c) => (c.type === "Ready" ? { ...c, status: "False", lastTransitionTime: now } : c));
}
