/** NodeName: a pod that names its node (spec.nodeName) fits only that node. */
import { ActionType, type ClusterEventWithHint, type FilterPlugin } from "../../framework/interfaces.js";
import type { NodeInfo } from "../../framework/node-info.js";
import type { PodInfo } from "../../framework/pod-info.js";
import { Status, type MaybeStatus } from "../../framework/status.js";
import type { CycleState } from "../../framework/cycle-state.js";
import type { Node } from "../../framework/types.js";

export const name = "NodeName";
export const errReason = "node(s) didn't match the requested node name";

export class NodeName implements FilterPlugin {
  readonly name = name;

  filter(_state: CycleState, pi: PodInfo, ni: NodeInfo): MaybeStatus {
    const want = pi.pod.spec?.nodeName;
    if (!want || want === ni.name) return undefined;
    return Status.unresolvable(errReason);
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [{
      resource: "Node",
      action: ActionType.Add,
      hint: (pod, _o, n) => (!pod.spec?.nodeName || (n as Node | undefined)?.metadata.name === pod.spec.nodeName ? "Queue" : "QueueSkip"),
    }];
  }
}

export const factory = (): NodeName => new NodeName();
