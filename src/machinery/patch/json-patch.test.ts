import { test } from "node:test";
import assert from "node:assert/strict";
import { StatusError } from "../errors.js";
import { applyJsonPatch } from "./json-patch.js";

const doc = () => ({
  metadata: { name: "web", annotations: { a: "1" }, labels: { "app.kubernetes.io/name": "web" } },
  spec: { replicas: 1, template: { spec: { containers: [{ name: "app", image: "nginx:1" }] } } },
});

const ok: { name: string; ops: unknown[]; want: (d: ReturnType<typeof doc>) => unknown }[] = [
  {
    name: "kubectl rollout undo body",
    ops: [
      { op: "replace", path: "/spec/template", value: { spec: { containers: [{ name: "app", image: "nginx:0" }] } } },
      { op: "replace", path: "/metadata/annotations", value: { b: "2" } },
    ],
    want: (d) => ({ ...d, metadata: { ...d.metadata, annotations: { b: "2" } }, spec: { replicas: 1, template: { spec: { containers: [{ name: "app", image: "nginx:0" }] } } } }),
  },
  {
    name: "add, remove, test, copy, move and escaped keys",
    ops: [
      { op: "test", path: "/spec/replicas", value: 1 },
      { op: "add", path: "/spec/template/spec/containers/-", value: { name: "b" } },
      { op: "remove", path: "/metadata/labels/app.kubernetes.io~1name" },
      { op: "copy", from: "/metadata/name", path: "/metadata/labels/name" },
      { op: "move", from: "/metadata/annotations/a", path: "/metadata/annotations/z" },
    ],
    want: (d) => ({
      metadata: { name: "web", annotations: { z: "1" }, labels: { name: "web" } },
      spec: { replicas: 1, template: { spec: { containers: [...d.spec.template.spec.containers, { name: "b" }] } } },
    }),
  },
  {
    name: "add without a value writes null, as upstream",
    ops: [{ op: "add", path: "/spec/paused" }],
    want: (d) => ({ ...d, spec: { ...d.spec, paused: null } }),
  },
];

for (const c of ok) {
  test(`json patch: ${c.name}`, () => {
    const d = doc();
    assert.deepEqual(applyJsonPatch(d, c.ops), c.want(doc()));
    assert.deepEqual(d, doc(), "input must not change");
  });
}

const failing: { name: string; ops: unknown; code: number; message: string }[] = [
  { name: "test fails", ops: [{ op: "test", path: "/spec/replicas", value: 2 }], code: 422, message: "testing value /spec/replicas failed: test failed" },
  { name: "test on a missing parent", ops: [{ op: "test", path: "/nope/x", value: 2 }], code: 422, message: "test operation does not apply: is missing path: /nope/x: missing value" },
  { name: "replace a missing key", ops: [{ op: "replace", path: "/spec/paused", value: true }], code: 422, message: "replace operation does not apply: doc is missing key: /spec/paused: missing value" },
  { name: "replace under a missing parent", ops: [{ op: "replace", path: "/status/replicas", value: 1 }], code: 422, message: "replace operation does not apply: doc is missing path: /status/replicas: missing value" },
  { name: "add under a missing parent", ops: [{ op: "add", path: "/status/replicas", value: 1 }], code: 422, message: "add operation does not apply: doc is missing path: \"/status/replicas\": missing value" },
  { name: "remove a missing key", ops: [{ op: "remove", path: "/metadata/labels/x" }], code: 422, message: "error in remove for path: '/metadata/labels/x': Unable to remove nonexistent key: x: missing value" },
  { name: "add past the end of an array", ops: [{ op: "add", path: "/spec/template/spec/containers/5", value: {} }], code: 422, message: "error in add for path: '/spec/template/spec/containers/5': Unable to access invalid index: 5: invalid index referenced" },
  { name: "move from a missing path", ops: [{ op: "move", from: "/x", path: "/y" }], code: 422, message: "move operation does not apply: doc is missing from path: /x: missing value" },
  { name: "unknown op", ops: [{ op: "frobnicate", path: "/x" }], code: 422, message: "Unexpected kind: frobnicate" },
  { name: "root path", ops: [{ op: "replace", path: "", value: {} }], code: 422, message: "replace operation does not apply: doc is missing path: : missing value" },
  { name: "body not a list", ops: { op: "add" }, code: 400, message: "json: cannot unmarshal object into Go value of type jsonpatch.Patch" },
  { name: "operation not an object", ops: ["x"], code: 400, message: "json: cannot unmarshal string into Go value of type jsonpatch.Operation" },
];

for (const c of failing) {
  test(`json patch error: ${c.name}`, () => {
    const d = doc();
    assert.throws(() => applyJsonPatch(d, c.ops), (e: unknown) => {
      assert.ok(e instanceof StatusError, String(e));
      assert.equal(e.code, c.code);
      if (c.code === 422) {
        assert.equal(e.reason, "Invalid");
        assert.equal(e.message, "the server rejected our request due to an error in our request");
        assert.deepEqual(e.details?.causes, [{ reason: "UnexpectedServerResponse", message: c.message }]);
      } else {
        assert.equal(e.message, c.message);
      }
      return true;
    });
    assert.deepEqual(d, doc(), "input must not change even when a later op fails");
  });
}

test("json patch: a failing op leaves the input untouched after earlier ops applied", () => {
  const d = doc();
  assert.throws(() => applyJsonPatch(d, [{ op: "replace", path: "/spec/replicas", value: 5 }, { op: "test", path: "/spec/replicas", value: 1 }]));
  assert.equal(d.spec.replicas, 1);
});

test("json patch: more than 10000 operations is 413", () => {
  const ops = Array.from({ length: 10001 }, () => ({ op: "test", path: "/spec/replicas", value: 1 }));
  assert.throws(() => applyJsonPatch(doc(), ops), (e: unknown) =>
    e instanceof StatusError && e.code === 413 && e.message === "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001");
});
