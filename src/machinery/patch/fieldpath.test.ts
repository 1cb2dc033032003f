import { test } from "node:test";
import assert from "node:assert/strict";
import { FieldSet, fieldElement as f, keyElement as k, valueElement as v, indexElement as i, pathToString } from "./fieldpath.js";
import { SchemaRef } from "./schema-ref.js";
import { compare, ensureNamedFieldsAreMembers, merge, removeItems, toFieldSet } from "./typed.js";
import { deploymentType, fixtureSchemas } from "./schemas.fixture.js";

const root = SchemaRef.root(fixtureSchemas, deploymentType);
const podSpecPath = [f("spec"), f("template"), f("spec")];

test("path elements and their printed form", () => {
  const cases: [string[], string][] = [
    [[f("spec"), f("replicas")], ".spec.replicas"],
    [[...podSpecPath, f("containers"), k({ name: "app" }), f("image")], '.spec.template.spec.containers[name="app"].image'],
    [[f("ports"), k({ protocol: "TCP", containerPort: 80 })], '.ports[containerPort=80,protocol="TCP"]'],
    [[f("metadata"), f("finalizers"), v("a/b")], '.metadata.finalizers[="a/b"]'],
    [[f("list"), i(3)], ".list[3]"],
  ];
  for (const [p, s] of cases) assert.equal(pathToString(p), s);
  assert.equal(k({ protocol: "TCP", containerPort: 80 }), 'k:{"containerPort":80,"protocol":"TCP"}');
});

test("FieldsV1 round trip keeps '.' for paths that are members with children", () => {
  const fields = {
    "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
    "f:spec": {
      "f:replicas": {},
      "f:template": { "f:spec": { "f:containers": { 'k:{"name":"app"}': { ".": {}, "f:image": {}, "f:name": {} } } } },
    },
  };
  const s = FieldSet.fromFieldsV1(fields);
  assert.ok(s.has([f("metadata"), f("labels")]));
  assert.ok(s.has([f("metadata"), f("labels"), f("app")]));
  assert.ok(!s.has([f("metadata")]));
  assert.deepEqual(s.toFieldsV1(), fields);
  assert.deepEqual(JSON.stringify(s.toFieldsV1()), JSON.stringify(fields), "key order is upstream's");
});

test("FieldsV1 keys are serialised in upstream's order", () => {
  const s = FieldSet.of([f("b")], [f("a")], [f("l"), i(10)], [f("l"), i(2)], [f("l"), v("z")], [f("l"), k({ name: "x" })], [f("l"), f("x")]);
  assert.deepEqual(Object.keys(s.toFieldsV1()), ["f:a", "f:b", "f:l"]);
  assert.deepEqual(Object.keys(s.toFieldsV1()["f:l"] as object), ["f:x", 'k:{"name":"x"}', 'v:"z"', "i:2", "i:10"]);
});

test("invalid FieldsV1 is refused", () => {
  for (const bad of [[], "x", { x: {} }, { "f:a": 1 }]) assert.throws(() => FieldSet.fromFieldsV1(bad));
});

test("set algebra", () => {
  const a = FieldSet.of([f("a"), f("b")], [f("a"), f("c")], [f("d")]);
  const b = FieldSet.of([f("a"), f("c")], [f("e")]);
  assert.deepEqual(a.union(b).paths(), [[f("d")], [f("e")], [f("a"), f("b")], [f("a"), f("c")]]);
  assert.deepEqual(a.difference(b).paths(), [[f("d")], [f("a"), f("b")]]);
  assert.deepEqual(a.intersection(b).paths(), [[f("a"), f("c")]]);
  assert.ok(a.difference(a).empty);
  assert.ok(a.equals(a.clone()));
  // A member does not cover the children of the same path.
  const m = FieldSet.of([f("a")]);
  assert.deepEqual(a.difference(m).paths(), a.paths());
  assert.deepEqual(a.withoutPrefix([f("a")]).paths(), [[f("d")]]);
});

test("field set of an object follows the schema: keyed lists, sets, atomic lists and maps", () => {
  const obj = {
    metadata: { labels: { app: "web" }, finalizers: ["x"] },
    spec: {
      selector: { matchLabels: { app: "web" } },
      template: { spec: { containers: [{ name: "app", image: "nginx", args: ["-v"], ports: [{ containerPort: 80 }] }], nodeSelector: { disk: "ssd" } } },
    },
    status: {},
  };
  const set = toFieldSet(obj, root);
  const c = [...podSpecPath, f("containers"), k({ name: "app" })];
  assert.deepEqual(set.paths().map(pathToString), [
    ".metadata.finalizers[=\"x\"]",
    ".metadata.labels.app",
    ".spec.selector",
    ".spec.template.spec.nodeSelector",
    '.spec.template.spec.containers[name="app"]',
    '.spec.template.spec.containers[name="app"].args',
    '.spec.template.spec.containers[name="app"].image',
    '.spec.template.spec.containers[name="app"].name',
    '.spec.template.spec.containers[name="app"].ports[containerPort=80,protocol="TCP"]',
    '.spec.template.spec.containers[name="app"].ports[containerPort=80,protocol="TCP"].containerPort',
  ]);
  assert.ok(set.has([...c, f("args")]));
});

test("compare marks maps and list items that appear as a whole", () => {
  const before = { spec: { template: { spec: { containers: [{ name: "a", image: "1" }] } } } };
  const after = {
    metadata: { labels: { x: "y" } },
    spec: { replicas: 2, template: { spec: { containers: [{ name: "a", image: "2" }, { name: "b", image: "3" }] } } },
  };
  const c = compare(before, after, root);
  const added = c.added.paths().map(pathToString);
  assert.deepEqual(added.sort(), [
    ".metadata", ".metadata.labels", ".metadata.labels.x", ".spec.replicas",
    '.spec.template.spec.containers[name="b"]', '.spec.template.spec.containers[name="b"].image', '.spec.template.spec.containers[name="b"].name',
  ].sort());
  assert.deepEqual(c.modified.paths().map(pathToString), ['.spec.template.spec.containers[name="a"].image']);
  const back = compare(after, before, root);
  assert.deepEqual(back.removed.paths().map(pathToString).sort(), added.sort());
});

test("compare treats empty maps and lists as leaves", () => {
  const c = compare({ spec: {} }, { spec: { template: { spec: { securityContext: {}, containers: [] } } } }, root);
  assert.ok(c.added.has([...podSpecPath, f("securityContext")]));
  assert.ok(c.added.has([...podSpecPath, f("containers")]));
});

test("apply merge keeps live order and places new configured items after", () => {
  const live = { spec: { template: { spec: { containers: [{ name: "a", image: "1", imagePullPolicy: "Always" }, { name: "b" }] } } } };
  const cfg = { spec: { template: { spec: { containers: [{ name: "a", image: "2" }, { name: "c" }] } } } };
  const out = merge(live, cfg, root) as { spec: { template: { spec: { containers: object[] } } } };
  assert.deepEqual(out.spec.template.spec.containers, [{ name: "a", image: "2", imagePullPolicy: "Always" }, { name: "b" }, { name: "c" }]);
  const swapped = merge({ l: [1] }, { l: [2] }, SchemaRef.none()) as { l: number[] };
  assert.deepEqual(swapped.l, [2], "lists without schema are atomic");
  const reordered = merge(
    { spec: { template: { spec: { containers: [{ name: "a" }, { name: "x" }, { name: "b" }] } } } },
    { spec: { template: { spec: { containers: [{ name: "b" }, { name: "a" }] } } } }, root) as typeof out;
  assert.deepEqual(reordered.spec.template.spec.containers.map((c) => (c as { name: string }).name), ["x", "b", "a"]);
});

test("removeItems drops whole subtrees named as members; ensureNamedFieldsAreMembers adds struct parents", () => {
  const obj = { metadata: { name: "x", labels: { a: "1", b: "2" } }, spec: { replicas: 1 } };
  const out = removeItems(obj, FieldSet.of([f("metadata"), f("labels"), f("a")], [f("spec")]), root);
  assert.deepEqual(out, { metadata: { name: "x", labels: { b: "2" } } });
  const ensured = ensureNamedFieldsAreMembers(FieldSet.of([f("metadata"), f("labels"), f("a")]), root);
  assert.ok(ensured.has([f("metadata")]));
  assert.ok(ensured.has([f("metadata"), f("labels")]));
  assert.ok(!ensured.has([f("metadata"), f("labels"), f("b")]));
});
