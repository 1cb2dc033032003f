/**
 * NodeAffinity: spec.nodeSelector and required node affinity filter nodes (all operators,
 * Gt/Lt included; `metadata.name` matchFields narrow the candidates in PreFilter);
 * preferred node affinity adds the weights of the matching terms to the score.
 */
import type { CycleState, StateData } from "../../framework/cycle-state.js";
import {
  ActionType, maxNodeScore, PreFilterResult,
  type ClusterEventWithHint, type FilterPlugin, type NodeScore, type PreFilterPlugin, type PreScorePlugin, type ScorePlugin,
} from "../../framework/interfaces.js";
import type { NodeInfo } from "../../framework/node-info.js";
import type { PodInfo } from "../../framework/pod-info.js";
import { Status, type MaybeStatus } from "../../framework/status.js";
import type { Node } from "../../framework/types.js";
import { PreferredTermsMatcher, RequiredNodeAffinity } from "../../util/node-selector.js";
import { defaultNormalizeScore } from "../helpers.js";

export const name = "NodeAffinity";
export const errReasonPod = "node(s) didn't match Pod's node affinity/selector";
export const errReasonConflict = "pod affinity terms conflict";
const preFilterKey = `PreFilter${name}`;
const preScoreKey = `PreScore${name}`;

class PreFilterState implements StateData {
  constructor(readonly required: RequiredNodeAffinity) {}
  clone(): this {
    return this;
  }
}

class PreScoreState implements StateData {
  constructor(readonly preferred: PreferredTermsMatcher) {}
  clone(): this {
    return this;
  }
}

export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = name;

  preFilter(state: CycleState, pi: PodInfo): PreFilterResult | Status | undefined {
    const spec = pi.pod.spec;
    const req = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (!req && !spec?.nodeSelector) return Status.skip();
    state.write(preFilterKey, new PreFilterState(new RequiredNodeAffinity(pi.pod)));
    const terms = req?.nodeSelectorTerms ?? [];
    if (terms.length === 0) return undefined;
    // Terms that pin metadata.name narrow the nodes to look at (terms are ORed).
    let names: Set<string> | undefined;
    for (const t of terms) {
      let termNames: Set<string> | undefined;
      for (const r of t.matchFields ?? []) {
        if (r.key !== "metadata.name" || r.operator !== "In") continue;
        const s = new Set(r.values ?? []);
        termNames = termNames ? new Set([...termNames].filter((n) => s.has(n))) : s;
      }
      if (!termNames) return undefined;
      names = new Set([...(names ?? []), ...termNames]);
    }
    if (names && names.size === 0) return Status.unresolvable(errReasonConflict);
    return names ? new PreFilterResult(names) : undefined;
  }

  filter(state: CycleState, pi: PodInfo, ni: NodeInfo): MaybeStatus {
    if (!ni.node) return Status.unresolvable("node not found");
    const s = state.read<PreFilterState>(preFilterKey);
    const required = s?.required ?? new RequiredNodeAffinity(pi.pod);
    return required.matches(ni.node) ? undefined : Status.unresolvable(errReasonPod);
  }

  preScore(state: CycleState, pi: PodInfo): MaybeStatus {
    const preferred = pi.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    const m = new PreferredTermsMatcher(preferred);
    if (m.empty) return Status.skip();
    state.write(preScoreKey, new PreScoreState(m));
    return undefined;
  }

  score(state: CycleState, pi: PodInfo, ni: NodeInfo): number {
    if (!ni.node) return 0;
    const m = state.read<PreScoreState>(preScoreKey)?.preferred
      ?? new PreferredTermsMatcher(pi.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []);
    return m.score(ni.node);
  }

  normalizeScore(_state: CycleState, _pi: PodInfo, scores: NodeScore[]): MaybeStatus {
    defaultNormalizeScore(maxNodeScore, false, scores);
    return undefined;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [{
      resource: "Node",
      action: ActionType.Add | ActionType.UpdateNodeLabel,
      hint: (pod, o, n) => {
        const req = new RequiredNodeAffinity(pod);
        if (!n || !req.matches(n as Node)) return "QueueSkip";
        return o && req.matches(o as Node) ? "QueueSkip" : "Queue";
      },
    }];
  }
}

export const factory = (): NodeAffinity => new NodeAffinity();
