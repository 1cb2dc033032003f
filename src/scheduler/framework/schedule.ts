/**
 * One scheduling decision (upstream's schedulePod): PreFilter, Filter over as many nodes as
 * needed to find `numFeasibleNodesToFind` feasible ones (starting where the previous pod
 * stopped, so every node gets its turn), PreScore/Score/NormalizeScore with weights, and a
 * host picked at random among the best. Pure over the snapshot: no I/O, no awaits.
 *
 * Upstream filters in parallel goroutines; here the loop is sequential with an exact early
 * stop, which is what the chunked parallel version approximates.
 */
import { CycleState } from "./cycle-state.js";
import { FitError, type Diagnosis } from "./fit-error.js";
import type { Framework } from "./framework.js";
import type { SharedLister } from "./interfaces.js";
import type { NodeInfo } from "./node-info.js";
import type { PodInfo } from "./pod-info.js";
import { NodeToStatus, Status } from "./status.js";

export const minFeasibleNodesToFind = 100;
export const minFeasibleNodesPercentageToFind = 5;

/** How many feasible nodes to look for (upstream's adaptive percentageOfNodesToScore). */
export function numFeasibleNodesToFind(percentageOfNodesToScore: number | undefined, numAllNodes: number): number {
  if (numAllNodes < minFeasibleNodesToFind) return numAllNodes;
  let pct = percentageOfNodesToScore ?? 0;
  if (pct <= 0) pct = Math.max(50 - Math.trunc(numAllNodes / 125), minFeasibleNodesPercentageToFind);
  if (pct >= 100) return numAllNodes;
  const n = Math.trunc((numAllNodes * pct) / 100);
  return Math.max(n, minFeasibleNodesToFind);
}

export interface ScheduleResult {
  suggestedHost: string;
  evaluatedNodes: number;
  feasibleNodes: number;
}

export class ErrNoNodesAvailable extends Error {
  constructor() {
    super("no nodes available to schedule pods");
  }
}

export class Algorithm {
  /** Where the next pod's Filter pass starts. */
  nextStartNodeIndex = 0;

  constructor(private readonly percentageOfNodesToScore = 0, private readonly random: () => number = Math.random) {}

  /**
   * Picks a node for `pi`, or throws a FitError (no node fits: run PostFilter), an
   * ErrNoNodesAvailable, or another Error (a plugin failed).
   */
  schedulePod(fwk: Framework, state: CycleState, pi: PodInfo, snapshot: SharedLister, nominatedNodeName = ""): ScheduleResult {
    const all = snapshot.list();
    if (all.length === 0) throw new ErrNoNodesAvailable();
    const { feasible, diagnosis } = this.findNodesThatFitPod(fwk, state, pi, snapshot, nominatedNodeName);
    if (feasible.length === 0) throw new FitError(pi.pod, all.length, diagnosis);
    if (feasible.length === 1) return { suggestedHost: feasible[0]!.name, evaluatedNodes: 1 + diagnosis.nodeToStatus.size, feasibleNodes: 1 };
    const scores = this.prioritizeNodes(fwk, state, pi, feasible);
    return { suggestedHost: this.selectHost(feasible, scores), evaluatedNodes: feasible.length + diagnosis.nodeToStatus.size, feasibleNodes: feasible.length };
  }

  findNodesThatFitPod(fwk: Framework, state: CycleState, pi: PodInfo, snapshot: SharedLister, nominatedNodeName: string): { feasible: NodeInfo[]; diagnosis: Diagnosis } {
    const all = snapshot.list();
    const diagnosis: Diagnosis = { nodeToStatus: new NodeToStatus(), unschedulablePlugins: new Set(), preFilterMsg: "", postFilterMsg: "" };
    const pre = fwk.runPreFilterPlugins(state, pi, all);
    diagnosis.unschedulablePlugins = pre.unschedulablePlugins;
    if (pre.status && !pre.status.isSuccess()) {
      if (!pre.status.isRejected()) throw pre.status.asError();
      // Every node gets the same status, so that preemption sees why.
      diagnosis.nodeToStatus.absent = pre.status;
      diagnosis.preFilterMsg = pre.status.message();
      if (pre.status.plugin) diagnosis.unschedulablePlugins.add(pre.status.plugin);
      return { feasible: [], diagnosis };
    }
    // The node preemption nominated is likely the only one that fits: try it first.
    if (nominatedNodeName) {
      const ni = snapshot.get(nominatedNodeName);
      if (ni) {
        const feasible = this.findNodesThatPassFilters(fwk, state, pi, diagnosis, [ni], all.length);
        if (feasible.length) return { feasible, diagnosis };
      }
    }
    let nodes = all;
    if (!pre.result.allNodes()) {
      const narrowed: NodeInfo[] = [];
      for (const n of pre.result.nodeNames!) {
        const ni = snapshot.get(n);
        if (ni) narrowed.push(ni);
      }
      nodes = narrowed;
      diagnosis.nodeToStatus.absent = Status.unresolvable(`node(s) didn't satisfy plugin(s) [${[...pre.unschedulablePlugins].sort().join(" ")}]`);
    }
    return { feasible: this.findNodesThatPassFilters(fwk, state, pi, diagnosis, nodes, all.length), diagnosis };
  }

  private findNodesThatPassFilters(fwk: Framework, state: CycleState, pi: PodInfo, diagnosis: Diagnosis, nodes: readonly NodeInfo[], numAll: number): NodeInfo[] {
    const n = nodes.length;
    if (n === 0) return [];
    const want = numFeasibleNodesToFind(fwk.profile.percentageOfNodesToScore || this.percentageOfNodesToScore, n);
    const feasible: NodeInfo[] = [];
    const start = this.nextStartNodeIndex % n;
    let processed = 0;
    if (!fwk.hasFilterPlugins()) {
      for (let i = 0; i < n && feasible.length < want; i++) feasible.push(nodes[(start + i) % n]!);
      this.nextStartNodeIndex = (this.nextStartNodeIndex + feasible.length) % numAll;
      return feasible;
    }
    for (let i = 0; i < n && feasible.length < want; i++) {
      const ni = nodes[(start + i) % n]!;
      processed++;
      const s = fwk.runFilterPluginsWithNominatedPods(state, pi, ni);
      if (s === undefined || s.isSuccess()) {
        feasible.push(ni);
        continue;
      }
      if (!s.isRejected()) throw s.asError();
      diagnosis.nodeToStatus.set(ni.name, s);
      if (s.plugin) diagnosis.unschedulablePlugins.add(s.plugin);
    }
    this.nextStartNodeIndex = (this.nextStartNodeIndex + processed) % numAll;
    return feasible;
  }

  /** Weighted score totals, in `nodes` order; every node scores 1 without score plugins. */
  prioritizeNodes(fwk: Framework, state: CycleState, pi: PodInfo, nodes: readonly NodeInfo[]): Float64Array {
    if (!fwk.hasScorePlugins()) return new Float64Array(nodes.length).fill(1);
    const pre = fwk.runPreScorePlugins(state, pi, nodes);
    if (pre && !pre.isSuccess()) throw pre.asError();
    const totals = fwk.runScorePlugins(state, pi, nodes);
    if (totals instanceof Status) throw totals.asError();
    return totals;
  }

  /** The best-scoring node, chosen uniformly among ties (reservoir sampling). */
  selectHost(nodes: readonly NodeInfo[], scores: Float64Array): string {
    let best = 0;
    let ties = 1;
    for (let i = 1; i < nodes.length; i++) {
      const s = scores[i]!;
      if (s > scores[best]!) {
        best = i;
        ties = 1;
      } else if (s === scores[best]!) {
        ties++;
        if (Math.floor(this.random() * ties) === 0) best = i;
      }
    }
    return nodes[best]!.name;
  }
}

export { CycleState };
