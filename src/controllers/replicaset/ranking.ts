/**
 * Which pods go first when a replica controller scales down: upstream's
 * ActivePodsWithRanks ordering (with PodDeletionCost and LogarithmicScaleDown on, as in
 * v1.32), ranked by how many related active pods share each pod's node, and
 * getPodsToDelete. Pure; no I/O.
 */
import { isPodActive, isPodReady, podReadyTime, type PodObj } from "./pods.js";

export const podDeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost";

const phaseOrdinal: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** Phases outside the map (Succeeded, Failed, empty) rank with Pending, as Go's zero value does. */
function phaseRank(pod: PodObj): number {
  return phaseOrdinal[pod.status?.phase ?? ""] ?? 0;
}

/** GetDeletionCostFromPodAnnotations: an int32 in decimal; anything else counts as 0. */
export function deletionCost(pod: PodObj): number {
  const raw = pod.metadata.annotations?.[podDeletionCostAnnotation];
  if (raw === undefined || !/^[+-]?\d+$/.test(raw)) return 0;
  const v = Number(raw);
  return v >= -2147483648 && v <= 2147483647 ? v : 0;
}

function timeMs(s: string | null | undefined): number {
  if (!s) return 0;
  const t = Date.parse(s);
  return Number.isNaN(t) ? 0 : t;
}

/** afterOrZero: a zero time sorts first; otherwise the later time first. */
function afterOrZero(t1: number, t2: number): boolean {
  if (t1 === 0 || t2 === 0) return t1 === 0;
  return t1 > t2;
}

/** floor(log2(age in ns)); -1 for a time not in the past. Pods of the same bucket tie. */
function logRank(t: number, now: number): number {
  const d = (now - t) * 1e6;
  return d > 0 ? Math.trunc(Math.log2(d)) : -1;
}

/** Newer first, compared on a log scale of age (LogarithmicScaleDown); ties broken by uid. */
function newerFirst(t1: number, t2: number, now: number, uid1: string, uid2: string): boolean {
  if (now === 0 || t1 === 0 || t2 === 0) return afterOrZero(t1, t2);
  const diff = logRank(t1, now) - logRank(t2, now);
  if (diff === 0) return uid1 < uid2;
  return diff < 0;
}

/** Max restart count of regular containers, then of restartable (sidecar) init containers. */
function maxRestarts(pod: PodObj): [number, number] {
  let regular = 0;
  for (const c of pod.status?.containerStatuses ?? []) regular = Math.max(regular, c.restartCount ?? 0);
  const sidecars = new Set((pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always").map((c) => c.name));
  let sidecar = 0;
  for (const c of pod.status?.initContainerStatuses ?? []) if (sidecars.has(c.name)) sidecar = Math.max(sidecar, c.restartCount ?? 0);
  return [regular, sidecar];
}

export interface RankedPod {
  pod: PodObj;
  /** Active related pods on the same node (this one included). */
  rank: number;
}

/**
 * Whether `a` should be deleted before `b`:
 * 1. unassigned < assigned; 2. Pending < Unknown < Running; 3. not ready < ready;
 * 4. lower pod-deletion-cost first; 5. more related pods on the same node first;
 * 6. both ready: ready more recently first; 7. more container restarts first;
 * 8. created more recently first (zero times first).
 */
export function deletesBefore(a: RankedPod, b: RankedPod, now: number): boolean {
  const pa = a.pod;
  const pb = b.pod;
  const na = pa.spec?.nodeName ?? "";
  const nb = pb.spec?.nodeName ?? "";
  if (na !== nb && (na === "" || nb === "")) return na === "";
  if (phaseRank(pa) !== phaseRank(pb)) return phaseRank(pa) < phaseRank(pb);
  const ra = isPodReady(pa);
  const rb = isPodReady(pb);
  if (ra !== rb) return !ra;
  const ca = deletionCost(pa);
  const cb = deletionCost(pb);
  if (ca !== cb) return ca < cb;
  if (a.rank !== b.rank) return a.rank > b.rank;
  const ua = pa.metadata.uid ?? "";
  const ub = pb.metadata.uid ?? "";
  if (ra && rb) {
    const ta = podReadyTime(pa);
    const tb = podReadyTime(pb);
    if (ta !== tb) return newerFirst(ta, tb, now, ua, ub);
  }
  const [rega, sida] = maxRestarts(pa);
  const [regb, sidb] = maxRestarts(pb);
  if (rega !== regb) return rega > regb;
  if (sida !== sidb) return sida > sidb;
  const cta = timeMs(pa.metadata.creationTimestamp);
  const ctb = timeMs(pb.metadata.creationTimestamp);
  if (cta !== ctb) return newerFirst(cta, ctb, now, ua, ub);
  return false;
}

/** getPodsRankedByRelatedPodsOnSameNode: rank = active related pods on the pod's node. */
export function rankByRelatedPodsOnSameNode(pods: PodObj[], related: PodObj[]): RankedPod[] {
  const onNode = new Map<string, number>();
  for (const p of related) {
    if (!isPodActive(p)) continue;
    const node = p.spec?.nodeName ?? "";
    onNode.set(node, (onNode.get(node) ?? 0) + 1);
  }
  return pods.map((pod) => ({ pod, rank: onNode.get(pod.spec?.nodeName ?? "") ?? 0 }));
}

/** Sorts ranked pods, those to delete first at the front. */
export function sortForDeletion(ranked: RankedPod[], now: number): RankedPod[] {
  return [...ranked].sort((a, b) => (deletesBefore(a, b, now) ? -1 : deletesBefore(b, a, now) ? 1 : 0));
}

/**
 * getPodsToDelete: the first `diff` of `pods` in deletion order; `related` are the active
 * pods of every controller sharing this one's owner (or its own pods when it has none).
 */
export function podsToDelete(pods: PodObj[], related: PodObj[], diff: number, now: number = Date.now()): PodObj[] {
  if (diff >= pods.length) return pods.slice(0, diff);
  return sortForDeletion(rankByRelatedPodsOnSameNode(pods, related), now).slice(0, diff).map((r) => r.pod);
}
