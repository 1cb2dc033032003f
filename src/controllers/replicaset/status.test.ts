import { test } from "node:test";
import assert from "node:assert/strict";
import type { PodObj } from "./pods.js";
import { calculateStatus, nextAvailableInMs, statusUpToDate, type ReplicaOwner } from "./status.js";

const now = Date.parse("2024-01-01T12:00:00Z");
const ago = (s: number): string => new Date(now - s * 1000).toISOString();

function owner(replicas: number, minReadySeconds = 0, status?: ReplicaOwner["status"]): ReplicaOwner {
  return {
    metadata: { name: "rs", namespace: "default", generation: 2 },
    spec: { replicas, minReadySeconds, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web", tier: "fe" } } } },
    ...(status ? { status } : {}),
  };
}

function pod(name: string, labels: Record<string, string>, readyAgo?: number): PodObj {
  return {
    metadata: { name, labels },
    status: readyAgo === undefined
      ? { phase: "Pending" }
      : { phase: "Running", conditions: [{ type: "Ready", status: "True", lastTransitionTime: ago(readyAgo) }] },
  };
}

const full = { app: "web", tier: "fe" };

test("counts replicas, fully labeled, ready and available (minReadySeconds)", () => {
  const pods = [pod("a", full, 100), pod("b", full, 5), pod("c", { app: "web" }, 100), pod("d", full)];
  const st = calculateStatus(owner(4, 10), pods, undefined, now);
  assert.equal(st.replicas, 4);
  assert.equal(st.fullyLabeledReplicas, 3);
  assert.equal(st.readyReplicas, 3);
  assert.equal(st.availableReplicas, 2);
  assert.equal(st.conditions, undefined);
  // minReadySeconds 0: every ready pod is available.
  assert.equal(calculateStatus(owner(4), pods, undefined, now).availableReplicas, 3);
});

test("zero counts are omitted, as Go's omitempty", () => {
  const st = calculateStatus(owner(1), [], undefined, now);
  assert.deepEqual(st, { replicas: 0 });
});

test("ReplicaFailure is added on a failed create and removed after a clean sync", () => {
  const failed = calculateStatus(owner(3), [pod("a", full, 1)], new Error("pods \"x\" is forbidden: quota"), now);
  assert.equal(failed.conditions?.length, 1);
  const c = failed.conditions![0]!;
  assert.equal(c.type, "ReplicaFailure");
  assert.equal(c.status, "True");
  assert.equal(c.reason, "FailedCreate");
  assert.equal(c.message, "pods \"x\" is forbidden: quota");
  // Present already: kept as it is.
  const again = calculateStatus(owner(3, 0, failed), [pod("a", full, 1)], new Error("other"), now + 5000);
  assert.deepEqual(again.conditions, failed.conditions);
  const cleared = calculateStatus(owner(3, 0, failed), [pod("a", full, 1)], undefined, now);
  assert.equal(cleared.conditions, undefined);
  const del = calculateStatus(owner(0), [pod("a", full, 1)], new Error("boom"), now);
  assert.equal(del.conditions![0]!.reason, "FailedDelete");
});

test("statusUpToDate needs the same counts and the generation observed", () => {
  const o = owner(1, 0, { replicas: 1, readyReplicas: 1, availableReplicas: 1, fullyLabeledReplicas: 1, observedGeneration: 2 });
  const pods = [pod("a", full, 1)];
  assert.equal(statusUpToDate(o, calculateStatus(o, pods, undefined, now)), true);
  assert.equal(statusUpToDate({ ...o, metadata: { ...o.metadata, generation: 3 } }, calculateStatus(o, pods, undefined, now)), false);
  assert.equal(statusUpToDate(o, calculateStatus(o, [], undefined, now)), false);
});

test("nextAvailableInMs: time until the first ready pod passes minReadySeconds", () => {
  const pods = [pod("a", full, 2), pod("b", full, 7), pod("c", full), pod("d", full, 100)];
  assert.equal(nextAvailableInMs(owner(4, 10), pods, now), 3001);
  assert.equal(nextAvailableInMs(owner(4, 0), pods, now), undefined);
  assert.equal(nextAvailableInMs(owner(4, 10), [pod("d", full, 100)], now), undefined);
});
