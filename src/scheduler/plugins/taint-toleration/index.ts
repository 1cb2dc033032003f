/**
 * TaintToleration: nodes with NoSchedule/NoExecute taints the pod does not tolerate are
 * filtered out; PreferNoSchedule taints lower the score (fewer untolerated ones is better).
 */
import type { Toleration } from "kubernetes-types/core/v1.js";
import type { CycleState, StateData } from "../../framework/cycle-state.js";
import { ActionType, maxNodeScore, type ClusterEventWithHint, type FilterPlugin, type NodeScore, type PreScorePlugin, type ScorePlugin } from "../../framework/interfaces.js";
import type { NodeInfo } from "../../framework/node-info.js";
import type { PodInfo } from "../../framework/pod-info.js";
import { Status, type MaybeStatus } from "../../framework/status.js";
import type { Node, Pod } from "../../framework/types.js";
import { doNotScheduleTaint, findUntoleratedTaint, tolerationsTolerateTaint } from "../../util/taints.js";
import { defaultNormalizeScore } from "../helpers.js";

export const name = "TaintToleration";
const preScoreKey = `PreScore${name}`;

class PreScoreState implements StateData {
  constructor(readonly tolerations: readonly Toleration[]) {}
  clone(): this {
    return this;
  }
}

function untolerated(pod: Pod, node: Node): MaybeStatus {
  const taint = findUntoleratedTaint(node.spec?.taints, pod.spec?.tolerations, doNotScheduleTaint);
  if (!taint) return undefined;
  return Status.unresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`);
}

export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = name;

  filter(_state: CycleState, pi: PodInfo, ni: NodeInfo): MaybeStatus {
    if (!ni.node?.spec?.taints?.length) return undefined;
    return untolerated(pi.pod, ni.node);
  }

  preScore(state: CycleState, pi: PodInfo, nodes: readonly NodeInfo[]): MaybeStatus {
    // No candidate has a PreferNoSchedule taint: every node would score the same (100).
    if (!nodes.some((n) => n.node?.spec?.taints?.some((t) => t.effect === "PreferNoSchedule"))) return Status.skip();
    const tolerations = (pi.pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === "PreferNoSchedule");
    state.write(preScoreKey, new PreScoreState(tolerations));
    return undefined;
  }

  score(state: CycleState, _pi: PodInfo, ni: NodeInfo): number {
    const taints = ni.node?.spec?.taints;
    if (!taints?.length) return 0;
    const tolerations = state.read<PreScoreState>(preScoreKey)?.tolerations ?? [];
    let n = 0;
    for (const t of taints) if (t.effect === "PreferNoSchedule" && !tolerationsTolerateTaint(tolerations, t)) n++;
    return n;
  }

  normalizeScore(_state: CycleState, _pi: PodInfo, scores: NodeScore[]): MaybeStatus {
    defaultNormalizeScore(maxNodeScore, true, scores);
    return undefined;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [{
      resource: "Node",
      action: ActionType.Add | ActionType.UpdateNodeTaint,
      hint: (pod, o, n) => {
        if (!n || untolerated(pod, n as Node)) return "QueueSkip";
        return o && !untolerated(pod, o as Node) ? "QueueSkip" : "Queue";
      },
    }];
  }
}

export const factory = (): TaintToleration => new TaintToleration();
