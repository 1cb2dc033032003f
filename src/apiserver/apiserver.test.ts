import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryBackend } from "../storage/memory/memory.js";
import { ResourceRegistry } from "../machinery/registry.js";
import { ApiServer } from "./apiserver.js";
import { ResourceStore } from "./store.js";
import { WatchHub } from "./watch/hub.js";
import { namespaceTestDef, testDef } from "./testing.js";
import type { ApiRequest, ApiResponse } from "./types.js";
import { aggregatedV2ContentType } from "./discovery/discovery.js";
import { tableContentType } from "./tables.js";

async function server() {
  const backend = new MemoryBackend();
  const registry = new ResourceRegistry([namespaceTestDef, testDef()]);
  const store = new ResourceStore(backend);
  const hub = new WatchHub(backend);
  await hub.start();
  const api = new ApiServer({ registry, store, hub });
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> => {
    const url = new URL(path, "https://x");
    const req: ApiRequest = {
      method, path: url.pathname, query: url.searchParams,
      headers: { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : Buffer.from(typeof body === "string" ? body : JSON.stringify(body)),
    };
    return api.handle(req);
  };
  return { api, backend, hub, call };
}

const widget = (name: string) => ({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name }, spec: { size: 1 } });
const json = (r: ApiResponse) => JSON.parse(String(r.body));

/** Collects watch lines until `n` arrived or the stream ends. */
function collect(r: ApiResponse, n: number): Promise<{ type: string; object: Record<string, any> }[]> {
  return new Promise((resolve) => {
    const out: { type: string; object: Record<string, any> }[] = [];
    let stop: () => void = () => {};
    stop = r.stream!.start({
      write: (chunk) => {
        for (const line of chunk.split("\n").filter(Boolean)) out.push(JSON.parse(line));
        if (out.length >= n) { stop(); resolve(out); }
      },
      end: () => resolve(out),
    });
  });
}

test("version, health and discovery (legacy and aggregated)", async () => {
  const { call } = await server();
  assert.equal(json(await call("GET", "/version")).minor, "32");
  assert.equal((await call("GET", "/readyz")).status, 200);
  const agg = await call("GET", "/apis", undefined, { accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json" });
  assert.equal(agg.headers["content-type"], aggregatedV2ContentType);
  const item = json(agg).items[0];
  assert.equal(item.metadata.name, "example.com");
  assert.deepEqual(item.versions[0].resources[0].subresources.map((s: { subresource: string }) => s.subresource), ["status", "scale"]);
  const rl = json(await call("GET", "/apis/example.com/v1"));
  assert.deepEqual(rl.resources.map((r: { name: string }) => r.name), ["widgets", "widgets/status", "widgets/scale"]);
  const nf = await call("GET", "/apis/example.com/v1/gadgets");
  assert.equal(nf.status, 404);
  assert.equal(json(nf).message, "the server could not find the requested resource");
});

test("tables carry the kind's columns; lists splice stored bytes", async () => {
  const { call } = await server();
  assert.equal((await call("POST", "/apis/example.com/v1/namespaces/a/widgets", widget("w1"))).status, 201);
  const t = await call("GET", "/apis/example.com/v1/namespaces/a/widgets", undefined, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json" });
  assert.equal(t.headers["content-type"], tableContentType);
  const table = json(t);
  assert.deepEqual(table.columnDefinitions.map((c: { name: string }) => c.name), ["Name", "Size"]);
  assert.deepEqual(table.rows[0].cells, ["w1", 1]);
  assert.equal(table.rows[0].object.kind, "PartialObjectMetadata");
  const list = json(await call("GET", "/apis/example.com/v1/widgets"));
  assert.equal(list.kind, "WidgetList");
  assert.equal(list.items[0].metadata.resourceVersion, String(Number(list.metadata.resourceVersion)));
});

test("watch: initial ADDED, then changes; from a revision; table form; 410 after compaction", async () => {
  const { call, backend } = await server();
  const created = json(await call("POST", "/apis/example.com/v1/namespaces/a/widgets", widget("w1")));
  const w = await call("GET", "/apis/example.com/v1/namespaces/a/widgets?watch=true");
  assert.equal(w.status, 200);
  const got = collect(w, 3);
  await call("PATCH", "/apis/example.com/v1/namespaces/a/widgets/w1", { spec: { size: 2 } }, { "content-type": "application/merge-patch+json" }).catch(() => undefined);
  await call("PUT", "/apis/example.com/v1/namespaces/a/widgets/w1", { ...widget("w1"), spec: { size: 3 } });
  await call("DELETE", "/apis/example.com/v1/namespaces/a/widgets/w1");
  const evs = await got;
  assert.deepEqual(evs.map((e) => e.type), ["ADDED", "MODIFIED", "DELETED"]);
  assert.equal(evs[1]!.object.spec.size, 3);

  const from = await call("GET", `/apis/example.com/v1/namespaces/a/widgets?watch=1&resourceVersion=${created.metadata.resourceVersion}`, undefined, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" });
  const replay = await collect(from, 2);
  assert.deepEqual(replay.map((e) => e.type), ["MODIFIED", "DELETED"]);
  assert.equal(replay[0]!.object.kind, "Table");

  await call("POST", "/apis/example.com/v1/namespaces/a/widgets", widget("w2"));
  await backend.compact(await backend.currentRevision());
  const old = await call("GET", `/apis/example.com/v1/namespaces/a/widgets?watch=1&resourceVersion=${created.metadata.resourceVersion}`);
  const err = await collect(old, 1);
  assert.equal(err[0]!.type, "ERROR");
  assert.equal(err[0]!.object.code, 410);
});

test("label-selected watch turns leaving the selection into DELETED", async () => {
  const { call } = await server();
  await call("POST", "/apis/example.com/v1/namespaces/a/widgets", { ...widget("w1"), metadata: { name: "w1", labels: { app: "x" } } });
  const w = await call("GET", "/apis/example.com/v1/namespaces/a/widgets?watch=true&labelSelector=app%3Dx");
  const got = collect(w, 2);
  await call("PATCH", "/apis/example.com/v1/namespaces/a/widgets/w1", { metadata: { labels: { app: "y" } } }, { "content-type": "application/merge-patch+json" }).catch(() => undefined);
  await call("PUT", "/apis/example.com/v1/namespaces/a/widgets/w1", { ...widget("w1"), metadata: { name: "w1", labels: { app: "y" } } });
  assert.deepEqual((await got).map((e) => e.type), ["ADDED", "DELETED"]);
});

test("scale subresource reads and writes replicas as autoscaling/v1 Scale", async () => {
  const { call } = await server();
  await call("POST", "/apis/example.com/v1/namespaces/a/widgets", widget("w1"));
  const s = json(await call("GET", "/apis/example.com/v1/namespaces/a/widgets/w1/scale"));
  assert.equal(s.kind, "Scale");
  assert.equal(s.spec.replicas, 1);
  const r = await call("PUT", "/apis/example.com/v1/namespaces/a/widgets/w1/scale", { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name: "w1" }, spec: { replicas: 4 } });
  assert.equal(json(r).spec.replicas, 4);
  assert.equal(json(await call("GET", "/apis/example.com/v1/namespaces/a/widgets/w1")).spec.size, 4);
});

test("bad requests get Status errors with the right codes", async () => {
  const { call } = await server();
  const cases: [string, string, unknown, number][] = [
    ["POST", "/apis/example.com/v1/namespaces/a/widgets", "{not json", 400],
    ["POST", "/apis/example.com/v1/namespaces/a/widgets", { apiVersion: "v1", kind: "Pod", metadata: { name: "x" } }, 400],
    ["PUT", "/apis/example.com/v1/namespaces/a/widgets/other", widget("w1"), 400],
    ["GET", "/apis/example.com/v1/namespaces/a/widgets?labelSelector=a%20in%20(", undefined, 400],
    ["GET", "/apis/example.com/v1/namespaces/a/widgets?fieldSelector=spec.nope%3D1", undefined, 400],
    ["GET", "/apis/example.com/v1/namespaces/a/widgets/missing", undefined, 404],
    ["POST", "/apis/example.com/v1/namespaces/a/widgets/w1", widget("w1"), 405],
  ];
  for (const [m, p, b, code] of cases) {
    const r = await call(m, p, b);
    assert.equal(r.status, code, `${m} ${p}`);
    const st = json(r);
    assert.equal(st.kind, "Status");
    assert.equal(st.code, code);
  }
});
