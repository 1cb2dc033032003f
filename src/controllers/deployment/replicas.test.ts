import { test } from "node:test";
import assert from "node:assert/strict";
import type { Deployment } from "../../api/apps/v1/deployment.js";
import type { ReplicaSet } from "../../api/apps/v1/replicaset.js";
import {
  findActiveOrLatest, getProportion, isSaturated, lastingAvailable, maxSurge, maxUnavailable, minAvailable,
  newRSNewReplicas, podsOrPlanned, proportionalSizes, resolveFenceposts, scaledValue, type IntOrString,
} from "./replicas.js";

function deploy(replicas: number, maxSurge: IntOrString = 0, maxUnavailable: IntOrString = 1, type = "RollingUpdate"): Deployment {
  return {
    metadata: { name: "web", namespace: "default" },
    spec: {
      replicas,
      selector: { matchLabels: { app: "web" } },
      template: {},
      strategy: type === "RollingUpdate" ? { type, rollingUpdate: { maxSurge, maxUnavailable } } : { type },
    },
    status: {},
  };
}

let clock = 0;
function rs(name: string, replicas: number, opts: { max?: number; desired?: number; replicasStatus?: number; available?: number } = {}): ReplicaSet {
  const annotations: Record<string, string> = {};
  if (opts.max !== undefined) annotations["deployment.kubernetes.io/max-replicas"] = String(opts.max);
  if (opts.desired !== undefined) annotations["deployment.kubernetes.io/desired-replicas"] = String(opts.desired);
  clock += 1000;
  return {
    metadata: { name, namespace: "default", uid: name, creationTimestamp: new Date(clock).toISOString().replace(/\.\d{3}Z$/, "Z"), annotations },
    spec: { replicas, selector: { matchLabels: { app: "web" } } },
    status: { replicas: opts.replicasStatus ?? replicas, availableReplicas: opts.available ?? 0 },
  };
}

function sizes(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { rs: r, size } of proportionalSizes(d, newRS, oldRSs).sizes) out[r.metadata.name!] = size;
  return out;
}

test("scaledValue: ints as is, percentages rounded as asked", () => {
  assert.equal(scaledValue(3, 10, true), 3);
  assert.equal(scaledValue("25%", 10, true), 3);
  assert.equal(scaledValue("25%", 10, false), 2);
  assert.equal(scaledValue("39%", 10, true), 4);
  assert.equal(scaledValue("39%", 10, false), 3);
  assert.equal(scaledValue("10%", 30, true), 3);
  assert.throws(() => scaledValue("oops", 10, true), /not a percentage/);
});

test("resolveFenceposts: surge rounds up, unavailable down, both zero gives unavailable 1", () => {
  assert.deepEqual(resolveFenceposts("25%", "25%", 10), { surge: 3, unavailable: 2 });
  assert.deepEqual(resolveFenceposts("39%", "39%", 10), { surge: 4, unavailable: 3 });
  assert.deepEqual(resolveFenceposts(undefined, "39%", 10), { surge: 0, unavailable: 3 });
  assert.deepEqual(resolveFenceposts("39%", undefined, 10), { surge: 4, unavailable: 0 });
  assert.deepEqual(resolveFenceposts(undefined, undefined, 10), { surge: 0, unavailable: 1 });
  assert.deepEqual(resolveFenceposts("0%", "0%", 0), { surge: 0, unavailable: 1 });
  // 1% of 10 rounds down to 0 unavailable and 0 surge: unavailable becomes 1.
  assert.deepEqual(resolveFenceposts(0, "1%", 10), { surge: 0, unavailable: 1 });
  assert.deepEqual(resolveFenceposts("1%", 0, 10), { surge: 1, unavailable: 0 });
  assert.deepEqual(resolveFenceposts(1, 1, 10), { surge: 1, unavailable: 1 });
});

test("maxSurge / maxUnavailable / minAvailable follow the strategy", () => {
  assert.equal(maxSurge(deploy(10, "25%", "25%")), 3);
  assert.equal(maxUnavailable(deploy(10, "25%", "25%")), 2);
  assert.equal(minAvailable(deploy(10, "25%", "25%")), 8);
  assert.equal(maxUnavailable(deploy(1, 0, 5)), 1, "capped at replicas");
  assert.equal(maxUnavailable(deploy(0, 1, 1)), 0, "nothing to lose at zero replicas");
  assert.equal(maxSurge(deploy(10, 1, 1, "Recreate")), 0);
  assert.equal(maxUnavailable(deploy(10, 1, 1, "Recreate")), 0);
  assert.equal(minAvailable(deploy(10, 1, 1, "Recreate")), 0);
});

test("newRSNewReplicas: grows within the surge, never past replicas; Recreate jumps", () => {
  const d = deploy(10, 1, 1);
  const newRS = rs("new", 0);
  assert.equal(newRSNewReplicas(d, [rs("old", 10), newRS], newRS), 1);
  const new1 = rs("new1", 1);
  assert.equal(newRSNewReplicas(d, [rs("old", 10), new1], new1), 1, "at the surge limit");
  assert.equal(newRSNewReplicas(d, [rs("old", 9), new1], new1), 2);
  // The old ReplicaSet still reports its 10th pod: it counts until it is gone.
  assert.equal(newRSNewReplicas(d, [rs("old", 9, { replicasStatus: 10 }), new1], new1), 1);
  const new9 = rs("new9", 9);
  assert.equal(newRSNewReplicas(deploy(10, 5, 0), [rs("old", 0), new9], new9), 10, "never past replicas");
  assert.equal(newRSNewReplicas(deploy(10, 1, 1, "Recreate"), [rs("old", 10), newRS], newRS), 10);
});

test("lastingAvailable and podsOrPlanned count what will exist after in-flight scaling", () => {
  const old = rs("old", 9, { replicasStatus: 10, available: 10 });
  const fresh = rs("new", 2, { replicasStatus: 1, available: 1 });
  assert.equal(lastingAvailable([old, fresh]), 10);
  assert.equal(podsOrPlanned([old, fresh]), 12);
});

test("proportional scaling: 5 -> 10 (new gets its share)", () => {
  const old = rs("v1", 3, { max: 5 });
  const neu = rs("v2", 2, { max: 5 });
  assert.deepEqual(sizes(deploy(10), neu, [old]), { v1: 6, v2: 4 });
  assert.equal(proportionalSizes(deploy(10), neu, [old]).operation, "up");
});

test("proportional scaling: 5 -> 3", () => {
  assert.deepEqual(sizes(deploy(3), rs("v2", 2, { max: 5 }), [rs("v1", 3, { max: 5 })]), { v1: 2, v2: 1 });
});

test("proportional scaling: 9 -> 4 (older ones shrink first)", () => {
  assert.deepEqual(sizes(deploy(4), rs("v2", 8, { max: 9 }), [rs("v1", 1, { max: 9 })]), { v1: 0, v2: 4 });
});

test("proportional scaling: 7 -> 10 over three ReplicaSets", () => {
  const v1 = rs("v1", 2, { max: 7 });
  const v2 = rs("v2", 3, { max: 7 });
  const v3 = rs("v3", 2, { max: 7 });
  assert.deepEqual(sizes(deploy(10), v3, [v2, v1]), { v1: 3, v2: 4, v3: 3 });
});

test("proportional scaling: 13 -> 8 over three ReplicaSets", () => {
  const v1 = rs("v1", 3, { max: 13 });
  const v2 = rs("v2", 8, { max: 13 });
  const v3 = rs("v3", 2, { max: 13 });
  assert.deepEqual(sizes(deploy(8), v3, [v2, v1]), { v1: 2, v2: 5, v3: 1 });
});

test("proportional scaling: rounding leftovers go to the first (newest among equals when growing)", () => {
  const v1 = rs("v1", 2, { max: 6 });
  const v2 = rs("v2", 2, { max: 6 });
  const v3 = rs("v3", 2, { max: 6 });
  assert.deepEqual(sizes(deploy(7), v3, [v2, v1]), { v1: 2, v2: 2, v3: 3 });
});

test("proportional scaling with surge: 10 -> 20 at maxSurge 25%", () => {
  const old = rs("v1", 8, { max: 13 });
  const neu = rs("v2", 5, { max: 13 });
  assert.deepEqual(sizes(deploy(20, "25%", "25%"), neu, [old]), { v1: 15, v2: 10 });
});

test("proportional scaling: without annotations the status size is the reference; to zero empties all", () => {
  const d = deploy(10);
  d.status = { replicas: 5 };
  assert.deepEqual(sizes(d, rs("v2", 2), [rs("v1", 3)]), { v1: 6, v2: 4 });
  assert.deepEqual(sizes(deploy(0), rs("v2", 2, { max: 5 }), [rs("v1", 3, { max: 5 })]), { v1: 0, v2: 0 });
});

test("getProportion: nothing for an empty ReplicaSet or once everything was handed out", () => {
  const d = deploy(10);
  assert.equal(getProportion(undefined, d, 5, 0), 0);
  assert.equal(getProportion(rs("z", 0, { max: 5 }), d, 5, 0), 0);
  assert.equal(getProportion(rs("a", 3, { max: 5 }), d, 5, 5), 0);
  assert.equal(getProportion(rs("a", 3, { max: 5 }), d, 5, 4), 1, "bounded by what is left");
  assert.equal(getProportion(rs("a", 3, { max: 5 }), deploy(1), -4, -3), -1, "bounded when shrinking");
});

test("isSaturated and findActiveOrLatest", () => {
  const d = deploy(3);
  assert.equal(isSaturated(d, rs("a", 3, { desired: 3, available: 3 })), true);
  assert.equal(isSaturated(d, rs("a", 3, { desired: 2, available: 3 })), false);
  assert.equal(isSaturated(d, rs("a", 3, { desired: 3, available: 2 })), false);
  assert.equal(isSaturated(d, rs("a", 3, { available: 3 })), false);
  const older = rs("older", 0);
  const newer = rs("newer", 0);
  assert.equal(findActiveOrLatest(undefined, [older, newer])?.metadata.name, "newer");
  const active = rs("active", 2);
  assert.equal(findActiveOrLatest(rs("n", 0), [active, older])?.metadata.name, "active");
  assert.equal(findActiveOrLatest(rs("n", 1), [active]), undefined);
});
