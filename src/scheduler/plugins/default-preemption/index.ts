/**
 * DefaultPreemption (PostFilter): when no node fits, finds nodes where removing pods of lower
 * priority would make the pod fit, picks victims and a node as upstream does, nominates the
 * node (status.nominatedNodeName) and evicts the victims (DisruptionTarget condition, then a
 * delete with a UID precondition). The victim and node choice is in victims.ts.
 */
import type { CycleState } from "../../framework/cycle-state.js";
import type { Handle, PostFilterPlugin, PostFilterResult } from "../../framework/interfaces.js";
import type { NodeInfo } from "../../framework/node-info.js";
import type { PodInfo } from "../../framework/pod-info.js";
import { NodeToStatus, Status, type MaybeStatus } from "../../framework/status.js";
import type { Pod } from "../../framework/types.js";
import { fitErrorMessage } from "../../framework/fit-error.js";
import { pickOneNodeForPreemption, selectVictimsOnNode, type Candidate } from "./victims.js";

export const name = "DefaultPreemption";

export interface DefaultPreemptionArgs {
  minCandidateNodesPercentage?: number;
  minCandidateNodesAbsolute?: number;
}

export const preemptionNotHelpful = "Preemption is not helpful for scheduling";

/** Whether a pod is being deleted because the scheduler preempted it. */
export function terminatingByPreemption(pod: Pod): boolean {
  if (!pod.metadata.deletionTimestamp) return false;
  return (pod.status?.conditions ?? []).some((c) => c.type === "DisruptionTarget" && c.reason === "PreemptionByScheduler");
}

export class DefaultPreemption implements PostFilterPlugin {
  readonly name = name;
  private readonly minPercentage: number;
  private readonly minAbsolute: number;
  /** Preemptors whose victims are still being evicted. */
  private readonly inFlight = new Set<string>();
  /** Replaceable for tests. */
  random: (n: number) => number = (n) => Math.floor(Math.random() * n);

  constructor(private readonly handle: Handle, args: DefaultPreemptionArgs = {}) {
    this.minPercentage = args.minCandidateNodesPercentage ?? 10;
    this.minAbsolute = args.minCandidateNodesAbsolute ?? 100;
  }

  postFilter(state: CycleState, pi: PodInfo, statuses: NodeToStatus): { result?: PostFilterResult; status: MaybeStatus } {
    const out = this.preempt(state, pi, statuses);
    const msg = out.status?.message();
    if (out.status && msg) return { result: out.result, status: new Status(out.status.code, [`preemption: ${msg}`]) };
    return out;
  }

  /** upstream's Evaluator.Preempt. */
  preempt(state: CycleState, pi: PodInfo, statuses: NodeToStatus): { result?: PostFilterResult; status: MaybeStatus } {
    const nominated = this.handle.nominator.nominatedNodeOf?.(pi.uid) ?? pi.pod.status?.nominatedNodeName ?? "";
    const eligible = this.eligible(pi, nominated, statuses);
    if (eligible !== true) return { status: Status.unschedulable(eligible) };
    const all = this.handle.snapshot().list();
    const { candidates, nodeStatuses } = this.findCandidates(state, pi, all, statuses);
    if (candidates.length === 0) {
      nodeStatuses.absent = Status.unresolvable(preemptionNotHelpful);
      // Clearing a stale nomination: the pod will not fit there either.
      return { result: { nominatedNodeName: "" }, status: Status.unschedulable(fitErrorMessage(all.length, nodeStatuses, "", "")) };
    }
    const best = candidates.length === 1 ? candidates[0]! : pickOneNodeForPreemption(candidates);
    this.evict(pi, best);
    return { result: { nominatedNodeName: best.nodeName }, status: undefined };
  }

  /** upstream's PodEligibleToPreemptOthers: true, or why not. */
  eligible(pi: PodInfo, nominated: string, statuses: NodeToStatus): true | string {
    if (pi.pod.spec?.preemptionPolicy === "Never") return "not eligible due to preemptionPolicy=Never.";
    if (nominated) {
      // Nominated to a node the filters now rule out for good: try again elsewhere.
      if (statuses.get(nominated).code === "UnschedulableAndUnresolvable") return true;
      if (this.inFlight.has(pi.uid)) return "not eligible due to a terminating pod on the nominated node.";
      const ni = this.handle.snapshot().get(nominated);
      if (ni) {
        for (const p of ni.pods) {
          if (p.priority < pi.priority && terminatingByPreemption(p.pod)) return "not eligible due to a terminating pod on the nominated node.";
        }
      }
    }
    return true;
  }

  private findCandidates(state: CycleState, pi: PodInfo, all: readonly NodeInfo[], statuses: NodeToStatus): { candidates: Candidate[]; nodeStatuses: NodeToStatus } {
    const nodeStatuses = new NodeToStatus();
    const potential: NodeInfo[] = [];
    const unresolvable = Status.unresolvable(preemptionNotHelpful);
    for (const ni of all) {
      if (statuses.get(ni.name).code === "UnschedulableAndUnresolvable") nodeStatuses.set(ni.name, unresolvable);
      else potential.push(ni);
    }
    if (potential.length === 0) return { candidates: [], nodeStatuses };
    const pdbs = this.handle.listers.pdbs();
    const n = potential.length;
    const numCandidates = Math.min(n, Math.max(Math.trunc((n * this.minPercentage) / 100), this.minAbsolute));
    const offset = this.random(n);
    const violating: Candidate[] = [];
    const nonViolating: Candidate[] = [];
    for (let i = 0; i < n; i++) {
      const ni = potential[(offset + i) % n]!;
      const r = selectVictimsOnNode(this.handle, state.clone(), pi, ni.clone(), pdbs);
      if ("status" in r) {
        nodeStatuses.set(ni.name, r.status);
        continue;
      }
      if (r.victims.length === 0) {
        nodeStatuses.set(ni.name, Status.error(new Error(`expected at least one victim pod on node "${ni.name}"`)));
        continue;
      }
      const c: Candidate = { nodeName: ni.name, victims: r.victims, numPDBViolations: r.numPDBViolations };
      (r.numPDBViolations === 0 ? nonViolating : violating).push(c);
      if (nonViolating.length > 0 && nonViolating.length + violating.length >= numCandidates) break;
    }
    return { candidates: [...nonViolating, ...violating], nodeStatuses };
  }

  /** Evicts the victims and clears lower-priority nominations on the node, in the background. */
  private evict(pi: PodInfo, c: Candidate): void {
    const api = this.handle.api;
    const schedulerName = pi.pod.spec?.schedulerName || this.handle.schedulerName;
    this.inFlight.add(pi.uid);
    const work = c.victims.map(async (v) => {
      const waiting = this.handle.waitingPod(v.uid);
      if (waiting) {
        waiting.reject(name, "preempted");
      } else {
        const conditions = [...(v.pod.status?.conditions ?? []).filter((x) => x.type !== "DisruptionTarget"), {
          type: "DisruptionTarget", status: "True", reason: "PreemptionByScheduler",
          message: `${schedulerName}: preempting to accommodate a higher priority pod`,
          lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
        }];
        try {
          await api.patchPodStatus(v.pod, { conditions });
          await api.deletePod(v.pod);
        } catch (err) {
          if ((err as { code?: number }).code !== 404) this.handle.log(`preempting ${v.key} for ${pi.key}: ${(err as Error).message}`);
          return;
        }
      }
      this.handle.recorder(v.pod, "Normal", "Preempted", "Preempting", `Preempted by pod ${pi.pod.metadata.uid ?? pi.key} on node ${c.nodeName}`);
    });
    // Lower-priority pods nominated here may no longer fit: let them look elsewhere.
    for (const other of this.handle.nominator.nominatedPodsForNode(c.nodeName)) {
      if (other.priority >= pi.priority || other.uid === pi.uid) continue;
      work.push(api.patchPodStatus(other.pod, { nominatedNodeName: null }).catch(() => {}));
    }
    void Promise.all(work).finally(() => this.inFlight.delete(pi.uid));
  }
}

export const factory = (args: unknown, h: Handle): DefaultPreemption => new DefaultPreemption(h, (args ?? {}) as DefaultPreemptionArgs);
