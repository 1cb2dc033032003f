import { test } from "node:test";
import assert from "node:assert/strict";
import type { NodeCondition, Toleration } from "kubernetes-types/core/v1.js";
import {
  computeZoneState, gracePeriodFor, isStale, observe, silentNodeConditions, zoneEvictionRate, zoneKey, type NodeLike,
} from "./health.js";
import { desiredNoScheduleTaints, noExecuteFor, noScheduleDiff, swapTaints } from "./taints.js";
import {
  disruptionCondition, matchingTolerations, minTolerationSeconds, notReadyConditions, planEviction, toleratesTaint, type PodLike,
} from "./eviction.js";

const cond = (type: string, status: string, hb = "2024-01-01T00:00:00Z"): NodeCondition => ({
  type, status, lastHeartbeatTime: hb, lastTransitionTime: "2024-01-01T00:00:00Z", reason: "R", message: "M",
});

function node(conditions?: NodeCondition[], extra: Partial<NodeLike> = {}): NodeLike {
  return { apiVersion: "v1", kind: "Node", metadata: { name: "n", creationTimestamp: "2024-01-01T00:00:00Z" }, ...(conditions ? { status: { conditions } } : {}), ...extra };
}

test("observe: first sight is now; a new Ready heartbeat or a renewed lease moves the probe", () => {
  const n = node([cond("Ready", "True", "T1")]);
  const h1 = observe(undefined, n, undefined, 1000);
  assert.equal(h1.probeMs, 1000);
  assert.equal(observe(h1, n, undefined, 5000).probeMs, 1000, "same heartbeat: no news");
  assert.equal(observe(h1, node([cond("Ready", "True", "T2")]), undefined, 5000).probeMs, 5000);
  const lease = (renew: string) => ({ metadata: { name: "n" }, spec: { renewTime: renew } });
  const h2 = observe(h1, n, lease("2024-01-01T00:00:01.000000Z"), 6000);
  assert.equal(h2.probeMs, 6000, "first lease seen");
  assert.equal(observe(h2, n, lease("2024-01-01T00:00:01.000000Z"), 9000).probeMs, 6000, "not renewed");
  assert.equal(observe(h2, n, lease("2024-01-01T00:00:01.000500Z"), 9000).probeMs, 9000, "renewed within the same millisecond");
  assert.equal(observe(h2, n, lease("2024-01-01T00:00:00.000000Z"), 9000).probeMs, 6000, "an older renewTime is no news");
});

test("observe: a node that never posted Ready is timed from its creation, with the startup grace", () => {
  const n = node();
  const h = observe(undefined, n, undefined, Date.parse("2024-01-01T00:10:00Z"));
  assert.equal(h.probeMs, Date.parse("2024-01-01T00:00:00Z"));
  assert.equal(gracePeriodFor(n, 40_000, 60_000), 60_000);
  assert.equal(gracePeriodFor(node([cond("Ready", "True")]), 40_000, 60_000), 40_000);
  assert.equal(isStale(h, h.probeMs + 60_000, 60_000), false);
  assert.equal(isStale(h, h.probeMs + 60_001, 60_000), true);
});

test("silentNodeConditions: monitored conditions go Unknown, missing ones appear, NetworkUnavailable stays", () => {
  const n = node([cond("Ready", "True", "HB"), cond("MemoryPressure", "False"), cond("NetworkUnavailable", "False")]);
  const out = silentNodeConditions(n, "NOW")!;
  const ready = out.find((c) => c.type === "Ready")!;
  assert.deepEqual([ready.status, ready.reason, ready.message, ready.lastHeartbeatTime, ready.lastTransitionTime], ["Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.", "HB", "NOW"]);
  assert.equal(out.find((c) => c.type === "MemoryPressure")!.status, "Unknown");
  assert.equal(out.find((c) => c.type === "NetworkUnavailable")!.status, "False");
  const disk = out.find((c) => c.type === "DiskPressure")!;
  assert.deepEqual([disk.status, disk.reason, disk.message, disk.lastHeartbeatTime], ["Unknown", "NodeStatusNeverUpdated", "Kubelet never posted node status.", "2024-01-01T00:00:00Z"]);
  assert.equal(n.status!.conditions![0]!.status, "True", "input untouched");
  // Already Unknown: nothing to write.
  assert.equal(silentNodeConditions(node(out), "LATER"), undefined);
});

test("zones: key, state and tainting rate as upstream computes them", () => {
  assert.equal(zoneKey(node()), "");
  assert.equal(zoneKey({ metadata: { labels: { "topology.kubernetes.io/region": "r", "topology.kubernetes.io/zone": "z" } } }), "r:\x00:z");
  assert.equal(computeZoneState(["True", "True"], 0.55).state, "Normal");
  assert.equal(computeZoneState(["False", undefined], 0.55).state, "FullDisruption");
  assert.equal(computeZoneState(["True", "False", "Unknown"], 0.55).state, "Normal", "two not ready never make a partial disruption");
  assert.equal(computeZoneState(["True", "False", "Unknown", "Unknown"], 0.55).state, "PartialDisruption");
  assert.equal(computeZoneState([], 0.55).state, "Normal");
  const o = { evictionRate: 0.1, secondaryEvictionRate: 0.01, largeClusterThreshold: 50 };
  assert.equal(zoneEvictionRate("Normal", 10, o), 0.1);
  assert.equal(zoneEvictionRate("FullDisruption", 10, o), 0.1);
  assert.equal(zoneEvictionRate("PartialDisruption", 10, o), 0);
  assert.equal(zoneEvictionRate("PartialDisruption", 51, o), 0.01);
});

test("NoSchedule taints mirror conditions and cordon; other taints are not touched", () => {
  const n = node([cond("Ready", "Unknown"), cond("MemoryPressure", "True"), cond("DiskPressure", "False")], {
    spec: { unschedulable: true, taints: [
      { key: "node.kubernetes.io/not-ready", effect: "NoSchedule" },
      { key: "node.kubernetes.io/unreachable", effect: "NoExecute" },
      { key: "example.com/mine", effect: "NoSchedule" },
    ] },
  });
  assert.deepEqual(desiredNoScheduleTaints(n).map((t) => t.key), ["node.kubernetes.io/unreachable", "node.kubernetes.io/memory-pressure", "node.kubernetes.io/unschedulable"]);
  const diff = noScheduleDiff(n);
  assert.deepEqual(diff.add.map((t) => t.key), ["node.kubernetes.io/unreachable", "node.kubernetes.io/memory-pressure", "node.kubernetes.io/unschedulable"]);
  assert.deepEqual(diff.remove.map((t) => t.key), ["node.kubernetes.io/not-ready"]);
  assert.deepEqual(noScheduleDiff(node([cond("Ready", "True")])), { add: [], remove: [] });
});

test("NoExecute taint per Ready status, and swapping taints", () => {
  assert.equal(noExecuteFor("False").want?.key, "node.kubernetes.io/not-ready");
  assert.equal(noExecuteFor("Unknown").want?.key, "node.kubernetes.io/unreachable");
  assert.equal(noExecuteFor(undefined).want?.key, "node.kubernetes.io/unreachable");
  assert.deepEqual(noExecuteFor("True"), {});
  const cur = [{ key: "a", effect: "NoSchedule" }, { key: "node.kubernetes.io/not-ready", effect: "NoExecute", timeAdded: "OLD" }];
  const { want, other } = noExecuteFor("Unknown");
  assert.deepEqual(swapTaints(cur, [want!], [other!], "NOW"), [{ key: "a", effect: "NoSchedule" }, { key: "node.kubernetes.io/unreachable", effect: "NoExecute", timeAdded: "NOW" }]);
  assert.equal(swapTaints(cur, [{ key: "a", effect: "NoSchedule" }], [{ key: "x", effect: "NoExecute" }], "NOW"), undefined);
  assert.deepEqual(swapTaints(undefined, [], [], "NOW"), undefined);
});

test("tolerations match as upstream's ToleratesTaint", () => {
  const taint = { key: "node.kubernetes.io/unreachable", effect: "NoExecute" };
  assert.ok(toleratesTaint({ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" }, taint));
  assert.ok(toleratesTaint({ operator: "Exists" }, taint), "empty key with Exists tolerates everything");
  assert.ok(!toleratesTaint({ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoSchedule" }, taint));
  assert.ok(toleratesTaint({ key: "k", value: "v" }, { key: "k", value: "v", effect: "NoExecute" }), "empty operator means Equal");
  assert.ok(!toleratesTaint({ key: "k", value: "w", operator: "Equal" }, { key: "k", value: "v", effect: "NoExecute" }));
  assert.ok(!toleratesTaint({ key: "k", operator: "Bogus" }, { key: "k", effect: "NoExecute" }));
  assert.deepEqual(matchingTolerations([taint, { key: "x", effect: "NoExecute" }], [{ operator: "Exists", key: "node.kubernetes.io/unreachable" }]), { all: false, used: [] });
  assert.equal(minTolerationSeconds([]), 0);
  assert.equal(minTolerationSeconds([{ operator: "Exists" }]), -1);
  assert.equal(minTolerationSeconds([{ operator: "Exists", tolerationSeconds: 300 }, { key: "a", tolerationSeconds: 30 }]), 30);
  assert.equal(minTolerationSeconds([{ operator: "Exists", tolerationSeconds: -5 }]), 0);
});

test("planEviction: untolerated at once, tolerated for tolerationSeconds from the taint, forever without", () => {
  const added = "2024-01-01T00:00:00Z";
  const t0 = Date.parse(added);
  const taints = [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute", timeAdded: added }, { key: "node.kubernetes.io/unreachable", effect: "NoSchedule" }];
  const pod = (tolerations?: Toleration[], created = "2023-12-31T00:00:00Z"): PodLike =>
    ({ metadata: { name: "p", namespace: "d", creationTimestamp: created }, spec: { nodeName: "n", tolerations } });
  const never = (): number => { throw new Error("timeAdded is set"); };
  assert.deepEqual(planEviction(pod(), taints, never), { type: "evict", atMs: 0 });
  const tol = { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" };
  assert.deepEqual(planEviction(pod([{ ...tol, tolerationSeconds: 300 }]), taints, never), { type: "evict", atMs: t0 + 300_000 });
  assert.deepEqual(planEviction(pod([tol]), taints, never), { type: "none" });
  // A pod that came after the taint gets its full toleration from its creation.
  assert.deepEqual(planEviction(pod([{ ...tol, tolerationSeconds: 10 }], "2024-01-01T00:01:00Z"), taints, never), { type: "evict", atMs: t0 + 70_000 });
  // No NoExecute taint, or a pod already going: nothing.
  assert.deepEqual(planEviction(pod(), [taints[1]!], never), { type: "none" });
  assert.deepEqual(planEviction({ ...pod(), metadata: { name: "p", deletionTimestamp: added } }, taints, never), { type: "none" });
  // Without timeAdded, the controller's first sight counts.
  assert.deepEqual(planEviction(pod([{ ...tol, tolerationSeconds: 5 }]), [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute" }], () => t0), { type: "evict", atMs: t0 + 5000 });
});

test("pod conditions: DisruptionTarget before eviction, Ready False on a dead node", () => {
  const pod: PodLike = { metadata: { name: "p" }, status: { conditions: [{ type: "Ready", status: "True", lastTransitionTime: "OLD" }] } };
  const d = disruptionCondition(pod, "NOW")!;
  assert.deepEqual(d[1], { type: "DisruptionTarget", status: "True", reason: "DeletionByTaintManager", message: "Taint manager: deleting due to NoExecute taint", lastProbeTime: null, lastTransitionTime: "NOW" });
  assert.equal(disruptionCondition({ ...pod, status: { conditions: d } }, "LATER"), undefined);
  const nr = notReadyConditions(pod, "NOW")!;
  assert.deepEqual(nr[0], { type: "Ready", status: "False", lastTransitionTime: "NOW" });
  assert.equal(notReadyConditions({ ...pod, status: { conditions: nr } }, "LATER"), undefined);
  assert.equal(notReadyConditions({ metadata: {} }, "NOW"), undefined);
});
