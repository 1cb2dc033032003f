/**
 * NodeResourcesBalancedAllocation: favours nodes whose cpu and memory would be used in
 * similar proportions with the pod added (1 − standard deviation of the fractions).
 */
import type { CycleState } from "../../framework/cycle-state.js";
import type { ScorePlugin } from "../../framework/interfaces.js";
import type { NodeInfo } from "../../framework/node-info.js";
import type { PodInfo } from "../../framework/pod-info.js";
import { balancedScorer, defaultResources, resourceAllocationScore, type ResourceSpec } from "../../util/resource-allocation.js";

export const name = "NodeResourcesBalancedAllocation";

export interface BalancedAllocationArgs {
  resources?: ResourceSpec[];
}

export class NodeResourcesBalancedAllocation implements ScorePlugin {
  readonly name = name;
  private readonly resources: readonly ResourceSpec[];

  constructor(args: BalancedAllocationArgs = {}) {
    this.resources = args.resources ?? defaultResources;
  }

  score(_state: CycleState, pi: PodInfo, ni: NodeInfo): number {
    return resourceAllocationScore(pi, ni, this.resources, true, balancedScorer);
  }
}

export const factory = (args: unknown): NodeResourcesBalancedAllocation => new NodeResourcesBalancedAllocation((args ?? {}) as BalancedAllocationArgs);
