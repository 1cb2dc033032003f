import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryBackend } from "../storage/memory/memory.js";
import { ResourceStore } from "./store.js";
import { testDef } from "./testing.js";
import { StatusError } from "../machinery/errors.js";
import type { KubeObject } from "../machinery/object.js";

const def = testDef();
const widget = (name: string, spec: Record<string, unknown> = { size: 1 }): KubeObject => ({
  apiVersion: "example.com/v1", kind: "Widget", metadata: { name }, spec,
});

async function code(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 0;
  } catch (err) {
    assert.ok(err instanceof StatusError, String(err));
    return err.code;
  }
}

test("create assigns uid, timestamps, generation and resourceVersion; duplicates are 409", async () => {
  const store = new ResourceStore(new MemoryBackend());
  const o = await store.create(def, "ns1", widget("a"));
  assert.match(o.metadata.uid!, /^[0-9a-f-]{36}$/);
  assert.equal(o.metadata.generation, 1);
  assert.equal(o.metadata.namespace, "ns1");
  assert.ok(Number(o.metadata.resourceVersion) > 0);
  assert.equal(await code(store.create(def, "ns1", widget("a"))), 409);
  const got = await store.get(def, "ns1", "a");
  assert.deepEqual(got, o);
});

test("generateName, invalid names and namespace mismatch", async () => {
  const store = new ResourceStore(new MemoryBackend());
  const o = await store.create(def, "ns1", { apiVersion: "example.com/v1", kind: "Widget", metadata: { generateName: "web-" } });
  assert.match(o.metadata.name!, /^web-[a-z0-9]{5}$/);
  assert.equal(await code(store.create(def, "ns1", widget("Bad_Name"))), 422);
  assert.equal(await code(store.create(def, "ns1", { ...widget("x"), metadata: { name: "x", namespace: "other" } })), 400);
});

test("update bumps generation on spec change only, keeps status, and conflicts on stale resourceVersion", async () => {
  const store = new ResourceStore(new MemoryBackend());
  const o = await store.create(def, "ns1", widget("a"));
  const { object: s } = await store.update(def, "ns1", "a", (live) => ({ ...live, status: { size: 1 } }), { subresource: "status" });
  assert.deepEqual(s.status, { size: 1 });
  assert.equal(s.metadata.generation, 1);
  const { object: u } = await store.update(def, "ns1", "a", (live) => ({ ...live, spec: { size: 2 }, status: { size: 99 } }));
  assert.equal(u.metadata.generation, 2);
  assert.deepEqual(u.status, { size: 1 }, "main resource writes may not change status");
  const { object: same } = await store.update(def, "ns1", "a", (live) => live);
  assert.equal(same.metadata.resourceVersion, u.metadata.resourceVersion, "a no-op update does not write");
  assert.equal(await code(store.update(def, "ns1", "a", () => ({ ...o, spec: { size: 3 } }))), 409);
});

test("finalizers hold deletion until removed", async () => {
  const store = new ResourceStore(new MemoryBackend());
  await store.create(def, "ns1", { ...widget("a"), metadata: { name: "a", finalizers: ["example.com/hold"] } });
  const d = await store.delete(def, "ns1", "a");
  assert.equal(d.deleted, false);
  assert.ok(d.object.metadata.deletionTimestamp);
  assert.equal(await code(store.update(def, "ns1", "a", (l) => ({ ...l, metadata: { ...l.metadata, finalizers: ["example.com/hold", "x.io/new"] } }))), 403);
  await store.update(def, "ns1", "a", (l) => ({ ...l, metadata: { ...l.metadata, finalizers: [] } }));
  assert.equal(await code(store.get(def, "ns1", "a")), 404);
});

test("list pages with continue tokens over a consistent snapshot, and filters", async () => {
  const store = new ResourceStore(new MemoryBackend());
  for (let i = 0; i < 7; i++) await store.create(def, "ns1", widget(`w${i}`, { size: i, color: i % 2 ? "red" : "blue" }));
  await store.create(def, "ns2", widget("other"));
  const p1 = await store.list(def, "ns1", { limit: 3 });
  assert.equal(p1.kvs.length, 3);
  assert.ok(p1.continueToken);
  assert.equal(p1.remaining, 4);
  await store.create(def, "ns1", widget("w9"));
  const p2 = await store.list(def, "ns1", { limit: 10, continueToken: p1.continueToken });
  assert.equal(p2.kvs.length, 4, "the page is read at the first page's revision");
  assert.equal(p2.continueToken, undefined);
  const red = await store.list(def, undefined, { filter: (o) => (o.spec as { color?: string }).color === "red", limit: 2 });
  assert.deepEqual(red.objects!.map((o) => o.metadata.name), ["w1", "w3"]);
  assert.ok(red.continueToken);
  const all = await store.list(def, undefined, {});
  assert.equal(all.kvs.length, 9);
  assert.equal(await code(store.list(def, "ns1", { continueToken: "garbage" })), 400);
});

test("service-style names: dns1035Label rejects a leading digit", async () => {
  const store = new ResourceStore(new MemoryBackend());
  const d = testDef({ nameValidation: "dns1035Label" });
  assert.equal(await code(store.create(d, "ns1", widget("1web"))), 422);
  assert.equal(await code(store.create(d, "ns1", widget("web1"))), 0);
});

test("an update naming another uid is refused (422), not retargeted", async () => {
  const store = new ResourceStore(new MemoryBackend());
  await store.create(def, "ns1", widget("a"));
  assert.equal(await code(store.update(def, "ns1", "a", (l) => ({ ...l, metadata: { ...l.metadata, uid: "00000000-0000-0000-0000-000000000000" } }))), 422);
});
