import { test } from "node:test";
import assert from "node:assert/strict";
import { StatusError } from "../errors.js";
import type { KubeObject } from "../object.js";
import { serverSideApply, type ServerSideApplyOptions } from "./apply.js";
import { updateManagedFields } from "./managed-fields.js";
import { deploymentType, fixtureSchemas } from "./schemas.fixture.js";

type Obj = Record<string, unknown>;
const t0 = new Date("2025-03-01T10:00:00Z");
const t1 = new Date("2025-03-01T11:00:00Z");

function config(replicas?: number, containers: Obj[] = [{ name: "app", image: "nginx:1.27" }], labels: Record<string, string> = { app: "web" }): KubeObject {
  const spec: Obj = { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers } } };
  if (replicas !== undefined) spec.replicas = replicas;
  return { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", labels }, spec };
}

const base = { apiVersion: "apps/v1", schemas: fixtureSchemas, typeName: deploymentType, force: false };
const apply = (o: Partial<ServerSideApplyOptions> & { applied: KubeObject; manager: string }) =>
  serverSideApply({ ...base, now: t0, ...o });

/** What the API server does after apply: default, and add server metadata. */
function store(obj: KubeObject, rv: string): KubeObject {
  const o = structuredClone(obj);
  o.metadata = { ...o.metadata, uid: "u1", resourceVersion: rv, namespace: "default" };
  const c = containers(o);
  for (const x of c) x.imagePullPolicy ??= "IfNotPresent";
  (o.spec as Obj).replicas ??= 1;
  return o;
}

const containers = (o: KubeObject): Obj[] => (((o.spec as Obj).template as Obj).spec as Obj).containers as Obj[];
const fields = (o: KubeObject, manager: string) => o.metadata.managedFields?.find((e) => e.manager === manager)?.fieldsV1;

test("apply creates: the object is the configuration and the applier owns what it sent", () => {
  const out = apply({ applied: config(2), manager: "kubectl" });
  assert.equal((out.spec as Obj).replicas, 2);
  assert.deepEqual(out.metadata.managedFields, [{
    manager: "kubectl", operation: "Apply", apiVersion: "apps/v1", time: "2025-03-01T10:00:00Z", fieldsType: "FieldsV1",
    fieldsV1: {
      "f:metadata": { "f:labels": { "f:app": {} } },
      "f:spec": {
        "f:replicas": {},
        "f:selector": {},
        "f:template": {
          "f:metadata": { "f:labels": { "f:app": {} } },
          "f:spec": { "f:containers": { 'k:{"name":"app"}': { ".": {}, "f:image": {}, "f:name": {} } } },
        },
      },
    },
  }]);
});

test("conflict with a client-side-apply owner: 409 with upstream's message and causes", () => {
  const created = store(config(1), "1");
  updateManagedFields({ updated: created, manager: "kubectl-client-side-apply", operation: "Update", apiVersion: "apps/v1", now: t0, schemas: fixtureSchemas, typeName: deploymentType });
  assert.throws(() => apply({ live: created, applied: config(3), manager: "kubectl" }), (e: unknown) => {
    assert.ok(e instanceof StatusError);
    assert.equal(e.code, 409);
    assert.equal(e.reason, "Conflict");
    assert.equal(e.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
    assert.deepEqual(e.toStatus().details, {
      causes: [{ reason: "FieldManagerConflict", message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: ".spec.replicas" }],
    });
    return true;
  });

  // Same values are not a conflict: ownership is shared.
  const shared = apply({ live: created, applied: config(1), manager: "kubectl" });
  assert.ok((fields(shared, "kubectl-client-side-apply")!["f:spec"] as Obj)["f:replicas"]);
  assert.ok((fields(shared, "kubectl")!["f:spec"] as Obj)["f:replicas"]);

  // force moves the field to the applier.
  const forced = apply({ live: created, applied: config(3), manager: "kubectl", force: true, now: t1 });
  assert.equal((forced.spec as Obj).replicas, 3);
  assert.ok(!("f:replicas" in (fields(forced, "kubectl-client-side-apply")!["f:spec"] as Obj)));
  assert.ok((fields(forced, "kubectl")!["f:spec"] as Obj)["f:replicas"]);
  assert.deepEqual(forced.metadata.managedFields!.map((e) => e.operation), ["Apply", "Update"]);
});

test("several conflicts are grouped per manager", () => {
  let live = store(config(1), "1");
  updateManagedFields({ updated: live, manager: "a", operation: "Update", apiVersion: "apps/v1", now: t0, schemas: fixtureSchemas, typeName: deploymentType });
  live = apply({ live, applied: { ...config(), metadata: { name: "web", labels: { tier: "x" } } } as KubeObject, manager: "b-applier" });
  const want = config(5, [{ name: "app", image: "other" }], { app: "web", tier: "y" });
  assert.throws(() => apply({ live, applied: want, manager: "kubectl" }), (e: unknown) => {
    assert.ok(e instanceof StatusError);
    assert.equal(e.message, [
      "Apply failed with 4 conflicts: conflicts with \"a\" using apps/v1:",
      "- .spec.replicas",
      '- .spec.template.spec.containers[name="app"].image',
      'conflicts with "b-applier":',
      "- .metadata.labels.tier",
      '- .spec.template.spec.containers[name="app"].image',
    ].join("\n"));
    assert.equal(e.details?.causes?.length, 4);
    return true;
  });
});

test("re-apply without a field removes it, keeps defaults and what others own", () => {
  const first = store(apply({ applied: config(2, [{ name: "app", image: "nginx" }, { name: "sidecar", image: "busybox" }], { app: "web", extra: "1" }), manager: "kubectl" }), "1");
  // Another manager adds a label of its own.
  const other = structuredClone(first);
  (other.metadata.labels as Record<string, string>).team = "blue";
  updateManagedFields({ live: first, updated: other, manager: "labeler", operation: "Update", apiVersion: "apps/v1", now: t0, schemas: fixtureSchemas, typeName: deploymentType });

  const second = apply({ live: other, applied: config(undefined, [{ name: "app", image: "nginx" }]), manager: "kubectl", now: t1 });
  assert.deepEqual(second.metadata.labels, { app: "web", team: "blue" });
  assert.equal((second.spec as Obj).replicas, undefined, "dropped replicas is removed (defaulting puts it back)");
  assert.deepEqual(containers(second), [{ name: "app", image: "nginx", imagePullPolicy: "IfNotPresent" }]);
  assert.equal(second.metadata.uid, "u1");
  assert.equal(second.metadata.resourceVersion, "1");
  assert.ok(!("f:extra" in ((fields(second, "kubectl")!["f:metadata"] as Obj)["f:labels"] as Obj)));
});

test("a field another applier also owns survives when one applier drops it", () => {
  const a = store(apply({ applied: config(2), manager: "one" }), "1");
  const b = apply({ live: a, applied: config(2), manager: "two" });
  const c = apply({ live: b, applied: config(), manager: "one" });
  assert.equal((c.spec as Obj).replicas, 2);
  assert.ok((fields(c, "two")!["f:spec"] as Obj)["f:replicas"]);
  assert.ok(!("f:replicas" in (fields(c, "one")!["f:spec"] as Obj)));
});

test("list items merge by key: ports use the protocol default, order is kept", () => {
  const live = store(apply({ applied: config(1, [{ name: "app", image: "x", ports: [{ containerPort: 80 }] }]), manager: "kubectl" }), "1");
  // Defaulting fills the protocol; the key of the item does not change.
  ((containers(live)[0]!.ports as Obj[])[0]!).protocol = "TCP";
  containers(live).unshift({ name: "injected", image: "proxy" });
  const out = apply({ live, applied: config(1, [{ name: "app", image: "y", ports: [{ containerPort: 80 }, { containerPort: 443 }] }]), manager: "kubectl" });
  assert.deepEqual(containers(out).map((c) => c.name), ["injected", "app"]);
  assert.deepEqual(containers(out)[1]!.ports, [{ containerPort: 80, protocol: "TCP" }, { containerPort: 443 }]);
  // A field the applier set before and no longer sets is removed (defaulting may restore it).
  const again = apply({ live: store(apply({ applied: config(1, [{ name: "app", image: "x", ports: [{ containerPort: 80, protocol: "TCP" }] }]), manager: "m" }), "2"),
    applied: config(1, [{ name: "app", image: "x", ports: [{ containerPort: 80 }] }]), manager: "m" });
  assert.deepEqual(containers(again)[0]!.ports, [{ containerPort: 80 }]);
});

test("a no-op apply keeps the entry's time", () => {
  const first = apply({ applied: config(2), manager: "kubectl" });
  const again = apply({ live: first, applied: config(2), manager: "kubectl", now: t1 });
  assert.deepEqual(again, first);
});

test("kubectl's server-side apply refreshes a client-side last-applied annotation", () => {
  const live = store(config(1), "1");
  live.metadata.annotations = { "kubectl.kubernetes.io/last-applied-configuration": "{}" };
  const out = apply({ live, applied: config(1), manager: "kubectl" });
  const ann = out.metadata.annotations!["kubectl.kubernetes.io/last-applied-configuration"]!;
  assert.ok(ann.endsWith("\n"));
  assert.deepEqual(JSON.parse(ann), config(1));
  const notKubectl = apply({ live, applied: config(1), manager: "helm" });
  assert.equal(notKubectl.metadata.annotations!["kubectl.kubernetes.io/last-applied-configuration"], "{}");
});

test("apply errors: managedFields in the body, wrong version or kind", () => {
  const cases: [KubeObject, RegExp][] = [
    [{ ...config(), metadata: { name: "web", managedFields: [] } }, /^metadata.managedFields must be nil$/],
    [{ ...config(), apiVersion: "apps/v1beta1" }, /^Incorrect version specified in apply patch. Specified patch version: apps\/v1beta1, expected: apps\/v1$/],
    [{ ...config(), kind: "StatefulSet" }, /^Incorrect kind specified in apply patch/],
  ];
  for (const [applied, re] of cases) {
    assert.throws(() => apply({ applied, manager: "kubectl" }), (e: unknown) => e instanceof StatusError && e.code === 400 && re.test(e.message));
  }
});

test("apply of an unknown kind uses deduced semantics (maps granular, lists atomic)", () => {
  const live = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: { list: [1, 2], m: { a: 1 } } };
  const out = serverSideApply({ ...base, apiVersion: "example.com/v1", typeName: "com.example.v1.Widget", now: t0, manager: "m", live, applied: { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: { list: [3], m: { b: 2 } } } });
  assert.deepEqual(out.spec, { list: [3], m: { a: 1, b: 2 } });
  assert.deepEqual(out.metadata.managedFields![0]!.fieldsV1, { "f:spec": { "f:list": {}, "f:m": { "f:b": {} } } });
});
