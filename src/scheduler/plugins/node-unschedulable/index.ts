/**
 * NodeUnschedulable: cordoned nodes (spec.unschedulable) take only pods that tolerate the
 * node.kubernetes.io/unschedulable:NoSchedule taint.
 */
import { ActionType, type ClusterEventWithHint, type FilterPlugin } from "../../framework/interfaces.js";
import type { CycleState } from "../../framework/cycle-state.js";
import type { NodeInfo } from "../../framework/node-info.js";
import type { PodInfo } from "../../framework/pod-info.js";
import { Status, type MaybeStatus } from "../../framework/status.js";
import type { Node, Pod } from "../../framework/types.js";
import { tolerationsTolerateTaint } from "../../util/taints.js";

export const name = "NodeUnschedulable";
export const errReasonUnschedulable = "node(s) were unschedulable";
export const taintNodeUnschedulable = "node.kubernetes.io/unschedulable";

const unschedulableTaint = { key: taintNodeUnschedulable, effect: "NoSchedule" };

function fits(pod: Pod, node: Node): boolean {
  return !node.spec?.unschedulable || tolerationsTolerateTaint(pod.spec?.tolerations, unschedulableTaint);
}

export class NodeUnschedulable implements FilterPlugin {
  readonly name = name;

  filter(_state: CycleState, pi: PodInfo, ni: NodeInfo): MaybeStatus {
    if (!ni.node) return Status.unresolvable("node not found");
    return fits(pi.pod, ni.node) ? undefined : Status.unresolvable(errReasonUnschedulable);
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [{
      resource: "Node",
      action: ActionType.Add | ActionType.UpdateNodeTaint,
      hint: (pod, _o, n) => (n && fits(pod, n as Node) ? "Queue" : "QueueSkip"),
    }];
  }
}

export const factory = (): NodeUnschedulable => new NodeUnschedulable();
