import { test } from "node:test";
import assert from "node:assert/strict";
import { StatusError } from "../errors.js";
import { applyStrategicMergePatch } from "./strategic.js";
import { deploymentType, fixtureSchemas } from "./schemas.fixture.js";

type Obj = Record<string, unknown>;

const podSpec = (spec: Obj): Obj => ({ spec: { template: { spec } } });
const smp = (doc: unknown, patch: unknown, typeName = deploymentType) =>
  applyStrategicMergePatch(doc, patch, { schemas: fixtureSchemas, typeName });

function live(): Obj {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", labels: { app: "web" }, annotations: { a: "1" }, finalizers: ["f1", "f2"] },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "web" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          containers: [{
            name: "app", image: "nginx:1.26", imagePullPolicy: "IfNotPresent",
            args: ["-a", "-b"],
            ports: [{ containerPort: 80, protocol: "TCP" }],
            env: [{ name: "A", value: "1" }, { name: "B", value: "2" }],
            volumeMounts: [{ name: "data", mountPath: "/data" }],
          }],
          volumes: [{ name: "data", emptyDir: {} }],
          tolerations: [{ key: "k1", operator: "Exists" }],
          restartPolicy: "Always",
        },
      },
    },
  };
}

const container = (doc: Obj, i = 0): Obj => ((((doc.spec as Obj).template as Obj).spec as Obj).containers as Obj[])[i]!;
const tspec = (doc: Obj): Obj => ((doc.spec as Obj).template as Obj).spec as Obj;

interface Case { name: string; patch: unknown; check: (out: Obj) => void; doc?: Obj; typeName?: string }

const cases: Case[] = [
  {
    name: "kubectl apply body: replicas, annotation, $setElementOrder/containers with a new image",
    patch: {
      metadata: { annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{\"x\":1}\n" } },
      spec: { replicas: 3, template: { spec: { "$setElementOrder/containers": [{ name: "app" }], containers: [{ image: "nginx:1.27", name: "app" }] } } },
    },
    check: (out) => {
      assert.equal((out.spec as Obj).replicas, 3);
      assert.deepEqual((out.metadata as Obj).annotations, { a: "1", "kubectl.kubernetes.io/last-applied-configuration": "{\"x\":1}\n" });
      const c = container(out);
      assert.equal(c.image, "nginx:1.27");
      assert.equal(c.imagePullPolicy, "IfNotPresent");
      assert.deepEqual(c.ports, [{ containerPort: 80, protocol: "TCP" }]);
      assert.equal(tspec(out).containers instanceof Array && (tspec(out).containers as unknown[]).length, 1);
      assert.ok(!("$setElementOrder/containers" in tspec(out)));
    },
  },
  {
    name: "kubectl edit body: only the diff",
    patch: { spec: { replicas: 2 } },
    check: (out) => {
      assert.equal((out.spec as Obj).replicas, 2);
      assert.equal(container(out).image, "nginx:1.26");
    },
  },
  {
    name: "a new container is merged by name; the patch item comes first, as upstream orders it",
    patch: podSpec({ containers: [{ name: "sidecar", image: "busybox" }] }),
    check: (out) => {
      const names = (tspec(out).containers as Obj[]).map((c) => c.name);
      assert.deepEqual(names, ["sidecar", "app"]);
    },
  },
  {
    name: "$setElementOrder puts a new container after the existing one",
    patch: podSpec({ "$setElementOrder/containers": [{ name: "app" }, { name: "sidecar" }], containers: [{ name: "sidecar", image: "busybox" }] }),
    check: (out) => assert.deepEqual((tspec(out).containers as Obj[]).map((c) => c.name), ["app", "sidecar"]),
  },
  {
    name: "env merges by name; null deletes a field of a merged item; new items are added",
    patch: podSpec({ containers: [{ name: "app", env: [{ name: "B", value: null, valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }, { name: "C", value: "3" }] }] }),
    check: (out) => {
      assert.deepEqual(container(out).env, [
        { name: "A", value: "1" },
        { name: "B", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "C", value: "3" },
      ]);
    },
  },
  {
    name: "ports merge by containerPort",
    patch: podSpec({ containers: [{ name: "app", ports: [{ containerPort: 80, name: "http" }, { containerPort: 443 }] }] }),
    check: (out) => assert.deepEqual(container(out).ports, [{ containerPort: 80, protocol: "TCP", name: "http" }, { containerPort: 443 }]),
  },
  {
    name: "volumeMounts merge by mountPath",
    patch: podSpec({ containers: [{ name: "app", volumeMounts: [{ mountPath: "/data", readOnly: true }] }] }),
    check: (out) => assert.deepEqual(container(out).volumeMounts, [{ name: "data", mountPath: "/data", readOnly: true }]),
  },
  {
    name: "args (no strategy) are replaced",
    patch: podSpec({ containers: [{ name: "app", args: ["-c"] }] }),
    check: (out) => assert.deepEqual(container(out).args, ["-c"]),
  },
  {
    name: "tolerations (no strategy) are replaced",
    patch: podSpec({ tolerations: [{ key: "k2", operator: "Exists" }] }),
    check: (out) => assert.deepEqual(tspec(out).tolerations, [{ key: "k2", operator: "Exists" }]),
  },
  {
    name: "$patch: delete removes a list item by merge key",
    patch: podSpec({ containers: [{ name: "app", env: [{ name: "A", $patch: "delete" }] }] }),
    check: (out) => assert.deepEqual(container(out).env, [{ name: "B", value: "2" }]),
  },
  {
    name: "$patch: replace in a list replaces the whole list",
    patch: podSpec({ containers: [{ name: "app", env: [{ name: "Z", value: "26" }, { $patch: "replace" }] }] }),
    check: (out) => assert.deepEqual(container(out).env, [{ name: "Z", value: "26" }]),
  },
  {
    name: "$patch: replace in a map replaces the map",
    patch: { metadata: { labels: { tier: "front", $patch: "replace" } } },
    check: (out) => assert.deepEqual((out.metadata as Obj).labels, { tier: "front" }),
  },
  {
    name: "$patch: delete in a map empties it",
    patch: { metadata: { annotations: { $patch: "delete" } } },
    check: (out) => assert.deepEqual((out.metadata as Obj).annotations, {}),
  },
  {
    name: "$retainKeys in a volume switches its source",
    patch: podSpec({ volumes: [{ name: "data", configMap: { name: "cm" }, $retainKeys: ["configMap", "name"] }] }),
    check: (out) => assert.deepEqual(tspec(out).volumes, [{ name: "data", configMap: { name: "cm" } }]),
  },
  {
    name: "$retainKeys on the deployment strategy drops rollingUpdate",
    patch: { spec: { strategy: { type: "Recreate", $retainKeys: ["type"] } } },
    check: (out) => assert.deepEqual((out.spec as Obj).strategy, { type: "Recreate" }),
  },
  {
    name: "$deleteFromPrimitiveList removes finalizers",
    patch: { metadata: { "$deleteFromPrimitiveList/finalizers": ["f1"] } },
    check: (out) => assert.deepEqual((out.metadata as Obj).finalizers, ["f2"]),
  },
  {
    name: "finalizers (merge strategy, scalars) are unioned",
    patch: { metadata: { finalizers: ["f2", "f3"] } },
    check: (out) => assert.deepEqual((out.metadata as Obj).finalizers, ["f1", "f2", "f3"]),
  },
  {
    name: "$setElementOrder/finalizers with a deletion (kubectl's primitive-list form)",
    patch: { metadata: { "$setElementOrder/finalizers": ["f3", "f2"], "$deleteFromPrimitiveList/finalizers": ["f1"], finalizers: ["f3"] } },
    check: (out) => assert.deepEqual((out.metadata as Obj).finalizers, ["f3", "f2"]),
  },
  {
    name: "null deletes a map key",
    patch: { metadata: { labels: { app: null } }, spec: { strategy: null } },
    check: (out) => {
      assert.deepEqual((out.metadata as Obj).labels, {});
      assert.ok(!("strategy" in (out.spec as Obj)));
    },
  },
  {
    name: "nulls inside new values are dropped",
    patch: podSpec({ containers: [{ name: "new", image: "x", imagePullPolicy: null }], securityContext: { runAsUser: 1, fsGroup: null } }),
    check: (out) => {
      assert.deepEqual(container(out, 0), { name: "new", image: "x" });
      assert.deepEqual(tspec(out).securityContext, { runAsUser: 1 });
    },
  },
  {
    name: "unknown fields fall back to merge-patch semantics",
    patch: { spec: { extra: { list: [3], m: { b: 2 } } } },
    doc: { spec: { extra: { list: [1, 2], m: { a: 1 } } } },
    check: (out) => assert.deepEqual((out.spec as Obj).extra, { list: [3], m: { a: 1, b: 2 } }),
  },
  {
    name: "unknown type: lists replace, maps merge",
    typeName: "com.example.v1.Widget",
    doc: { spec: { items: [{ name: "a", x: 1 }], labels: { a: "1" } } },
    patch: { spec: { items: [{ name: "a", y: 2 }], labels: { b: "2" } } },
    check: (out) => assert.deepEqual(out.spec, { items: [{ name: "a", y: 2 }], labels: { a: "1", b: "2" } }),
  },
  {
    name: "type change replaces the value",
    patch: { spec: { replicas: "3", selector: "x" } },
    check: (out) => {
      assert.equal((out.spec as Obj).replicas, "3");
      assert.equal((out.spec as Obj).selector, "x");
    },
  },
  {
    name: "adding a list to an object without it",
    patch: podSpec({ initContainers: [{ name: "init", image: "busybox" }] }),
    check: (out) => assert.deepEqual(tspec(out).initContainers, [{ name: "init", image: "busybox" }]),
  },
  {
    name: "$patch: replace at the top replaces the document",
    patch: { $patch: "replace", kind: "Deployment", spec: { replicas: 9 } },
    check: (out) => assert.deepEqual(out, { kind: "Deployment", spec: { replicas: 9 } }),
  },
];

for (const c of cases) {
  test(`strategic merge: ${c.name}`, () => {
    const doc = c.doc ?? live();
    const before = structuredClone(doc);
    const patchBefore = structuredClone(c.patch);
    const out = smp(doc, c.patch, c.typeName);
    c.check(out);
    assert.deepEqual(doc, before, "input document must not change");
    assert.deepEqual(c.patch, patchBefore, "patch must not change");
  });
}

test("strategic merge: $setElementOrder reorders, keeping server-only items before their live successors", () => {
  const doc = podSpec({ containers: [{ name: "a" }, { name: "b" }, { name: "c" }] });
  const reordered = smp(doc, podSpec({ "$setElementOrder/containers": [{ name: "c" }, { name: "a" }, { name: "b" }] }));
  assert.deepEqual((tspec(reordered).containers as Obj[]).map((x) => x.name), ["c", "a", "b"]);
  const partial = smp(doc, podSpec({ "$setElementOrder/containers": [{ name: "c" }, { name: "a" }] }));
  assert.deepEqual((tspec(partial).containers as Obj[]).map((x) => x.name), ["b", "c", "a"]);
});

test("strategic merge: kubectl set image keeps other containers and their order", () => {
  const doc = podSpec({ containers: [{ name: "app", image: "nginx:1" }, { name: "log", image: "fluent" }] });
  const out = smp(doc, { spec: { template: { spec: { "$setElementOrder/containers": [{ name: "app" }, { name: "log" }], containers: [{ image: "nginx:2", name: "app" }] } } } });
  assert.deepEqual(tspec(out).containers, [{ name: "app", image: "nginx:2" }, { name: "log", image: "fluent" }]);
});

test("strategic merge: kubectl apply removing a container sends a delete directive with $setElementOrder", () => {
  const doc = podSpec({ containers: [{ name: "a", image: "1" }, { name: "b", image: "2" }] });
  const out = smp(doc, podSpec({ "$setElementOrder/containers": [{ name: "a" }], containers: [{ $patch: "delete", name: "b" }] }));
  assert.deepEqual(tspec(out).containers, [{ name: "a", image: "1" }]);
});

interface ErrCase { name: string; patch: unknown; code: number; message: RegExp }

const errorCases: ErrCase[] = [
  { name: "patch not an object", patch: [1], code: 400, message: /cannot unmarshal array into Go value of type map\[string\]interface \{\}/ },
  { name: "field outside $retainKeys", patch: { spec: { strategy: { type: "Recreate", $retainKeys: ["rollingUpdate"] } } }, code: 400, message: /^invalid patch format of retainKeys$/ },
  { name: "$retainKeys not a list", patch: { spec: { strategy: { $retainKeys: "type" } } }, code: 400, message: /^invalid patch format of retainKeys$/ },
  { name: "$patch: merge in a list", patch: podSpec({ containers: [{ $patch: "merge" }] }), code: 400, message: /merging lists cannot yet be specified in the patch/ },
  { name: "unknown $patch in a map", patch: { metadata: { labels: { $patch: "bogus" } } }, code: 400, message: /^unknown patch type: bogus in map: map\[\$patch:bogus\]$/ },
  { name: "missing merge key", patch: podSpec({ containers: [{ image: "x" }] }), code: 400, message: /^map: map\[image:x\] does not contain declared merge key: name$/ },
  { name: "bad $deleteFromPrimitiveList key", patch: { metadata: { $deleteFromPrimitiveListfinalizers: ["a"] } }, code: 400, message: /^invalid patch format of primitive list$/ },
  { name: "bad $setElementOrder key", patch: { metadata: { $setElementOrderX: ["a"] } }, code: 400, message: /^expected a slice, but received a map$|invalid patch format of setElementOrder list/ },
  {
    name: "patch list order contradicts $setElementOrder",
    patch: podSpec({ "$setElementOrder/containers": [{ name: "app" }], containers: [{ name: "other", image: "x" }] }),
    code: 400, message: /^The order in patch list:/,
  },
];

for (const c of errorCases) {
  test(`strategic merge error: ${c.name}`, () => {
    assert.throws(() => smp(live(), c.patch), (e: unknown) => {
      assert.ok(e instanceof StatusError, `not a StatusError: ${String(e)}`);
      assert.equal(e.code, c.code);
      const text = e.code === 422 ? e.details?.causes?.[0]?.message ?? "" : e.message;
      if (e.code === 422) assert.match(e.message, c.message);
      else assert.match(text, c.message);
      return true;
    });
  });
}

test("strategic merge error: mixed element types are 400", () => {
  assert.throws(() => smp(live(), { metadata: { finalizers: [["x"]] } }), (e: unknown) =>
    e instanceof StatusError && e.code === 400 && /^list element types are not identical: \[\[f1 f2\] \[\[x\]\]\]$/.test(e.message));
});

test("strategic merge error: list of lists is 422 with the cause upstream gives", () => {
  try {
    smp({ metadata: { finalizers: [] } }, { metadata: { finalizers: [["x"]] } });
    assert.fail("expected an error");
  } catch (e) {
    assert.ok(e instanceof StatusError);
    assert.deepEqual(e.toStatus().details, { causes: [{ reason: "UnexpectedServerResponse", message: "lists of lists are not supported" }] });
    assert.equal(e.reason, "Invalid");
  }
});
