/**
 * The eviction subresource's decisions, as pure functions over a pod and the
 * PodDisruptionBudgets of its namespace (upstream's EvictionREST rules): whether a pod may be
 * deleted without consulting a budget, which budget guards it, and whether that budget allows
 * one more disruption — with the 429s and messages upstream sends.
 */
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from "kubernetes-types/policy/v1.js";
import { parseSelector } from "../../api/common/selector.js";
import { StatusError, errors, type StatusReason } from "../../machinery/errors.js";
import { deepCopy, nowRFC3339, type KubeObject } from "../../machinery/object.js";
import { isPodReady, type PodLike } from "./common.js";
import { setDisruptionAllowedCondition } from "../../api/policy/v1/conditions.js";

export { setDisruptionAllowedCondition };

export type PdbObject = KubeObject & Pick<PodDisruptionBudget, "spec" | "status">;

/** Upstream refuses evictions when this many approved ones are still unconfirmed. */
export const maxDisruptedPodSize = 2000;

export const evictionViolationMessage = "Cannot evict pod as it would violate the pod's disruption budget.";

/** Terminal, pending and terminating pods are deleted without checking budgets. */
export function canIgnorePDB(pod: PodLike): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed" || phase === "Pending" || !!pod.metadata.deletionTimestamp;
}

/** Whether the delete must be pinned to the pod's resourceVersion (it could become ready meanwhile). */
export function shouldEnforceResourceVersion(pod: PodLike): boolean {
  const phase = pod.status?.phase;
  return !(phase === "Succeeded" || phase === "Failed" || pod.metadata.deletionTimestamp);
}

/** The budgets whose selector matches the pod (a nil selector matches nothing, `{}` everything). */
export function matchingBudgets(pod: PodLike, pdbs: readonly PdbObject[]): PdbObject[] {
  return pdbs.filter((pdb) => {
    if (pdb.metadata.namespace !== pod.metadata.namespace) return false;
    const sel = parseSelector(pdb.spec?.selector);
    return !!sel && sel.matches(pod.metadata.labels);
  });
}

export type EvictionDecision =
  /** Delete now; `pinResourceVersion` guards against the pod turning ready in between. */
  | { action: "delete"; pinResourceVersion: boolean; pdbName?: string }
  /** Take one disruption from this budget first. */
  | { action: "decrement"; pdbName: string }
  | { action: "reject"; error: StatusError };

/** A failed Status with no reason, as upstream returns for a pod under two budgets. */
class BareStatusError extends StatusError {
  override toStatus() {
    const s = super.toStatus();
    delete s.reason;
    return s;
  }
}

export function multipleBudgetsError(): StatusError {
  return new BareStatusError(500, "" as StatusReason, "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
}

/** EvictionREST.Create's choice for a pod, given every budget in its namespace. */
export function decideEviction(pod: PodLike, pdbs: readonly PdbObject[]): EvictionDecision {
  if (canIgnorePDB(pod)) return { action: "delete", pinResourceVersion: shouldEnforceResourceVersion(pod) };
  const matching = matchingBudgets(pod, pdbs);
  if (matching.length > 1) return { action: "reject", error: multipleBudgetsError() };
  if (matching.length === 0) return { action: "delete", pinResourceVersion: false };
  const pdb = matching[0]!;
  const pdbName = pdb.metadata.name ?? "";
  if (!isPodReady(pod)) {
    // An unready pod does not count towards currentHealthy: deleting it disrupts nothing more.
    if (pdb.spec?.unhealthyPodEvictionPolicy === "AlwaysAllow") return { action: "delete", pinResourceVersion: true, pdbName };
    const st = pdb.status;
    const desired = st?.desiredHealthy ?? 0;
    if ((st?.currentHealthy ?? 0) >= desired && desired > 0) return { action: "delete", pinResourceVersion: true, pdbName };
  }
  return { action: "decrement", pdbName };
}

function budgetCause(message: string): { reason: string; message: string } {
  return { reason: "DisruptionBudget", message };
}

/** The 429 for a budget whose status the controller has not caught up with (Retry-After 10). */
export function budgetStillProcessingError(pdbName: string): StatusError {
  const e = errors.tooManyRequests(evictionViolationMessage, 10);
  e.details!.causes = [budgetCause(`The disruption budget ${pdbName} is still being processed by the server.`)];
  return e;
}

/** The 429 for a budget with no disruptions left (upstream suggests no Retry-After here). */
export function budgetViolationError(pdbName: string, desiredHealthy: number, currentHealthy: number): StatusError {
  return new StatusError(429, "TooManyRequests", evictionViolationMessage, {
    causes: [budgetCause(`The disruption budget ${pdbName} needs ${desiredHealthy} healthy pods and has ${currentHealthy} currently`)],
  });
}


/**
 * checkAndDecrement on the live budget: throws the 429/403 upstream returns, or gives the
 * budget's next status — one fewer disruption, and (unless dry run) the pod recorded in
 * disruptedPods so the controller does not count it as healthy while it goes away.
 */
export function checkAndDecrement(pdb: PdbObject, podName: string, now: Date, dryRun: boolean): PodDisruptionBudgetStatus {
  const name = pdb.metadata.name ?? "";
  const st = pdb.status ?? { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0 };
  if ((st.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) throw budgetStillProcessingError(name);
  if (st.disruptionsAllowed < 0) {
    throw errors.forbidden(`poddisruptionbudget.policy "${name}" is forbidden: pdb disruptions allowed is negative`, { name, group: "policy", kind: "poddisruptionbudget" });
  }
  if (Object.keys(st.disruptedPods ?? {}).length > maxDisruptedPodSize) {
    throw errors.forbidden(`poddisruptionbudget.policy "${name}" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller`, { name, group: "policy", kind: "poddisruptionbudget" });
  }
  if (st.disruptionsAllowed === 0) throw budgetViolationError(name, st.desiredHealthy, st.currentHealthy);
  const next = deepCopy(st);
  next.disruptionsAllowed--;
  if (next.disruptionsAllowed === 0) setDisruptionAllowedCondition(next, now);
  if (!dryRun) next.disruptedPods = { ...next.disruptedPods, [podName]: nowRFC3339(now) };
  return next;
}
