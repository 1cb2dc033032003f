/** Taint and toleration matching (upstream's v1 helper Toleration.ToleratesTaint), shared by the scheduler and the node lifecycle controller. */
import type { Toleration } from "kubernetes-types/core/v1.js";

/** The fields of a taint that matching reads. */
export interface TaintKey {
  key: string;
  value?: string;
  effect: string;
}

export function toleratesTaint(t: Toleration, taint: TaintKey): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? "") {
    case "":
    case "Equal":
      return (t.value ?? "") === (taint.value ?? "");
    case "Exists":
      return true;
    default:
      return false;
  }
}
