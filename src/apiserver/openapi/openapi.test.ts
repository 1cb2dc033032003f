import { test } from "node:test";
import assert from "node:assert/strict";
import { builtinSchemas } from "../../api/schemas.js";
import type { ResourceDef } from "../../machinery/resource.js";
import { buildOpenAPI } from "./index.js";

const schemas = builtinSchemas();

function def(d: Partial<ResourceDef> & Pick<ResourceDef, "group" | "version" | "kind" | "plural" | "namespaced" | "schema">): ResourceDef {
  return { singular: d.kind.toLowerCase(), columns: [], row: () => [], ...d };
}

const resources: ResourceDef[] = [
  def({
    group: "",
    version: "v1",
    kind: "Pod",
    plural: "pods",
    namespaced: true,
    schema: "io.k8s.api.core.v1.Pod",
    subresources: {
      status: true,
      others: [
        { name: "log", kind: "Pod", verbs: ["get"] },
        { name: "exec", kind: "PodExecOptions", verbs: ["get", "create"] },
        { name: "eviction", kind: "Eviction", group: "policy", version: "v1", verbs: ["create"] },
      ],
    },
  }),
  def({ group: "", version: "v1", kind: "Namespace", plural: "namespaces", namespaced: false, schema: "io.k8s.api.core.v1.Namespace", subresources: { status: true } }),
  def({
    group: "apps",
    version: "v1",
    kind: "Deployment",
    plural: "deployments",
    namespaced: true,
    schema: "io.k8s.api.apps.v1.Deployment",
    subresources: { status: true, scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas" } },
  }),
  def({ group: "example.com", version: "v1", kind: "Widget", plural: "widgets", namespaced: true, schema: "com.example.v1.Widget", verbs: ["get", "list", "create"] }),
];

type Json = Record<string, any>; // test-only: walking decoded JSON

test("the index lists one hashed document per group/version", () => {
  const api = buildOpenAPI(resources, schemas);
  const r = api.handle("/openapi/v3", new URLSearchParams("timeout=32s"));
  assert.equal(r?.status, 200);
  assert.equal(r.headers["cache-control"], "no-cache, private");
  const index = JSON.parse(r.body!.toString()) as Json;
  assert.deepEqual(Object.keys(index.paths), ["api/v1", "apis/apps/v1", "apis/example.com/v1"]);
  assert.match(index.paths["apis/apps/v1"].serverRelativeURL, /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/);
  assert.equal(api.handle("/openapi/v3", new URLSearchParams(), r.headers.etag)?.status, 304);
  assert.equal(api.handle("/api/v1", new URLSearchParams()), undefined);
});

test("documents are immutable at their hash; stale hashes redirect; ETag revalidates", () => {
  const api = buildOpenAPI(resources, schemas);
  const index = JSON.parse(api.handle("/openapi/v3", new URLSearchParams())!.body!.toString()) as Json;
  const url = new URL(index.paths["apis/apps/v1"].serverRelativeURL, "https://x");
  const r = api.handle(url.pathname, url.searchParams)!;
  assert.equal(r.status, 200);
  assert.equal(r.headers["cache-control"], "public, immutable");
  assert.equal(r.headers.etag, `"${url.searchParams.get("hash")}"`);
  assert.equal(api.handle(url.pathname, url.searchParams, r.headers.etag)?.status, 304);
  const stale = api.handle(url.pathname, new URLSearchParams("hash=ABC"))!;
  assert.equal(stale.status, 301);
  assert.equal(stale.headers.location, url.pathname + url.search);
  assert.equal(api.handle("/openapi/v3/apis/nope/v1", new URLSearchParams()), undefined);
  // The same inputs give the same hash (kubectl's cache stays valid across restarts).
  assert.equal(buildOpenAPI(resources, schemas).document("apis/apps/v1")!.hash, url.searchParams.get("hash"));
});

test("the PATCH operation has what kubectl needs for server-side field validation", () => {
  const doc = buildOpenAPI(resources, schemas).documentObject("apis/apps/v1") as Json;
  assert.equal(doc.openapi, "3.0.0");
  const item = doc.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"];
  assert.deepEqual(Object.keys(item).sort(), ["delete", "get", "parameters", "patch", "put"]);
  const patch = item.patch;
  assert.deepEqual(patch["x-kubernetes-group-version-kind"], { group: "apps", kind: "Deployment", version: "v1" });
  assert.equal(patch["x-kubernetes-action"], "patch");
  const names = (patch.parameters as Json[]).map((p) => p.name);
  for (const n of ["fieldValidation", "fieldManager", "dryRun", "force"]) assert.ok(names.includes(n), n);
  assert.deepEqual(Object.keys(patch.requestBody.content).sort(), [
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
  ]);
  assert.ok((item.put.parameters as Json[]).some((p) => p.name === "fieldValidation"));
  const coll = doc.paths["/apis/apps/v1/namespaces/{namespace}/deployments"];
  assert.equal(coll.post["x-kubernetes-action"], "post");
  assert.ok((coll.post.parameters as Json[]).some((p) => p.name === "fieldValidation"));
  assert.equal(coll.get["x-kubernetes-action"], "list");
  assert.equal(coll.delete["x-kubernetes-action"], "deletecollection");
  assert.ok(doc.paths["/apis/apps/v1/deployments"].get, "list across namespaces");
  assert.ok(doc.paths["/apis/apps/v1/watch/namespaces/{namespace}/deployments"].get);
  const scale = doc.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"];
  assert.deepEqual(scale.patch["x-kubernetes-group-version-kind"], { group: "autoscaling", kind: "Scale", version: "v1" });
  assert.ok(doc.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status"].put);
});

test("components carry GVKs, descriptions, required fields and allOf-wrapped refs for kubectl explain", () => {
  const doc = buildOpenAPI(resources, schemas).documentObject("api/v1") as Json;
  const s = doc.components.schemas as Json;
  const pod = s["io.k8s.api.core.v1.Pod"];
  assert.deepEqual(pod["x-kubernetes-group-version-kind"], [{ group: "", kind: "Pod", version: "v1" }]);
  assert.match(pod.description, /Pod is a collection of containers/);
  assert.deepEqual(pod.properties.spec.allOf, [{ $ref: "#/components/schemas/io.k8s.api.core.v1.PodSpec" }]);
  assert.ok(pod.properties.spec.description);
  const spec = s["io.k8s.api.core.v1.PodSpec"];
  assert.deepEqual(spec.required, ["containers"]);
  assert.deepEqual(spec.properties.containers.items, { allOf: [{ $ref: "#/components/schemas/io.k8s.api.core.v1.Container" }] });
  assert.equal(spec.properties.containers["x-kubernetes-patch-merge-key"], "name");
  // Everything a ref names is in the document.
  const refs = JSON.stringify(doc).match(/#\/components\/schemas\/[^"]+/g)!;
  for (const ref of refs) assert.ok(s[ref.slice("#/components/schemas/".length)], ref);
  assert.equal(s["io.k8s.apimachinery.pkg.util.intstr.IntOrString"].format, "int-or-string");
  assert.ok(s["io.k8s.api.policy.v1.Eviction"], "subresource kinds are included");
  const cluster = doc.paths["/api/v1/namespaces/{name}"];
  assert.equal(cluster.get.operationId, "readCoreV1Namespace");
  assert.equal(doc.paths["/api/v1/namespaces/{namespace}/pods/{name}/exec"].post["x-kubernetes-action"], "connect");
  assert.ok(doc.paths["/api/v1/pods"].get, "all-namespaces list");
});

test("a kind without a schema gets a placeholder definition with its GVK", () => {
  const doc = buildOpenAPI(resources, schemas).documentObject("apis/example.com/v1") as Json;
  const w = doc.components.schemas["com.example.v1.Widget"];
  assert.deepEqual(w["x-kubernetes-group-version-kind"], [{ group: "example.com", kind: "Widget", version: "v1" }]);
  const item = doc.paths["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"];
  assert.deepEqual(Object.keys(item).sort(), ["get", "parameters"]);
});
