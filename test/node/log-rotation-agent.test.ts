/**
 * The node agent runs log rotation and image GC itself: against a real in-process API server
 * with the process runtime and a stub pod manager, a container's log is rotated under the
 * agent's options, a disk the image GC cannot free is reported on the Node as kubelet's
 * FreeDiskSpaceFailed Event, and bad options are refused before anything starts.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startCluster, type Cluster } from "../../src/cli/cluster.js";
import { ApiClient } from "../../src/client/client.js";
import { inProcessTransport } from "../../src/client/inprocess.js";
import { startNodeAgent, type NodeAgent, type NodeAgentOptions } from "../../src/node/agent/index.js";
import type { PodManager, StartPodManager } from "../../src/node/types.js";

let dir: string;
let cluster: Cluster;
let client: ApiClient;
const agents: NodeAgent[] = [];
const tag = (process.pid % 100000).toString(36);

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "timonel-agent-rot-"));
  cluster = await startCluster({ dataDir: path.join(dir, "cluster"), port: 0, storage: "memory", host: "127.0.0.1", components: false });
  client = new ApiClient(inProcessTransport(cluster.handle));
});

after(async () => {
  for (const a of agents) await a.stop();
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});

const stubPodManager: StartPodManager = async () => {
  const pm: PodManager = {
    stop: async () => undefined,
    logs: { locate: async () => { throw new Error("no pods in this test"); } },
    runningPods: () => 0,
  };
  return pm;
};

async function start(name: string, over: Partial<NodeAgentOptions>): Promise<NodeAgent> {
  const agent = await startNodeAgent({
    client, dataDir: path.join(dir, name), runtime: "process", startPodManager: stubPodManager, nodeName: name, nodeIP: "127.0.0.1",
    log: () => undefined, onError: () => undefined, ...over,
  });
  agents.push(agent);
  return agent;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test("the agent rotates a running container's log under its options", async () => {
  const agent = await start(`rot-${tag}`, { containerLogMaxSize: "4Ki", containerLogMaxFiles: 2, logRotationIntervalMs: 20 });
  const rt = agent.runtime;
  const sb = await rt.createSandbox({ podUid: `u-${tag}`, name: "p", namespace: "default", hostname: "p", hostNetwork: true });
  try {
    const logDir = path.join(dir, "logs", "app");
    const logPath = path.join(logDir, "0.log");
    const id = await rt.createContainer(sb.id, {
      name: "app", rootfs: "/", env: { PATH: "/usr/bin:/bin" }, logPath,
      command: ["sh", "-c", "i=0; while [ $i -lt 2000 ]; do echo line $i; i=$((i+1)); done; sleep 3600"],
    });
    await rt.startContainer(id);
    // 2000 lines are ~90 KB: many rotations at 4 KiB; with maxFiles 2 one rotated file is kept.
    const names = await until("a rotated log", async () => {
      const n = (await readdir(logDir)).filter((f) => /^0\.log\.\d{8}-\d{6}(-\d+)?(\.gz)?$/.test(f));
      return n.length ? n : undefined;
    });
    assert.ok(names.length <= 1, names.join(", "));
    await new Promise((r) => setTimeout(r, 300));
    const after = (await readdir(logDir)).filter((f) => f.startsWith("0.log.") && !f.endsWith(".tmp"));
    assert.ok(after.length <= 1, `maxFiles 2 keeps one rotated file: ${after.join(", ")}`);
  } finally {
    await rt.removeSandbox(sb.id);
  }
});

test("image GC that cannot free enough records FreeDiskSpaceFailed on the Node", async () => {
  const name = `gc-${tag}`;
  // A disk 95% full and an empty image store: nothing can be freed.
  await start(name, { imageGCIntervalMs: 50, imageGCDiskUsage: async () => ({ capacity: 1_000_000, available: 50_000 }) });
  const ev = await until("the FreeDiskSpaceFailed event", async () => {
    const list = await client.events.list("default");
    return list.items.find((e) => e.reason === "FreeDiskSpaceFailed" && e.involvedObject?.name === name);
  });
  assert.equal(ev.type, "Warning");
  assert.equal(ev.involvedObject?.kind, "Node");
  assert.equal(ev.message, "Failed to garbage collect required amount of images. Attempted to free 150000 bytes, but only found 0 bytes eligible to free.");
});

test("bad rotation and GC options are refused before the agent starts", async () => {
  await assert.rejects(start(`bad1-${tag}`, { containerLogMaxFiles: 1 }), /container log max files must be a whole number >= 2/);
  await assert.rejects(start(`bad2-${tag}`, { containerLogMaxSize: "huge" }), /container log max size must be a positive quantity/);
  await assert.rejects(start(`bad3-${tag}`, { imageGCLowThresholdPercent: 90 }), /--image-gc-low-threshold \(90\) must be less than --image-gc-high-threshold \(85\)/);
  assert.equal((await client.nodes.listAll(undefined)).items.filter((n) => n.metadata.name?.startsWith("bad")).length, 0);
});
