/**
 * Bad input never hurts the server (issue 2, point 11). One in-process cluster on a real
 * HTTPS port gets a bounded, seeded stream of bad requests (see fuzz-gen.ts) over HTTP/2 and
 * HTTP/1.1, then a few malformed HTTP messages and aborted uploads on raw sockets. Every
 * request must be answered in time without a reset; every 4xx/5xx must be a JSON Status
 * whose code is the HTTP status; no client mistake may cause a 5xx. Afterwards /readyz is ok
 * and the pre-created objects are intact.
 *
 * A table of explicit cases pins the exact code, reason and message for the inputs the issue
 * names. Reproduce a run with TIMONEL_FUZZ_SEED=<seed>; TIMONEL_FUZZ_ONLY=<index> replays one case.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import http2 from "node:http2";
import tls from "node:tls";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startCluster, type Cluster } from "../../src/cli/cluster.js";
import {
  ClientRefusedError, H1Client, H2Client, expectStatus, readCredentials, statusProblem,
  type Credentials, type Reply, type RequestSpec, type StatusBody,
} from "./https.js";
import { FUZZ_NS, MAX_BODY, NOT_FOUND_MESSAGE, generateCase, kinds, seedName, type FuzzCase } from "./fuzz-gen.js";

const SEED = Number(process.env.TIMONEL_FUZZ_SEED ?? 20260211);
const COUNT = Number(process.env.TIMONEL_FUZZ_COUNT ?? 2000);
const ONLY = process.env.TIMONEL_FUZZ_ONLY === undefined ? undefined : Number(process.env.TIMONEL_FUZZ_ONLY);
const BUDGET_MS = 15_000;
const CONCURRENCY = 8;
const REQUEST_TIMEOUT_MS = 8000;

let cluster: Cluster;
let creds: Credentials;
let dataDir = "";
let h1: H1Client;
let h2: H2Client[] = [];
/** Internal errors the server logged (their stacks say where a 500 came from). */
const internalErrors: string[] = [];
/** The fuzz provokes many of them: collect them instead of letting Node print each one. */
let defaultWarningListeners: ((w: Error) => void)[] = [];
const onWarning = (w: Error): void => {
  if (w.message.startsWith("internal error")) internalErrors.push(w.message);
  else for (const l of defaultWarningListeners) l(w);
};

/** Internal errors grouped by where they were thrown: "message @ first frame" → count. */
function internalErrorSummary(): string[] {
  const groups = new Map<string, number>();
  for (const e of internalErrors) {
    const lines = e.split("\n");
    const key = `${lines[0]!.slice(0, 160)} @ ${(lines.find((l) => l.trim().startsWith("at ")) ?? "").trim().replace(/^at /, "")}`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  return [...groups].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n}× ${k}`);
}

function preview(body: Buffer | string | undefined): string {
  if (body === undefined) return "(none)";
  const b = Buffer.from(body);
  const text = b.toString("utf8");
  const printable = !text.includes("\ufffd") && !/[\x00-\x08\x0e-\x1f]/.test(text);
  const head = printable ? JSON.stringify(text.slice(0, 300)) : `hex ${b.subarray(0, 64).toString("hex")}`;
  return `${head}${b.length > 300 ? ` … (${b.length} bytes)` : ""}`;
}

function describeRequest(spec: RequestSpec, transport: string): string {
  return `${spec.method} ${spec.path.length > 300 ? `${spec.path.slice(0, 300)}… (${spec.path.length} chars)` : spec.path} over ${transport}; headers ${JSON.stringify(spec.headers ?? {}).slice(0, 300)}; body ${preview(spec.body)}`;
}

async function send(spec: RequestSpec, transport: "h1" | "h2", lane = 0): Promise<Reply> {
  return transport === "h1" ? h1.request(spec) : h2[lane % h2.length]!.request(spec);
}

before(async () => {
  defaultWarningListeners = process.listeners("warning") as ((w: Error) => void)[];
  process.removeAllListeners("warning");
  process.on("warning", onWarning);
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "timonel-fuzz-"));
  // The API server alone: controllers would act on what the fuzz writes (the garbage
  // collector deletes objects given made-up owners), and that is not what is under test.
  cluster = await startCluster({ port: 0, host: "127.0.0.1", storage: "memory", dataDir, components: false });
  creds = await readCredentials(dataDir);
  h1 = new H1Client(cluster.url, creds);
  h2 = Array.from({ length: 4 }, () => new H2Client(cluster.url, creds));
  const ns = await send({ method: "POST", path: "/api/v1/namespaces", headers: { "content-type": "application/json" }, body: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: FUZZ_NS } }) }, "h2");
  assert.equal(ns.status, 201, ns.body.toString());
  for (const k of kinds) {
    if (k.kind === "Namespace") continue;
    const r = await send({ method: "POST", path: k.collection, headers: { "content-type": "application/json" }, body: JSON.stringify(k.make(seedName(k))) }, "h2");
    assert.equal(r.status, 201, `seed ${k.kind}: ${r.status} ${r.body.toString().slice(0, 500)}`);
  }
});

after(async () => {
  process.off("warning", onWarning);
  for (const l of defaultWarningListeners) process.on("warning", l);
  const summary = internalErrorSummary();
  if (summary.length) console.log(`# the server logged ${internalErrors.length} internal errors:\n${summary.map((l) => `#   ${l}`).join("\n")}`);
  h1?.close();
  for (const c of h2) c.close();
  await cluster?.stop();
  if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
});

/**
 * Runs every case and reports all that fail together, so one divergence does not hide the
 * next (the report lists each failing input).
 */
async function eachCase<T>(cases: readonly T[], label: (c: T) => string, fn: (c: T) => Promise<void>): Promise<void> {
  const problems: string[] = [];
  for (const c of cases) {
    try {
      await fn(c);
    } catch (err) {
      problems.push(`- ${label(c)}: ${err instanceof Error ? err.message.split("\n").filter(Boolean).slice(0, 4).join(" ") : String(err)}`);
    }
  }
  assert.equal(problems.length, 0, `${problems.length} of ${cases.length} cases failed:\n${problems.join("\n")}`);
}

describe("explicit bad-input cases", () => {
  const json = { "content-type": "application/json" };
  const cm = (name: string, extra: Record<string, unknown> = {}): string => JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { a: "b" }, ...extra });
  const cmPath = `/api/v1/namespaces/${FUZZ_NS}/configmaps`;

  it("a body over 3 MiB → 413 RequestEntityTooLarge, with or without a Content-Length", async () => {
    const big = cm("big", { data: { a: "x".repeat(MAX_BODY) } });
    const cases: [transport: "h1" | "h2", spec: RequestSpec][] = [
      ["h2", { method: "POST", path: cmPath, headers: { ...json, "content-length": String(Buffer.byteLength(big)) }, body: big }],
      ["h1", { method: "POST", path: cmPath, headers: json, body: big, chunked: true }],
      ["h1", { method: "PUT", path: `${cmPath}/seed`, headers: json, body: big }],
      ["h2", { method: "PATCH", path: `${cmPath}/seed`, headers: { "content-type": "application/merge-patch+json" }, body: big }],
    ];
    await eachCase(cases, ([t, spec]) => `${spec.method} ${Buffer.byteLength(big)} bytes over ${t}${spec.chunked ? " (chunked)" : ""}`, async ([transport, spec]) => {
      const st = expectStatus(await send(spec, transport), 413, "oversized body");
      assert.equal(st.reason, "RequestEntityTooLarge");
      assert.equal(st.message, `Request entity too large: limit is ${MAX_BODY}`);
    });
    // Exactly at the limit is not too large (it fails later, on what it is).
    const r = await send({ method: "POST", path: cmPath, headers: json, body: Buffer.alloc(MAX_BODY, " ") }, "h2");
    assert.notEqual(r.status, 413, "a body of exactly 3 MiB is within the limit");
    expectStatus(r, r.status, "3 MiB of spaces");
  });

  it("malformed JSON → 400 naming the JSON problem", async () => {
    const bodies = [`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"`, "{", "nope", `{"apiVersion":"v1",}`, "\u0000"];
    await eachCase(bodies, (b) => `POST ${JSON.stringify(b)}`, async (body) => {
      const st = expectStatus(await send({ method: "POST", path: cmPath, headers: json, body }, "h2"), 400, "malformed JSON");
      assert.equal(st.reason, "BadRequest");
      assert.match(st.message, /^couldn't get version\/kind; json parse error: \S/);
    });
  });

  it("fields of the wrong JSON type → 400 `<Kind> in version ... cannot be handled as a <Kind>`", async () => {
    const bodies = [
      cm("wrong-type-1", { data: { a: 1 } }),
      cm("wrong-type-2", { data: ["a"] }),
      JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "wrong-type-3", labels: ["a"] } }),
      JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: "wrong-type-4" }),
      JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: 7 } }),
      JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "wrong-type-6", finalizers: {} } }),
      JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "wrong-type-7", annotations: { a: 1 } } }),
      JSON.stringify({ ...kinds.find((k) => k.kind === "Deployment")!.make("wrong-type-8"), spec: { replicas: "three" } }),
    ];
    // Upstream's JSON decoder answers 400; a 422 naming the field is an acceptable Status too.
    // What must never happen is storing the object (2xx) or failing inside (5xx).
    await eachCase(bodies, (b) => `POST ${b}`, async (body) => {
      const path = body.includes("Deployment") ? `/apis/apps/v1/namespaces/${FUZZ_NS}/deployments` : cmPath;
      const r = await send({ method: "POST", path, headers: json, body }, "h2");
      assert.ok(r.status === 400 || r.status === 422, `HTTP ${r.status} (upstream: 400), body ${r.body.toString().slice(0, 300)}`);
      const st = expectStatus(r, r.status, "wrong type");
      if (r.status === 400) assert.match(st.message, /^(ConfigMap|Deployment) in version "v1" cannot be handled as a (ConfigMap|Deployment): /);
    });
  });

  it("malformed YAML → 400 `error converting YAML to JSON`", async () => {
    const bodies = ["apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n", "a: b\n\tc: d\n", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 'x\n"];
    await eachCase(bodies, (b) => `POST yaml ${JSON.stringify(b)}`, async (body) => {
      const st = expectStatus(await send({ method: "POST", path: cmPath, headers: { "content-type": "application/yaml" }, body }, "h2"), 400, "malformed YAML");
      assert.equal(st.reason, "BadRequest");
      assert.match(st.message, /^error converting YAML to JSON: \S/);
    });
  });

  it("an unknown group, version, resource or subresource → 404 with upstream's message", async () => {
    const cases: [string, string][] = [
      ["GET", "/api/v1/foos"],
      ["GET", "/api/v2/pods"],
      ["GET", "/api/v9"],
      ["GET", "/apis/nope.example.com"],
      ["GET", "/apis/nope.example.com/v1"],
      ["GET", "/apis/nope.example.com/v1/things"],
      ["GET", `/apis/apps/v1/namespaces/${FUZZ_NS}/widgets`],
      ["GET", "/apis/apps/v9/deployments"],
      ["GET", `${cmPath}/seed/bogus`],
      ["GET", `/api/v1/namespaces/${FUZZ_NS}/nodes`],
      ["GET", "/nope"],
      ["POST", "/api/v1/foos"],
      ["POST", "/nope"],
      ["DELETE", "/api/v9"],
      ["PUT", "/apis/nope.example.com/v1"],
      ["DELETE", `/apis/nope.example.com/v1/namespaces/${FUZZ_NS}/things/x`],
    ];
    await eachCase(cases, ([m, p]) => `${m} ${p}`, async ([method, p]) => {
      const body = method === "POST" || method === "PUT" ? cm("x") : undefined;
      const st = expectStatus(await send({ method, path: p, headers: body ? json : {}, body }, "h1"), 404, "unknown path");
      assert.equal(st.reason, "NotFound");
      assert.equal(st.message, NOT_FOUND_MESSAGE);
      assert.deepEqual(st.details, {}, "upstream sends empty details");
    });
  });

  it("a kind or apiVersion that does not match the URL → 400", async () => {
    const secret = expectStatus(await send({ method: "POST", path: cmPath, headers: json, body: JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "x" } }) }, "h2"), 400, "Secret posted to configmaps");
    assert.equal(secret.reason, "BadRequest");
    assert.match(secret.message, /^Secret in version "v1" cannot be handled as a ConfigMap: /, secret.message);

    const version = expectStatus(await send({ method: "POST", path: cmPath, headers: json, body: JSON.stringify({ apiVersion: "apps/v1", kind: "ConfigMap", metadata: { name: "x" } }) }, "h2"), 400, "apps/v1 ConfigMap");
    assert.equal(version.reason, "BadRequest");
    assert.match(version.message, /apps\/v1/, version.message);

    const deploy = expectStatus(await send({ method: "PUT", path: `/apis/apps/v1/namespaces/${FUZZ_NS}/deployments/seed`, headers: json, body: JSON.stringify({ ...kinds.find((k) => k.kind === "Deployment")!.make("seed"), apiVersion: "extensions/v1beta1" }) }, "h2"), 400, "extensions/v1beta1 Deployment PUT");
    assert.equal(deploy.reason, "BadRequest");

    const noKind = expectStatus(await send({ method: "POST", path: cmPath, headers: json, body: JSON.stringify({ apiVersion: "v1", metadata: { name: "x" } }) }, "h2"), 400, "no kind");
    assert.match(noKind.message, /^Object 'Kind' is missing in '/, noKind.message);
  });

  it("a name or namespace in the body that differs from the URL → 400", async () => {
    const name = expectStatus(await send({ method: "PUT", path: `${cmPath}/seed`, headers: json, body: cm("other") }, "h2"), 400, "PUT seed with name other");
    assert.equal(name.reason, "BadRequest");
    assert.equal(name.message, "the name of the object (other) does not match the name on the URL (seed)");

    const nsPut = expectStatus(await send({ method: "PUT", path: `${cmPath}/seed`, headers: json, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "seed", namespace: "default" } }) }, "h2"), 400, "PUT with another namespace");
    assert.equal(nsPut.message, "the namespace of the provided object does not match the namespace sent on the request");

    const nsPost = expectStatus(await send({ method: "POST", path: cmPath, headers: json, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ns-mismatch", namespace: "default" } }) }, "h2"), 400, "POST with another namespace");
    assert.equal(nsPost.message, "the namespace of the provided object does not match the namespace sent on the request");
  });

  it("an invalid name or label → 422 Invalid with field causes, as upstream words them", async () => {
    const badName = expectStatus(await send({ method: "POST", path: cmPath, headers: json, body: cm("Bad_Name") }, "h2"), 422, "name Bad_Name");
    const subdomain = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    assert.equal(badName.reason, "Invalid");
    assert.equal(badName.message, `ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ${subdomain}`);
    assert.deepEqual(badName.details, {
      name: "Bad_Name", group: "", kind: "ConfigMap",
      causes: [{ reason: "FieldValueInvalid", message: `Invalid value: "Bad_Name": ${subdomain}`, field: "metadata.name" }],
    });

    const badKey = expectStatus(await send({ method: "POST", path: cmPath, headers: json, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "bad-label", labels: { "bad key!": "v" } } }) }, "h2"), 422, "label key 'bad key!'");
    assert.equal(badKey.message, `ConfigMap "bad-label" is invalid: metadata.labels: Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`);
    assert.equal(badKey.details?.causes?.[0]?.field, "metadata.labels");

    const badValue = expectStatus(await send({ method: "POST", path: cmPath, headers: json, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "bad-label", labels: { app: "bad value!" } } }) }, "h2"), 422, "label value 'bad value!'");
    assert.equal(badValue.message, `ConfigMap "bad-label" is invalid: metadata.labels: Invalid value: "bad value!": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`);

    // Several problems: one cause each, and the message lists them in brackets.
    const two = expectStatus(await send({ method: "POST", path: cmPath, headers: json, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "Two_Bad", labels: { "-x": "y" } } }) }, "h2"), 422, "two problems");
    assert.equal(two.details?.causes?.length, 2);
    assert.match(two.message, /^ConfigMap "Two_Bad" is invalid: \[metadata\.name: Invalid value: "Two_Bad": .*, metadata\.labels: Invalid value: "-x": .*\]$/);

    const noName = expectStatus(await send({ method: "POST", path: cmPath, headers: json, body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: {} }) }, "h2"), 422, "no name");
    assert.equal(noName.message, `ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required`);
  });

  it("a body in a media type the server does not read → 415 UnsupportedMediaType", async () => {
    const post = expectStatus(await send({ method: "POST", path: cmPath, headers: { "content-type": "text/plain" }, body: cm("x") }, "h2"), 415, "POST text/plain");
    assert.equal(post.reason, "UnsupportedMediaType");
    assert.ok(post.message.startsWith("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf"), post.message);

    const patch = expectStatus(await send({ method: "PATCH", path: `${cmPath}/seed`, headers: { "content-type": "application/json" }, body: "{}" }, "h2"), 415, "PATCH application/json");
    assert.equal(patch.reason, "UnsupportedMediaType");
    assert.ok(patch.message.startsWith("the body of the request was in an unknown format - accepted media types include: "), patch.message);
    for (const t of ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"]) {
      assert.ok(patch.message.includes(t), `415 for PATCH lists ${t}: ${patch.message}`);
    }
  });

  it("garbled patches of each type → 4xx Status (upstream: mostly 400 or 422), never 2xx or 5xx", async () => {
    const cases: [string, string][] = [
      ["application/json-patch+json", `[{"op":"replace","path":"/data/nope/deeper","value":1}]`],
      ["application/json-patch+json", `[{"op":"bogus","path":"/data"}]`],
      ["application/json-patch+json", `{"op":"add"}`],
      ["application/json-patch+json", `[{"op":"test","path":"/data/a","value":"not-it"}]`],
      ["application/json-patch+json", `[{"op":"move","from":"/nope","path":"/data/x"}]`],
      ["application/json-patch+json", `[{"op":"add","path":"/kind","value":"Secret"}]`],
      ["application/json-patch+json", `[{"op":"add","path":"/metadata/finalizers","value":{}}]`],
      ["application/merge-patch+json", `[1,2]`],
      ["application/merge-patch+json", `{"metadata":{"name":"other"}}`],
      ["application/merge-patch+json", `{"data":{"a":5}}`],
      ["application/merge-patch+json", `{"metadata":{"finalizers":{}}}`],
      ["application/merge-patch+json", `{"metadata":{"ownerReferences":"x"}}`],
      ["application/strategic-merge-patch+json", `{"$patch":"bogus"}`],
      ["application/strategic-merge-patch+json", `{"data":"x"}`],
      ["application/apply-patch+yaml", `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: seed\n`],
      ["application/apply-patch+yaml", `apiVersion: v1\nkind: Secret\nmetadata: {name: seed}\n`],
      ["application/apply-patch+yaml", `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: seed, labels: [a]}\n`],
    ];
    await eachCase(cases, ([t, b]) => `PATCH ${t} ${b}`, async ([type, body]) => {
      const q = type === "application/apply-patch+yaml" ? "?fieldManager=fuzz" : "";
      const r = await send({ method: "PATCH", path: `${cmPath}/seed${q}`, headers: { "content-type": type }, body }, "h2");
      // Whatever the answer, the stored object must still be a well-formed ConfigMap; put it
      // back as it was for the next case.
      const now = await send({ method: "GET", path: `${cmPath}/seed` }, "h2");
      const stored = storedProblems("ConfigMap", JSON.parse(now.body.toString()) as StoredItem);
      const reset = await send({ method: "PUT", path: `${cmPath}/seed`, headers: json, body: JSON.stringify(kinds[0]!.make("seed")) }, "h2");
      assert.equal(reset.status, 200, `resetting the seed: ${reset.status} ${reset.body.toString().slice(0, 200)}`);
      assert.ok(r.status >= 400 && r.status < 500, `got ${r.status} ${r.body.toString().slice(0, 200)}${stored.length ? `; stored: ${stored.join("; ")}` : ""}`);
      expectStatus(r, r.status, "garbled patch");
      assert.deepEqual(stored, [], "the patch stored a malformed object");
    });
    const noManager = expectStatus(await send({ method: "PATCH", path: `${cmPath}/seed`, headers: { "content-type": "application/apply-patch+yaml" }, body: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: seed}\n" }, "h2"), 400, "apply without fieldManager");
    assert.equal(noManager.reason, "BadRequest");
  });

  it("selectors that do not parse → 400 BadRequest, for lists and watches", async () => {
    const labels = ["a in (b", "!", "a=b=c", "a notin b", "a in (b,", "Bad Key=x", "a=(", `${"k".repeat(64)}=v`];
    await eachCase(labels, (s) => `labelSelector ${s}`, async (sel) => {
      const st = expectStatus(await send({ method: "GET", path: `${cmPath}?labelSelector=${encodeURIComponent(sel)}` }, "h2"), 400, "list");
      assert.equal(st.reason, "BadRequest");
      const w = expectStatus(await send({ method: "GET", path: `${cmPath}?watch=1&labelSelector=${encodeURIComponent(sel)}`, streamGraceMs: 300 }, "h2"), 400, "watch");
      assert.equal(w.reason, "BadRequest");
    });
    const field = expectStatus(await send({ method: "GET", path: `${cmPath}?fieldSelector=spec.foo%3Dbar` }, "h2"), 400, "fieldSelector spec.foo");
    assert.equal(field.message, "field label not supported: spec.foo");
    await eachCase(["metadata.name", "metadata.name~x", "=x"], (s) => `fieldSelector ${s}`, async (sel) => {
      expectStatus(await send({ method: "GET", path: `${cmPath}?fieldSelector=${encodeURIComponent(sel)}` }, "h2"), 400, "field selector");
    });
  });

  it("malformed query parameters → 400, and a watch with junk never starts streaming", async () => {
    const queries = ["resourceVersion=abc", "resourceVersion=abc&resourceVersionMatch=NotOlderThan", "continue=garbage", "limit=abc", "watch=true&resourceVersion=junk", "watch=1&timeoutSeconds=x", "watch=1&resourceVersion=abc&timeoutSeconds=1"];
    await eachCase(queries, (q) => `GET ?${q}`, async (q) => {
      const st = expectStatus(await send({ method: "GET", path: `${cmPath}?${q}`, streamGraceMs: 300 }, "h2"), 400, "bad query");
      assert.equal(st.reason, "BadRequest");
    });
    const fv = expectStatus(await send({ method: "POST", path: `${cmPath}?fieldValidation=bogus`, headers: json, body: cm("fv") }, "h2"), 400, "fieldValidation=bogus");
    assert.equal(fv.reason, "BadRequest");
  });

  it("verbs a path does not serve → 405 MethodNotAllowed", async () => {
    const cases: [string, string][] = [["POST", `${cmPath}/seed`], ["PUT", cmPath], ["PATCH", cmPath], ["OPTIONS", cmPath], ["BREW", cmPath], ["POST", "/version"]];
    await eachCase(cases, ([m, p]) => `${m} ${p}`, async ([method, p]) => {
      const transport = method === "BREW" ? "h2" : "h1";
      const body = method === "POST" || method === "PUT" ? cm("seed") : method === "PATCH" ? "{}" : undefined;
      const headers: Record<string, string> = body ? { "content-type": method === "PATCH" ? "application/merge-patch+json" : "application/json" } : {};
      const st = expectStatus(await send({ method, path: p, headers, body }, transport), 405, "wrong verb");
      assert.equal(st.reason, "MethodNotAllowed");
    });
  });

  it("paths starting with // are paths, not authorities", async () => {
    await eachCase(["//", "//api/v1/namespaces", "//evil.example.com/api"], (p) => `GET ${p}`, async (p) => {
      for (const transport of ["h1", "h2"] as const) {
        const r = await send({ method: "GET", path: p }, transport);
        assert.ok(r.status < 500, `${transport}: ${r.status} ${r.body.toString().slice(0, 200)}`);
        if (r.status >= 400) expectStatus(r, r.status, transport);
      }
    });
  });

  it("no client certificate: 401 Status for the API, health and version stay open", async () => {
    const anon1 = new H1Client(cluster.url, { ca: creds.ca });
    const anon2 = new H2Client(cluster.url, { ca: creds.ca });
    try {
      for (const c of [anon1, anon2]) {
        const st = expectStatus(await c.request({ method: "GET", path: "/api/v1/namespaces" }), 401, "anonymous list");
        assert.equal(st.reason, "Unauthorized");
        assert.equal(st.message, "Unauthorized");
        const big = await c.request({ method: "POST", path: cmPath, headers: json, body: "x".repeat(MAX_BODY + 10) });
        assert.ok(big.status === 401 || big.status === 413, `anonymous oversized POST: ${big.status}`);
        expectStatus(big, big.status, "anonymous oversized POST");
        for (const p of ["/readyz", "/healthz", "/livez", "/version"]) {
          const r = await c.request({ method: "GET", path: p });
          assert.equal(r.status, 200, `anonymous GET ${p}`);
        }
      }
    } finally {
      anon1.close();
      anon2.close();
    }
  });
});

interface StoredItem {
  kind?: unknown;
  metadata: { name?: unknown; namespace?: unknown; labels?: unknown; annotations?: unknown; finalizers?: unknown };
  data?: unknown;
}

/** What a typed client (kubectl, client-go) would choke on in a stored object. */
function storedProblems(kind: string, it: StoredItem): string[] {
  const out: string[] = [];
  const m = it.metadata;
  const id = `${kind} ${JSON.stringify(m.name)}`;
  const stringMap = (v: unknown): boolean => v === undefined || (typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string"));
  if (it.kind !== undefined && it.kind !== kind) out.push(`${id}: kind is ${JSON.stringify(it.kind)}`);
  if (typeof m.name !== "string" || m.name === "") out.push(`${id}: metadata.name is not a non-empty string`);
  if (m.namespace !== undefined && typeof m.namespace !== "string") out.push(`${id}: metadata.namespace is ${JSON.stringify(m.namespace)}`);
  if (!stringMap(m.labels)) out.push(`${id}: metadata.labels is ${JSON.stringify(m.labels).slice(0, 100)}`);
  if (!stringMap(m.annotations)) out.push(`${id}: metadata.annotations is ${JSON.stringify(m.annotations).slice(0, 100)}`);
  if (m.finalizers !== undefined && !(Array.isArray(m.finalizers) && m.finalizers.every((f) => typeof f === "string"))) out.push(`${id}: metadata.finalizers is ${JSON.stringify(m.finalizers).slice(0, 100)}`);
  if (kind === "ConfigMap" && !stringMap(it.data)) out.push(`${id}: data is ${JSON.stringify(it.data).slice(0, 100)}`);
  return out;
}

interface Failure {
  index: number;
  generator: string;
  problem: string;
  request: string;
  response: string;
}

describe("seeded fuzz", () => {
  it(`${COUNT} generated bad requests (seed ${SEED}) all get a Status, never a 5xx, hang or reset`, { timeout: 60_000 }, async () => {
    console.log(`# fuzz seed ${SEED} (set TIMONEL_FUZZ_SEED to change), ${COUNT} cases, ${CONCURRENCY} at a time, budget ${BUDGET_MS} ms`);
    const failures: Failure[] = [];
    const byGenerator = new Map<string, Map<string, number>>();
    const started = Date.now();
    let next = ONLY ?? 0;
    const last = ONLY !== undefined ? ONLY + 1 : COUNT;
    let done = 0;
    let skipped = 0;

    const runOne = async (c: FuzzCase, lane: number): Promise<void> => {
      let transport: "h1" | "h2" = c.transport === "any" ? (c.index % 2 === 0 ? "h2" : "h1") : c.transport;
      const spec: RequestSpec = { ...c.spec, timeoutMs: REQUEST_TIMEOUT_MS };
      const fail = (problem: string, reply?: Reply): void => {
        failures.push({
          index: c.index, generator: c.generator, problem,
          request: describeRequest(spec, transport),
          response: reply ? `${reply.status} ${reply.body.toString("utf8").slice(0, 400)}` : "(none)",
        });
      };
      let reply: Reply;
      try {
        try {
          reply = await send(spec, transport, lane);
        } catch (err) {
          // HTTP/2 forbids some headers and HTTP/1 some methods: try the other one.
          if (!(err instanceof ClientRefusedError) || c.transport !== "any") throw err;
          transport = transport === "h1" ? "h2" : "h1";
          reply = await send(spec, transport, lane);
        }
      } catch (err) {
        if (err instanceof ClientRefusedError) {
          skipped++;
          return;
        }
        fail(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
        return;
      }
      const counts = byGenerator.get(c.generator) ?? new Map<string, number>();
      counts.set(String(reply.status), (counts.get(String(reply.status)) ?? 0) + 1);
      byGenerator.set(c.generator, counts);
      if (reply.status >= 500 && !(c.allow5xx ?? []).includes(reply.status)) fail(`server error ${reply.status} for a client mistake`, reply);
      if (reply.status >= 400 && spec.method !== "HEAD") {
        const problem = statusProblem(reply);
        if (problem) fail(`error reply is not a Status: ${problem}`, reply);
      }
      if (reply.status === 0) fail("no status", reply);
      const want = c.expect;
      if (want) {
        if (!want.codes.includes(reply.status)) {
          fail(`expected ${want.codes.join(" or ")}, got ${reply.status}`, reply);
        } else if (reply.status >= 400 && !statusProblem(reply)) {
          const st = JSON.parse(reply.body.toString("utf8")) as StatusBody;
          if (want.reason && st.reason !== want.reason) fail(`expected reason ${want.reason}, got ${String(st.reason)}`, reply);
          if (typeof want.message === "string" && st.message !== want.message) fail(`expected message ${JSON.stringify(want.message)}`, reply);
          if (want.message instanceof RegExp && !want.message.test(st.message)) fail(`expected message matching ${String(want.message)}`, reply);
          if (want.causeField) {
            const causes = st.details?.causes ?? [];
            if (!causes.length) fail("422 without field causes", reply);
            else if (!causes.some((x) => x.field === want.causeField)) fail(`no cause for field ${want.causeField}`, reply);
            else if (causes.some((x) => !x.field || !x.message || !x.reason)) fail("a cause lacks field, message or reason", reply);
          }
        }
      }
    };

    const lane = async (id: number): Promise<void> => {
      while (next < last && Date.now() - started < BUDGET_MS) {
        const c = generateCase(SEED, next++);
        await runOne(c, id);
        done++;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => lane(i)));
    const elapsed = Date.now() - started;

    const summary = [...byGenerator].sort(([a], [b]) => a.localeCompare(b))
      .map(([g, counts]) => `#   ${g.padEnd(18)} ${[...counts].sort().map(([s, n]) => `${s}×${n}`).join(" ")}`);
    console.log(`# fuzz: ${done} requests in ${elapsed} ms (${skipped} not sendable by the client), ${failures.length} failures\n${summary.join("\n")}`);
    // One example per kind of failure, with how often it happened.
    const groups = new Map<string, Failure[]>();
    for (const f of failures) {
      const key = `[${f.generator}] ${f.problem}`;
      groups.set(key, [...(groups.get(key) ?? []), f]);
    }
    for (const [key, fs] of groups) {
      const f = fs[0]!;
      console.log(`# FAIL ${fs.length}× ${key} (cases ${fs.slice(0, 8).map((x) => x.index).join(", ")}${fs.length > 8 ? ", …" : ""})\n#   e.g. case ${f.index}: ${f.request}\n#   response: ${f.response}`);
    }

    if (ONLY === undefined) assert.ok(done >= Math.min(COUNT, 500), `only ${done} cases ran within the ${BUDGET_MS} ms budget`);
    assert.equal(failures.length, 0, `${failures.length} fuzz failures (seed ${SEED}); first:\n${failures.slice(0, 15).map((f) => `case ${f.index} [${f.generator}] ${f.problem}\n  request: ${f.request}\n  response: ${f.response}`).join("\n")}`);
  });

  it("malformed HTTP/1.1 messages on raw TLS sockets are answered or closed, never left hanging", async () => {
    const port = cluster.port;
    const cm = `/api/v1/namespaces/${FUZZ_NS}/configmaps`;
    const raw: [string, string | Buffer][] = [
      ["garbage request line", "GARBAGE\r\n\r\n"],
      ["method only", "GET\r\n\r\n"],
      ["HTTP/9.9", "GET /version HTTP/9.9\r\nHost: x\r\n\r\n"],
      ["header without colon", "GET /version HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"],
      ["NUL in a header", "GET /version HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n"],
      ["CL and TE both", `POST ${cm} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
      ["bad chunk size", `POST ${cm} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n`],
      ["negative length", `POST ${cm} HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n`],
      ["two lengths", `POST ${cm} HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab`],
      ["20 KB header", `GET /version HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`],
      ["20 KB path", `GET /${"a".repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`],
      ["bare LF", "GET /version HTTP/1.1\nHost: x\n\n"],
      ["HTTP/2 preface over HTTP/1.1", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\u0000\u0000\u0000garbage"],
      ["binary noise", Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7919 + 13) % 256))],
      ["websocket upgrade", `GET ${cm} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`],
      ["CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"],
      ["pipelined", "GET /version HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"],
      ["absolute-form URL", "GET https://evil.example.com/api/v1/namespaces HTTP/1.1\r\nHost: x\r\n\r\n"],
      ["asterisk-form", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"],
    ];
    const outcomes: string[] = [];
    const hangs: string[] = [];
    await Promise.all(raw.map(async ([name, data]) => {
      const result = await new Promise<string>((resolve) => {
        const sock = tls.connect({ host: "127.0.0.1", port, ca: creds.ca, cert: creds.cert, key: creds.key, ALPNProtocols: ["http/1.1"], servername: "localhost" });
        let got = "";
        let t2: NodeJS.Timeout | undefined;
        const t1 = setTimeout(() => {
          // Nothing yet: say we are done sending, then the server must answer or close.
          sock.end();
          t2 = setTimeout(() => { sock.destroy(); resolve(got ? `answered: ${got.split("\r\n")[0]}` : "HANG"); }, 3000);
        }, 2000);
        sock.on("secureConnect", () => sock.write(data));
        sock.on("data", (d: Buffer) => { got += d.toString("latin1"); });
        sock.on("error", () => undefined);
        sock.on("close", () => {
          clearTimeout(t1);
          if (t2) clearTimeout(t2);
          resolve(got ? `answered: ${got.split("\r\n")[0]}` : "closed");
        });
      });
      outcomes.push(`${name}: ${result}`);
      if (result === "HANG") hangs.push(name);
    }));
    console.log(`# raw HTTP/1.1:\n${outcomes.sort().map((o) => `#   ${o}`).join("\n")}`);
    assert.deepEqual(hangs, [], "the server neither answered nor closed these connections");
  });

  it("uploads aborted midway (HTTP/2 cancel, HTTP/1.1 hang-up) leave the server serving", async () => {
    const cm = `/api/v1/namespaces/${FUZZ_NS}/configmaps`;
    const session = http2.connect(cluster.url, { ca: creds.ca, cert: creds.cert, key: creds.key });
    session.on("error", () => undefined);
    for (let i = 0; i < 20; i++) {
      const s = session.request({ ":method": i % 2 ? "POST" : "PATCH", ":path": i % 2 ? cm : `${cm}/seed`, "content-type": i % 2 ? "application/json" : "application/merge-patch+json", "content-length": "100000" });
      s.on("error", () => undefined);
      s.write(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"abort-${i}"`);
      setTimeout(() => s.close(http2.constants.NGHTTP2_CANCEL), 20);
    }
    await Promise.all(Array.from({ length: 10 }, (_, i) => new Promise<void>((resolve) => {
      const sock = tls.connect({ host: "127.0.0.1", port: cluster.port, ca: creds.ca, cert: creds.cert, key: creds.key, ALPNProtocols: ["http/1.1"], servername: "localhost" });
      sock.on("error", () => resolve());
      sock.on("secureConnect", () => {
        sock.write(`POST ${cm} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"h1-abort-${i}"`);
        setTimeout(() => { sock.destroy(); resolve(); }, 30);
      });
    })));
    await new Promise((r) => setTimeout(r, 100));
    session.destroy();
    const r = await send({ method: "GET", path: `${cm}/seed` }, "h2");
    assert.equal(r.status, 200);
    const list = await send({ method: "GET", path: cm }, "h1");
    assert.equal(list.status, 200);
    const names = (JSON.parse(list.body.toString()) as { items: { metadata: { name: unknown } }[] }).items.map((x) => String(x.metadata.name));
    assert.deepEqual(names.filter((n) => n.includes("abort")), [], "a truncated upload was stored");
  });

  it("afterwards the server is ready, the pre-created objects are intact, and nothing stored is malformed", async () => {
    const corrupt: string[] = [];
    for (const transport of ["h1", "h2"] as const) {
      const r = await send({ method: "GET", path: "/readyz" }, transport);
      assert.equal(r.status, 200, `readyz over ${transport}`);
      assert.equal(r.body.toString(), "ok");
      assert.equal((await send({ method: "GET", path: "/healthz" }, transport)).status, 200);
    }
    for (const k of kinds) {
      const r = await send({ method: "GET", path: `${k.collection}/${seedName(k)}` }, "h2");
      assert.equal(r.status, 200, `GET ${k.kind} ${seedName(k)}: ${r.status} ${r.body.toString().slice(0, 300)}`);
      const obj = JSON.parse(r.body.toString()) as { kind?: string; apiVersion?: string; metadata?: { name?: string; namespace?: string } };
      assert.equal(obj.kind, k.kind, `the stored ${k.kind} changed kind`);
      assert.equal(obj.apiVersion, k.apiVersion, `the stored ${k.kind} changed apiVersion`);
      assert.equal(obj.metadata?.name, seedName(k));
      if (k.kind !== "Namespace") assert.equal(obj.metadata?.namespace, FUZZ_NS);
      const list = await send({ method: "GET", path: k.collection }, "h1");
      assert.equal(list.status, 200, `list ${k.plural}`);
      const items = (JSON.parse(list.body.toString()) as { items: StoredItem[] }).items;
      for (const it of items) corrupt.push(...storedProblems(k.kind, it));
    }
    assert.deepEqual(corrupt, [], "bad input was stored as objects no client can decode");
  });
});
