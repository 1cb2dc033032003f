/**
 * PodTopologySpread: spreads matching pods across topology domains.
 * - DoNotSchedule constraints filter: a node is rejected when placing the pod there would
 *   make its domain exceed the global minimum by more than maxSkew (the minimum counts as 0
 *   while fewer than minDomains domains exist). Nodes lacking a topology key are rejected.
 * - ScheduleAnyway constraints score: fewer matching pods in the node's domain is better.
 * Node inclusion policies (nodeAffinityPolicy Honor by default, nodeTaintsPolicy Ignore by
 * default) decide which nodes' domains count. matchLabelKeys are merged into the selector.
 * No system default constraints are applied.
 */
import type { TopologySpreadConstraint } from "kubernetes-types/core/v1.js";
import type { CycleState, StateData } from "../../framework/cycle-state.js";
import {
  ActionType, maxNodeScore,
  type ClusterEventWithHint, type FilterPlugin, type Handle, type NodeScore, type PreFilterExtensions,
  type PreFilterPlugin, type PreScorePlugin, type ScorePlugin,
} from "../../framework/interfaces.js";
import type { NodeInfo } from "../../framework/node-info.js";
import type { PodInfo } from "../../framework/pod-info.js";
import { Status, type MaybeStatus } from "../../framework/status.js";
import type { Node, Pod } from "../../framework/types.js";
import { LabelSelector, labelSelectorFromObject, type LabelSelectorObject } from "../../../machinery/selectors/index.js";
import { RequiredNodeAffinity } from "../../util/node-selector.js";
import { doNotScheduleTaint, findUntoleratedTaint } from "../../util/taints.js";

export const name = "PodTopologySpread";
export const errReasonConstraintsNotMatch = "node(s) didn't match pod topology spread constraints";
export const errReasonNodeLabelNotMatch = `${errReasonConstraintsNotMatch} (missing required label)`;
const labelHostname = "kubernetes.io/hostname";

const preFilterKey = `PreFilter${name}`;
const preScoreKey = `PreScore${name}`;

export interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: LabelSelector;
  minDomains: number;
  honorNodeAffinity: boolean;
  honorNodeTaints: boolean;
}

export function compileConstraints(pod: Pod, when: "DoNotSchedule" | "ScheduleAnyway"): Constraint[] {
  const out: Constraint[] = [];
  const labels = pod.metadata.labels ?? {};
  for (const c of (pod.spec?.topologySpreadConstraints ?? []) as TopologySpreadConstraint[]) {
    if (c.whenUnsatisfiable !== when) continue;
    let sel: LabelSelectorObject | undefined = c.labelSelector;
    const keys = (c.matchLabelKeys ?? []).filter((k) => k in labels);
    if (sel && keys.length) {
      sel = { ...sel, matchExpressions: [...(sel.matchExpressions ?? []), ...keys.map((k) => ({ key: k, operator: "In", values: [labels[k]!] }))] };
    }
    let selector: LabelSelector;
    try {
      selector = labelSelectorFromObject(sel);
    } catch {
      selector = LabelSelector.nothing();
    }
    out.push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector,
      minDomains: c.minDomains ?? 1,
      honorNodeAffinity: (c.nodeAffinityPolicy ?? "Honor") === "Honor",
      honorNodeTaints: (c.nodeTaintsPolicy ?? "Ignore") === "Honor",
    });
  }
  return out;
}

function hasAllKeys(node: Node, cs: readonly Constraint[]): boolean {
  const labels = node.metadata.labels ?? {};
  for (const c of cs) if (!(c.topologyKey in labels)) return false;
  return true;
}

function included(c: Constraint, pod: Pod, node: Node, required: RequiredNodeAffinity): boolean {
  if (c.honorNodeAffinity && !required.matches(node)) return false;
  if (c.honorNodeTaints && findUntoleratedTaint(node.spec?.taints, pod.spec?.tolerations, doNotScheduleTaint)) return false;
  return true;
}

/** Matching pods on a node: same namespace, not terminating; an empty selector counts nothing. */
export function countMatching(pods: readonly PodInfo[], selector: LabelSelector, ns: string): number {
  if (selector.empty) return 0;
  let n = 0;
  for (const p of pods) {
    if (p.pod.metadata.deletionTimestamp || p.pod.metadata.namespace !== ns) continue;
    if (selector.matches(p.pod.metadata.labels)) n++;
  }
  return n;
}

class PreFilterState implements StateData {
  private mins: (number | undefined)[];

  /** counts[i]: domain value → matching pods, for constraint i (every eligible domain present). */
  constructor(readonly constraints: readonly Constraint[], readonly counts: Map<string, number>[], readonly required: RequiredNodeAffinity) {
    this.mins = constraints.map(() => undefined);
  }

  clone(): PreFilterState {
    return new PreFilterState(this.constraints, this.counts.map((m) => new Map(m)), this.required);
  }

  /** The global minimum for constraint i (0 while there are fewer than minDomains domains). */
  minMatch(i: number): number {
    const m = this.counts[i]!;
    if (m.size < this.constraints[i]!.minDomains) return 0;
    let min = this.mins[i];
    if (min === undefined) {
      min = Infinity;
      for (const v of m.values()) if (v < min) min = v;
      this.mins[i] = min;
    }
    return min;
  }

  update(other: Pod, preemptor: Pod, node: Node, delta: number): void {
    if (other.metadata.namespace !== preemptor.metadata.namespace || !hasAllKeys(node, this.constraints)) return;
    this.constraints.forEach((c, i) => {
      if (!c.selector.matches(other.metadata.labels) || !included(c, preemptor, node, this.required)) return;
      const v = node.metadata.labels![c.topologyKey]!;
      this.counts[i]!.set(v, (this.counts[i]!.get(v) ?? 0) + delta);
      this.mins[i] = undefined;
    });
  }
}

class PreScoreState implements StateData {
  constructor(
    readonly constraints: readonly Constraint[],
    readonly ignored: ReadonlySet<string>,
    readonly pairCounts: Map<string, number>[],
    readonly weights: number[],
  ) {}
  clone(): this {
    return this;
  }
}

export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = name;

  constructor(private readonly handle: Handle) {}

  readonly preFilterExtensions: PreFilterExtensions = {
    addPod: (state, pi, toAdd, ni) => {
      if (ni.node) state.read<PreFilterState>(preFilterKey)?.update(toAdd.pod, pi.pod, ni.node, 1);
      return undefined;
    },
    removePod: (state, pi, toRemove, ni) => {
      if (ni.node) state.read<PreFilterState>(preFilterKey)?.update(toRemove.pod, pi.pod, ni.node, -1);
      return undefined;
    },
  };

  preFilter(state: CycleState, pi: PodInfo, nodes: readonly NodeInfo[]): Status | undefined {
    const cs = compileConstraints(pi.pod, "DoNotSchedule");
    if (cs.length === 0) return Status.skip();
    const required = new RequiredNodeAffinity(pi.pod);
    const counts = cs.map(() => new Map<string, number>());
    const ns = pi.pod.metadata.namespace ?? "";
    for (const ni of nodes) {
      const node = ni.node;
      if (!node || !hasAllKeys(node, cs)) continue;
      cs.forEach((c, i) => {
        if (!included(c, pi.pod, node, required)) return;
        const v = node.metadata.labels![c.topologyKey]!;
        counts[i]!.set(v, (counts[i]!.get(v) ?? 0) + countMatching(ni.pods, c.selector, ns));
      });
    }
    state.write(preFilterKey, new PreFilterState(cs, counts, required));
    return undefined;
  }

  filter(state: CycleState, pi: PodInfo, ni: NodeInfo): MaybeStatus {
    const s = state.read<PreFilterState>(preFilterKey);
    const node = ni.node;
    if (!s || !node) return undefined;
    const labels = node.metadata.labels ?? {};
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i]!;
      const v = labels[c.topologyKey];
      if (v === undefined) return Status.unresolvable(errReasonNodeLabelNotMatch);
      const self = c.selector.matches(pi.pod.metadata.labels) ? 1 : 0;
      const skew = (s.counts[i]!.get(v) ?? 0) + self - s.minMatch(i);
      if (skew > c.maxSkew) return Status.unschedulable(errReasonConstraintsNotMatch);
    }
    return undefined;
  }

  preScore(state: CycleState, pi: PodInfo, filtered: readonly NodeInfo[]): MaybeStatus {
    const all = this.handle.snapshot().list();
    if (all.length === 0) return Status.skip();
    const cs = compileConstraints(pi.pod, "ScheduleAnyway");
    if (cs.length === 0) return Status.skip();
    const ignored = new Set<string>();
    const pairCounts = cs.map(() => new Map<string, number>());
    const sizes = cs.map(() => 0);
    for (const ni of filtered) {
      if (!ni.node || !hasAllKeys(ni.node, cs)) {
        ignored.add(ni.name);
        continue;
      }
      cs.forEach((c, i) => {
        if (c.topologyKey === labelHostname) return;
        const v = ni.node!.metadata.labels![c.topologyKey]!;
        if (!pairCounts[i]!.has(v)) {
          pairCounts[i]!.set(v, 0);
          sizes[i]!++;
        }
      });
    }
    const weights = cs.map((c, i) => Math.log((c.topologyKey === labelHostname ? filtered.length - ignored.size : sizes[i]!) + 2));
    const required = new RequiredNodeAffinity(pi.pod);
    const ns = pi.pod.metadata.namespace ?? "";
    for (const ni of all) {
      const node = ni.node;
      if (!node || !hasAllKeys(node, cs)) continue;
      cs.forEach((c, i) => {
        if (c.topologyKey === labelHostname || !included(c, pi.pod, node, required)) return;
        const v = node.metadata.labels![c.topologyKey]!;
        const cur = pairCounts[i]!.get(v);
        if (cur === undefined) return;
        pairCounts[i]!.set(v, cur + countMatching(ni.pods, c.selector, ns));
      });
    }
    state.write(preScoreKey, new PreScoreState(cs, ignored, pairCounts, weights));
    return undefined;
  }

  score(state: CycleState, pi: PodInfo, ni: NodeInfo): number {
    const s = state.read<PreScoreState>(preScoreKey);
    const labels = ni.node?.metadata.labels;
    if (!s || !labels || s.ignored.has(ni.name)) return 0;
    let score = 0;
    s.constraints.forEach((c, i) => {
      const v = labels[c.topologyKey];
      if (v === undefined) return;
      const cnt = c.topologyKey === labelHostname
        ? countMatching(ni.pods, c.selector, pi.pod.metadata.namespace ?? "")
        : s.pairCounts[i]!.get(v) ?? 0;
      score += cnt * s.weights[i]! + (c.maxSkew - 1);
    });
    return Math.round(score);
  }

  normalizeScore(state: CycleState, _pi: PodInfo, scores: NodeScore[]): MaybeStatus {
    const s = state.read<PreScoreState>(preScoreKey);
    if (!s) return undefined;
    let min = Infinity;
    let max = 0;
    for (const x of scores) {
      if (s.ignored.has(x.name)) continue;
      if (x.score < min) min = x.score;
      if (x.score > max) max = x.score;
    }
    for (const x of scores) {
      if (s.ignored.has(x.name)) x.score = 0;
      else if (max === 0) x.score = maxNodeScore;
      else x.score = Math.trunc((maxNodeScore * (max + min - x.score)) / max);
    }
    return undefined;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    const relevantPod = (pod: Pod, other: Pod | undefined): boolean => {
      if (!other || other.metadata.namespace !== pod.metadata.namespace) return false;
      return [...compileConstraints(pod, "DoNotSchedule"), ...compileConstraints(pod, "ScheduleAnyway")].some((c) => c.selector.matches(other.metadata.labels));
    };
    return [
      {
        resource: "Pod",
        action: ActionType.Add | ActionType.UpdatePodLabel | ActionType.Delete,
        hint: (pod, o, n) => (relevantPod(pod, o as Pod | undefined) || relevantPod(pod, n as Pod | undefined) ? "Queue" : "QueueSkip"),
      },
      {
        resource: "Node",
        action: ActionType.Add | ActionType.Delete | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint,
        hint: (pod, o, n) => {
          const cs = compileConstraints(pod, "DoNotSchedule");
          const has = (x: unknown): boolean => !!x && hasAllKeys(x as Node, cs);
          return has(o) || has(n) ? "Queue" : "QueueSkip";
        },
      },
    ];
  }
}

export const factory = (_args: unknown, h: Handle): PodTopologySpread => new PodTopologySpread(h);
