import { test } from "node:test";
import assert from "node:assert/strict";
import { StatusError } from "../machinery/errors.js";
import type { KubeObject } from "../machinery/object.js";
import { ApiClient, builtinRef } from "./client.js";
import type { StreamHandle, Transport, TransportRequest, TransportResponse, WatchEvent } from "./interfaces.js";
import { encodeQuery } from "./request.js";
import { statusErrorFromResponse } from "./status.js";
import { LineSplitter } from "./lines.js";

type Reply = TransportResponse | ((req: TransportRequest) => TransportResponse);

/** Records requests and answers from a script. */
class FakeTransport implements Transport {
  readonly requests: TransportRequest[] = [];
  readonly replies: Reply[] = [];
  streamLines: string[] = [];
  streamEnd?: Error;

  async request(req: TransportRequest): Promise<TransportResponse> {
    this.requests.push(req);
    const r = this.replies.shift() ?? ok({});
    return typeof r === "function" ? r(req) : r;
  }

  stream(req: TransportRequest, onLine: (line: string) => void, onEnd: (err?: Error) => void): StreamHandle {
    this.requests.push(req);
    let closed = false;
    queueMicrotask(() => {
      for (const l of this.streamLines) if (!closed) onLine(l);
      if (!closed) onEnd(this.streamEnd);
    });
    return { close: () => { closed = true; } };
  }
}

function ok(body: unknown, status = 200): TransportResponse {
  return { status, headers: {}, body: JSON.stringify(body) };
}

const cm = (name: string, ns = "default"): KubeObject => ({ metadata: { name, namespace: ns } });

test("paths: namespaced, all namespaces, cluster-scoped, groups, subresources", async () => {
  const t = new FakeTransport();
  const c = new ApiClient(t);
  await c.pods.get("ns1", "p1");
  await c.pods.list(undefined);
  await c.nodes.get(undefined, "n1");
  await c.deployments.list("default");
  await c.pods.createSubresource("ns1", "p1", "binding", { target: { name: "n1" } });
  await c.deployments.patch("d", "web", "merge", { spec: { replicas: 2 } }, { subresource: "scale" });
  await c.pods.updateStatus({ metadata: { name: "p 1", namespace: "a" } });
  await c.leases.get("kube-node-lease", "n1");
  await c.priorityClasses.get(undefined, "high");
  await c.pdbs.list("x");
  assert.deepEqual(t.requests.map((r) => `${r.method} ${r.path}`), [
    "GET /api/v1/namespaces/ns1/pods/p1",
    "GET /api/v1/pods",
    "GET /api/v1/nodes/n1",
    "GET /apis/apps/v1/namespaces/default/deployments",
    "POST /api/v1/namespaces/ns1/pods/p1/binding",
    "PATCH /apis/apps/v1/namespaces/d/deployments/web/scale",
    "PUT /api/v1/namespaces/a/pods/p%201/status",
    "GET /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1",
    "GET /apis/scheduling.k8s.io/v1/priorityclasses/high",
    "GET /apis/policy/v1/namespaces/x/poddisruptionbudgets",
  ]);
});

test("a namespaced object without a namespace is a client-side BadRequest", async () => {
  const c = new ApiClient(new FakeTransport());
  await assert.rejects(c.pods.get(undefined, "p"), (e: unknown) => e instanceof StatusError && e.code === 400);
  await assert.rejects(c.configmaps.create(undefined, cm("x", "")), (e: unknown) => e instanceof StatusError && e.code === 400);
});

test("create takes the namespace from the object; bodies get apiVersion and kind", async () => {
  const t = new FakeTransport();
  const c = new ApiClient(t);
  await c.configmaps.create(undefined, cm("a", "ns2"), { dryRun: true, fieldManager: "me" });
  const r = t.requests[0]!;
  assert.equal(r.path, "/api/v1/namespaces/ns2/configmaps");
  assert.deepEqual(r.query, { dryRun: "All", fieldManager: "me" });
  assert.deepEqual(r.body, { metadata: { name: "a", namespace: "ns2" }, apiVersion: "v1", kind: "ConfigMap" });
});

test("query encoding: selectors, limit, continue, rv; undefined left out", async () => {
  const t = new FakeTransport();
  await new ApiClient(t).pods.list("a", { labelSelector: "app=web,tier in (fe)", fieldSelector: "spec.nodeName=n1", limit: 5, resourceVersion: "0" });
  assert.equal(encodeQuery(t.requests[0]!.query), "labelSelector=app%3Dweb%2Ctier+in+%28fe%29&fieldSelector=spec.nodeName%3Dn1&limit=5&resourceVersion=0");
});

test("patch content types and apply options", async () => {
  const t = new FakeTransport();
  const c = new ApiClient(t);
  await c.pods.patch("a", "p", "json", [{ op: "add", path: "/metadata/labels/x", value: "1" }]);
  await c.pods.patch("a", "p", "merge", { metadata: {} });
  await c.pods.patch("a", "p", "strategic", { metadata: {} });
  await c.pods.patch("a", "p", "apply", { apiVersion: "v1", kind: "Pod", metadata: { name: "p" } }, { fieldManager: "sched", force: true });
  assert.deepEqual(t.requests.map((r) => r.contentType), [
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
  ]);
  assert.equal(encodeQuery(t.requests[3]!.query), "fieldManager=sched&force=true");
  assert.equal(encodeQuery(t.requests[0]!.query), "");
});

test("delete sends DeleteOptions as a body", async () => {
  const t = new FakeTransport();
  await new ApiClient(t).pods.delete("a", "p", { gracePeriodSeconds: 0, propagationPolicy: "Background", preconditions: { uid: "u" }, dryRun: true });
  assert.deepEqual(t.requests[0]!.body, {
    kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background", gracePeriodSeconds: 0, preconditions: { uid: "u" }, dryRun: ["All"],
  });
  await new ApiClient(t).pods.delete("a", "p");
  assert.equal(t.requests[1]!.body, undefined);
});

test("non-2xx: a Status body becomes its StatusError; other bodies a generic one", async () => {
  const t = new FakeTransport();
  const c = new ApiClient(t);
  t.replies.push(ok({ kind: "Status", apiVersion: "v1", status: "Failure", message: 'pods "p" not found', reason: "NotFound", code: 404, details: { name: "p", kind: "pods" } }, 404));
  await assert.rejects(c.pods.get("a", "p"), (e: unknown) => {
    assert.ok(e instanceof StatusError);
    assert.equal(e.code, 404);
    assert.equal(e.reason, "NotFound");
    assert.equal(e.message, 'pods "p" not found');
    assert.equal(e.details?.name, "p");
    return true;
  });
  t.replies.push({ status: 502, headers: {}, body: "<html>bad gateway</html>" });
  await assert.rejects(c.pods.get("a", "p"), (e: unknown) => e instanceof StatusError && e.code === 502 && e.reason === "InternalError" && e.message.includes("bad gateway"));
  t.replies.push({ status: 404, headers: {}, body: "404 page not found" });
  await assert.rejects(c.pods.get("a", "p"), (e: unknown) => e instanceof StatusError && e.code === 404 && e.reason === "NotFound");
  t.replies.push({ status: 200, headers: {}, body: "not json" });
  await assert.rejects(c.pods.get("a", "p"), (e: unknown) => e instanceof StatusError && e.code === 500);
});

test("statusErrorFromResponse fills reason from the code when the Status lacks it", () => {
  const e = statusErrorFromResponse(409, JSON.stringify({ kind: "Status", code: 409, message: "boom" }));
  assert.equal(e.reason, "Conflict");
  assert.equal(e.message, "boom");
  const g = statusErrorFromResponse(503, "");
  assert.equal(g.code, 503);
  assert.equal(g.reason, "ServiceUnavailable");
});

test("listAll follows continue tokens and keeps the first page's resourceVersion", async () => {
  const t = new FakeTransport();
  const page = (names: string[], cont?: string, rv = "10"): TransportResponse =>
    ok({ kind: "ConfigMapList", apiVersion: "v1", metadata: { resourceVersion: rv, continue: cont }, items: names.map((n) => cm(n)) });
  t.replies.push(page(["a", "b"], "t1"), page(["c", "d"], "t2"), page(["e"], undefined));
  const all = await new ApiClient(t).configmaps.listAll("default", { limit: 2, labelSelector: "x=y" });
  assert.deepEqual(all.items.map((i) => i.metadata.name), ["a", "b", "c", "d", "e"]);
  assert.equal(all.metadata.resourceVersion, "10");
  assert.equal(all.metadata.continue, undefined);
  assert.deepEqual(t.requests.map((r) => encodeQuery(r.query)), [
    "labelSelector=x%3Dy&limit=2",
    "labelSelector=x%3Dy&limit=2&continue=t1",
    "labelSelector=x%3Dy&limit=2&continue=t2",
  ]);
});

test("listAll falls back to one full list when the continue token expired", async () => {
  const t = new FakeTransport();
  t.replies.push(
    ok({ kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: "5", continue: "old" }, items: [cm("a")] }),
    ok({ kind: "Status", code: 410, reason: "Expired", message: "The provided continue parameter is too old" }, 410),
    ok({ kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: "9" }, items: [cm("a"), cm("b")] }),
  );
  const all = await new ApiClient(t).pods.listAll("default");
  assert.deepEqual(all.items.map((i) => i.metadata.name), ["a", "b"]);
  assert.equal(all.metadata.resourceVersion, "9");
  assert.equal(encodeQuery(t.requests[0]!.query), "limit=500");
  assert.equal(encodeQuery(t.requests[2]!.query), "");
});

test("watch: query, decoded events, end; an undecodable line ends it with an error", async () => {
  const t = new FakeTransport();
  const c = new ApiClient(t);
  t.streamLines = [
    JSON.stringify({ type: "ADDED", object: cm("a") }),
    JSON.stringify({ type: "BOOKMARK", object: { kind: "ConfigMap", metadata: { resourceVersion: "7" } } }),
  ];
  const events: WatchEvent[] = [];
  const end = await new Promise<Error | undefined>((resolve) => {
    c.configmaps.watch("default", { resourceVersion: "3", allowWatchBookmarks: true, timeoutSeconds: 60 }, (e) => events.push(e), resolve);
  });
  assert.equal(end, undefined);
  assert.deepEqual(events.map((e) => e.type), ["ADDED", "BOOKMARK"]);
  assert.equal(encodeQuery(t.requests[0]!.query), "watch=true&resourceVersion=3&allowWatchBookmarks=true&timeoutSeconds=60");

  t.streamLines = ["{nope"];
  const err = await new Promise<Error | undefined>((resolve) => c.configmaps.watch(undefined, {}, () => {}, resolve));
  assert.ok(err instanceof StatusError && /decode/.test(err.message));
});

test("watch: close() silences events and onEnd", async () => {
  const t = new FakeTransport();
  t.streamLines = [JSON.stringify({ type: "ADDED", object: cm("a") })];
  let calls = 0;
  const h = new ApiClient(t).configmaps.watch(undefined, {}, () => calls++, () => calls++);
  h.close();
  await new Promise((r) => setImmediate(r));
  assert.equal(calls, 0);
});

test("forKind uses the built-in registry; unknown kinds are NotFound", () => {
  assert.deepEqual(builtinRef("apps/v1", "Deployment"), { group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true });
  assert.equal(new ApiClient(new FakeTransport()).forKind("v1", "Namespace").ref.namespaced, false);
  assert.throws(() => builtinRef("v1", "Nope"), (e: unknown) => e instanceof StatusError && e.code === 404);
});

test("line splitter: chunks split anywhere, multibyte, trailing line", () => {
  const out: string[] = [];
  const s = new LineSplitter((l) => out.push(l));
  const text = '{"a":"ñ"}\n\n{"b":2}\n{"c":3}';
  const buf = Buffer.from(text, "utf8");
  for (let i = 0; i < buf.length; i++) s.push(buf.subarray(i, i + 1));
  s.end();
  assert.deepEqual(out, ['{"a":"ñ"}', '{"b":2}', '{"c":3}']);
});
