import { test } from "node:test";
import assert from "node:assert/strict";
import type { PodObj } from "../../api/core/v1/pod-printer.js";
import type { ServiceObj } from "../../api/core/v1/service.js";
import type { EndpointSlice } from "../../api/discovery/v1/endpointslice.js";
import { desiredEndpoints } from "./desired.js";
import { planSlices } from "./plan.js";
import { SliceTracker } from "./tracker.js";

const svc: ServiceObj = { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "d", uid: "svc-uid" }, spec: { selector: { app: "w" }, ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }] } };

function pod(i: number, opts: { ready?: boolean; deleting?: boolean } = {}): PodObj {
  return {
    apiVersion: "v1", kind: "Pod",
    metadata: { name: `p${i}`, namespace: "d", uid: `u${i}`, labels: { app: "w" }, ...(opts.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
    spec: { nodeName: "n", containers: [{ name: "c", image: "i" }] },
    status: { phase: "Running", podIP: `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`, conditions: [{ type: "Ready", status: opts.ready === false ? "False" : "True" }] },
  };
}
const pods = (n: number): PodObj[] => Array.from({ length: n }, (_, i) => pod(i));

/** What the server would hold after the plan: created slices get names. */
function apply(existing: EndpointSlice[], plan: ReturnType<typeof planSlices>): EndpointSlice[] {
  const del = new Set(plan.delete.map((s) => s.metadata.name));
  const upd = new Map(plan.update.map((s) => [s.metadata.name, s]));
  const kept = existing.filter((s) => !del.has(s.metadata.name)).map((s) => upd.get(s.metadata.name) ?? s);
  return [...kept, ...plan.create.map((s, i) => ({ ...s, metadata: { ...s.metadata, name: `web-new${existing.length + i}` } }))];
}

test("endpoint conditions: ready, serving, terminating", () => {
  const g = [...desiredEndpoints(svc, [pod(0), pod(1, { ready: false }), pod(2, { deleting: true })]).values()];
  assert.equal(g.length, 1);
  assert.deepEqual(g[0]!.ports, [{ name: "http", port: 8080, protocol: "TCP" }]);
  assert.deepEqual([...g[0]!.endpoints.values()].map((e) => [e.targetRef?.name, e.conditions]), [
    ["p0", { ready: true, serving: true, terminating: false }],
    ["p1", { ready: false, serving: false, terminating: false }],
    ["p2", { ready: false, serving: true, terminating: true }],
  ]);
});

test("250 endpoints make 3 slices of at most 100, owned by the Service", () => {
  const plan = planSlices(svc, [], desiredEndpoints(svc, pods(250)), 100);
  assert.deepEqual(plan.create.map((s) => s.endpoints?.length), [100, 100, 50]);
  for (const s of plan.create) {
    assert.equal(s.metadata.generateName, "web-");
    assert.deepEqual(s.metadata.ownerReferences, [{ apiVersion: "v1", kind: "Service", name: "web", uid: "svc-uid", controller: true, blockOwnerDeletion: true }]);
    assert.equal(s.addressType, "IPv4");
  }
});

test("steady state writes nothing; one pod's change rewrites one slice; a new pod fills a slice with room", () => {
  let state = apply([], planSlices(svc, [], desiredEndpoints(svc, pods(150)), 100));
  assert.deepEqual(planSlices(svc, state, desiredEndpoints(svc, pods(150)), 100), { create: [], update: [], delete: [] });
  const changed = pods(150);
  changed[120] = pod(120, { ready: false });
  const plan = planSlices(svc, state, desiredEndpoints(svc, changed), 100);
  assert.equal(plan.create.length + plan.delete.length, 0);
  assert.equal(plan.update.length, 1);
  state = apply(state, plan);
  const grown = planSlices(svc, state, desiredEndpoints(svc, [...changed, pod(150)]), 100);
  assert.deepEqual([grown.create.length, grown.update.length, grown.delete.length], [0, 1, 0]);
  assert.equal(grown.update[0]!.endpoints?.length, 51);
});

test("no endpoints: one placeholder slice; slices not owned by the Service go", () => {
  const plan = planSlices(svc, [], desiredEndpoints(svc, []), 100);
  assert.deepEqual(plan.create.map((s) => [s.endpoints, s.ports]), [[[], []]]);
  const state = apply([], plan);
  assert.deepEqual(planSlices(svc, state, desiredEndpoints(svc, []), 100), { create: [], update: [], delete: [] });
  const foreign = { ...state[0]!, metadata: { ...state[0]!.metadata, name: "web-old", ownerReferences: [{ apiVersion: "v1", kind: "Service", name: "web", uid: "old", controller: true }] } };
  const p2 = planSlices(svc, [...state, foreign], desiredEndpoints(svc, pods(1)), 100);
  assert.deepEqual(p2.delete.map((s) => s.metadata.name).sort(), ["web-new0", "web-old"]);
  assert.equal(p2.create.length, 1);
});

test("the tracker waits for the cache to show this controller's writes, not longer than its expiry", () => {
  let now = 0;
  const tr = new SliceTracker(1000, () => now);
  const slice = (rv: string): EndpointSlice => ({ apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "web-x", namespace: "d", resourceVersion: rv }, addressType: "IPv4", endpoints: [] });
  tr.wrote("d/web", slice("7"));
  assert.equal(tr.pendingMs("d/web", () => undefined), 0);
  assert.equal(tr.pendingMs("d/web", () => slice("6")), 0);
  assert.equal(tr.pendingMs("d/web", () => slice("8")), undefined);
  tr.deleted("d/web", slice("8"));
  now = 500;
  assert.equal(tr.pendingMs("d/web", () => slice("8")), 500);
  tr.observe("d/web", slice("8"), true);
  assert.equal(tr.pendingMs("d/web", () => slice("8")), undefined);
  tr.wrote("d/web", slice("9"));
  now = 2000;
  assert.equal(tr.pendingMs("d/web", () => undefined), undefined);
});
