/**
 * pods/binding and pods/eviction against a real in-process API server, through the client.
 * Budget statuses are written by hand here; disruption.test.ts runs the controller.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { StatusError } from "../../src/machinery/errors.js";
import type { PodDisruptionBudget } from "../../src/api/policy/v1/poddisruptionbudget.js";
import { eviction, makePod, startTestCluster, type TestCluster } from "./harness.js";

async function rejected(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  assert.fail("expected the request to fail");
}

describe("pods/binding", () => {
  let t: TestCluster;
  before(async () => { t = await startTestCluster(); });
  after(async () => { await t?.stop(); });

  test("the first bind sets nodeName and PodScheduled; a second is a 409", async () => {
    const { client } = t;
    const pod = await makePod(client, "b1", { nodeName: null, phase: "Pending" });
    const binding = { apiVersion: "v1", kind: "Binding", metadata: { name: "b1", namespace: "default", uid: pod.metadata.uid, annotations: { "x/y": "z" } }, target: { apiVersion: "v1", kind: "Node", name: "n1" } };
    const reply = await client.pods.createSubresource("default", "b1", "binding", binding);
    assert.deepEqual(reply, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
    const bound = await client.pods.get("default", "b1");
    assert.equal(bound.spec?.nodeName, "n1");
    assert.equal(bound.metadata.annotations?.["x/y"], "z");
    const cond = bound.status?.conditions?.find((c) => c.type === "PodScheduled");
    assert.equal(cond?.status, "True");
    assert.ok(cond?.lastTransitionTime);

    const err = await rejected(client.pods.createSubresource("default", "b1", "binding", { ...binding, target: { kind: "Node", name: "n2" } }));
    assert.equal(err.code, 409);
    assert.equal(err.reason, "Conflict");
    assert.equal(err.message, `Operation cannot be fulfilled on pods/binding "b1": pod b1 is already assigned to node "n1"`);
  });

  test("missing pods, bad targets, names and uids", async () => {
    const { client } = t;
    const missing = await rejected(client.pods.createSubresource("default", "nope", "binding", { apiVersion: "v1", kind: "Binding", metadata: { name: "nope" }, target: { name: "n1" } }));
    assert.equal(missing.code, 404);
    assert.equal(missing.message, `pods "nope" not found`);

    await makePod(client, "b2", { nodeName: null, phase: "Pending" });
    const noName = await rejected(client.pods.createSubresource("default", "b2", "binding", { apiVersion: "v1", kind: "Binding", metadata: { name: "b2" }, target: { kind: "Service", name: "" } }));
    assert.equal(noName.code, 422);
    assert.match(noName.message, /target\.kind: Unsupported value: "Service"/);
    assert.match(noName.message, /target\.name: Required value/);

    const wrongName = await rejected(client.pods.createSubresource("default", "b2", "binding", { apiVersion: "v1", kind: "Binding", metadata: { name: "other" }, target: { name: "n1" } }));
    assert.equal(wrongName.code, 400);
    assert.equal(wrongName.message, "name in URL does not match name in Binding object");

    const wrongKind = await rejected(client.pods.createSubresource("default", "b2", "binding", { apiVersion: "v1", kind: "Pod", metadata: { name: "b2" } }));
    assert.equal(wrongKind.code, 400);

    const wrongUid = await rejected(client.pods.createSubresource("default", "b2", "binding", { apiVersion: "v1", kind: "Binding", metadata: { name: "b2", uid: "not-the-uid" }, target: { name: "n1" } }));
    assert.equal(wrongUid.code, 409);
    assert.match(wrongUid.message, /^Operation cannot be fulfilled on pods "b2": Precondition failed: UID in precondition: not-the-uid/);
    assert.equal((await client.pods.get("default", "b2")).spec?.nodeName, undefined);
  });

  test("gated pods cannot be bound", async () => {
    const { client } = t;
    await client.pods.create("default", {
      apiVersion: "v1", kind: "Pod", metadata: { name: "gated" },
      spec: { containers: [{ name: "c", image: "nginx" }], schedulingGates: [{ name: "wait" }] },
    });
    const err = await rejected(client.pods.createSubresource("default", "gated", "binding", { apiVersion: "v1", kind: "Binding", metadata: { name: "gated" }, target: { name: "n1" } }));
    assert.equal(err.code, 409);
    assert.equal(err.message, `Operation cannot be fulfilled on pods/binding "gated": pod gated has non-empty .spec.schedulingGates`);
  });
});

describe("pods/eviction", () => {
  let t: TestCluster;
  before(async () => { t = await startTestCluster(); });
  after(async () => { await t?.stop(); });

  async function budget(name: string, selector: Record<string, string>, status: Partial<NonNullable<PodDisruptionBudget["status"]>>): Promise<PodDisruptionBudget> {
    const created = await t.client.pdbs.create("default", {
      apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name }, spec: { minAvailable: 2, selector: { matchLabels: selector } },
    } as PodDisruptionBudget);
    return t.client.pdbs.updateStatus({
      ...created,
      status: { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1, observedGeneration: 1, ...status },
    });
  }

  test("an allowed eviction decrements the budget and deletes the pod; the next is a 429", async () => {
    const { client } = t;
    for (const n of ["e1", "e2", "e3"]) await makePod(client, n, { labels: { app: "evict" } });
    await budget("bud", { app: "evict" }, {});

    const ok = await client.pods.createSubresource("default", "e1", "eviction", eviction("e1"));
    assert.deepEqual(ok, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
    await assert.rejects(client.pods.get("default", "e1"), (e: unknown) => e instanceof StatusError && e.code === 404);
    const after1 = await client.pdbs.get("default", "bud");
    assert.equal(after1.status?.disruptionsAllowed, 0);
    assert.ok(after1.status?.disruptedPods?.e1, "the evicted pod is recorded in disruptedPods");
    assert.equal(after1.status?.conditions?.find((c) => c.type === "DisruptionAllowed")?.reason, "InsufficientPods");

    const res = await t.cluster.handle({
      method: "POST", path: "/api/v1/namespaces/default/pods/e2/eviction", query: new URLSearchParams(),
      headers: { "content-type": "application/json" }, body: Buffer.from(JSON.stringify(eviction("e2"))),
    });
    assert.equal(res.status, 429);
    assert.equal(res.headers["retry-after"], undefined);
    assert.deepEqual(JSON.parse(String(res.body)), {
      kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure",
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      reason: "TooManyRequests",
      details: { causes: [{ reason: "DisruptionBudget", message: "The disruption budget bud needs 2 healthy pods and has 3 currently" }] },
      code: 429,
    });
    assert.ok(await client.pods.get("default", "e2"));
  });

  test("dry run decides but neither decrements nor deletes", async () => {
    const { client } = t;
    await makePod(client, "d1", { labels: { app: "dry" } });
    await budget("drybud", { app: "dry" }, {});
    const ok = await client.pods.createSubresource("default", "d1", "eviction", eviction("d1", { dryRun: ["All"] }));
    assert.equal((ok as { status?: string }).status, "Success");
    assert.ok(await client.pods.get("default", "d1"));
    const b = await client.pdbs.get("default", "drybud");
    assert.equal(b.status?.disruptionsAllowed, 1);
    assert.equal(b.status?.disruptedPods, undefined);
  });

  test("stale budgets, two budgets, pending and unready pods", async () => {
    const { client } = t;
    await makePod(client, "s1", { labels: { app: "stale" } });
    await budget("stalebud", { app: "stale" }, { observedGeneration: 0 });
    const stale = await rejected(client.pods.createSubresource("default", "s1", "eviction", eviction("s1")));
    assert.equal(stale.code, 429);
    assert.equal(stale.details?.retryAfterSeconds, 10);

    await makePod(client, "m1", { labels: { app: "multi", tier: "x" } });
    await budget("multi-a", { app: "multi" }, {});
    await budget("multi-b", { tier: "x" }, {});
    const multi = await rejected(client.pods.createSubresource("default", "m1", "eviction", eviction("m1")));
    assert.equal(multi.code, 500);
    assert.equal(multi.message, "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");

    // Pending pods are not guarded even by a spent budget.
    await makePod(client, "p1", { labels: { app: "pend" }, phase: "Pending" });
    await budget("pendbud", { app: "pend" }, { disruptionsAllowed: 0 });
    await client.pods.createSubresource("default", "p1", "eviction", eviction("p1"));
    await assert.rejects(client.pods.get("default", "p1"), (e: unknown) => e instanceof StatusError && e.code === 404);

    // An unready pod under a healthy budget goes without taking a disruption.
    await makePod(client, "u1", { labels: { app: "unready" }, ready: false });
    await budget("unreadybud", { app: "unready" }, { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2 });
    await client.pods.createSubresource("default", "u1", "eviction", eviction("u1"));
    await assert.rejects(client.pods.get("default", "u1"), (e: unknown) => e instanceof StatusError && e.code === 404);
    assert.equal((await client.pdbs.get("default", "unreadybud")).status?.disruptionsAllowed, 0);
  });

  test("a graceful eviction marks the pod DisruptionTarget and terminating", async () => {
    const { client } = t;
    await makePod(client, "g1", { labels: { app: "grace" } });
    await client.pods.createSubresource("default", "g1", "eviction", eviction("g1", { gracePeriodSeconds: 30 }));
    const pod = await client.pods.get("default", "g1");
    assert.ok(pod.metadata.deletionTimestamp);
    const cond = pod.status?.conditions?.find((c) => c.type === "DisruptionTarget");
    assert.equal(cond?.status, "True");
    assert.equal(cond?.reason, "EvictionByEvictionAPI");
    assert.equal(cond?.message, "Eviction API: evicting");
  });

  test("missing pods are 404, mismatched names 400, GET is 405", async () => {
    const { client } = t;
    const missing = await rejected(client.pods.createSubresource("default", "ghost", "eviction", eviction("ghost")));
    assert.equal(missing.code, 404);
    const wrong = await rejected(client.pods.createSubresource("default", "ghost", "eviction", eviction("other")));
    assert.equal(wrong.code, 400);
    assert.equal(wrong.message, "name in URL does not match name in Eviction object");
    const res = await t.cluster.handle({ method: "GET", path: "/api/v1/namespaces/default/pods/ghost/eviction", query: new URLSearchParams(), headers: {} });
    assert.equal(res.status, 405);
  });
});
