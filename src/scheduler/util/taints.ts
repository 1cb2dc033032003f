/** Taint and toleration matching (upstream's v1helper ToleratesTaint and friends). */
import type { Taint, Toleration } from "kubernetes-types/core/v1.js";
import { toleratesTaint } from "../../api/core/v1/tolerations.js";

export { toleratesTaint };


export function tolerationsTolerateTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  if (!tolerations) return false;
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** The first taint passing `filter` that no toleration tolerates. */
export function findUntoleratedTaint(
  taints: readonly Taint[] | undefined,
  tolerations: readonly Toleration[] | undefined,
  filter: (t: Taint) => boolean,
): Taint | undefined {
  if (!taints) return undefined;
  for (const taint of taints) {
    if (!filter(taint)) continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}

/** Taints that keep pods off a node at scheduling time. */
export const doNotScheduleTaint = (t: Taint): boolean => t.effect === "NoSchedule" || t.effect === "NoExecute";
