import { test } from "node:test";
import assert from "node:assert/strict";
import { CycleState, filterAll, frameworkWith, makeNode, makePod, PodInfo, scoreAll } from "../../testing.js";

test("NodeResourcesFit filter", () => {
  const nodes = [
    makeNode("big", { cpu: "4", memory: "8Gi" }),
    makeNode("busy", { cpu: "2", memory: "8Gi" }),
    makeNode("full", { cpu: "4", memory: "8Gi", pods: 1 }),
    makeNode("gpu", { cpu: "4", memory: "8Gi", extended: { "example.com/gpu": "2" } }),
  ];
  const existing = [makePod("e1", { node: "busy", cpu: "1500m" }), makePod("e2", { node: "full", cpu: "1" })];
  const { fwk, snap } = frameworkWith(["NodeResourcesFit"], nodes, existing);
  const cases: { name: string; pod: ReturnType<typeof makePod>; want: Record<string, string> }[] = [
    { name: "small pod", pod: makePod("p", { cpu: "500m", memory: "1Gi" }), want: { big: "", busy: "", full: "Too many pods", gpu: "" } },
    { name: "cpu", pod: makePod("p", { cpu: "1" }), want: { big: "", busy: "Insufficient cpu", full: "Too many pods", gpu: "" } },
    { name: "cpu and memory", pod: makePod("p", { cpu: "3", memory: "9Gi" }), want: { big: "Insufficient memory", busy: "Insufficient cpu, Insufficient memory", full: "Too many pods, Insufficient memory", gpu: "Insufficient memory" } },
    { name: "extended resource", pod: makePod("p", { requests: { "example.com/gpu": "1" } }), want: { big: "Insufficient example.com/gpu", busy: "Insufficient example.com/gpu", full: "Too many pods, Insufficient example.com/gpu", gpu: "" } },
    { name: "best effort", pod: makePod("p"), want: { big: "", busy: "", full: "Too many pods", gpu: "" } },
  ];
  for (const c of cases) assert.deepEqual(filterAll(fwk, snap, c.pod), c.want, c.name);
});

test("NodeResourcesFit: a request beyond allocatable is Unschedulable, as in v1.32 (preemption still runs)", () => {
  const { fwk, snap } = frameworkWith(["NodeResourcesFit"], [makeNode("n", { cpu: "2" })], [makePod("e", { node: "n", cpu: "1" })]);
  const ni = snap.get("n")!;
  const s1 = fwk.runFilterPlugins(new CycleState(), new PodInfo(makePod("a", { cpu: "1500m" })), ni);
  assert.equal(s1?.code, "Unschedulable");
  const s2 = fwk.runFilterPlugins(new CycleState(), new PodInfo(makePod("b", { cpu: "3" })), ni);
  assert.equal(s2?.code, "Unschedulable");
});

test("NodeResourcesFit LeastAllocated score (upstream's arithmetic)", () => {
  const nodes = [makeNode("a", { cpu: "4000m", memory: "10000" }), makeNode("b", { cpu: "6000m", memory: "10000" })];
  const { fwk, snap } = frameworkWith(["NodeResourcesFit"], nodes, [makePod("e", { node: "b", cpu: "3000m", memory: "5000" })]);
  const scores = scoreAll(fwk, snap, makePod("p", { cpu: "3000m", memory: "5000" }));
  // a: cpu (4000-3000)*100/4000 = 25, memory 50 → 37. b: cpu (6000-6000)=0, memory 0 → 0.
  assert.deepEqual(scores, { a: 37, b: 0 });
});

test("NodeResourcesFit MostAllocated via args", () => {
  const nodes = [makeNode("a", { cpu: "4000m", memory: "10000" })];
  const { fwk, snap } = frameworkWith(["NodeResourcesFit"], nodes, [], {
    profile: { schedulerName: "s", plugins: [{ name: "NodeResourcesFit" }], pluginConfig: { NodeResourcesFit: { scoringStrategy: { type: "MostAllocated" } } } },
  });
  assert.deepEqual(scoreAll(fwk, snap, makePod("p", { cpu: "3000m", memory: "5000" })), { a: 62 });
});
