/**
 * Informers against the real API server, over the in-process transport and over HTTPS (from
 * the cluster's kubeconfig): the cache and the handler calls follow creates, updates and
 * deletes; a watch cut while storage is compacted comes back as 410 Gone and the relist
 * reports exactly the difference; a dropped HTTP/2 session is reconnected and resumed.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startCluster, type Cluster } from "../../src/cli/cluster.js";
import { ApiClient } from "../../src/client/client.js";
import { inProcessTransport } from "../../src/client/inprocess.js";
import { transportFromKubeconfig, type HttpsTransport } from "../../src/client/https.js";
import { Informer, SharedInformerFactory, objectKey, type EventHandler } from "../../src/client/informer/index.js";
import type { StreamHandle, Transport, TransportRequest, TransportResponse } from "../../src/client/interfaces.js";
import type { ConfigMapObj } from "../../src/api/core/v1/configmap.js";

const dataDir = mkdtempSync(path.join(os.tmpdir(), "timonel-informer-"));
let cluster: Cluster;
let https: HttpsTransport;

before(async () => {
  cluster = await startCluster({ dataDir, port: 0, storage: "memory", host: "127.0.0.1", components: false });
  https = transportFromKubeconfig(cluster.kubeconfigPath);
});

after(async () => {
  await https?.close();
  await cluster?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Wraps a transport so the test can cut every open watch and hold new ones back. */
class Switch implements Transport {
  private down = false;
  private readonly open = new Set<{ handle?: StreamHandle; onEnd(err?: Error): void }>();
  private held: (() => void)[] = [];
  readonly log: string[] = [];

  constructor(private readonly inner: Transport) {}

  get watching(): number {
    return this.open.size;
  }

  request(req: TransportRequest): Promise<TransportResponse> {
    this.log.push(`${req.method} ${req.path}`);
    return this.inner.request(req);
  }

  stream(req: TransportRequest, onLine: (line: string) => void, onEnd: (err?: Error) => void): StreamHandle {
    this.log.push(`WATCH ${req.path} rv=${String(req.query?.resourceVersion ?? "")}`);
    const entry: { handle?: StreamHandle; onEnd(err?: Error): void; cancelled?: boolean } = { onEnd };
    const begin = (): void => {
      if (entry.cancelled) return;
      this.open.add(entry);
      entry.handle = this.inner.stream(req, onLine, (err) => {
        this.open.delete(entry);
        onEnd(err);
      });
    };
    if (this.down) this.held.push(begin);
    else begin();
    return {
      close: () => {
        entry.cancelled = true;
        this.open.delete(entry);
        entry.handle?.close();
      },
    };
  }

  /** Ends every open watch as a network failure would, and holds new ones until restore(). */
  cut(): void {
    this.down = true;
    for (const e of [...this.open]) {
      this.open.delete(e);
      e.handle?.close();
      e.onEnd(new Error("connection cut by the test"));
    }
  }

  restore(): void {
    this.down = false;
    for (const b of this.held.splice(0)) b();
  }
}

function recorder(): { calls: string[]; handler: EventHandler<ConfigMapObj> } {
  const calls: string[] = [];
  return {
    calls,
    handler: {
      onAdd: (o) => calls.push(`add ${o.metadata.name}`),
      onUpdate: (a, b) => calls.push(a === b ? `resync ${b.metadata.name}` : `update ${b.metadata.name}`),
      onDelete: (o) => calls.push(`delete ${o.metadata.name}`),
    },
  };
}

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

let nsCounter = 0;
async function freshNamespace(client: ApiClient, label: string): Promise<string> {
  const name = `inf-${label}-${++nsCounter}`;
  await client.namespaces.create(undefined, { metadata: { name } });
  return name;
}

const cm = (name: string, data: Record<string, string> = {}): ConfigMapObj => ({ metadata: { name }, data });

const transports: [string, () => Transport][] = [
  ["in-process", () => inProcessTransport(cluster.handle)],
  ["https", () => https],
];

for (const [label, make] of transports) {
  test(`${label}: the cache and handlers follow creates, updates and deletes`, async () => {
    const client = new ApiClient(make());
    const ns = await freshNamespace(client, label);
    await client.configmaps.create(ns, cm("pre", { a: "1" }));
    const inf = new Informer(client.configmaps, { namespace: ns, minBackoffMs: 10, indexers: { byKey: (o) => Object.keys(o.data ?? {}) } });
    const r = recorder();
    inf.addHandler(r.handler);
    inf.start();
    await inf.waitForSync();
    assert.deepEqual(r.calls, ["add pre"]);
    assert.equal(inf.get(`${ns}/pre`)!.data!.a, "1");

    const created = await client.configmaps.create(ns, cm("one", { b: "2" }));
    await until("add one", () => inf.get(`${ns}/one`) !== undefined);
    const updated = await client.configmaps.patch(ns, "one", "merge", { data: { b: "3" } });
    await until("update one", () => inf.get(`${ns}/one`)?.metadata.resourceVersion === updated.metadata.resourceVersion);
    assert.notEqual(created.metadata.resourceVersion, updated.metadata.resourceVersion);
    assert.deepEqual(inf.get(`${ns}/one`)!.data, { b: "3" });
    assert.deepEqual(inf.byIndex("byKey", "b").map(objectKey), [`${ns}/one`]);
    assert.deepEqual(inf.byIndex("namespace", ns).map(objectKey).sort(), [`${ns}/one`, `${ns}/pre`]);
    await client.configmaps.delete(ns, "pre");
    await until("delete pre", () => inf.get(`${ns}/pre`) === undefined);
    assert.deepEqual(r.calls, ["add pre", "add one", "update one", "delete pre"]);
    assert.ok(Number(inf.lastSyncResourceVersion) >= Number(updated.metadata.resourceVersion));

    // Objects of other namespaces stay out of a namespaced informer.
    await client.configmaps.create("default", cm(`other-${label}`));
    await client.configmaps.create(ns, cm("last"));
    await until("add last", () => inf.get(`${ns}/last`) !== undefined);
    assert.deepEqual(inf.list().map(objectKey).sort(), [`${ns}/last`, `${ns}/one`]);
    inf.stop();
    await client.configmaps.delete("default", `other-${label}`);
  });

  test(`${label}: a 410 after compaction while the watch was down relists and reports the diff`, async () => {
    const raw = new ApiClient(make());
    const sw = new Switch(make());
    const client = new ApiClient(sw);
    const ns = await freshNamespace(raw, `${label}-gone`);
    for (const n of ["keep", "change", "gone"]) await raw.configmaps.create(ns, cm(n, { v: "1" }));
    const inf = new Informer(client.configmaps, { namespace: ns, minBackoffMs: 10, onError: () => {} });
    const r = recorder();
    inf.addHandler(r.handler);
    inf.start();
    await inf.waitForSync();
    await until("watch open", () => sw.watching === 1);
    const rvBefore = inf.lastSyncResourceVersion;
    const keepBefore = inf.get(`${ns}/keep`);
    r.calls.length = 0;

    sw.cut();
    await raw.configmaps.patch(ns, "change", "merge", { data: { v: "2" } });
    await raw.configmaps.delete(ns, "gone");
    await raw.configmaps.create(ns, cm("new"));
    await cluster.backend.compact(await cluster.backend.currentRevision());
    const lists = sw.log.filter((l) => l.startsWith("GET")).length;
    sw.restore();

    await until("relist", () => r.calls.length === 3);
    assert.deepEqual([...r.calls].sort(), ["add new", "delete gone", "update change"]);
    assert.deepEqual(inf.list().map((o) => o.metadata.name).sort(), ["change", "keep", "new"]);
    assert.equal(inf.get(`${ns}/change`)!.data!.v, "2");
    assert.equal(inf.get(`${ns}/keep`), keepBefore, "an unchanged object keeps its cached copy");
    assert.equal(sw.log.filter((l) => l.startsWith("GET")).length, lists + 1, "exactly one relist");
    assert.ok(sw.log.includes(`WATCH /api/v1/namespaces/${ns}/configmaps rv=${rvBefore}`), "it first tried to resume");
    await until("watch again", () => sw.watching === 1);

    // And it keeps following changes after the relist.
    await raw.configmaps.delete(ns, "keep");
    await until("delete keep", () => inf.get(`${ns}/keep`) === undefined);
    assert.equal(r.calls.at(-1), "delete keep");
    inf.stop();
  });
}

test("https: a dropped HTTP/2 session is reconnected and the watch resumes from its resourceVersion", async () => {
  const client = new ApiClient(https);
  const ns = await freshNamespace(client, "reset");
  const errs: Error[] = [];
  const inf = new Informer(client.configmaps, { namespace: ns, minBackoffMs: 10, onError: (e) => errs.push(e) });
  const r = recorder();
  inf.addHandler(r.handler);
  inf.start();
  await inf.waitForSync();
  await client.configmaps.create(ns, cm("a"));
  await until("add a", () => r.calls.includes("add a"));
  https.reset();
  await until("the watch noticed", () => errs.length > 0);
  await client.configmaps.create(ns, cm("b"));
  await until("add b", () => r.calls.includes("add b"));
  assert.deepEqual(r.calls, ["add a", "add b"], "no relist noise: the watch resumed");
  inf.stop();
});

test("in-process: a shared informer factory serves several handlers from one watch, with resync", async () => {
  const sw = new Switch(inProcessTransport(cluster.handle));
  const client = new ApiClient(sw);
  const ns = await freshNamespace(client, "factory");
  await client.configmaps.create(ns, cm("x"));
  const factory = new SharedInformerFactory(client, { namespace: ns });
  const a = factory.informerFor<ConfigMapObj>(client.configmaps.ref, { resyncMs: 150 });
  const b = factory.forKind<ConfigMapObj>("v1", "ConfigMap");
  assert.equal(a, b);
  const ra = recorder();
  const rb = recorder();
  a.addHandler(ra.handler);
  b.addHandler(rb.handler);
  factory.start();
  await factory.waitForSync();
  await until("resync", () => ra.calls.includes("resync x") && rb.calls.includes("resync x"));
  assert.equal(sw.log.filter((l) => l.startsWith("WATCH")).length, 1);
  assert.equal(sw.log.filter((l) => l.startsWith("GET") && l.endsWith("/configmaps")).length, 1);
  factory.stop();
});
