import { test } from "node:test";
import assert from "node:assert/strict";
import type { PodObj } from "./pods.js";
import { deletesBefore, podsToDelete, rankByRelatedPodsOnSameNode, sortForDeletion } from "./ranking.js";

const now = Date.parse("2024-01-01T12:00:00Z");
const ago = (s: number): string => new Date(now - s * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

interface P { name: string; node?: string; phase?: string; ready?: boolean; readyAgo?: number; createdAgo?: number; restarts?: number; cost?: string }

function pod(p: P): PodObj {
  return {
    metadata: {
      name: p.name, uid: `uid-${p.name}`, namespace: "default", creationTimestamp: ago(p.createdAgo ?? 100),
      ...(p.cost !== undefined ? { annotations: { "controller.kubernetes.io/pod-deletion-cost": p.cost } } : {}),
    },
    spec: { containers: [{ name: "c", image: "x" }], ...(p.node ? { nodeName: p.node } : {}) },
    status: {
      phase: p.phase ?? "Running",
      conditions: [{ type: "Ready", status: p.ready === false ? "False" : "True", lastTransitionTime: ago(p.readyAgo ?? 50) }],
      containerStatuses: [{ name: "c", image: "x", imageID: "", ready: p.ready !== false, restartCount: p.restarts ?? 0 }],
    },
  };
}

const order = (pods: PodObj[], related: PodObj[] = []): string[] =>
  sortForDeletion(rankByRelatedPodsOnSameNode(pods, related), now).map((r) => r.pod.metadata.name!);

test("unassigned pods go before assigned ones", () => {
  assert.deepEqual(order([pod({ name: "a", node: "n1" }), pod({ name: "b" })]), ["b", "a"]);
});

test("Pending < Unknown < Running", () => {
  const pods = [pod({ name: "run", node: "n" }), pod({ name: "unk", node: "n", phase: "Unknown" }), pod({ name: "pend", node: "n", phase: "Pending" })];
  assert.deepEqual(order(pods), ["pend", "unk", "run"]);
});

test("not ready before ready", () => {
  assert.deepEqual(order([pod({ name: "r", node: "n" }), pod({ name: "nr", node: "n", ready: false })]), ["nr", "r"]);
});

test("lower pod-deletion-cost first; invalid costs count as 0", () => {
  const pods = [pod({ name: "hi", node: "n", cost: "10" }), pod({ name: "lo", node: "n", cost: "-5" }), pod({ name: "bad", node: "n", cost: "x1" })];
  assert.deepEqual(order(pods), ["lo", "bad", "hi"]);
});

test("more related pods on the same node first", () => {
  const a = pod({ name: "a", node: "busy" });
  const b = pod({ name: "b", node: "quiet" });
  const related = [a, b, pod({ name: "c", node: "busy" }), pod({ name: "d", node: "busy" })];
  assert.deepEqual(order([b, a], related), ["a", "b"]);
});

test("ready more recently first, on a logarithmic scale with uid tie-break", () => {
  // 10 s vs 1000 s: different log2 buckets, the newer goes first.
  assert.deepEqual(order([pod({ name: "old", node: "n", readyAgo: 1000 }), pod({ name: "new", node: "n", readyAgo: 10 })]), ["new", "old"]);
  // 1000 s vs 1001 s: same bucket; uid decides.
  assert.deepEqual(order([pod({ name: "y", node: "n", readyAgo: 1000 }), pod({ name: "x", node: "n", readyAgo: 1001 })]), ["x", "y"]);
});

test("more restarts first, then newer creation first", () => {
  assert.deepEqual(order([pod({ name: "calm", node: "n" }), pod({ name: "crashy", node: "n", restarts: 3 })]), ["crashy", "calm"]);
  assert.deepEqual(order([pod({ name: "old", node: "n", createdAgo: 5000 }), pod({ name: "new", node: "n", createdAgo: 20 })]), ["new", "old"]);
});

test("the criteria apply in upstream's priority", () => {
  const pods = [
    pod({ name: "ready-running", node: "n1", readyAgo: 5000 }),
    pod({ name: "unscheduled", phase: "Pending", ready: false }),
    pod({ name: "pending", node: "n1", phase: "Pending", ready: false }),
    pod({ name: "notready", node: "n1", ready: false }),
    pod({ name: "fresh-ready", node: "n1", readyAgo: 5 }),
  ];
  assert.deepEqual(order(pods), ["unscheduled", "pending", "notready", "fresh-ready", "ready-running"]);
  assert.equal(deletesBefore({ pod: pods[1]!, rank: 0 }, { pod: pods[0]!, rank: 0 }, now), true);
  assert.equal(deletesBefore({ pod: pods[0]!, rank: 0 }, { pod: pods[1]!, rank: 0 }, now), false);
});

test("podsToDelete takes the first diff in order, and all without sorting when diff covers them", () => {
  const pods = [pod({ name: "a", node: "n" }), pod({ name: "b", node: "n", ready: false }), pod({ name: "c" })];
  assert.deepEqual(podsToDelete(pods, [], 2, now).map((p) => p.metadata.name), ["c", "b"]);
  assert.deepEqual(podsToDelete(pods, [], 5, now).map((p) => p.metadata.name), ["a", "b", "c"]);
});
