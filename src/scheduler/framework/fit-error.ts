/**
 * FitError: why no node fits a pod, rendered as upstream's message —
 * `0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu.
 * preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..`
 * (reasons counted over nodes and sorted as strings; the preemption part ends with the inner
 * message's own period plus the outer one, as upstream prints it).
 */
import type { NodeToStatus } from "./status.js";
import type { Pod } from "./types.js";

export interface Diagnosis {
  nodeToStatus: NodeToStatus;
  /** Plugins that rejected the pod (their registered events requeue it). */
  unschedulablePlugins: Set<string>;
  preFilterMsg: string;
  postFilterMsg: string;
}

export function fitErrorMessage(numAllNodes: number, statuses: NodeToStatus, preFilterMsg: string, postFilterMsg: string): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (preFilterMsg) msg += ` ${preFilterMsg}.`;
  else {
    const counts = new Map<string, number>();
    for (const [, s] of statuses.entries()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    if (statuses.size < numAllNodes) {
      for (const r of statuses.absent.reasons) counts.set(r, (counts.get(r) ?? 0) + numAllNodes - statuses.size);
    }
    const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
    if (parts.length) msg += ` ${parts.join(", ")}.`;
  }
  if (postFilterMsg) msg += ` ${postFilterMsg}.`;
  return msg;
}

export class FitError extends Error {
  constructor(readonly pod: Pod, readonly numAllNodes: number, readonly diagnosis: Diagnosis) {
    super(`0/${numAllNodes} nodes are available`);
    this.name = "FitError";
  }

  /** The full message (it includes the PostFilter message once that ran). */
  describe(): string {
    const d = this.diagnosis;
    return fitErrorMessage(this.numAllNodes, d.nodeToStatus, d.preFilterMsg, d.postFilterMsg);
  }
}
