/** NodePorts: a pod's container hostPorts must be free on the node (0.0.0.0 clashes with any IP). */
import type { CycleState } from "../../framework/cycle-state.js";
import { ActionType, type ClusterEventWithHint, type FilterPlugin, type PreFilterPlugin } from "../../framework/interfaces.js";
import type { NodeInfo } from "../../framework/node-info.js";
import { PodInfo } from "../../framework/pod-info.js";
import { Status, type MaybeStatus } from "../../framework/status.js";
import type { Pod } from "../../framework/types.js";

export const name = "NodePorts";
export const errReason = "node(s) didn't have free ports for the requested pod ports";

export class NodePorts implements PreFilterPlugin, FilterPlugin {
  readonly name = name;

  preFilter(_state: CycleState, pi: PodInfo): Status | undefined {
    return pi.hostPorts.length === 0 ? Status.skip() : undefined;
  }

  filter(_state: CycleState, pi: PodInfo, ni: NodeInfo): MaybeStatus {
    if (ni.usedPorts.size === 0) return undefined;
    for (const p of pi.hostPorts) if (ni.usedPorts.conflicts(p)) return Status.unschedulable(errReason);
    return undefined;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        resource: "Pod",
        action: ActionType.Delete,
        hint: (pod, o) => {
          if (!o) return "Queue";
          const mine = new PodInfo(pod).hostPorts;
          const theirs = new PodInfo(o as Pod).hostPorts;
          return theirs.some((t) => mine.some((m) => m.port === t.port && m.protocol === t.protocol)) ? "Queue" : "QueueSkip";
        },
      },
      { resource: "Node", action: ActionType.Add },
    ];
  }
}

export const factory = (): NodePorts => new NodePorts();
