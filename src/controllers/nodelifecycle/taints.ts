/**
 * The node controller's taints, pure: the NoSchedule taints that mirror a node's conditions
 * and spec.unschedulable (upstream's doNoScheduleTaintingPass), the NoExecute taint for a
 * Ready status (not-ready for False, unreachable for Unknown), and the taint list after
 * adding and removing some. Taints match on key and effect; added ones get timeAdded.
 */
import type { NodeLike } from "./health.js";

export interface TaintLike {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

export const notReadyKey = "node.kubernetes.io/not-ready";
export const unreachableKey = "node.kubernetes.io/unreachable";
export const unschedulableKey = "node.kubernetes.io/unschedulable";

/** upstream's nodeConditionToTaintKeyStatusMap. */
const conditionTaints: Record<string, Record<string, string>> = {
  Ready: { False: notReadyKey, Unknown: unreachableKey },
  MemoryPressure: { True: "node.kubernetes.io/memory-pressure" },
  DiskPressure: { True: "node.kubernetes.io/disk-pressure" },
  NetworkUnavailable: { True: "node.kubernetes.io/network-unavailable" },
  PIDPressure: { True: "node.kubernetes.io/pid-pressure" },
};

const conditionTaintKeys = new Set(Object.values(conditionTaints).flatMap((m) => Object.values(m)));

export const notReadyNoExecute: TaintLike = { key: notReadyKey, effect: "NoExecute" };
export const unreachableNoExecute: TaintLike = { key: unreachableKey, effect: "NoExecute" };

export function sameTaint(a: TaintLike, b: TaintLike): boolean {
  return a.key === b.key && a.effect === b.effect;
}

export function hasTaint(taints: readonly TaintLike[] | undefined, t: TaintLike): boolean {
  return (taints ?? []).some((x) => sameTaint(x, t));
}

/** The NoSchedule taints the node's conditions and spec ask for. */
export function desiredNoScheduleTaints(node: NodeLike): TaintLike[] {
  const out: TaintLike[] = [];
  for (const c of node.status?.conditions ?? []) {
    const key = conditionTaints[c.type]?.[c.status];
    if (key) out.push({ key, effect: "NoSchedule" });
  }
  if (node.spec?.unschedulable) out.push({ key: unschedulableKey, effect: "NoSchedule" });
  return out;
}

/** Which controller-owned NoSchedule taints to add and remove (upstream's TaintSetDiff). */
export function noScheduleDiff(node: NodeLike): { add: TaintLike[]; remove: TaintLike[] } {
  const want = desiredNoScheduleTaints(node);
  const have = (node.spec?.taints ?? []).filter((t) => t.effect === "NoSchedule" && (t.key === unschedulableKey || conditionTaintKeys.has(t.key)));
  return {
    add: want.filter((w) => !have.some((h) => sameTaint(h, w))),
    remove: have.filter((h) => !want.some((w) => sameTaint(h, w))),
  };
}

/** The NoExecute taint a Ready status calls for, and the one it replaces. */
export function noExecuteFor(readyStatus: string | undefined): { want?: TaintLike; other?: TaintLike } {
  if (readyStatus === "False") return { want: notReadyNoExecute, other: unreachableNoExecute };
  if (readyStatus === "True") return {};
  return { want: unreachableNoExecute, other: notReadyNoExecute };
}

/**
 * The taint list with `remove` gone and `add` present (timeAdded set to `now`), or undefined
 * when that is the list already.
 */
export function swapTaints(current: readonly TaintLike[] | undefined, add: readonly TaintLike[], remove: readonly TaintLike[], now: string): TaintLike[] | undefined {
  const list = current ?? [];
  let next = list.filter((t) => !remove.some((r) => sameTaint(t, r)));
  let changed = next.length !== list.length;
  for (const a of add) {
    if (next.some((t) => sameTaint(t, a))) continue;
    next = [...next, { ...a, timeAdded: now }];
    changed = true;
  }
  return changed ? next : undefined;
}
