/**
 * The node agent against a real in-process API server, with the process runtime and a stub
 * pod manager (the agent's own job is the Node, its Lease and its status): registration with
 * capacity, nodeInfo, conditions, addresses and pod CIDR; lease renewal; re-registration after
 * the Node is deleted; images imported at start-up; surviving an API server that goes away.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startCluster, type Cluster } from "../../src/cli/cluster.js";
import { ApiClient } from "../../src/client/client.js";
import { inProcessTransport } from "../../src/client/inprocess.js";
import type { Transport } from "../../src/client/interfaces.js";
import { parseQuantity } from "../../src/api/core/v1/quantity.js";
import { startNodeAgent, type NodeAgent, type NodeAgentOptions } from "../../src/node/agent/index.js";
import type { PodManager, PodManagerOptions, StartPodManager } from "../../src/node/types.js";
import type { NodeObj } from "../../src/api/core/v1/node.js";
import { dockerArchiveTar, tarOf } from "../image/helpers.js";
import { waitFor } from "./wait.js";

let dir: string;
let cluster: Cluster;
let client: ApiClient;
const agents: NodeAgent[] = [];

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "timonel-agent-"));
  cluster = await startCluster({ dataDir: path.join(dir, "cluster"), port: 0, storage: "memory", host: "127.0.0.1", components: false });
  client = new ApiClient(inProcessTransport(cluster.handle));
});

after(async () => {
  for (const a of agents) await a.stop();
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Stub {
  start: StartPodManager;
  seen: PodManagerOptions[];
  stopped: number;
}

/** A pod manager that only records what the agent handed it (this is a test of the agent). */
function stubPodManager(): Stub {
  const stub: Stub = {
    seen: [],
    stopped: 0,
    start: async (opts) => {
      stub.seen.push(opts);
      const pm: PodManager = {
        stop: async () => {
          stub.stopped++;
        },
        logs: { locate: async () => { throw new Error("no pods in this test"); } },
        runningPods: () => 0,
      };
      return pm;
    },
  };
  return stub;
}


async function start(name: string, over: Partial<NodeAgentOptions> = {}): Promise<{ agent: NodeAgent; stub: Stub; dataDir: string }> {
  const stub = stubPodManager();
  const dataDir = path.join(dir, name);
  const agent = await startNodeAgent({
    client,
    dataDir,
    runtime: "process",
    startPodManager: stub.start,
    nodeName: name,
    nodeIP: "127.0.0.1",
    leaseRenewIntervalMs: 100,
    statusUpdateIntervalMs: 100,
    baseBackoffMs: 20,
    maxBackoffMs: 100,
    log: () => undefined,
    onError: () => undefined,
    ...over,
  });
  agents.push(agent);
  return { agent, stub, dataDir };
}

const bytesOf = (q: string | undefined): number => Number((parseQuantity(q)?.nano ?? -1n) / 1_000_000_000n);

test("the Node registers Ready with capacity, allocatable, nodeInfo, addresses, labels and pod CIDR", async () => {
  const { agent, stub } = await start("agent-a", { labels: { "node-role.kubernetes.io/control-plane": "" }, serverPort: 10250 });
  const node: NodeObj = await client.nodes.get(undefined, "agent-a");
  assert.equal(node.spec?.podCIDR, "10.244.0.0/24");
  assert.deepEqual(node.spec?.podCIDRs, ["10.244.0.0/24"]);
  const labels = node.metadata.labels ?? {};
  assert.equal(labels["kubernetes.io/hostname"], "agent-a");
  assert.equal(labels["kubernetes.io/os"], "linux");
  assert.equal(labels["kubernetes.io/arch"], process.arch === "x64" ? "amd64" : process.arch);
  assert.equal(labels["node-role.kubernetes.io/control-plane"], "");

  const st = node.status!;
  assert.equal(st.capacity?.cpu, String(os.cpus().length));
  assert.equal(st.capacity?.pods, "110");
  assert.equal(st.allocatable?.pods, "110");
  assert.equal(bytesOf(st.capacity?.memory), os.totalmem());
  // Allocatable: capacity minus system-reserved (100m, 128Mi, 1Gi) and the hard eviction thresholds.
  assert.equal(parseQuantity(st.allocatable?.cpu)!.nano, BigInt(os.cpus().length) * 1_000_000_000n - 100_000_000n);
  assert.equal(bytesOf(st.allocatable?.memory), os.totalmem() - 128 * 2 ** 20 - 100 * 2 ** 20);
  const disk = bytesOf(st.capacity?.["ephemeral-storage"]);
  assert.ok(disk > 2 ** 30, `ephemeral-storage capacity ${st.capacity?.["ephemeral-storage"]}`);
  assert.ok(bytesOf(st.allocatable?.["ephemeral-storage"]) < disk * 0.9);

  assert.deepEqual(st.addresses, [{ type: "InternalIP", address: "127.0.0.1" }, { type: "Hostname", address: os.hostname().toLowerCase() }]);
  assert.equal(st.daemonEndpoints?.kubeletEndpoint?.Port, 10250);
  const info = st.nodeInfo!;
  assert.equal(info.kubeletVersion, "v1.32.0-timonel");
  assert.equal(info.containerRuntimeVersion, `process://${process.versions.node}`);
  assert.equal(info.operatingSystem, "linux");
  assert.equal(info.kernelVersion, os.release());
  assert.match(info.osImage, /\S/);
  assert.match(info.machineID, /^[0-9a-f]{32}$/);
  assert.match(info.bootID, /^[0-9a-f-]{36}$/);

  const conds = Object.fromEntries((st.conditions ?? []).map((c) => [c.type, c]));
  assert.deepEqual(Object.keys(conds).sort(), ["DiskPressure", "MemoryPressure", "PIDPressure", "Ready"]);
  assert.equal(conds.Ready!.status, "True");
  assert.equal(conds.Ready!.reason, "KubeletReady");
  // The process runtime's limitations are in Ready's message, as the agent printed them.
  assert.ok(agent.limitations.length > 0);
  assert.match(conds.Ready!.message!, /^kubelet is posting ready status\. Runtime limitations: .*no network isolation/);
  assert.equal(conds.MemoryPressure!.reason, "KubeletHasSufficientMemory");
  assert.equal(conds.DiskPressure!.reason, "KubeletHasNoDiskPressure");
  assert.equal(conds.PIDPressure!.reason, "KubeletHasSufficientPID");

  // The pod manager got the runtime, the image store and the node's identity.
  assert.equal(stub.seen.length, 1);
  const pm = stub.seen[0]!;
  assert.equal(pm.nodeName, "agent-a");
  assert.equal(pm.nodeIP, "127.0.0.1");
  assert.equal(pm.runtime.name, "process");
  assert.equal(pm.images, agent.images);
  assert.equal(agent.images.root, path.join(dir, "agent-a", "images"));
});

test("the Lease is renewed and owned by the Node; an unchanged status is not rewritten every round", async () => {
  const { agent } = await start("agent-lease");
  const node = await client.nodes.get(undefined, "agent-lease");
  const first = await client.leases.get("kube-node-lease", "agent-lease");
  assert.equal(first.spec?.holderIdentity, "agent-lease");
  assert.equal(first.metadata.ownerReferences?.[0]?.uid, node.metadata.uid);
  const renewed = await waitFor("a renewal", async () => {
    const l = await client.leases.get("kube-node-lease", "agent-lease");
    return l.spec?.renewTime !== first.spec?.renewTime ? l : undefined;
  });
  assert.ok(Date.parse(renewed.spec!.renewTime!) > Date.parse(first.spec!.renewTime!));
  const writes = agent.stats.statusWrites;
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(agent.stats.leaseRenewals >= 4, `renewals: ${agent.stats.leaseRenewals}`);
  assert.equal(agent.stats.statusWrites, writes, "status rounds every 100 ms, but nothing changed");
});

test("a deleted Node is registered again, with a new uid and its Lease pointing at it", async () => {
  await start("agent-del");
  const before = await client.nodes.get(undefined, "agent-del");
  await client.nodes.delete(undefined, "agent-del");
  const again = await waitFor("re-registration", async () => {
    const n = await client.nodes.get(undefined, "agent-del");
    return n.metadata.uid !== before.metadata.uid ? n : undefined;
  });
  assert.equal(again.spec?.podCIDR, "10.244.0.0/24");
  assert.equal((again.status?.conditions ?? []).find((c) => c.type === "Ready")?.status, "True");
  await waitFor("the lease owned by the new node", async () => {
    const l = await client.leases.get("kube-node-lease", "agent-del");
    return l.metadata.ownerReferences?.[0]?.uid === again.metadata.uid ? l : undefined;
  });
});

test("images dropped into agent/images are imported at start-up and listed in status.images", async () => {
  const dataDir = path.join(dir, "agent-img");
  await mkdir(path.join(dataDir, "agent", "images"), { recursive: true });
  const layer = await tarOf([{ name: "hello.txt", content: "hello from the agent test\n" }]);
  const { tar } = await dockerArchiveTar([{ layerTars: [layer], repoTags: ["agent/hello:1"] }]);
  await writeFile(path.join(dataDir, "agent", "images", "hello.tar"), tar);
  const { agent } = await start("agent-img");
  const imgs = await agent.images.listImages();
  assert.deepEqual(imgs.flatMap((i) => i.names), ["docker.io/agent/hello:1"]);
  const node = await waitFor("status.images", async () => {
    const n = await client.nodes.get(undefined, "agent-img");
    return n.status?.images?.length ? n : undefined;
  });
  assert.deepEqual(node.status!.images, [{ names: ["docker.io/agent/hello:1"], sizeBytes: imgs[0]!.size }]);
  assert.ok(imgs[0]!.size > 0);
});

test("an existing Node keeps its pod CIDR; stop() stops the pod manager and the heartbeats", async () => {
  const { agent, stub } = await start("agent-keep", { podCIDR: "10.244.7.0/24" });
  await agent.stop();
  assert.equal(stub.stopped, 1);
  const { agent: again } = await start("agent-keep", { podCIDR: "10.244.9.0/24" });
  assert.equal(again.podCIDR, "10.244.7.0/24");
  const renewals = agent.stats.leaseRenewals;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(agent.stats.leaseRenewals, renewals, "a stopped agent renews nothing");
});

test("the agent waits out an API server that is away, then resyncs (re-creating a Node deleted meanwhile)", async () => {
  const base = inProcessTransport(cluster.handle);
  let down = false;
  const flaky: Transport = {
    request: (req) => (down ? Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:6443")) : base.request(req)),
    stream: (req, onLine, onEnd) => base.stream(req, onLine, onEnd),
  };
  const errors: string[] = [];
  const { agent } = await start("agent-away", { client: new ApiClient(flaky), onError: (e) => errors.push(String(e)) });
  const before = await client.nodes.get(undefined, "agent-away");
  down = true;
  await client.nodes.delete(undefined, "agent-away");
  await waitFor("failed heartbeats", async () => (agent.stats.failures >= 3 ? true : undefined));
  assert.match(errors[0] ?? "", /ECONNREFUSED/);
  down = false;
  const again = await waitFor("re-registration after the outage", async () => {
    const n = await client.nodes.get(undefined, "agent-away");
    return n.metadata.uid !== before.metadata.uid ? n : undefined;
  });
  assert.equal((again.status?.conditions ?? []).find((c) => c.type === "Ready")?.status, "True");
  const lease = await client.leases.get("kube-node-lease", "agent-away");
  assert.ok(Date.now() - Date.parse(lease.spec!.renewTime!) < 5000);
});

test("node names must be DNS-1123 subdomains", async () => {
  await assert.rejects(start("Bad_Name"), /not a valid node name.*--node-name/);
});
