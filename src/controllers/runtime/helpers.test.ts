/** slowStartBatch, Expectations and the owner-reference helpers. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../client/workqueue/index.js";
import { slowStartBatch } from "./batch.js";
import { Expectations, expectationsTimeoutMs } from "./expectations.js";
import { controllerRef, newControllerRef } from "./ownerref.js";

test("slowStartBatch runs batches of 1, 2, 4... and covers every index once", async () => {
  const batches: number[][] = [];
  let current: number[] = [];
  let inFlight = 0;
  const res = await slowStartBatch(10, 1, async (i) => {
    if (inFlight === 0) batches.push((current = []));
    inFlight++;
    current.push(i);
    await new Promise((r) => setImmediate(r));
    inFlight--;
  });
  assert.deepEqual(res, { successes: 10 });
  assert.deepEqual(batches.map((b) => b.length), [1, 2, 4, 3]);
  assert.deepEqual(batches.flat(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test("slowStartBatch stops after the first batch with an error", async () => {
  const called: number[] = [];
  const res = await slowStartBatch(100, 1, async (i) => {
    called.push(i);
    if (i === 4) throw new Error("quota exceeded");
  });
  // Batches: [0], [1,2], [3,4,5,6] — the third fails once, the fourth never runs.
  assert.equal(res.successes, 6);
  assert.equal(res.error?.message, "quota exceeded");
  assert.equal(called.length, 7);
});

test("slowStartBatch with nothing to do and with a larger first batch", async () => {
  assert.deepEqual(await slowStartBatch(0, 1, async () => { throw new Error("never"); }), { successes: 0 });
  let n = 0;
  assert.deepEqual(await slowStartBatch(3, 10, async () => { n++; }), { successes: 3 });
  assert.equal(n, 3);
});

test("expectations: satisfied once every create and expected delete was observed", () => {
  const clock = new FakeClock(1000);
  const e = new Expectations({ clock });
  assert.equal(e.satisfied("ns/rs"), true, "nothing expected");
  e.expectCreations("ns/rs", 2);
  assert.equal(e.satisfied("ns/rs"), false);
  e.creationObserved("ns/rs");
  assert.equal(e.satisfied("ns/rs"), false);
  e.creationObserved("ns/rs");
  assert.equal(e.satisfied("ns/rs"), true);

  e.expectDeletions("ns/rs", ["u1", "u2"]);
  assert.equal(e.satisfied("ns/rs"), false);
  e.deletionObserved("ns/rs", "other");
  e.deletionObserved("ns/rs", "u1");
  e.deletionObserved("ns/rs", "u1");
  assert.deepEqual(e.pending("ns/rs"), { add: 0, del: 1 });
  e.deletionObserved("ns/rs", "u2");
  assert.equal(e.satisfied("ns/rs"), true);

  e.expectCreations("ns/rs", 1);
  e.delete("ns/rs");
  assert.equal(e.satisfied("ns/rs"), true);
  e.creationObserved("ns/unknown");
  assert.equal(e.satisfied("ns/unknown"), true);
});

test("expectations expire after 5 minutes", () => {
  const clock = new FakeClock(0);
  const e = new Expectations({ clock });
  e.expectCreations("ns/rs", 3);
  clock.advance(expectationsTimeoutMs);
  assert.equal(e.satisfied("ns/rs"), false);
  clock.advance(1);
  assert.equal(e.satisfied("ns/rs"), true);
});

test("controllerRef and newControllerRef", () => {
  const owner = { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "web", namespace: "ns", uid: "u-1" } };
  const ref = newControllerRef(owner, "apps/v1", "ReplicaSet");
  assert.deepEqual(ref, { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: "u-1", controller: true, blockOwnerDeletion: true });
  const pod = { metadata: { name: "p", ownerReferences: [{ apiVersion: "v1", kind: "X", name: "x", uid: "x" }, ref] } };
  assert.deepEqual(controllerRef(pod), ref);
  assert.equal(controllerRef({ metadata: { name: "q" } }), undefined);
  assert.equal(controllerRef({ metadata: { name: "q", ownerReferences: [{ apiVersion: "v1", kind: "X", name: "x", uid: "x" }] } }), undefined);
});
