import { test } from "node:test";
import assert from "node:assert/strict";
import { errors, StatusError } from "../../machinery/errors.js";
import { deepCopy, type KubeList, type KubeObject } from "../../machinery/object.js";
import type { ListOptions, ResourceOps, ResourceRef, StreamHandle, WatchEvent, WatchOptions } from "../interfaces.js";
import { Informer } from "./informer.js";
import { SharedInformerFactory } from "./factory.js";
import { objectKey, splitKey } from "./keys.js";

const ref: ResourceRef = { group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true };

interface Watcher {
  after: number;
  opts: WatchOptions;
  onEvent(ev: WatchEvent): void;
  onEnd(err?: Error): void;
  closed: boolean;
}

/** An in-memory resource with a revision log, compaction and controllable watches. */
class FakeOps implements ResourceOps<KubeObject> {
  readonly ref = ref;
  rev = 1;
  compacted = 0;
  objects = new Map<string, KubeObject>();
  log: { rev: number; ev: WatchEvent }[] = [];
  watchers: Watcher[] = [];
  held: (() => void)[] = [];
  hold = false;
  listCalls: ListOptions[] = [];
  watchCalls: WatchOptions[] = [];
  failLists = 0;

  put(name: string, data: Record<string, string> = {}, ns = "default"): KubeObject {
    const key = `${ns}/${name}`;
    const existed = this.objects.has(key);
    const obj: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns, resourceVersion: String(++this.rev) }, data };
    this.objects.set(key, obj);
    this.emit({ type: existed ? "MODIFIED" : "ADDED", object: obj });
    return obj;
  }

  remove(name: string, ns = "default"): void {
    const key = `${ns}/${name}`;
    const old = this.objects.get(key)!;
    this.objects.delete(key);
    const obj = { ...old, metadata: { ...old.metadata, resourceVersion: String(++this.rev) } };
    this.emit({ type: "DELETED", object: obj });
  }

  private emit(ev: WatchEvent): void {
    this.log.push({ rev: this.rev, ev });
    for (const w of this.live()) w.onEvent(deepCopy(ev));
  }

  live(): Watcher[] {
    return this.watchers.filter((w) => !w.closed);
  }

  /** Ends every open watch (normally, or with an error). */
  drop(err?: Error): void {
    for (const w of this.live()) {
      w.closed = true;
      w.onEnd(err);
    }
  }

  compact(): void {
    this.compacted = this.rev;
    this.log = [];
  }

  async get(): Promise<KubeObject> { throw new Error("unused"); }
  async list(): Promise<KubeList<KubeObject>> { throw new Error("unused"); }

  async listAll(_ns: string | undefined, opts: ListOptions = {}): Promise<KubeList<KubeObject>> {
    this.listCalls.push(opts);
    await Promise.resolve();
    if (this.failLists > 0) {
      this.failLists--;
      throw errors.internal("list failed");
    }
    return { apiVersion: "v1", kind: "ConfigMapList", metadata: { resourceVersion: String(this.rev) }, items: [...this.objects.values()].map(deepCopy) };
  }

  watch(_ns: string | undefined, opts: WatchOptions, onEvent: (ev: WatchEvent) => void, onEnd: (err?: Error) => void): StreamHandle {
    this.watchCalls.push(opts);
    const w: Watcher = { after: Number(opts.resourceVersion), opts, onEvent, onEnd, closed: false };
    const begin = (): void => {
      if (w.closed) return;
      this.watchers.push(w);
      if (w.after < this.compacted) {
        w.onEvent({ type: "ERROR", object: errors.gone(`too old resource version: ${w.after} (${this.compacted})`).toStatus() as unknown as KubeObject });
        w.closed = true;
        w.onEnd();
        return;
      }
      for (const e of this.log) if (e.rev > w.after && !w.closed) w.onEvent(deepCopy(e.ev));
    };
    if (this.hold) this.held.push(begin);
    else queueMicrotask(begin);
    return { close: () => { w.closed = true; } };
  }

  resume(): void {
    this.hold = false;
    for (const b of this.held.splice(0)) b();
  }

  async create(): Promise<KubeObject> { throw new Error("unused"); }
  async update(): Promise<KubeObject> { throw new Error("unused"); }
  async updateStatus(): Promise<KubeObject> { throw new Error("unused"); }
  async patch(): Promise<KubeObject> { throw new Error("unused"); }
  async delete(): Promise<KubeObject> { throw new Error("unused"); }
  async createSubresource(): Promise<KubeObject> { throw new Error("unused"); }
}

/** Records handler calls as short strings. */
function recorder(): { calls: string[]; handler: Parameters<Informer["addHandler"]>[0] } {
  const calls: string[] = [];
  return {
    calls,
    handler: {
      onAdd: (o) => calls.push(`add ${objectKey(o)}`),
      onUpdate: (a, b) => calls.push(`update ${objectKey(b)} ${a.metadata.resourceVersion}->${b.metadata.resourceVersion}`),
      onDelete: (o) => calls.push(`delete ${objectKey(o)}`),
    },
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 2));
  }
}

test("keys", () => {
  assert.equal(objectKey({ metadata: { name: "a", namespace: "ns" } }), "ns/a");
  assert.equal(objectKey({ metadata: { name: "n1" } }), "n1");
  assert.deepEqual(splitKey("ns/a"), { namespace: "ns", name: "a" });
  assert.deepEqual(splitKey("n1"), { namespace: undefined, name: "n1" });
});

test("lists, syncs, then watches from the list's resourceVersion with bookmarks", async () => {
  const ops = new FakeOps();
  ops.put("a");
  ops.put("b");
  const inf = new Informer(ops, { labelSelector: "x=y", onError: () => {} });
  const r = recorder();
  inf.addHandler(r.handler);
  assert.equal(inf.hasSynced(), false);
  inf.start();
  await inf.waitForSync();
  assert.equal(inf.hasSynced(), true);
  assert.deepEqual(r.calls.sort(), ["add default/a", "add default/b"]);
  assert.equal(inf.lastSyncResourceVersion, "3");
  await tick();
  assert.equal(ops.watchCalls[0]!.resourceVersion, "3");
  assert.equal(ops.watchCalls[0]!.allowWatchBookmarks, true);
  assert.equal(ops.watchCalls[0]!.labelSelector, "x=y");
  assert.equal(ops.listCalls[0]!.labelSelector, "x=y");

  r.calls.length = 0;
  ops.put("c");
  ops.put("a", { k: "v" });
  ops.remove("b");
  assert.deepEqual(r.calls, ["add default/c", "update default/a 2->5", "delete default/b"]);
  assert.deepEqual(inf.list().map(objectKey).sort(), ["default/a", "default/c"]);
  assert.deepEqual(inf.get("default/a")!.data, { k: "v" });
  assert.equal(inf.lastSyncResourceVersion, "6");

  // A bookmark only moves the resourceVersion.
  ops.live()[0]!.onEvent({ type: "BOOKMARK", object: { kind: "ConfigMap", metadata: { resourceVersion: "40" } } });
  assert.equal(inf.lastSyncResourceVersion, "40");
  assert.equal(r.calls.length, 3);
  inf.stop();
});

test("handlers see the cache already changed; a late handler gets the cache replayed", async () => {
  const ops = new FakeOps();
  ops.put("a");
  const inf = new Informer(ops);
  let sawInCache = false;
  inf.addHandler({ onAdd: (o) => { sawInCache = inf.get(objectKey(o)) === o; } });
  inf.start();
  await inf.waitForSync();
  assert.equal(sawInCache, true);
  const late = recorder();
  inf.addHandler(late.handler);
  assert.deepEqual(late.calls, ["add default/a"]);
  inf.stop();
});

test("a watch that ends is resumed from the last resourceVersion, with no relist", async () => {
  const ops = new FakeOps();
  ops.put("a");
  const inf = new Informer(ops, { onError: () => {} });
  const r = recorder();
  inf.addHandler(r.handler);
  inf.start();
  await inf.waitForSync();
  await tick();
  ops.put("b");
  await new Promise((res) => setTimeout(res, 5));
  ops.drop();
  await until(() => ops.live().length === 1);
  assert.equal(ops.listCalls.length, 1);
  assert.equal(ops.watchCalls.at(-1)!.resourceVersion, "3");
  ops.put("c");
  assert.deepEqual(r.calls, ["add default/a", "add default/b", "add default/c"]);
  inf.stop();
});

test("a watch that fails with a network error is retried after a backoff", async () => {
  const ops = new FakeOps();
  const errs: Error[] = [];
  const inf = new Informer(ops, { minBackoffMs: 5, onError: (e) => errs.push(e) });
  inf.start();
  await inf.waitForSync();
  await tick();
  ops.drop(new Error("ECONNRESET"));
  await until(() => ops.live().length === 1);
  assert.equal(errs[0]!.message, "ECONNRESET");
  assert.equal(ops.listCalls.length, 1);
  inf.stop();
});

test("410 Gone while the watch was down: relist and emit the diff against the cache", async () => {
  const ops = new FakeOps();
  ops.put("keep");
  ops.put("change");
  ops.put("gone");
  const inf = new Informer(ops, { minBackoffMs: 5, onError: () => {} });
  const r = recorder();
  inf.addHandler(r.handler);
  inf.start();
  await inf.waitForSync();
  await tick();
  r.calls.length = 0;

  ops.hold = true;
  ops.drop();
  ops.put("change", { v: "2" });
  ops.remove("gone");
  ops.put("new");
  ops.compact();
  ops.resume();
  await until(() => ops.listCalls.length === 2 && ops.live().length === 1);
  assert.deepEqual(r.calls.sort(), ["add default/new", "delete default/gone", "update default/change 3->5"]);
  assert.deepEqual(inf.list().map(objectKey).sort(), ["default/change", "default/keep", "default/new"]);
  assert.equal(inf.lastSyncResourceVersion, String(ops.rev));
  assert.equal(ops.watchCalls.at(-1)!.resourceVersion, String(ops.rev));
  inf.stop();
});

test("a 410 reply to the watch request also relists", async () => {
  const ops = new FakeOps();
  const inf = new Informer(ops, { onError: () => {} });
  inf.start();
  await inf.waitForSync();
  await tick();
  ops.drop(new StatusError(410, "Expired", "too old resource version"));
  await until(() => ops.listCalls.length === 2);
  inf.stop();
});

test("a failed list is retried with backoff; waitForSync waits for it", async () => {
  const ops = new FakeOps();
  ops.put("a");
  ops.failLists = 2;
  const errs: Error[] = [];
  const inf = new Informer(ops, { minBackoffMs: 5, onError: (e) => errs.push(e) });
  inf.start();
  await inf.waitForSync();
  assert.equal(ops.listCalls.length, 3);
  assert.equal(errs.length, 2);
  assert.equal(inf.list().length, 1);
  inf.stop();
});

test("resync calls onUpdate(obj, obj) for every cached object", async () => {
  const ops = new FakeOps();
  ops.put("a");
  ops.put("b");
  const inf = new Informer(ops, { resyncMs: 20 });
  const r = recorder();
  inf.addHandler(r.handler);
  inf.start();
  await inf.waitForSync();
  await until(() => r.calls.filter((c) => c.startsWith("update")).length >= 2);
  assert.deepEqual(r.calls.filter((c) => c.startsWith("update")).slice(0, 2).sort(), ["update default/a 2->2", "update default/b 3->3"]);
  inf.stop();
});

test("indexers: the namespace index, custom ones, kept current on change", async () => {
  const ops = new FakeOps();
  ops.put("a", { owner: "x" }, "ns1");
  ops.put("b", { owner: "x" }, "ns2");
  ops.put("c", { owner: "y" }, "ns1");
  const byOwner = (o: KubeObject): string[] => [(o.data as Record<string, string>).owner!];
  const inf = new Informer(ops, { indexers: { owner: byOwner } });
  inf.start();
  await inf.waitForSync();
  await tick();
  const names = (xs: KubeObject[]): string[] => xs.map((o) => o.metadata.name!).sort();
  assert.deepEqual(names(inf.byIndex("namespace", "ns1")), ["a", "c"]);
  assert.deepEqual(names(inf.byIndex("owner", "x")), ["a", "b"]);
  ops.put("a", { owner: "y" }, "ns1");
  ops.remove("c", "ns1");
  assert.deepEqual(names(inf.byIndex("owner", "x")), ["b"]);
  assert.deepEqual(names(inf.byIndex("owner", "y")), ["a"]);
  assert.deepEqual(inf.byIndex("namespace", "nope"), []);
  assert.throws(() => inf.byIndex("missing", "x"), /does not exist/);
  inf.addIndexers({ name: (o) => [o.metadata.name!] });
  assert.deepEqual(names(inf.byIndex("name", "b")), ["b"]);
  inf.stop();
});

test("a throwing handler neither breaks the informer nor the other handlers", async () => {
  const ops = new FakeOps();
  const errs: Error[] = [];
  const inf = new Informer(ops, { onError: (e) => errs.push(e) });
  const r = recorder();
  inf.addHandler({ onAdd: () => { throw new Error("boom"); } });
  inf.addHandler(r.handler);
  inf.start();
  await inf.waitForSync();
  await tick();
  ops.put("a");
  assert.deepEqual(r.calls, ["add default/a"]);
  assert.equal(errs[0]!.message, "boom");
  assert.equal(inf.list().length, 1);
  inf.stop();
});

test("stop ends the watch and rejects pending waitForSync; abort signals are honoured", async () => {
  const ops = new FakeOps();
  ops.failLists = 100;
  const inf = new Informer(ops, { minBackoffMs: 1000, onError: () => {} });
  inf.start();
  const ac = new AbortController();
  const aborted = inf.waitForSync(ac.signal);
  ac.abort(new Error("gave up"));
  await assert.rejects(aborted, /gave up/);
  const pending = inf.waitForSync();
  inf.stop();
  await assert.rejects(pending, /stopped/);
});

test("the factory shares one informer per resource and selectors, merging indexers", async () => {
  const ops = new FakeOps();
  ops.put("a");
  let made = 0;
  const f = new SharedInformerFactory({ resource: <T extends KubeObject>() => { made++; return ops as unknown as ResourceOps<T>; } });
  const i1 = f.informerFor(ref);
  const i2 = f.informerFor(ref, { indexers: { name: (o) => [o.metadata.name!] } });
  const i3 = f.informerFor(ref, { labelSelector: "app=x" });
  assert.equal(i1, i2);
  assert.notEqual(i1, i3);
  assert.equal(made, 2);
  f.start();
  await f.waitForSync();
  assert.equal(i1.byIndex("name", "a").length, 1);
  const late = f.informerFor(ref, { fieldSelector: "metadata.name=a" });
  await late.waitForSync();
  assert.equal(late.hasSynced(), true, "informers created after start() start at once");
  f.stop();
});

test("scopes of a shared factory share one informer; stopping a scope detaches only its handlers", async () => {
  const ops = new FakeOps();
  ops.put("a");
  const shared = new SharedInformerFactory({ resource: <T extends KubeObject>() => ops as unknown as ResourceOps<T> });
  const s1 = shared.scoped();
  const s2 = shared.scoped();
  const v1 = s1.informerFor(ref);
  const v2 = s2.informerFor(ref, { indexers: { name: (o) => [o.metadata.name!] } });
  assert.equal(s1.informerFor(ref), v1, "a scope hands out one view per informer");
  const r1 = recorder();
  const r2 = recorder();
  v1.addHandler(r1.handler);
  v2.addHandler(r2.handler);
  s1.start();
  s2.start();
  await Promise.all([s1.waitForSync(), s2.waitForSync()]);
  assert.equal(ops.watchCalls.length, 1, "one watch for both scopes");
  assert.equal(v1.get("default/a"), v2.get("default/a"), "both read the same cached object");
  assert.equal(v1.byIndex("name", "a").length, 1, "indexers asked for in one scope serve the other");
  s1.stop();
  ops.put("b");
  await until(() => r2.calls.includes("add default/b"));
  assert.deepEqual(r1.calls, ["add default/a"], "a stopped scope hears nothing more");
  assert.equal(v1.isStopped, true);
  assert.equal(v2.isStopped, false);
  assert.equal(v2.get("default/b")?.metadata.name, "b", "the shared informer still runs");
  s2.stop();
  shared.stop();
  assert.equal(v2.isStopped, true);
});

test("a filtered view narrows a shared informer as a selector would, with no cache of its own", async () => {
  const ops = new FakeOps();
  ops.put("a", { bound: "yes" });
  ops.put("b", {});
  const shared = new SharedInformerFactory({ resource: <T extends KubeObject>() => ops as unknown as ResourceOps<T> });
  const all = shared.informerFor(ref);
  const bound = (o: KubeObject): boolean => (o as KubeObject & { data?: Record<string, string> }).data?.bound === "yes";
  const view = shared.scoped().filtered(ref, bound);
  const r = recorder();
  view.addHandler(r.handler);
  view.start();
  await view.waitForSync();
  assert.deepEqual(r.calls, ["add default/a"]);
  assert.equal(view.get("default/b"), undefined);
  assert.equal(view.get("default/a"), all.get("default/a"), "the same object as the shared cache holds");
  assert.deepEqual(view.listKeys(), ["default/a"]);
  assert.deepEqual(view.byIndex("namespace", "default").map(objectKey), ["default/a"]);
  ops.put("b", { bound: "yes" });
  ops.put("a", {});
  ops.put("b", { bound: "yes", more: "1" });
  ops.remove("b");
  ops.put("c", {});
  ops.remove("a");
  await until(() => all.get("default/c") !== undefined && all.get("default/a") === undefined);
  assert.deepEqual(r.calls.map((c) => c.replace(/ \d+->\d+$/, "")), [
    "add default/a", "add default/b", "delete default/a", "update default/b", "delete default/b",
  ]);
  view.stop();
  shared.stop();
});

test("cached objects are deep-frozen under the test runner, so a component that mutates one fails", async () => {
  assert.ok(process.env.NODE_TEST_CONTEXT !== undefined || process.env.TIMONEL_FREEZE_INFORMER_CACHE !== undefined, "run with node --test");
  const ops = new FakeOps();
  ops.put("a", { k: "v" });
  const inf = new Informer(ops);
  inf.start();
  await inf.waitForSync();
  ops.put("b");
  await until(() => inf.get("default/b") !== undefined);
  for (const key of ["default/a", "default/b"]) {
    const obj = inf.get(key)! as KubeObject & { data: Record<string, string> };
    assert.throws(() => { obj.metadata.name = "x"; }, TypeError);
    assert.throws(() => { obj.data.k = "w"; }, TypeError);
  }
  inf.stop();
  const loose = new Informer(ops, { freezeObjects: false });
  loose.start();
  await loose.waitForSync();
  assert.equal(Object.isFrozen(loose.get("default/a")), false);
  loose.stop();
});
