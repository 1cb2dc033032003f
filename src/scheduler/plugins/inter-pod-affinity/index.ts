/**
 * InterPodAffinity: required pod affinity and anti-affinity of the incoming pod, and the
 * required anti-affinity of pods already placed (counted per topology domain in PreFilter),
 * filter nodes; preferred terms (both ways) and existing pods' required affinity score them.
 */
import type { CycleState, StateData } from "../../framework/cycle-state.js";
import {
  ActionType, maxNodeScore,
  type ClusterEventWithHint, type FilterPlugin, type Handle, type NodeScore, type PreFilterExtensions,
  type PreFilterPlugin, type PreScorePlugin, type ScorePlugin,
} from "../../framework/interfaces.js";
import type { NodeInfo } from "../../framework/node-info.js";
import { PodInfo, type AffinityTerm, type WeightedAffinityTerm } from "../../framework/pod-info.js";
import { Status, type MaybeStatus } from "../../framework/status.js";
import type { Node, Pod } from "../../framework/types.js";

export const name = "InterPodAffinity";
export const errReasonExistingAntiAffinityRulesNotMatch = "node(s) didn't satisfy existing pods anti-affinity rules";
export const errReasonAffinityRulesNotMatch = "node(s) didn't match pod affinity rules";
export const errReasonAntiAffinityRulesNotMatch = "node(s) didn't match pod anti-affinity rules";

const preFilterKey = `PreFilter${name}`;
const preScoreKey = `PreScore${name}`;

export interface InterPodAffinityArgs {
  /** Weight of an existing pod's required affinity term matching the incoming pod (default 1). */
  hardPodAffinityWeight?: number;
}

/** Counts per topology pair: key → value → count (no string keys built on the hot path). */
class Counts {
  private readonly m = new Map<string, Map<string, number>>();
  size = 0;

  get(k: string, v: string): number {
    return this.m.get(k)?.get(v) ?? 0;
  }

  bump(node: Node, tk: string, delta: number): void {
    const tv = node.metadata.labels?.[tk];
    if (tv === undefined) return;
    let inner = this.m.get(tk);
    if (!inner) this.m.set(tk, (inner = new Map()));
    const prev = inner.get(tv) ?? 0;
    const next = prev + delta;
    if (next === 0) {
      inner.delete(tv);
      if (prev !== 0) this.size--;
    } else {
      inner.set(tv, next);
      if (prev === 0) this.size++;
    }
  }

  /** Whether any of the node's labels is a pair with a positive count. */
  anyPositive(labels: Record<string, string>): boolean {
    for (const [k, inner] of this.m) {
      const v = labels[k];
      if (v !== undefined && (inner.get(v) ?? 0) > 0) return true;
    }
    return false;
  }

  clone(): Counts {
    const c = new Counts();
    for (const [k, inner] of this.m) c.m.set(k, new Map(inner));
    c.size = this.size;
    return c;
  }
}

function matchesAll(terms: readonly AffinityTerm[], pod: Pod, nsLabels?: Record<string, string>): boolean {
  if (terms.length === 0) return false;
  for (const t of terms) if (!t.matches(pod, nsLabels)) return false;
  return true;
}

class PreFilterState implements StateData {
  constructor(
    readonly pi: PodInfo,
    readonly affinityTerms: readonly AffinityTerm[],
    readonly antiAffinityTerms: readonly AffinityTerm[],
    readonly nsLabels: Record<string, string> | undefined,
    readonly existingAntiAffinityCounts = new Counts(),
    readonly affinityCounts = new Counts(),
    readonly antiAffinityCounts = new Counts(),
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(this.pi, this.affinityTerms, this.antiAffinityTerms, this.nsLabels,
      this.existingAntiAffinityCounts.clone(), this.affinityCounts.clone(), this.antiAffinityCounts.clone());
  }

  /** Accounts for `other` placed on (delta 1) or removed from (−1) `node`. */
  updateWithPod(other: PodInfo, node: Node, delta: number): void {
    for (const t of other.requiredAntiAffinityTerms) {
      if (t.matches(this.pi.pod, this.nsLabels)) this.existingAntiAffinityCounts.bump(node, t.topologyKey, delta);
    }
    if (matchesAll(this.affinityTerms, other.pod)) for (const t of this.affinityTerms) this.affinityCounts.bump(node, t.topologyKey, delta);
    for (const t of this.antiAffinityTerms) if (t.matches(other.pod)) this.antiAffinityCounts.bump(node, t.topologyKey, delta);
  }
}

class PreScoreState implements StateData {
  constructor(readonly topologyScore: Map<string, Map<string, number>>) {}
  clone(): this {
    return this;
  }
}

export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = name;
  private readonly hardPodAffinityWeight: number;

  constructor(private readonly handle: Handle, args: InterPodAffinityArgs = {}) {
    this.hardPodAffinityWeight = args.hardPodAffinityWeight ?? 1;
  }

  /** Resolves namespace selectors of the incoming pod's terms into namespace names. */
  private mergeNamespaces(t: AffinityTerm): AffinityTerm {
    if (!t.hasNamespaceSelector) return t;
    const names = this.handle.listers.namespaces().filter((ns) => t.nsSelector!.matches(ns.metadata.labels ?? {})).map((ns) => ns.metadata.name ?? "");
    return t.withNamespaces(names);
  }

  private mergeWeighted(ts: readonly WeightedAffinityTerm[]): WeightedAffinityTerm[] {
    return ts.map((w) => ({ weight: w.weight, term: this.mergeNamespaces(w.term) }));
  }

  private nsLabels(pod: Pod): Record<string, string> | undefined {
    return this.handle.listers.namespace(pod.metadata.namespace ?? "")?.metadata.labels;
  }

  readonly preFilterExtensions: PreFilterExtensions = {
    addPod: (state, _pi, toAdd, ni) => {
      const s = state.read<PreFilterState>(preFilterKey);
      if (s && ni.node) s.updateWithPod(toAdd, ni.node, 1);
      return undefined;
    },
    removePod: (state, _pi, toRemove, ni) => {
      const s = state.read<PreFilterState>(preFilterKey);
      if (s && ni.node) s.updateWithPod(toRemove, ni.node, -1);
      return undefined;
    },
  };

  preFilter(state: CycleState, pi: PodInfo, nodes: readonly NodeInfo[]): Status | undefined {
    const snap = this.handle.snapshot();
    const withAnti = snap.havePodsWithRequiredAntiAffinityList();
    if (withAnti.length === 0 && pi.requiredAffinityTerms.length === 0 && pi.requiredAntiAffinityTerms.length === 0) return Status.skip();
    const s = new PreFilterState(
      pi,
      pi.requiredAffinityTerms.map((t) => this.mergeNamespaces(t)),
      pi.requiredAntiAffinityTerms.map((t) => this.mergeNamespaces(t)),
      this.nsLabels(pi.pod),
    );
    // Existing pods whose required anti-affinity selects the incoming pod.
    for (const ni of withAnti) {
      if (!ni.node) continue;
      for (const other of ni.podsWithRequiredAntiAffinity) {
        for (const t of other.requiredAntiAffinityTerms) {
          if (t.matches(pi.pod, s.nsLabels)) s.existingAntiAffinityCounts.bump(ni.node, t.topologyKey, 1);
        }
      }
    }
    // Existing pods the incoming pod's required terms select.
    if (s.affinityTerms.length || s.antiAffinityTerms.length) {
      for (const ni of nodes) {
        const node = ni.node;
        if (!node || ni.pods.length === 0) continue;
        for (const other of ni.pods) {
          if (s.affinityTerms.length && matchesAll(s.affinityTerms, other.pod)) {
            for (const t of s.affinityTerms) s.affinityCounts.bump(node, t.topologyKey, 1);
          }
          for (const t of s.antiAffinityTerms) if (t.matches(other.pod)) s.antiAffinityCounts.bump(node, t.topologyKey, 1);
        }
      }
    }
    if (s.existingAntiAffinityCounts.size === 0 && s.affinityTerms.length === 0 && s.antiAffinityTerms.length === 0) return Status.skip();
    state.write(preFilterKey, s);
    return undefined;
  }

  filter(state: CycleState, _pi: PodInfo, ni: NodeInfo): MaybeStatus {
    const s = state.read<PreFilterState>(preFilterKey);
    const node = ni.node;
    if (!s || !node) return undefined;
    const labels = node.metadata.labels ?? {};
    if (!satisfyPodAffinity(s, labels)) return Status.unresolvable(errReasonAffinityRulesNotMatch);
    if (s.antiAffinityCounts.size > 0) {
      for (const t of s.antiAffinityTerms) {
        const v = labels[t.topologyKey];
        if (v !== undefined && s.antiAffinityCounts.get(t.topologyKey, v) > 0) return Status.unschedulable(errReasonAntiAffinityRulesNotMatch);
      }
    }
    if (s.existingAntiAffinityCounts.size > 0 && s.existingAntiAffinityCounts.anyPositive(labels)) {
      return Status.unschedulable(errReasonExistingAntiAffinityRulesNotMatch);
    }
    return undefined;
  }

  preScore(state: CycleState, pi: PodInfo): MaybeStatus {
    const snap = this.handle.snapshot();
    const hasConstraints = pi.preferredAffinityTerms.length > 0 || pi.preferredAntiAffinityTerms.length > 0;
    const nodes = hasConstraints ? snap.list() : snap.havePodsWithAffinityList();
    if (nodes.length === 0) return Status.skip();
    const preferred = this.mergeWeighted(pi.preferredAffinityTerms);
    const preferredAnti = this.mergeWeighted(pi.preferredAntiAffinityTerms);
    const nsLabels = this.nsLabels(pi.pod);
    const scores = new Map<string, Map<string, number>>();
    const add = (t: AffinityTerm, weight: number, pod: Pod, podNsLabels: Record<string, string> | undefined, node: Node): void => {
      if (!t.matches(pod, podNsLabels)) return;
      const v = node.metadata.labels?.[t.topologyKey];
      if (v === undefined) return;
      let m = scores.get(t.topologyKey);
      if (!m) scores.set(t.topologyKey, (m = new Map()));
      m.set(v, (m.get(v) ?? 0) + weight);
    };
    for (const ni of nodes) {
      const node = ni.node;
      if (!node?.metadata.labels) continue;
      for (const other of hasConstraints ? ni.pods : ni.podsWithAffinity) {
        // Without preferred terms of its own, only the other pod's affinity terms can score.
        if (!hasConstraints && other.requiredAffinityTerms.length + other.preferredAffinityTerms.length + other.preferredAntiAffinityTerms.length === 0) continue;
        // The incoming pod's terms have their namespace selectors resolved already.
        for (const w of preferred) add(w.term, w.weight, other.pod, undefined, node);
        for (const w of preferredAnti) add(w.term, -w.weight, other.pod, undefined, node);
        if (this.hardPodAffinityWeight > 0) for (const t of other.requiredAffinityTerms) add(t, this.hardPodAffinityWeight, pi.pod, nsLabels, node);
        for (const w of other.preferredAffinityTerms) add(w.term, w.weight, pi.pod, nsLabels, node);
        for (const w of other.preferredAntiAffinityTerms) add(w.term, -w.weight, pi.pod, nsLabels, node);
      }
    }
    if (scores.size === 0) return Status.skip();
    state.write(preScoreKey, new PreScoreState(scores));
    return undefined;
  }

  score(state: CycleState, _pi: PodInfo, ni: NodeInfo): number {
    const s = state.read<PreScoreState>(preScoreKey);
    const labels = ni.node?.metadata.labels;
    if (!s || !labels) return 0;
    let score = 0;
    for (const [k, values] of s.topologyScore) {
      const v = labels[k];
      if (v !== undefined) score += values.get(v) ?? 0;
    }
    return score;
  }

  normalizeScore(state: CycleState, _pi: PodInfo, scores: NodeScore[]): MaybeStatus {
    const s = state.read<PreScoreState>(preScoreKey);
    if (!s || s.topologyScore.size === 0) return undefined;
    let min = Infinity;
    let max = -Infinity;
    for (const x of scores) {
      if (x.score < min) min = x.score;
      if (x.score > max) max = x.score;
    }
    const diff = max - min;
    for (const x of scores) x.score = diff > 0 ? Math.trunc(maxNodeScore * ((x.score - min) / diff)) : 0;
    return undefined;
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      {
        resource: "Pod",
        action: ActionType.Add | ActionType.UpdatePodLabel | ActionType.Delete,
        hint: (pod, o, n) => {
          const me = new PodInfo(pod);
          const related = (other: Pod | undefined): boolean => {
            if (!other) return false;
            const terms = [...me.requiredAffinityTerms, ...me.requiredAntiAffinityTerms];
            if (terms.some((t) => t.matches(other) || t.hasNamespaceSelector)) return true;
            const op = new PodInfo(other);
            return op.requiredAntiAffinityTerms.length > 0;
          };
          return related(o as Pod | undefined) || related(n as Pod | undefined) ? "Queue" : "QueueSkip";
        },
      },
      { resource: "Node", action: ActionType.Add | ActionType.UpdateNodeLabel },
    ];
  }
}

function satisfyPodAffinity(s: PreFilterState, labels: Record<string, string>): boolean {
  let podsExist = true;
  for (const t of s.affinityTerms) {
    const v = labels[t.topologyKey];
    if (v === undefined) return false;
    if (s.affinityCounts.get(t.topologyKey, v) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  // The first pod of a group that has affinity to itself: allowed when nothing else in the
  // cluster matches and the pod matches its own terms.
  return s.affinityCounts.size === 0 && matchesAll(s.affinityTerms, s.pi.pod);
}

export const factory = (args: unknown, h: Handle): InterPodAffinity => new InterPodAffinity(h, (args ?? {}) as InterPodAffinityArgs);
