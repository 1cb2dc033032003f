import { test } from "node:test";
import assert from "node:assert/strict";
import { StatusError } from "../../machinery/errors.js";
import { checkAndDecrement, decideEviction, matchingBudgets, type PdbObject } from "./eviction-decision.js";
import type { PodLike } from "./common.js";

const now = new Date("2025-01-01T00:00:00Z");

function pod(phase: string, ready: boolean, labels: Record<string, string> = { app: "web" }): PodLike {
  return {
    metadata: { name: "p", namespace: "default", labels, resourceVersion: "7" },
    status: { phase, conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  };
}

function pdb(name: string, status: Partial<NonNullable<PdbObject["status"]>> = {}, spec: Partial<NonNullable<PdbObject["spec"]>> = {}): PdbObject {
  return {
    metadata: { name, namespace: "default", generation: 1 },
    spec: { selector: { matchLabels: { app: "web" } }, minAvailable: 2, ...spec },
    status: { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1, observedGeneration: 1, ...status },
  };
}

test("terminal, pending and terminating pods are deleted without a budget", () => {
  assert.deepEqual(decideEviction(pod("Succeeded", false), [pdb("b")]), { action: "delete", pinResourceVersion: false });
  assert.deepEqual(decideEviction(pod("Pending", false), [pdb("b")]), { action: "delete", pinResourceVersion: true });
  const terminating = pod("Running", true);
  terminating.metadata.deletionTimestamp = "2025-01-01T00:00:00Z";
  assert.deepEqual(decideEviction(terminating, [pdb("b")]), { action: "delete", pinResourceVersion: false });
});

test("a running pod with no budget is deleted; with one it decrements; with two it is refused", () => {
  assert.deepEqual(decideEviction(pod("Running", true), []), { action: "delete", pinResourceVersion: false });
  assert.deepEqual(decideEviction(pod("Running", true), [pdb("b")]), { action: "decrement", pdbName: "b" });
  const d = decideEviction(pod("Running", true), [pdb("a"), pdb("b")]);
  assert.equal(d.action, "reject");
  if (d.action === "reject") {
    assert.equal(d.error.code, 500);
    assert.equal(d.error.message, "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
    assert.equal(d.error.toStatus().reason, undefined);
  }
});

test("selectors: nil matches nothing, {} matches everything, other namespaces never", () => {
  const p = pod("Running", true);
  assert.equal(matchingBudgets(p, [pdb("b", {}, { selector: undefined })]).length, 0);
  assert.equal(matchingBudgets(p, [pdb("b", {}, { selector: {} })]).length, 1);
  assert.equal(matchingBudgets(p, [pdb("b", {}, { selector: { matchLabels: { app: "db" } } })]).length, 0);
  const other = pdb("b");
  other.metadata.namespace = "kube-system";
  assert.equal(matchingBudgets(p, [other]).length, 0);
});

test("unready pods: AlwaysAllow, or IfHealthyBudget with a healthy budget, delete without decrementing", () => {
  assert.deepEqual(decideEviction(pod("Running", false), [pdb("b", { currentHealthy: 0, disruptionsAllowed: 0 }, { unhealthyPodEvictionPolicy: "AlwaysAllow" })]),
    { action: "delete", pinResourceVersion: true, pdbName: "b" });
  assert.deepEqual(decideEviction(pod("Running", false), [pdb("b", { currentHealthy: 2, disruptionsAllowed: 0 })]),
    { action: "delete", pinResourceVersion: true, pdbName: "b" });
  // Not enough healthy pods: the unready pod is guarded like a ready one.
  assert.deepEqual(decideEviction(pod("Running", false), [pdb("b", { currentHealthy: 1, disruptionsAllowed: 0 })]), { action: "decrement", pdbName: "b" });
});

test("checkAndDecrement: takes one disruption and records the pod", () => {
  const st = checkAndDecrement(pdb("b", { disruptionsAllowed: 1 }), "p", now, false);
  assert.equal(st.disruptionsAllowed, 0);
  assert.deepEqual(st.disruptedPods, { p: "2025-01-01T00:00:00Z" });
  assert.equal(st.conditions?.[0]?.reason, "InsufficientPods");
  const dry = checkAndDecrement(pdb("b", { disruptionsAllowed: 2 }), "p", now, true);
  assert.equal(dry.disruptionsAllowed, 1);
  assert.equal(dry.disruptedPods, undefined);
});

test("checkAndDecrement: 429 with upstream's cause when the budget is spent or stale", () => {
  try {
    checkAndDecrement(pdb("b", { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2 }), "p", now, false);
    assert.fail("expected a 429");
  } catch (e) {
    assert.ok(e instanceof StatusError);
    assert.equal(e.code, 429);
    assert.equal(e.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.deepEqual(e.toStatus().details, { causes: [{ reason: "DisruptionBudget", message: "The disruption budget b needs 2 healthy pods and has 2 currently" }] });
  }
  const stale = pdb("b");
  stale.metadata.generation = 2;
  assert.throws(() => checkAndDecrement(stale, "p", now, false), (e: unknown) => e instanceof StatusError && e.code === 429
    && e.details?.retryAfterSeconds === 10 && e.details.causes?.[0]?.message === "The disruption budget b is still being processed by the server.");
  assert.throws(() => checkAndDecrement(pdb("b", { disruptionsAllowed: -1 }), "p", now, false), (e: unknown) => e instanceof StatusError && e.code === 403);
});
