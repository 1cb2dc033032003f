/**
 * Child process of the pods benchmark's memory figures (bench/lib/pods-rss.ts forks it with
 * `--expose-gc`): one `startCluster` (sqlite, components on), with or without the runc node
 * agent, then its resident memory idle, then with `pods` pods created (Running, with the
 * agent; Pending and unschedulable, without), each after a settle period and a full GC.
 * Reports over IPC; deletes its pods and stops its cluster before it exits. The parent
 * removes what the agent leaves on the host.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { startCluster } from "../../src/cli/cluster.js";
import { ApiClient } from "../../src/client/client.js";
import { inProcessTransport } from "../../src/client/inprocess.js";
import type { PodObj } from "../../src/node/runtime/fake/pod-status.js";
import { liveContainerCount, sandboxCount, stageImages } from "../../test/e2e/containers-fixtures.js";

import { rssOf, type RssWorkerArgs, type RssWorkerMessage } from "./pods-rss.js";

const gc = (globalThis as { gc?: () => void }).gc;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Median of a few samples after a settle period and a full GC (with --expose-gc). */
async function settledRss(settleMs: number): Promise<{ rss: number; heap: number }> {
  await sleep(settleMs);
  const rss: number[] = [];
  const heap: number[] = [];
  for (let i = 0; i < 5; i++) {
    gc?.();
    await sleep(200);
    rss.push(rssOf("self"));
    heap.push(process.memoryUsage().heapUsed);
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[2]!;
  return { rss: median(rss), heap: median(heap) };
}

function conmonRss(dataDir: string): { bytes: number; count: number } {
  const dir = join(dataDir, "node", "runtime-runc", "containers");
  let bytes = 0;
  let count = 0;
  let ids: string[] = [];
  try {
    ids = readdirSync(dir);
  } catch {
    ids = [];
  }
  for (const id of ids) {
    try {
      const pid = Number(readFileSync(join(dir, id, "conmon.pid"), "utf8").trim());
      const r = rssOf(pid);
      if (r > 0) {
        bytes += r;
        count++;
      }
    } catch {
      // gone
    }
  }
  return { bytes, count };
}

async function main(a: RssWorkerArgs): Promise<void> {
  const send = (m: RssWorkerMessage): void => void process.send?.(m);
  if (a.agent) await stageImages(a.dataDir, [{ ref: a.image, cmd: ["sleep", "3600"] }]);
  const cluster = await startCluster({
    dataDir: a.dataDir, port: 0, host: "127.0.0.1", storage: "sqlite",
    ...(a.agent ? { nodeAgent: { runtime: "runc" as const, nodeName: a.nodeName, podCIDR: a.podCidr, podNetwork: a.podNetwork, log: () => undefined } } : {}),
  });
  const client = new ApiClient(inProcessTransport(cluster.handle));
  try {
    await until("the default ServiceAccount", () => client.serviceaccounts.get("default", "default").then(() => true, () => false), 30_000);
    const idle = await settledRss(a.settleMs);
    send({ kind: "idle", rssBytes: idle.rss, heapBytes: idle.heap });
    const pod = (i: number): PodObj => ({
      apiVersion: "v1", kind: "Pod", metadata: { name: `rss-${i}`, namespace: "default" },
      spec: { terminationGracePeriodSeconds: 0, containers: [{ name: "c", image: a.image, imagePullPolicy: "IfNotPresent", command: ["sleep", "3600"] }] },
    });
    for (let i = 0; i < a.pods; i += 5) {
      await Promise.all(Array.from({ length: Math.min(5, a.pods - i) }, (_, j) => client.pods.create("default", pod(i + j))));
    }
    if (a.agent) {
      await until(`${a.pods} pods Running`, async () => (await client.pods.list("default")).items.filter((p) => p.status?.phase === "Running").length === a.pods, 120_000);
    }
    const loaded = await settledRss(a.settleMs);
    const con = a.agent ? conmonRss(a.dataDir) : { bytes: 0, count: 0 };
    send({ kind: "loaded", rssBytes: loaded.rss, heapBytes: loaded.heap, conmonRssBytes: con.bytes, conmons: con.count });
    await Promise.all(Array.from({ length: a.pods }, (_, i) => client.pods.delete("default", `rss-${i}`, { gracePeriodSeconds: 0 }).catch(() => undefined)));
    if (a.agent) await until("the pods' containers to go", () => liveContainerCount(a.dataDir) === 0 && sandboxCount(a.dataDir) === 0, 60_000);
  } finally {
    await client.close();
    await cluster.stop();
  }
  send({ kind: "done" });
}

const args = JSON.parse(process.argv[2] ?? "{}") as RssWorkerArgs;
main(args).then(
  () => process.exit(0),
  (e: unknown) => {
    process.send?.({ kind: "error", message: (e as Error)?.stack ?? String(e) } satisfies RssWorkerMessage, () => process.exit(1));
  },
);
