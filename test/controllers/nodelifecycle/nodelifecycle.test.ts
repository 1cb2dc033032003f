/**
 * The node lifecycle controller against a real in-process API server with simulated nodes:
 * a heartbeat that stops makes the nodes Ready=Unknown with the unreachable taints, their pods
 * not ready and, unless tolerated, evicted; a heartbeat that comes back lifts the taints; when
 * every node goes silent at once no NoExecute taint is added (upstream's disruption mode);
 * cordon adds the unschedulable taint.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Toleration } from "kubernetes-types/core/v1.js";
import type { KubeObject } from "../../../src/machinery/object.js";
import { nodeLifecycleController } from "../../../src/controllers/nodelifecycle/index.js";
import { startSimulatedNodes, type SimulatedNodeOptions, type SimulatedNodes } from "../../../src/node/runtime/fake/index.js";
import { eventually, haveKubectl, startControllerCluster, type ControllerCluster } from "../gc/harness.js";

let t: ControllerCluster;
const simA: SimulatedNodeOptions = { count: 2, namePrefix: "a-", heartbeatIntervalMs: 200, leaseDurationSeconds: 1, podStartDelayMs: 0, podTerminationDelayMs: 50 };
const simB: SimulatedNodeOptions = { ...simA, count: 1, namePrefix: "b-" };
let a: SimulatedNodes | undefined;
let b: SimulatedNodes | undefined;

before(async () => {
  t = await startControllerCluster([nodeLifecycleController({ gracePeriodMs: 1000, monitorPeriodMs: 100, evictionRate: 100 })]);
  a = await startSimulatedNodes(t.client, simA);
  b = await startSimulatedNodes(t.client, simB);
});

after(async () => {
  if (process.env.CTRL_TEST_LOGS) console.error(t?.logs.join("\n"));
  await a?.stop();
  await b?.stop();
  await t?.stop();
});

const taintsOf = async (name: string): Promise<string[]> =>
  ((await t.client.nodes.get(undefined, name)).spec?.taints ?? []).map((x) => `${x.key}:${x.effect}`).sort();

const readyOf = async (name: string) => (await t.client.nodes.get(undefined, name)).status?.conditions?.find((c) => c.type === "Ready");

const unreachable = ["node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unreachable:NoSchedule"];

async function pod(name: string, node: string, tolerations?: Toleration[]): Promise<void> {
  await t.client.pods.create("default", {
    apiVersion: "v1", kind: "Pod", metadata: { name },
    spec: { nodeName: node, containers: [{ name: "c", image: "nginx" }], ...(tolerations ? { tolerations } : {}) },
  } as KubeObject);
  await eventually(`${name} ready`, async () => (await t.client.pods.get("default", name)).status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
}

test("a node whose heartbeat stops goes Unknown and tainted; its pods are marked not ready and evicted unless tolerated", async () => {
  const tol = (seconds?: number): Toleration[] => [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", ...(seconds !== undefined ? { tolerationSeconds: seconds } : {}) }];
  await pod("plain", "a-0");
  await pod("brief", "a-0", tol(2));
  await pod("stays", "a-0", tol());
  await pod("elsewhere", "b-0");
  await a!.stop();
  a = undefined;
  for (const name of ["a-0", "a-1"]) {
    await eventually(`${name} tainted`, async () => JSON.stringify(await taintsOf(name)) === JSON.stringify(unreachable), 5000);
    const ready = await readyOf(name);
    assert.deepEqual([ready?.status, ready?.reason, ready?.message], ["Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."]);
    const node = await t.client.nodes.get(undefined, name);
    for (const c of node.status?.conditions ?? []) if (c.type !== "NetworkUnavailable") assert.equal(c.status, "Unknown", c.type);
    for (const taint of node.spec?.taints ?? []) assert.ok(taint.timeAdded, `${taint.key}:${taint.effect} has timeAdded`);
  }
  assert.deepEqual(await taintsOf("b-0"), []);
  assert.equal((await readyOf("b-0"))?.status, "True");

  // The untolerated pod is evicted (it stays Terminating: no agent runs on the node to finish it).
  const plain = await eventually("plain evicted", async () => {
    const p = await t.client.pods.get("default", "plain");
    return p.metadata.deletionTimestamp ? p : undefined;
  }, 3000);
  const target = plain.status?.conditions?.find((c) => c.type === "DisruptionTarget");
  assert.deepEqual([target?.status, target?.reason, target?.message], ["True", "DeletionByTaintManager", "Taint manager: deleting due to NoExecute taint"]);
  assert.equal(plain.status?.conditions?.find((c) => c.type === "Ready")?.status, "False");
  const brief = await t.client.pods.get("default", "brief");
  assert.equal(brief.metadata.deletionTimestamp, undefined, "tolerated for 2 s");
  await eventually("brief evicted after its toleration", async () => !!(await t.client.pods.get("default", "brief")).metadata.deletionTimestamp, 5000);
  const stays = await t.client.pods.get("default", "stays");
  assert.equal(stays.metadata.deletionTimestamp, undefined);
  assert.equal(stays.status?.conditions?.find((c) => c.type === "Ready")?.status, "False");
  assert.equal((await t.client.pods.get("default", "elsewhere")).status?.conditions?.find((c) => c.type === "Ready")?.status, "True");

  const events = (await t.client.events.list("default")).items;
  const reasons = new Set(events.map((e) => `${e.involvedObject?.kind}/${e.involvedObject?.name}:${e.reason}:${e.message}`));
  assert.ok(reasons.has("Node/a-0:NodeNotReady:Node a-0 status is now: NodeNotReady"), [...reasons].join("\n"));
  assert.ok(reasons.has("Pod/stays:NodeNotReady:Node is not ready"));
  assert.ok(reasons.has("Pod/plain:TaintManagerEviction:Marking for deletion Pod default/plain"));

  if (haveKubectl) {
    const out = await t.kubectl(["describe", "node", "a-0"]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /Taints:\s+node\.kubernetes\.io\/unreachable:NoExecute\n\s+node\.kubernetes\.io\/unreachable:NoSchedule/);
    assert.match(out.stdout, /Ready\s+Unknown .* NodeStatusUnknown\s+Kubelet stopped posting node status\./);
  }
});

test("when the heartbeat comes back the taints go", async () => {
  a = await startSimulatedNodes(t.client, simA);
  for (const name of ["a-0", "a-1"]) {
    await eventually(`${name} untainted`, async () => (await taintsOf(name)).length === 0, 5000);
    assert.equal((await readyOf(name))?.status, "True");
  }
});

test("every node silent at once: no NoExecute taints (disruption mode), only NoSchedule; lifted when they return", async () => {
  await a!.stop();
  await b!.stop();
  a = b = undefined;
  for (const name of ["a-0", "a-1", "b-0"]) {
    await eventually(`${name} unknown`, async () => (await readyOf(name))?.status === "Unknown", 5000);
    await eventually(`${name} NoSchedule only`, async () => JSON.stringify(await taintsOf(name)) === JSON.stringify(["node.kubernetes.io/unreachable:NoSchedule"]), 3000);
  }
  await new Promise((r) => setTimeout(r, 500));
  for (const name of ["a-0", "a-1", "b-0"]) assert.deepEqual(await taintsOf(name), ["node.kubernetes.io/unreachable:NoSchedule"]);
  a = await startSimulatedNodes(t.client, simA);
  b = await startSimulatedNodes(t.client, simB);
  for (const name of ["a-0", "a-1", "b-0"]) await eventually(`${name} untainted`, async () => (await taintsOf(name)).length === 0, 5000);
});

test("kubectl cordon adds the unschedulable taint, uncordon removes it", { skip: haveKubectl ? false : "kubectl not found" }, async () => {
  const out = await t.kubectl(["cordon", "b-0"]);
  assert.equal(out.code, 0, out.stderr);
  await eventually("unschedulable taint", async () => JSON.stringify(await taintsOf("b-0")) === JSON.stringify(["node.kubernetes.io/unschedulable:NoSchedule"]));
  const un = await t.kubectl(["uncordon", "b-0"]);
  assert.equal(un.code, 0, un.stderr);
  await eventually("taint gone", async () => (await taintsOf("b-0")).length === 0);
});
