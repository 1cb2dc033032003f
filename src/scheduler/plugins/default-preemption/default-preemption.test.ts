import { test } from "node:test";
import assert from "node:assert/strict";
import type { ClusterApi } from "../../framework/interfaces.js";
import { NodeToStatus, Status } from "../../framework/status.js";
import type { PodDisruptionBudget } from "../../framework/types.js";
import { CycleState, frameworkWith, makeNode, makePod, PodInfo } from "../../testing.js";
import { DefaultPreemption } from "./index.js";
import { filterPodsWithPDBViolation, pickOneNodeForPreemption, selectVictimsOnNode, type Candidate } from "./victims.js";

const pi = (name: string, s: Parameters<typeof makePod>[1]) => new PodInfo(makePod(name, s));

function fakeApi() {
  const calls: string[] = [];
  const api: ClusterApi = {
    bind: async (p, n) => void calls.push(`bind ${p.metadata.name} ${n}`),
    deletePod: async (p) => void calls.push(`delete ${p.metadata.name} uid=${p.metadata.uid}`),
    patchPodStatus: async (p, st) => void calls.push(`status ${p.metadata.name} ${JSON.stringify(st).includes("PreemptionByScheduler") ? "DisruptionTarget" : JSON.stringify(st)}`),
  };
  return { api, calls };
}

const pdb = (name: string, app: string, allowed: number, disrupted: Record<string, string> = {}): PodDisruptionBudget => ({
  metadata: { name, namespace: "default" },
  spec: { selector: { matchLabels: { app } } },
  status: { disruptionsAllowed: allowed, disruptedPods: disrupted, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 },
});

test("PDB violations: budgets are spent in order; disrupted pods do not count", () => {
  const pods = [pi("a", { labels: { app: "x" } }), pi("b", { labels: { app: "x" } }), pi("c", { labels: { app: "x" } }), pi("d", { labels: { app: "y" } }), pi("e", {})];
  const { violating, nonViolating } = filterPodsWithPDBViolation(pods, [pdb("px", "x", 1, { c: "2024-01-01T00:00:00Z" }), pdb("py", "y", 0)]);
  assert.deepEqual(violating.map((p) => p.pod.metadata.name), ["b", "d"]);
  assert.deepEqual(nonViolating.map((p) => p.pod.metadata.name), ["a", "c", "e"]);
});

test("selectVictimsOnNode: a minimal set, reprieving the most important pods first", () => {
  const nodes = [makeNode("n", { cpu: "4" })];
  const existing = [
    makePod("low-a", { node: "n", cpu: "1", priority: 1, startTime: "2024-01-01T00:00:00Z" }),
    makePod("low-b", { node: "n", cpu: "1", priority: 1, startTime: "2024-01-02T00:00:00Z" }),
    makePod("mid", { node: "n", cpu: "1", priority: 5 }),
    makePod("high", { node: "n", cpu: "1", priority: 100 }),
  ];
  const { fwk, snap } = frameworkWith(["NodeResourcesFit"], nodes, existing);
  const preemptor = pi("p", { cpu: "2", priority: 10 });
  const r = selectVictimsOnNode(fwk, new CycleState(), preemptor, snap.get("n")!.clone(), []);
  assert.ok("victims" in r);
  // All three lower-priority pods go, then mid (priority 5) is reprieved first and fits back;
  // low-a and low-b (in importance order: earlier start first) do not.
  assert.deepEqual(r.victims.map((v) => v.pod.metadata.name), ["low-a", "low-b"]);
  assert.equal(snap.get("n")!.pods.length, 4, "the cache's NodeInfo is untouched");
});

test("selectVictimsOnNode: no lower-priority pods, or not enough room even without them", () => {
  const nodes = [makeNode("n", { cpu: "2" })];
  const { fwk, snap } = frameworkWith(["NodeResourcesFit"], nodes, [makePod("e", { node: "n", cpu: "1", priority: 50 }), makePod("l", { node: "n", cpu: "500m", priority: 0 })]);
  const none = selectVictimsOnNode(fwk, new CycleState(), pi("p", { cpu: "1", priority: 0 }), snap.get("n")!.clone(), []);
  assert.ok("status" in none && none.status.message() === "No preemption victims found for incoming pod");
  const tooBig = selectVictimsOnNode(fwk, new CycleState(), pi("p", { cpu: "1500m", priority: 10 }), snap.get("n")!.clone(), []);
  assert.ok("status" in tooBig && tooBig.status.message() === "Insufficient cpu");
});

test("selectVictimsOnNode: PDB-protected pods are reprieved first and violations counted", () => {
  const nodes = [makeNode("n", { cpu: "3" })];
  const existing = [
    makePod("guarded", { node: "n", cpu: "1", priority: 1, labels: { app: "g" } }),
    makePod("free-1", { node: "n", cpu: "1", priority: 1 }),
    makePod("free-2", { node: "n", cpu: "1", priority: 1 }),
  ];
  const { fwk, snap } = frameworkWith(["NodeResourcesFit"], nodes, existing);
  const r = selectVictimsOnNode(fwk, new CycleState(), pi("p", { cpu: "2", priority: 10 }), snap.get("n")!.clone(), [pdb("g", "g", 0)]);
  assert.ok("victims" in r);
  assert.deepEqual(r.victims.map((v) => v.pod.metadata.name).sort(), ["free-1", "free-2"]);
  assert.equal(r.numPDBViolations, 0);
});

test("pickOneNodeForPreemption: PDB violations, highest victim priority, sum, count, start time", () => {
  const v = (prio: number, start = "2024-01-01T00:00:00Z") => pi(`v${prio}-${start}`, { priority: prio, startTime: start });
  const c = (nodeName: string, victims: PodInfo[], numPDBViolations = 0): Candidate => ({ nodeName, victims, numPDBViolations });
  assert.equal(pickOneNodeForPreemption([c("a", [v(1)], 1), c("b", [v(5), v(4)], 0)]).nodeName, "b");
  assert.equal(pickOneNodeForPreemption([c("a", [v(5)]), c("b", [v(3), v(3)])]).nodeName, "b");
  assert.equal(pickOneNodeForPreemption([c("a", [v(3), v(2)]), c("b", [v(3), v(1)])]).nodeName, "b");
  assert.equal(pickOneNodeForPreemption([c("a", [v(3), v(-1), v(-1)]), c("b", [v(3), v(-1)])]).nodeName, "b");
  assert.equal(pickOneNodeForPreemption([c("a", [v(3, "2024-01-01T00:00:00Z")]), c("b", [v(3, "2024-02-01T00:00:00Z")])]).nodeName, "b");
  assert.equal(pickOneNodeForPreemption([c("a", [v(3)]), c("b", [v(3)])]).nodeName, "a");
});

test("DefaultPreemption PostFilter: nominates a node and evicts the victims", async () => {
  const nodes = [makeNode("n1", { cpu: "2" }), makeNode("n2", { cpu: "2" }), makeNode("cp", { taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }] })];
  const existing = [
    makePod("v1", { node: "n1", cpu: "2", priority: 100 }),
    makePod("v2", { node: "n2", cpu: "1500m", priority: 1 }),
  ];
  const { api, calls } = fakeApi();
  const { fwk } = frameworkWith(["TaintToleration", "NodeResourcesFit", "DefaultPreemption"], nodes, existing, { api });
  const plugin = fwk.plugins.get("DefaultPreemption") as DefaultPreemption;
  plugin.random = () => 0;
  const preemptor = pi("hi", { cpu: "1", priority: 50 });
  const statuses = new NodeToStatus();
  statuses.set("n1", Status.unschedulable("Insufficient cpu"));
  statuses.set("n2", Status.unschedulable("Insufficient cpu"));
  statuses.set("cp", Status.unresolvable("node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"));
  const out = fwk.runPostFilterPlugins(new CycleState(), preemptor, statuses);
  assert.equal(out.status.code, "Success");
  assert.equal(out.result?.nominatedNodeName, "n2");
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(calls, ["status v2 DisruptionTarget", "delete v2 uid=uid-default-v2"]);
});

test("DefaultPreemption PostFilter: the upstream message when preemption cannot help", () => {
  const nodes = [makeNode("n1", { cpu: "1" }), makeNode("cp", { taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }] })];
  const { fwk } = frameworkWith(["TaintToleration", "NodeResourcesFit", "DefaultPreemption"], nodes, [makePod("e", { node: "n1", cpu: "1", priority: 10 })]);
  const statuses = new NodeToStatus();
  statuses.set("n1", Status.unschedulable("Insufficient cpu"));
  statuses.set("cp", Status.unresolvable("node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"));
  const out = fwk.runPostFilterPlugins(new CycleState(), pi("p", { cpu: "1", priority: 5 }), statuses);
  assert.equal(out.status.code, "Unschedulable");
  assert.equal(out.status.message(), "preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.");
  assert.equal(out.result?.nominatedNodeName, "");
  const never = fwk.runPostFilterPlugins(new CycleState(), pi("q", { cpu: "1", priority: 50, preemptionPolicy: "Never" }), statuses);
  assert.equal(never.status.message(), "preemption: not eligible due to preemptionPolicy=Never.");
});
