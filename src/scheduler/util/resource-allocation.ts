/**
 * The shared core of the resource scoring plugins (upstream's resourceAllocationScorer):
 * for each configured resource, the node's allocatable and what it would have requested with
 * the pod added, handed to a scorer (least allocated, most allocated, balanced).
 */
import type { NodeInfo } from "../framework/node-info.js";
import type { PodInfo } from "../framework/pod-info.js";

export interface ResourceSpec {
  name: string;
  weight: number;
}

export const defaultResources: readonly ResourceSpec[] = [
  { name: "cpu", weight: 1 },
  { name: "memory", weight: 1 },
];

export type Scorer = (requested: number[], allocatable: number[], resources: readonly ResourceSpec[]) => number;

/**
 * `useRequested` takes the actual requests (BalancedAllocation); otherwise the cpu and memory
 * of pods that request none count the scheduler's defaults (the Fit scoring strategies).
 */
export function resourceAllocationScore(pi: PodInfo, ni: NodeInfo, resources: readonly ResourceSpec[], useRequested: boolean, scorer: Scorer): number {
  if (!ni.node) return 0;
  if (resources === defaultResources) {
    // The default (cpu and memory, weight 1 each), without allocating: the hot path.
    const a = ni.allocatable;
    const cpu = useRequested ? ni.requested.milliCPU + pi.requests.milliCPU : ni.nonZeroCPU + pi.nonZeroCPU;
    const mem = useRequested ? ni.requested.memory + pi.requests.memory : ni.nonZeroMemory + pi.nonZeroMemory;
    if (scorer === leastAllocatedScorer) return leastAllocated2(cpu, a.milliCPU, mem, a.memory);
    if (scorer === balancedScorer) return balanced2(cpu, a.milliCPU, mem, a.memory);
  }
  const requested: number[] = [];
  const allocatable: number[] = [];
  const used: ResourceSpec[] = [];
  for (const r of resources) {
    let alloc: number;
    let req: number;
    switch (r.name) {
      case "cpu":
        alloc = ni.allocatable.milliCPU;
        req = useRequested ? ni.requested.milliCPU + pi.requests.milliCPU : ni.nonZeroCPU + pi.nonZeroCPU;
        break;
      case "memory":
        alloc = ni.allocatable.memory;
        req = useRequested ? ni.requested.memory + pi.requests.memory : ni.nonZeroMemory + pi.nonZeroMemory;
        break;
      case "ephemeral-storage":
        alloc = ni.allocatable.ephemeralStorage;
        req = ni.requested.ephemeralStorage + pi.requests.ephemeralStorage;
        break;
      default: {
        // Extended resources count only when the pod asks for them and the node has some.
        const podReq = pi.requests.get(r.name);
        if (podReq === 0 || !ni.allocatable.scalar?.has(r.name)) continue;
        alloc = ni.allocatable.get(r.name);
        if (alloc === 0) continue;
        req = ni.requested.get(r.name) + podReq;
      }
    }
    requested.push(req);
    allocatable.push(alloc);
    used.push(r);
  }
  return scorer(requested, allocatable, used);
}

const maxScore = 100;

/** (allocatable − requested) / allocatable, weighted: emptier nodes score higher. */
export const leastAllocatedScorer: Scorer = (requested, allocatable, resources) => {
  let score = 0;
  let weights = 0;
  for (let i = 0; i < requested.length; i++) {
    const cap = allocatable[i]!;
    if (cap === 0) continue;
    const req = requested[i]!;
    const s = req > cap ? 0 : Math.trunc(((cap - req) * maxScore) / cap);
    score += s * resources[i]!.weight;
    weights += resources[i]!.weight;
  }
  return weights === 0 ? 0 : Math.trunc(score / weights);
};

/** requested / allocatable, weighted: fuller nodes score higher. */
export const mostAllocatedScorer: Scorer = (requested, allocatable, resources) => {
  let score = 0;
  let weights = 0;
  for (let i = 0; i < requested.length; i++) {
    const cap = allocatable[i]!;
    if (cap === 0) continue;
    const req = Math.min(requested[i]!, cap);
    score += Math.trunc((req * maxScore) / cap) * resources[i]!.weight;
    weights += resources[i]!.weight;
  }
  return weights === 0 ? 0 : Math.trunc(score / weights);
};

/** 1 − the standard deviation of the requested fractions: balanced nodes score higher. */
export const balancedScorer: Scorer = (requested, allocatable) => {
  const fractions: number[] = [];
  let total = 0;
  for (let i = 0; i < requested.length; i++) {
    const cap = allocatable[i]!;
    if (cap === 0) continue;
    const f = Math.min(requested[i]! / cap, 1);
    fractions.push(f);
    total += f;
  }
  let std = 0;
  if (fractions.length === 2) std = Math.abs((fractions[0]! - fractions[1]!) / 2);
  else if (fractions.length > 2) {
    const mean = total / fractions.length;
    let sum = 0;
    for (const f of fractions) sum += (f - mean) * (f - mean);
    std = Math.sqrt(sum / fractions.length);
  }
  return Math.trunc((1 - std) * maxScore);
};

function leastAllocated2(cpu: number, cpuCap: number, mem: number, memCap: number): number {
  let score = 0;
  let n = 0;
  if (cpuCap !== 0) {
    score += cpu > cpuCap ? 0 : Math.trunc(((cpuCap - cpu) * maxScore) / cpuCap);
    n++;
  }
  if (memCap !== 0) {
    score += mem > memCap ? 0 : Math.trunc(((memCap - mem) * maxScore) / memCap);
    n++;
  }
  return n === 0 ? 0 : Math.trunc(score / n);
}

function balanced2(cpu: number, cpuCap: number, mem: number, memCap: number): number {
  if (cpuCap === 0 || memCap === 0) return maxScore;
  const std = Math.abs((Math.min(cpu / cpuCap, 1) - Math.min(mem / memCap, 1)) / 2);
  return Math.trunc((1 - std) * maxScore);
}
