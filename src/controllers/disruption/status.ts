/**
 * The disruption controller's arithmetic, as pure functions (upstream's getExpectedPodCount,
 * buildDisruptedPodMap, countHealthyPods and updatePdbStatus): from a budget, the pods its
 * selector matches and the scale of their controllers, the budget's next status.
 */
import type { PodDisruptionBudgetSpec, PodDisruptionBudgetStatus } from "kubernetes-types/policy/v1.js";
import type { KubeObject } from "../../machinery/object.js";
import { setDisruptionAllowedCondition } from "../../api/policy/v1/conditions.js";

export { setDisruptionAllowedCondition };

/** How long an eviction's entry in disruptedPods waits for the pod's deletion. */
export const deletionTimeoutMs = 2 * 60_000;

export interface PdbLike extends KubeObject {
  spec?: PodDisruptionBudgetSpec;
  status?: PodDisruptionBudgetStatus;
}

export interface PodLike extends KubeObject {
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string; lastProbeTime?: string | null; lastTransitionTime?: string }[];
  } & Record<string, unknown>;
}

export type IntOrString = number | string;

/** intstr.GetScaledValueFromIntOrPercent. */
export function scaledValue(v: IntOrString, total: number, roundUp: boolean): number {
  if (typeof v === "number") return Math.trunc(v);
  if (!v.endsWith("%")) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const body = v.slice(0, -1);
  if (!/^[+-]?\d+$/.test(body)) throw new Error(`invalid value for IntOrString: invalid value "${v}": strconv.Atoi: parsing ${JSON.stringify(body)}: invalid syntax`);
  const pct = Number.parseInt(body, 10);
  const exact = (pct * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** A budget needs its pods' controllers' scale unless it is an integer minAvailable. */
export function needsControllerScale(spec: PodDisruptionBudgetSpec | undefined): boolean {
  if (spec?.maxUnavailable !== undefined && spec.maxUnavailable !== null) return true;
  return typeof spec?.minAvailable === "string";
}

/**
 * getExpectedPodCount: `expectedScale` is the sum of the controllers' replicas (used only when
 * needsControllerScale). Both percentages round up, as upstream's do.
 */
export function expectedAndDesired(spec: PodDisruptionBudgetSpec | undefined, podCount: number, expectedScale: number): { expectedCount: number; desiredHealthy: number } {
  const maxU = spec?.maxUnavailable;
  if (maxU !== undefined && maxU !== null) {
    const expectedCount = expectedScale;
    return { expectedCount, desiredHealthy: Math.max(0, expectedCount - scaledValue(maxU, expectedCount, true)) };
  }
  const minA = spec?.minAvailable;
  if (typeof minA === "number") return { expectedCount: podCount, desiredHealthy: Math.trunc(minA) };
  if (typeof minA === "string") return { expectedCount: expectedScale, desiredHealthy: scaledValue(minA, expectedScale, true) };
  return { expectedCount: 0, desiredHealthy: 0 };
}

export function isPodReady(pod: PodLike): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

function timeOf(s: string | undefined): number {
  const t = s ? Date.parse(s) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

/**
 * buildDisruptedPodMap: keeps the entries of pods that still exist, are not yet being deleted
 * and were evicted less than deletionTimeout ago; `recheckAt` is when the earliest kept entry
 * expires; `expired` names the pods the eviction did not remove in time.
 */
export function pruneDisruptedPods(pods: readonly PodLike[], disrupted: Record<string, string> | undefined, now: Date): { disruptedPods: Record<string, string>; recheckAt?: Date; expired: string[] } {
  const out: Record<string, string> = {};
  const expired: string[] = [];
  let recheck: number | undefined;
  if (!disrupted) return { disruptedPods: out, expired };
  for (const pod of pods) {
    const name = pod.metadata.name ?? "";
    if (pod.metadata.deletionTimestamp || !Object.hasOwn(disrupted, name)) continue;
    const deadline = timeOf(disrupted[name]) + deletionTimeoutMs;
    if (deadline < now.getTime()) {
      expired.push(name);
      continue;
    }
    out[name] = disrupted[name]!;
    if (recheck === undefined || deadline < recheck) recheck = deadline;
  }
  return { disruptedPods: out, recheckAt: recheck === undefined ? undefined : new Date(recheck), expired };
}

/** countHealthyPods: ready, not being deleted, and not just evicted. */
export function countHealthy(pods: readonly PodLike[], disrupted: Record<string, string>, now: Date): number {
  let n = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = disrupted[pod.metadata.name ?? ""];
    if (at !== undefined && timeOf(at) + deletionTimeoutMs > now.getTime()) continue;
    if (isPodReady(pod)) n++;
  }
  return n;
}


/** pdbhelper.ConditionsAreUpToDate. */
export function conditionsUpToDate(pdb: PdbLike): boolean {
  const st = pdb.status;
  const cond = st?.conditions?.find((c) => c.type === "DisruptionAllowed");
  if (!st || !cond) return false;
  if ((st.observedGeneration ?? 0) !== (pdb.metadata.generation ?? 0)) return false;
  if (st.disruptionsAllowed > 0) return cond.status === "True" && cond.reason === "SufficientPods";
  return cond.status === "False" && cond.reason === "InsufficientPods";
}

function sameMap(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && timeOf(a![k]) === timeOf(b[k]));
}

export interface PdbCounts {
  currentHealthy: number;
  desiredHealthy: number;
  expectedCount: number;
  disruptedPods: Record<string, string>;
}

/**
 * updatePdbStatus: the next status, or undefined when the stored one is already current. No
 * disruption is allowed while the budget expects no pods (its first pods may not be counted yet).
 */
export function nextPdbStatus(pdb: PdbLike, c: PdbCounts, now: Date): PodDisruptionBudgetStatus | undefined {
  let disruptionsAllowed = c.currentHealthy - c.desiredHealthy;
  if (c.expectedCount <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
  const st = pdb.status;
  const generation = pdb.metadata.generation ?? 0;
  if (st && st.currentHealthy === c.currentHealthy && st.desiredHealthy === c.desiredHealthy && st.expectedPods === c.expectedCount
    && st.disruptionsAllowed === disruptionsAllowed && sameMap(st.disruptedPods, c.disruptedPods)
    && (st.observedGeneration ?? 0) === generation && conditionsUpToDate(pdb)) {
    return undefined;
  }
  const next: PodDisruptionBudgetStatus = {
    observedGeneration: generation,
    disruptedPods: c.disruptedPods,
    disruptionsAllowed,
    currentHealthy: c.currentHealthy,
    desiredHealthy: c.desiredHealthy,
    expectedPods: c.expectedCount,
    conditions: structuredClone(st?.conditions ?? []),
  };
  if (Object.keys(c.disruptedPods).length === 0) delete next.disruptedPods;
  setDisruptionAllowedCondition(next, now);
  return next;
}

/** failSafe: no disruptions, and the condition says why the sync failed. */
export function failSafeStatus(pdb: PdbLike, message: string, now: Date): PodDisruptionBudgetStatus {
  const next: PodDisruptionBudgetStatus = structuredClone(pdb.status ?? { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0 });
  next.disruptionsAllowed = 0;
  setDisruptionAllowedCondition(next, now, message);
  return next;
}

/**
 * The whole reconcile of one budget, given its pods and (when needed) the summed scale of their
 * controllers: the next status (undefined when current) and when to look again.
 */
export function reconcileBudget(pdb: PdbLike, pods: readonly PodLike[], expectedScale: number, now: Date): { status?: PodDisruptionBudgetStatus; recheckAt?: Date; expired: string[] } {
  const { expectedCount, desiredHealthy } = expectedAndDesired(pdb.spec, pods.length, expectedScale);
  const { disruptedPods, recheckAt, expired } = pruneDisruptedPods(pods, pdb.status?.disruptedPods, now);
  const currentHealthy = countHealthy(pods, disruptedPods, now);
  return { status: nextPdbStatus(pdb, { currentHealthy, desiredHealthy, expectedCount, disruptedPods }, now), recheckAt, expired };
}

/** A pod whose DisruptionTarget condition outlived its eviction: how long until it is stale (ms), or undefined. */
export function staleDisruptionIn(pod: PodLike, now: Date, timeoutMs = deletionTimeoutMs): number | undefined {
  if (pod.metadata.deletionTimestamp) return undefined;
  const phase = pod.status?.phase;
  const cond = pod.status?.conditions?.find((c) => c.type === "DisruptionTarget");
  if (!cond || cond.status !== "True" || cond.reason === "TerminationByKubelet" || phase === "Succeeded" || phase === "Failed") return undefined;
  return Math.max(0, timeoutMs - (now.getTime() - timeOf(cond.lastTransitionTime)));
}
