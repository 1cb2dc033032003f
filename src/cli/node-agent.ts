/**
 * The node agent of `timonel up` (and of `startCluster({ nodeAgent })`): which runtime runs
 * this machine's pods, the agent itself or, with the `fake` runtime, one simulated node for
 * this host; and pod ranges for simulated nodes that stay clear of the agent's.
 */
import type { ApiClient } from "../client/client.js";
import { cidrSize, formatCidr, parseCidr, subnetCount, type Cidr } from "../machinery/cidr.js";
import { nodeNameFor } from "../node/agent/host.js";
import { controlPlaneLabel, defaultPodCIDR } from "../node/agent/node-status.js";
import { startSimulatedNodes, type SimulatedNodeOptions } from "../node/runtime/fake/index.js";
import { detectRuntime, type RuntimeName } from "../node/runtime/index.js";
import type { LogLocator, StartPodManager } from "../node/types.js";
import type { NodeHousekeepingOptions, PodNetworkNames } from "../node/agent/agent.js";

export type RuntimeChoice = RuntimeName | "fake";
export const runtimeChoices: readonly RuntimeChoice[] = ["runc", "process", "fake"];

export interface NodeAgentClusterOptions {
  /** Default "auto": what detectRuntime() says (runc when root with runc and conmon, else process). */
  runtime?: RuntimeChoice | "auto";
  /** Default: the hostname, lowercased. */
  nodeName?: string;
  /** Default 10.244.0.0/24. */
  podCIDR?: string;
  /**
   * The runc pod network's bridge, nft table and netns prefix (defaults `timonel0`, `timonel`,
   * `timonel-`): tests and benchmarks set their own so as never to share them with `timonel up`.
   */
  podNetwork?: PodNetworkNames;
  /** Default: the first non-loopback IPv4 address. */
  nodeIP?: string;
  /** Container log rotation and image GC (not used by the fake runtime, which runs no containers). */
  housekeeping?: NodeHousekeepingOptions;
  /** The node server's port (it serves `kubectl logs`); default 0, a free port: the Node reports it. */
  serverPort?: number;
  /** Default: src/node/pods' startPodManager. */
  startPodManager?: StartPodManager;
  /** Start-up lines (runtime limitations, image imports). Default: stderr. */
  log?: (line: string) => void;
}

export interface RunningNodeAgent {
  nodeName: string;
  runtime: RuntimeChoice;
  stop(): Promise<void>;
}

/** The runtime to use and why (an explicit choice, or detection). */
export function resolveRuntime(choice: RuntimeChoice | "auto" | undefined): { name: RuntimeChoice; reason: string } {
  if (choice === undefined || choice === "auto") return detectRuntime();
  if (!runtimeChoices.includes(choice)) throw new Error(`unknown runtime ${JSON.stringify(choice)}; use ${runtimeChoices.join(", ")}`);
  return { name: choice, reason: "chosen with --runtime" };
}

export interface NodeAgentContext {
  dataDir: string;
  serviceCidr: string;
  /** The node serving certificate and the cluster CA; without them no node server runs. */
  tls?: { caPem: string; certPem: string; keyPem: string };
}

export async function startClusterNodeAgent(client: ApiClient, ctx: NodeAgentContext, opts: NodeAgentClusterOptions): Promise<RunningNodeAgent> {
  const runtime = resolveRuntime(opts.runtime).name;
  const nodeName = nodeNameFor(opts.nodeName);
  const podCIDR = opts.podCIDR ?? defaultPodCIDR;
  const labels = { [controlPlaneLabel]: "" };
  if (runtime === "fake") {
    // This host as one simulated node, named exactly as a real agent would name it; its only
    // pod block is exactly the agent's pod CIDR.
    const cidr = parseCidr(podCIDR);
    const sim = await startSimulatedNodes(client, {
      count: 1, names: [nodeName], podCIDRBase: formatCidr(cidr), nodeCIDRMaskSize: cidr.prefix, labels,
    });
    return { nodeName: sim.nodeNames[0]!, runtime, stop: () => sim.stop() };
  }
  // The agent, runtimes, images and pod manager load only when a real agent runs.
  const [{ startNodeAgent }, pods, { startNodeServer }] = await Promise.all([
    import("../node/agent/agent.js"),
    opts.startPodManager ? undefined : import("../node/pods/index.js"),
    import("../node/server/index.js"),
  ]);
  const tls = ctx.tls;
  const agent = await startNodeAgent({
    client,
    dataDir: ctx.dataDir,
    runtime,
    startPodManager: opts.startPodManager ?? pods!.startPodManager,
    nodeName,
    podCIDR,
    serviceCIDR: ctx.serviceCidr,
    labels,
    ...(opts.nodeIP ? { nodeIP: opts.nodeIP } : {}),
    ...(opts.podNetwork ? { podNetwork: opts.podNetwork } : {}),
    ...opts.housekeeping,
    ...(tls ? { startServer: (logs: LogLocator) => startNodeServer({ port: opts.serverPort ?? 0, ...tls, logs }) } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
  return { nodeName: agent.nodeName, runtime, stop: () => agent.stop() };
}

/** Candidate ranges for simulated nodes' pod blocks, clear of the default service range. */
const simulatedRanges = ["10.244.0.0/16", "10.245.0.0/16", "10.248.0.0/13", "10.128.0.0/10"];

/**
 * Simulated nodes' options with a pod range that does not overlap the agent's pod CIDR (the
 * simulator's default range holds 10.244.0.0/24). An explicit podCIDRBase is kept as given.
 */
export function simulatedClearOf(sim: SimulatedNodeOptions, agentCidr: string | undefined): SimulatedNodeOptions {
  if (sim.podCIDRBase) return sim;
  const agent = parseCidr(agentCidr ?? defaultPodCIDR);
  const mask = sim.nodeCIDRMaskSize ?? 24;
  const need = (sim.firstIndex ?? 0) + sim.count;
  for (const r of simulatedRanges) {
    const range = parseCidr(r);
    if (overlaps(range, agent) || subnetCount(range, mask) < need) continue;
    return { ...sim, podCIDRBase: r };
  }
  throw new Error(`no pod range for ${sim.count} simulated nodes clear of the node agent's ${formatCidr(agent)}; set podCIDRBase`);
}

function overlaps(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + cidrSize(b) && b.base < a.base + cidrSize(a);
}
