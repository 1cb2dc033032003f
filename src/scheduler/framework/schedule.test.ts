import { test } from "node:test";
import assert from "node:assert/strict";
import { CycleState, frameworkWith, makeNode, makePod, PodInfo } from "../testing.js";
import { FitError, fitErrorMessage } from "./fit-error.js";
import { Framework } from "./framework.js";
import type { FilterPlugin, NodeScore, PermitPlugin, PreFilterPlugin, ScorePlugin } from "./interfaces.js";
import { PreFilterResult } from "./interfaces.js";
import { Registry } from "./registry.js";
import { Algorithm, numFeasibleNodesToFind } from "./schedule.js";
import { NodeToStatus, Status } from "./status.js";
import { snapshotOf } from "../cache/cache.js";
import { PodNominator } from "../queue/nominator.js";
import { defaultProfile } from "./profile.js";
import { inTreeRegistry } from "../plugins/index.js";

test("numFeasibleNodesToFind: upstream's adaptive percentage", () => {
  const cases: [number | undefined, number, number][] = [
    [undefined, 50, 50], [undefined, 99, 99], [undefined, 100, 100], [undefined, 1000, 420], [undefined, 5000, 500],
    [undefined, 6000, 300], [undefined, 10_000, 500], [undefined, 200, 100], [10, 5000, 500], [100, 5000, 5000], [1, 1000, 100],
  ];
  for (const [pct, n, want] of cases) assert.equal(numFeasibleNodesToFind(pct, n), want, `${pct}% of ${n}`);
});

test("FitError message: counted reasons sorted as strings, absent nodes, PreFilter and PostFilter parts", () => {
  const m = new NodeToStatus();
  m.set("cp", Status.unresolvable("node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"));
  m.set("a", Status.unschedulable("Insufficient cpu"));
  m.set("b", Status.unschedulable("Insufficient cpu", "Insufficient memory"));
  assert.equal(
    fitErrorMessage(3, m, "", "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."),
    "0/3 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..",
  );
  const absent = new NodeToStatus();
  absent.absent = Status.unresolvable("node(s) didn't satisfy plugin(s) [NodeAffinity]");
  absent.set("x", Status.unschedulable("Insufficient cpu"));
  assert.equal(fitErrorMessage(4, absent, "", ""), "0/4 nodes are available: 1 Insufficient cpu, 3 node(s) didn't satisfy plugin(s) [NodeAffinity].");
  assert.equal(fitErrorMessage(2, new NodeToStatus(), 'persistentvolumeclaim "x" not found', ""), '0/2 nodes are available: persistentvolumeclaim "x" not found.');
});

test("schedulePod: end to end with the default plugins, failure diagnosis and message", () => {
  const nodes = [
    makeNode("cp", { taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }] }),
    makeNode("w1", { cpu: "1" }),
    makeNode("w2", { cpu: "2" }),
  ];
  const snap = snapshotOf(nodes);
  const fwk = new Framework({ registry: inTreeRegistry(), profile: defaultProfile() });
  fwk.setSnapshot(snap);
  const algo = new Algorithm();
  assert.equal(algo.schedulePod(fwk, new CycleState(), new PodInfo(makePod("p", { cpu: "1500m" })), snap).suggestedHost, "w2");
  try {
    algo.schedulePod(fwk, new CycleState(), new PodInfo(makePod("big", { cpu: "3" })), snap);
    assert.fail("expected a FitError");
  } catch (err) {
    assert.ok(err instanceof FitError);
    assert.equal(err.describe(), "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu.");
    assert.deepEqual([...err.diagnosis.unschedulablePlugins].sort(), ["NodeResourcesFit", "TaintToleration"]);
  }
});

test("schedulePod: feasible-node search stops early and rotates the start; ties broken at random", () => {
  const nodes = Array.from({ length: 1000 }, (_, i) => makeNode(`n${i}`));
  const snap = snapshotOf(nodes);
  let filtered = 0;
  const counting: FilterPlugin = { name: "Count", filter: () => void filtered++ };
  const r = new Registry({ Count: () => counting });
  const fwk = new Framework({ registry: r, profile: { schedulerName: "s", plugins: [{ name: "Count" }] } });
  fwk.setSnapshot(snap);
  const seq = [0.99, 0.5, 0.1];
  let i = 0;
  const algo = new Algorithm(0, () => seq[i++ % seq.length]!);
  const res = algo.schedulePod(fwk, new CycleState(), new PodInfo(makePod("p")), snap);
  assert.equal(filtered, 420);
  assert.equal(res.feasibleNodes, 420);
  assert.equal(algo.nextStartNodeIndex, 420);
  algo.schedulePod(fwk, new CycleState(), new PodInfo(makePod("q")), snap);
  assert.equal(algo.nextStartNodeIndex, 840);
  // Every node scores 1 without score plugins: the pick varies with the random source.
  const picks = new Set<string>();
  for (let k = 0; k < 20; k++) picks.add(algo.schedulePod(fwk, new CycleState(), new PodInfo(makePod("r")), snap).suggestedHost);
  assert.ok(picks.size > 1);
});

test("schedulePod: PreFilter results narrow the nodes; absent nodes get the plugin message", () => {
  const nodes = [makeNode("a", { cpu: "1" }), makeNode("b"), makeNode("c")];
  const snap = snapshotOf(nodes);
  const narrow: PreFilterPlugin = { name: "Narrow", preFilter: () => new PreFilterResult(new Set(["a"])) };
  const reg = inTreeRegistry().merge(new Registry({ Narrow: () => narrow }));
  const fwk = new Framework({ registry: reg, profile: { schedulerName: "s", plugins: [{ name: "Narrow" }, { name: "NodeResourcesFit" }] } });
  fwk.setSnapshot(snap);
  assert.throws(() => new Algorithm().schedulePod(fwk, new CycleState(), new PodInfo(makePod("p", { cpu: "2" })), snap), (err: unknown) => {
    assert.ok(err instanceof FitError);
    assert.equal(err.describe(), "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [Narrow].");
    return true;
  });
});

test("scores: weights multiply normalized scores; out-of-range scores are an error", () => {
  const nodes = [makeNode("a"), makeNode("b")];
  const snap = snapshotOf(nodes);
  const s1: ScorePlugin = { name: "S1", score: (_s, _p, n) => (n.name === "a" ? 10 : 20), normalizeScore: (_s, _p, sc: NodeScore[]) => void sc.forEach((x) => (x.score *= 5)) };
  const bad: ScorePlugin = { name: "Bad", score: () => 101 };
  const reg = new Registry({ S1: () => s1, Bad: () => bad });
  const fwk = new Framework({ registry: reg, profile: { schedulerName: "s", plugins: [{ name: "S1", weight: 2 }] } });
  fwk.setSnapshot(snap);
  const totals = fwk.runScorePlugins(new CycleState(), new PodInfo(makePod("p")), snap.list());
  assert.deepEqual([...(totals as Float64Array)], [100, 200]);
  const fwk2 = new Framework({ registry: reg, profile: { schedulerName: "s", plugins: [{ name: "Bad" }] } });
  const err = fwk2.runScorePlugins(new CycleState(), new PodInfo(makePod("p")), snap.list());
  assert.ok(err instanceof Status && err.code === "Error" && /invalid score 101/.test(err.message()));
});

test("filters count pods nominated to a node with equal or higher priority", () => {
  const nodes = [makeNode("n", { cpu: "2" })];
  const nominator = new PodNominator();
  const { fwk, snap } = frameworkWith(["NodeResourcesFit"], nodes, [], { nominator });
  nominator.add(new PodInfo(makePod("nominated", { cpu: "1500m", priority: 10 })), "n");
  const ni = snap.get("n")!;
  assert.equal(fwk.runFilterPluginsWithNominatedPods(new CycleState(), new PodInfo(makePod("same", { cpu: "1", priority: 10 })), ni)?.message(), "Insufficient cpu");
  assert.equal(fwk.runFilterPluginsWithNominatedPods(new CycleState(), new PodInfo(makePod("higher", { cpu: "1", priority: 11 })), ni), undefined);
  assert.equal(ni.pods.length, 0, "the nominated pod is added to a copy");
});

test("Permit: Wait until allowed, rejection, timeout", async () => {
  const waits: PermitPlugin = { name: "Gate", permit: () => ({ status: new Status("Wait"), timeoutMs: 50 }) };
  const fwk = new Framework({ registry: new Registry({ Gate: () => waits }), profile: { schedulerName: "s", plugins: [{ name: "Gate" }] } });
  const a = new PodInfo(makePod("a"));
  assert.equal(fwk.runPermitPlugins(new CycleState(), a, "n")?.code, "Wait");
  fwk.waitingPod(a.uid)!.allow("Gate");
  assert.equal(await fwk.waitOnPermit(a), undefined);
  const b = new PodInfo(makePod("b"));
  fwk.runPermitPlugins(new CycleState(), b, "n");
  fwk.waitingPod(b.uid)!.reject("Gate", "no");
  assert.equal((await fwk.waitOnPermit(b))?.message(), "no");
  const c = new PodInfo(makePod("c"));
  fwk.runPermitPlugins(new CycleState(), c, "n");
  assert.equal((await fwk.waitOnPermit(c))?.message(), "rejected due to timeout after waiting 0.05s at plugin Gate");
});

test("profiles: unknown plugins, duplicates and disabled extension points", () => {
  assert.throws(() => new Framework({ registry: inTreeRegistry(), profile: { schedulerName: "s", plugins: [{ name: "Nope" }] } }), /not registered/);
  assert.throws(() => new Framework({ registry: inTreeRegistry(), profile: { schedulerName: "s", plugins: [{ name: "NodeName" }, { name: "NodeName" }] } }), /twice/);
  const fwk = new Framework({ registry: inTreeRegistry(), profile: { ...defaultProfile(), disabled: { score: ["ImageLocality"], filter: ["*"] } } });
  assert.equal(fwk.filterPlugins.length, 0);
  assert.deepEqual(fwk.scorePlugins.map((s) => `${s.plugin.name}:${s.weight}`), [
    "TaintToleration:3", "NodeAffinity:2", "NodeResourcesFit:1", "PodTopologySpread:2", "InterPodAffinity:2", "NodeResourcesBalancedAllocation:1",
  ]);
  assert.equal(fwk.queueSortPlugin?.name, "PrioritySort");
  assert.deepEqual(fwk.bindPlugins.map((p) => p.name), ["DefaultBinder"]);
  assert.deepEqual(fwk.postFilterPlugins.map((p) => p.name), ["DefaultPreemption"]);
});
