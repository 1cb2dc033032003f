/**
 * The PodDisruptionBudget's DisruptionAllowed condition, as metav1.SetStatusCondition writes
 * it. Both the eviction subresource and the disruption controller set it, so it lives with
 * the kind.
 */
import type { PodDisruptionBudgetStatus } from "kubernetes-types/policy/v1.js";
import type { Condition } from "kubernetes-types/meta/v1.js";
import { nowRFC3339 } from "../../../machinery/object.js";

/** Sets DisruptionAllowed from `disruptionsAllowed` (SyncFailed when `failure` is given). */
export function setDisruptionAllowedCondition(status: PodDisruptionBudgetStatus, now: Date, failure?: string): void {
  const allowed = !failure && status.disruptionsAllowed > 0;
  const want: Condition = {
    type: "DisruptionAllowed",
    status: allowed ? "True" : "False",
    observedGeneration: status.observedGeneration,
    lastTransitionTime: nowRFC3339(now),
    reason: failure ? "SyncFailed" : allowed ? "SufficientPods" : "InsufficientPods",
    message: failure ?? "",
  };
  if (want.observedGeneration === undefined) delete want.observedGeneration;
  const list = (status.conditions ??= []);
  const old = list.find((c) => c.type === want.type);
  if (!old) {
    list.push(want);
    return;
  }
  if (old.status !== want.status) {
    old.status = want.status;
    old.lastTransitionTime = want.lastTransitionTime;
  }
  old.reason = want.reason;
  old.message = want.message;
  if (want.observedGeneration !== undefined) old.observedGeneration = want.observedGeneration;
  else delete old.observedGeneration;
}
