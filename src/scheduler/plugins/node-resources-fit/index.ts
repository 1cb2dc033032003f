/**
 * NodeResourcesFit: the pod's effective request (init containers, sidecars, overhead) must fit
 * in the node's allocatable minus what its pods request, pod count included. Scores with the
 * LeastAllocated strategy by default (MostAllocated available through the plugin args).
 */
import type { CycleState } from "../../framework/cycle-state.js";
import { ActionType, type ClusterEventWithHint, type FilterPlugin, type ScorePlugin } from "../../framework/interfaces.js";
import type { NodeInfo } from "../../framework/node-info.js";
import { PodInfo } from "../../framework/pod-info.js";
import { Resource } from "../../framework/resource.js";
import { Status, type MaybeStatus } from "../../framework/status.js";
import type { Node } from "../../framework/types.js";
import {
  defaultResources, leastAllocatedScorer, mostAllocatedScorer, resourceAllocationScore,
  type ResourceSpec, type Scorer,
} from "../../util/resource-allocation.js";

export const name = "NodeResourcesFit";

export interface FitArgs {
  scoringStrategy?: { type?: "LeastAllocated" | "MostAllocated"; resources?: ResourceSpec[] };
  /** Extended resources the filter ignores. */
  ignoredResources?: string[];
}

export interface InsufficientResource {
  resourceName: string;
  reason: string;
  requested: number;
  used: number;
  capacity: number;
  /** The request exceeds the node's allocatable itself: no preemption can help. */
  unresolvable: boolean;
}

/** What the pod lacks on the node (upstream's fitsRequest). */
export function fitsRequest(req: Resource, ni: NodeInfo, ignored?: ReadonlySet<string>): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const alloc = ni.allocatable;
  const used = ni.requested;
  if (ni.pods.length + 1 > alloc.allowedPodNumber) {
    out.push({ resourceName: "pods", reason: "Too many pods", requested: 1, used: ni.pods.length, capacity: alloc.allowedPodNumber, unresolvable: false });
  }
  if (req.milliCPU === 0 && req.memory === 0 && req.ephemeralStorage === 0 && !req.scalar?.size) return out;
  const check = (resourceName: string, r: number, a: number, u: number): void => {
    if (r > 0 && r > a - u) out.push({ resourceName, reason: `Insufficient ${resourceName}`, requested: r, used: u, capacity: a, unresolvable: r > a });
  };
  check("cpu", req.milliCPU, alloc.milliCPU, used.milliCPU);
  check("memory", req.memory, alloc.memory, used.memory);
  check("ephemeral-storage", req.ephemeralStorage, alloc.ephemeralStorage, used.ephemeralStorage);
  if (req.scalar) {
    for (const [r, q] of req.scalar) {
      if (q === 0 || ignored?.has(r)) continue;
      check(r, q, alloc.get(r), used.get(r));
    }
  }
  return out;
}

export class NodeResourcesFit implements FilterPlugin, ScorePlugin {
  readonly name = name;
  private readonly resources: readonly ResourceSpec[];
  private readonly scorer: Scorer;
  private readonly ignored: ReadonlySet<string>;

  constructor(args: FitArgs = {}) {
    this.resources = args.scoringStrategy?.resources ?? defaultResources;
    this.scorer = args.scoringStrategy?.type === "MostAllocated" ? mostAllocatedScorer : leastAllocatedScorer;
    this.ignored = new Set(args.ignoredResources ?? []);
  }

  filter(_state: CycleState, pi: PodInfo, ni: NodeInfo): MaybeStatus {
    // Fast path for the common case: everything fits, nothing extended is asked for.
    const r = pi.requests;
    const a = ni.allocatable;
    const u = ni.requested;
    if (!r.scalar && ni.pods.length < a.allowedPodNumber && r.milliCPU <= a.milliCPU - u.milliCPU
      && r.memory <= a.memory - u.memory && r.ephemeralStorage <= a.ephemeralStorage - u.ephemeralStorage) return undefined;
    const missing = fitsRequest(pi.requests, ni, this.ignored);
    if (missing.length === 0) return undefined;
    // v1.32 always answers Unschedulable, so preemption still tries (and reports "No
    // preemption victims found"); marking oversize requests unresolvable came in v1.34.
    return new Status("Unschedulable", missing.map((m) => m.reason));
  }

  score(_state: CycleState, pi: PodInfo, ni: NodeInfo): number {
    return resourceAllocationScore(pi, ni, this.resources, false, this.scorer);
  }

  eventsToRegister(): ClusterEventWithHint[] {
    return [
      { resource: "Pod", action: ActionType.Delete | ActionType.UpdatePodScaleDown },
      {
        resource: "Node",
        action: ActionType.Add | ActionType.UpdateNodeAllocatable | ActionType.UpdateNodeTaint | ActionType.UpdateNodeLabel,
        hint: (pod, _o, n) => {
          // Queue when the node could hold the pod at all (ignoring what runs there).
          const node = n as Node | undefined;
          if (!node) return "QueueSkip";
          const req = new PodInfo(pod).requests;
          const alloc = Resource.fromList(node.status?.allocatable as Record<string, unknown> | undefined);
          const fits = req.milliCPU <= alloc.milliCPU && req.memory <= alloc.memory && req.ephemeralStorage <= alloc.ephemeralStorage
            && [...(req.scalar ?? [])].every(([r, q]) => q <= alloc.get(r));
          return fits ? "Queue" : "QueueSkip";
        },
      },
    ];
  }
}

export const factory = (args: unknown): NodeResourcesFit => new NodeResourcesFit((args ?? {}) as FitArgs);
