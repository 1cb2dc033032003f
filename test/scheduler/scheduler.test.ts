/**
 * The scheduler against a real in-process API server: nodes are created through the API (no
 * node agent), pods with requests, nodeSelector, affinity, anti-affinity, tolerations and
 * priority are placed, and the results are read back through the API (spec.nodeName, the
 * PodScheduled condition, nominatedNodeName, core/v1 Events).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startCluster, type Cluster } from "../../src/cli/cluster.js";
import { ApiClient } from "../../src/client/client.js";
import { inProcessTransport } from "../../src/client/inprocess.js";
import type { KubeObject } from "../../src/machinery/object.js";
import { startScheduler, type RunningScheduler } from "../../src/scheduler/scheduler.js";
import { makeNode, makePod, type NodeSpec, type PodSpecLite } from "../../src/scheduler/testing.js";
import type { Pod, PriorityClass } from "../../src/scheduler/framework/types.js";

const dataDir = mkdtempSync(path.join(os.tmpdir(), "timonel-scheduler-"));
let cluster: Cluster;
let client: ApiClient;
let scheduler: RunningScheduler;

const ns = "default";
const controlPlaneTaint = { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" };

async function addNode(name: string, s: NodeSpec): Promise<void> {
  const n = makeNode(name, s);
  delete n.metadata.uid;
  await client.nodes.create(undefined, n);
}

async function addPod(name: string, s: PodSpecLite = {}): Promise<Pod> {
  const p = makePod(name, s);
  delete p.metadata.uid;
  delete p.status;
  return client.pods.create(s.namespace ?? ns, p);
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const boundTo = (name: string) => waitFor(`${name} to be bound`, async () => (await client.pods.get(ns, name)).spec?.nodeName || undefined);

async function eventsFor(name: string, reason: string): Promise<KubeObject[]> {
  const list = await client.events.list(ns, { fieldSelector: `involvedObject.name=${name}` });
  return list.items.filter((e) => e.reason === reason);
}

const eventFor = (name: string, reason: string) => waitFor(`a ${reason} event for ${name}`, async () => (await eventsFor(name, reason))[0]);

before(async () => {
  cluster = await startCluster({ dataDir, port: 0, storage: "memory", host: "127.0.0.1", components: false });
  client = new ApiClient(inProcessTransport(cluster.handle));
  await addNode("cp", { cpu: "4", taints: [controlPlaneTaint], labels: { "node-role.kubernetes.io/control-plane": "" } });
  await addNode("w1", { cpu: "2", labels: { zone: "a" } });
  await addNode("w2", { cpu: "4", labels: { zone: "b" } });
  scheduler = await startScheduler(client);
});

after(async () => {
  await scheduler?.stop();
  await client?.close();
  await cluster?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test("a pod with requests is bound, with a Scheduled event and PodScheduled=True", { timeout: 15_000 }, async () => {
  await addPod("simple", { cpu: "500m", memory: "128Mi" });
  const node = await boundTo("simple");
  assert.ok(node === "w1" || node === "w2", node);
  const ev = await eventFor("simple", "Scheduled");
  assert.equal(ev.type, "Normal");
  assert.equal(ev.message, `Successfully assigned default/simple to ${node}`);
  assert.deepEqual(ev.source, { component: "default-scheduler" });
  assert.equal(ev.reportingComponent, "default-scheduler");
  const pod = await client.pods.get(ns, "simple");
  assert.equal(pod.status?.conditions?.find((c) => c.type === "PodScheduled")?.status, "True");
});

test("nodeSelector and node affinity pick the matching node", { timeout: 15_000 }, async () => {
  await addPod("in-b", { nodeSelector: { zone: "b" } });
  await addPod("not-b", {
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "NotIn", values: ["b"] }, { key: "zone", operator: "Exists" }] }] } } },
  });
  assert.equal(await boundTo("in-b"), "w2");
  assert.equal(await boundTo("not-b"), "w1");
});

test("tolerations let a pod onto the tainted control-plane node", { timeout: 15_000 }, async () => {
  await addPod("on-cp", { nodeSelector: { "node-role.kubernetes.io/control-plane": "" }, tolerations: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }] });
  assert.equal(await boundTo("on-cp"), "cp");
});

test("no node fits: FailedScheduling with upstream's message and PodScheduled=False", { timeout: 15_000 }, async () => {
  await addPod("huge", { cpu: "8" });
  const ev = await eventFor("huge", "FailedScheduling");
  assert.equal(ev.type, "Warning");
  assert.equal(ev.message, "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod..");
  const cond = await waitFor("the PodScheduled condition", async () => (await client.pods.get(ns, "huge")).status?.conditions?.find((c) => c.type === "PodScheduled"));
  assert.equal(cond.status, "False");
  assert.equal(cond.reason, "Unschedulable");
  assert.equal(cond.message, ev.message);
  await client.pods.delete(ns, "huge");
});

test("a pending pod is scheduled when a node that fits it is added", { timeout: 15_000 }, async () => {
  await addPod("wants-c", { nodeSelector: { zone: "c" } });
  const ev = await eventFor("wants-c", "FailedScheduling");
  assert.match(String(ev.message), /^0\/3 nodes are available: 1 node\(s\) had untolerated taint \{node-role\.kubernetes\.io\/control-plane: \}, 2 node\(s\) didn't match Pod's node affinity\/selector\./);
  await addNode("w3", { cpu: "2", labels: { zone: "c" } });
  assert.equal(await boundTo("wants-c"), "w3");
});

test("pod anti-affinity spreads a group over hosts; affinity follows it", { timeout: 15_000 }, async () => {
  const anti = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "spread" } } }] } };
  for (const n of ["s1", "s2", "s3"]) await addPod(n, { labels: { app: "spread" }, affinity: anti });
  const nodes = await Promise.all(["s1", "s2", "s3"].map(boundTo));
  assert.deepEqual([...nodes].sort(), ["w1", "w2", "w3"]);
  await addPod("s4", { labels: { app: "spread" }, affinity: anti });
  const ev = await eventFor("s4", "FailedScheduling");
  assert.match(String(ev.message), /3 node\(s\) didn't match pod anti-affinity rules/);
  await addPod("friend", { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "zone", labelSelector: { matchLabels: { app: "spread" } } }] } }, nodeSelector: { zone: "b" } });
  assert.equal(await boundTo("friend"), "w2");
  await client.pods.delete(ns, "s4");
});

test("pods for another scheduler are left alone", { timeout: 15_000 }, async () => {
  await addPod("other", { schedulerName: "my-scheduler" });
  await addPod("after-other");
  await boundTo("after-other");
  await new Promise((r) => setTimeout(r, 200));
  const pod = await client.pods.get(ns, "other");
  assert.equal(pod.spec?.nodeName, undefined);
  assert.equal((await eventsFor("other", "FailedScheduling")).length + (await eventsFor("other", "Scheduled")).length, 0);
});

test("priority and preemption: a PriorityClass pod evicts a lower-priority one and takes its place", { timeout: 20_000 }, async () => {
  const high: PriorityClass = { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "high" }, value: 1000 };
  await client.priorityClasses.create(undefined, high);
  // Fill the zone-a node with low-priority pods.
  await addPod("low-1", { cpu: "700m", nodeSelector: { zone: "a" } });
  await addPod("low-2", { cpu: "700m", nodeSelector: { zone: "a" } });
  assert.equal(await boundTo("low-1"), "w1");
  assert.equal(await boundTo("low-2"), "w1");
  await addPod("vip", { cpu: "1", nodeSelector: { zone: "a" }, priorityClassName: "high" });
  // The victim is marked and deleted gracefully; play the node agent and finish the deletion.
  const victim = await waitFor("a victim being deleted", async () => {
    const pods = await client.pods.list(ns);
    return pods.items.find((p) => p.metadata.name?.startsWith("low-") && p.metadata.deletionTimestamp);
  });
  assert.equal(victim.status?.conditions?.find((c) => c.type === "DisruptionTarget")?.reason, "PreemptionByScheduler");
  const nominated = await waitFor("nominatedNodeName", async () => (await client.pods.get(ns, "vip")).status?.nominatedNodeName);
  assert.equal(nominated, "w1");
  await client.pods.delete(ns, victim.metadata.name!, { gracePeriodSeconds: 0 });
  assert.equal(await boundTo("vip"), "w1");
  const preempted = await eventFor(victim.metadata.name!, "Preempted");
  assert.match(String(preempted.message), /^Preempted by pod .+ on node w1$/);
  const survivors = (await client.pods.list(ns)).items.filter((p) => p.metadata.name?.startsWith("low-"));
  assert.equal(survivors.length, 1, "a minimal set of victims");
});

test("stats reflect the work done", () => {
  const s = scheduler.stats();
  assert.ok(s.bound >= 10, JSON.stringify(s));
  assert.ok(s.preemptions >= 1);
});
