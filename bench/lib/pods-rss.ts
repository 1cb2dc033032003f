/**
 * Memory figures of the pods benchmark, each from a fresh child process (pods-rss-worker.ts):
 * the same cluster without and with the runc node agent, idle and with N pods. The agent's
 * idle cost is the difference of the two idle figures; what it adds per running pod is the
 * growth with N pods minus the growth the same N pods cause without an agent (the API's
 * storage and the components' caches), over N. conmon's own RSS is summed separately.
 */
import { fork } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cleanupAgentHost } from "../../test/e2e/containers-fixtures.js";
import type { PodNetworkNames } from "../../src/node/agent/agent.js";

export interface RssWorkerArgs {
  dataDir: string;
  agent: boolean;
  pods: number;
  podCidr: string;
  /** The agent's bridge, nft table and netns prefix (never `timonel up`'s). */
  podNetwork: PodNetworkNames;
  nodeName: string;
  image: string;
  settleMs: number;
}

export type RssWorkerMessage =
  | { kind: "idle"; rssBytes: number; heapBytes: number }
  | { kind: "loaded"; rssBytes: number; heapBytes: number; conmonRssBytes: number; conmons: number }
  | { kind: "done" }
  | { kind: "error"; message: string };

export interface RssRun {
  idleBytes: number;
  loadedBytes: number;
  /** V8 heap in use after a full GC, idle and loaded: steadier than RSS for small differences. */
  idleHeapBytes: number;
  loadedHeapBytes: number;
  conmonRssBytes: number;
  conmons: number;
}

export interface PodsRssResult {
  pods: number;
  without: RssRun;
  with: RssRun;
  /** Idle RSS the agent adds to the process. */
  agentIdleBytes: number;
  /** RSS the agent adds per running pod (growth with pods, minus the growth without an agent). */
  agentPerPodBytes: number;
  /** The same difference on the V8 heap after a full GC (RSS differences of a few MB are noise). */
  agentPerPodHeapBytes: number;
  /** conmon's own RSS per pod (a separate process per container). */
  conmonPerPodBytes: number;
}

export function rssOf(pid: number | "self"): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

const worker = join(dirname(fileURLToPath(import.meta.url)), "pods-rss-worker.ts");

function runWorker(args: RssWorkerArgs, timeoutMs: number): Promise<RssRun> {
  return new Promise((resolve, reject) => {
    const child = fork(worker, [JSON.stringify(args)], { execArgv: ["--import", "tsx", "--expose-gc"], stdio: ["ignore", "ignore", "inherit", "ipc"] });
    const run: Partial<RssRun> = {};
    let failed: string | undefined;
    const timer = setTimeout(() => {
      failed = `memory worker timed out after ${timeoutMs} ms`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("message", (m: RssWorkerMessage) => {
      if (m.kind === "idle") Object.assign(run, { idleBytes: m.rssBytes, idleHeapBytes: m.heapBytes });
      else if (m.kind === "loaded") Object.assign(run, { loadedBytes: m.rssBytes, loadedHeapBytes: m.heapBytes, conmonRssBytes: m.conmonRssBytes, conmons: m.conmons });
      else if (m.kind === "error") failed = m.message;
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (failed || code !== 0 || run.loadedBytes === undefined) reject(new Error(failed ?? `memory worker exited ${code}`));
      else resolve(run as RssRun);
    });
  });
}

export async function measurePodsRss(o: { pods: number; podCidr: string; podNetwork: PodNetworkNames; nodeName: string; image: string; settleMs: number; dir?: string }): Promise<PodsRssResult> {
  const runs: RssRun[] = [];
  for (const agent of [false, true]) {
    const dataDir = mkdtempSync(join(o.dir ?? tmpdir(), "timonel-bench-pods-rss-"));
    try {
      runs.push(await runWorker({ dataDir, agent, pods: o.pods, podCidr: o.podCidr, podNetwork: o.podNetwork, nodeName: o.nodeName, image: o.image, settleMs: o.settleMs }, 5 * 60_000));
    } finally {
      if (agent) await cleanupAgentHost(dataDir, o.podCidr, o.podNetwork);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const [without, withAgent] = runs as [RssRun, RssRun];
  const growthWith = withAgent.loadedBytes - withAgent.idleBytes;
  const growthWithout = without.loadedBytes - without.idleBytes;
  return {
    pods: o.pods,
    without,
    with: withAgent,
    agentIdleBytes: withAgent.idleBytes - without.idleBytes,
    agentPerPodBytes: (growthWith - growthWithout) / o.pods,
    agentPerPodHeapBytes: ((withAgent.loadedHeapBytes - withAgent.idleHeapBytes) - (without.loadedHeapBytes - without.idleHeapBytes)) / o.pods,
    conmonPerPodBytes: withAgent.conmons ? withAgent.conmonRssBytes / withAgent.conmons : Number.NaN,
  };
}
