import { test } from "node:test";
import assert from "node:assert/strict";
import {
  countHealthy, deletionTimeoutMs, expectedAndDesired, failSafeStatus, needsControllerScale, nextPdbStatus,
  pruneDisruptedPods, reconcileBudget, scaledValue, staleDisruptionIn, type PdbLike, type PodLike,
} from "./status.js";

const now = new Date("2025-01-01T00:10:00Z");
const iso = (msAgo: number) => new Date(now.getTime() - msAgo).toISOString().replace(/\.\d{3}Z$/, "Z");

function pod(name: string, ready: boolean, extra: Partial<PodLike["metadata"]> = {}): PodLike {
  return {
    metadata: { name, namespace: "default", ...extra },
    status: { phase: "Running", conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  };
}

function pdb(spec: PdbLike["spec"], status?: PdbLike["status"], generation = 1): PdbLike {
  return { metadata: { name: "b", namespace: "default", generation }, spec, status };
}

test("scaledValue: ints pass through, percentages round as asked", () => {
  assert.equal(scaledValue(3, 10, true), 3);
  assert.equal(scaledValue("50%", 5, true), 3);
  assert.equal(scaledValue("50%", 5, false), 2);
  assert.equal(scaledValue("10%", 1, true), 1);
  assert.equal(scaledValue("0%", 7, true), 0);
  assert.throws(() => scaledValue("5", 10, true), /not a percentage/);
});

test("expectedAndDesired: integer minAvailable counts pods; percentages and maxUnavailable use controller scale", () => {
  assert.equal(needsControllerScale({ minAvailable: 2 }), false);
  assert.equal(needsControllerScale({ minAvailable: "50%" }), true);
  assert.equal(needsControllerScale({ maxUnavailable: 1 }), true);
  assert.deepEqual(expectedAndDesired({ minAvailable: 2 }, 3, 99), { expectedCount: 3, desiredHealthy: 2 });
  // minAvailable 50% of 5 rounds up to 3.
  assert.deepEqual(expectedAndDesired({ minAvailable: "50%" }, 4, 5), { expectedCount: 5, desiredHealthy: 3 });
  // maxUnavailable 30% of 5 rounds up to 2 → 3 desired.
  assert.deepEqual(expectedAndDesired({ maxUnavailable: "30%" }, 5, 5), { expectedCount: 5, desiredHealthy: 3 });
  assert.deepEqual(expectedAndDesired({ maxUnavailable: 10 }, 5, 5), { expectedCount: 5, desiredHealthy: 0 });
  assert.deepEqual(expectedAndDesired({}, 5, 5), { expectedCount: 0, desiredHealthy: 0 });
});

test("countHealthy skips unready, terminating and just-evicted pods", () => {
  const pods = [pod("a", true), pod("b", true), pod("c", false), pod("d", true, { deletionTimestamp: iso(0) })];
  assert.equal(countHealthy(pods, {}, now), 2);
  assert.equal(countHealthy(pods, { a: iso(1000) }, now), 1);
  // An entry older than the deletion timeout no longer hides the pod.
  assert.equal(countHealthy(pods, { a: iso(deletionTimeoutMs + 1000) }, now), 2);
});

test("pruneDisruptedPods drops gone, terminating and expired entries and says when to recheck", () => {
  const pods = [pod("a", true), pod("b", true), pod("c", true, { deletionTimestamp: iso(0) })];
  const r = pruneDisruptedPods(pods, { a: iso(30_000), b: iso(deletionTimeoutMs + 1), c: iso(1000), gone: iso(1000) }, now);
  assert.deepEqual(r.disruptedPods, { a: iso(30_000) });
  assert.deepEqual(r.expired, ["b"]);
  assert.equal(r.recheckAt?.getTime(), now.getTime() - 30_000 + deletionTimeoutMs);
  assert.deepEqual(pruneDisruptedPods(pods, undefined, now), { disruptedPods: {}, expired: [] });
});

test("nextPdbStatus: disruptions allowed, conditions, and no write when current", () => {
  const b = pdb({ minAvailable: 2 });
  const st = nextPdbStatus(b, { currentHealthy: 3, desiredHealthy: 2, expectedCount: 3, disruptedPods: {} }, now)!;
  assert.equal(st.disruptionsAllowed, 1);
  assert.equal(st.observedGeneration, 1);
  assert.equal(st.disruptedPods, undefined);
  assert.deepEqual(st.conditions, [{ type: "DisruptionAllowed", status: "True", observedGeneration: 1, lastTransitionTime: "2025-01-01T00:10:00Z", reason: "SufficientPods", message: "" }]);
  // The same counts again: nothing to write.
  assert.equal(nextPdbStatus({ ...b, status: st }, { currentHealthy: 3, desiredHealthy: 2, expectedCount: 3, disruptedPods: {} }, now), undefined);
  // Fewer healthy pods: the condition flips to InsufficientPods with a new transition time.
  const later = new Date(now.getTime() + 5000);
  const st2 = nextPdbStatus({ ...b, status: st }, { currentHealthy: 2, desiredHealthy: 2, expectedCount: 3, disruptedPods: {} }, later)!;
  assert.equal(st2.disruptionsAllowed, 0);
  assert.equal(st2.conditions![0]!.reason, "InsufficientPods");
  assert.equal(st2.conditions![0]!.status, "False");
  assert.equal(st2.conditions![0]!.lastTransitionTime, "2025-01-01T00:10:05Z");
  // A budget that expects no pods allows nothing.
  assert.equal(nextPdbStatus(b, { currentHealthy: 3, desiredHealthy: 0, expectedCount: 0, disruptedPods: {} }, now)!.disruptionsAllowed, 0);
  // A new generation must be observed even with the same counts.
  assert.ok(nextPdbStatus({ ...b, metadata: { ...b.metadata, generation: 2 }, status: st }, { currentHealthy: 3, desiredHealthy: 2, expectedCount: 3, disruptedPods: {} }, now));
});

test("reconcileBudget: minAvailable with an eviction in flight", () => {
  const pods = [pod("a", true), pod("b", true), pod("c", true)];
  const b = pdb({ minAvailable: 2, selector: { matchLabels: { app: "x" } } }, { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 0, disruptedPods: { a: iso(5000) }, observedGeneration: 1 });
  const r = reconcileBudget(b, pods, 0, now);
  assert.equal(r.status!.currentHealthy, 2);
  assert.equal(r.status!.disruptionsAllowed, 0);
  assert.deepEqual(r.status!.disruptedPods, { a: iso(5000) });
  assert.ok(r.recheckAt);
});

test("failSafeStatus zeroes disruptions with a SyncFailed condition", () => {
  const st = failSafeStatus(pdb({ maxUnavailable: 1 }, { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1, observedGeneration: 1 }), "found no controllers for pod \"a\"", now);
  assert.equal(st.disruptionsAllowed, 0);
  assert.equal(st.conditions![0]!.reason, "SyncFailed");
  assert.equal(st.conditions![0]!.message, "found no controllers for pod \"a\"");
});

test("staleDisruptionIn: a DisruptionTarget left on a live pod goes stale after the timeout", () => {
  const p = pod("a", true);
  assert.equal(staleDisruptionIn(p, now), undefined);
  p.status!.conditions!.push({ type: "DisruptionTarget", status: "True", reason: "EvictionByEvictionAPI", lastTransitionTime: iso(60_000) });
  assert.equal(staleDisruptionIn(p, now), deletionTimeoutMs - 60_000);
  p.status!.conditions![1]!.lastTransitionTime = iso(deletionTimeoutMs * 2);
  assert.equal(staleDisruptionIn(p, now), 0);
  assert.equal(staleDisruptionIn({ ...p, metadata: { ...p.metadata, deletionTimestamp: iso(0) } }, now), undefined);
});
