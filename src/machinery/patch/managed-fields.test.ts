import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject, ManagedFieldsEntry } from "../object.js";
import { decodeManagedFields, encodeManagedFields, managerIdentity, printManager, updateManagedFields } from "./managed-fields.js";
import { FieldSet } from "./fieldpath.js";
import { deploymentType, fixtureSchemas } from "./schemas.fixture.js";

const t0 = new Date("2025-01-02T03:04:05.678Z");
const t1 = new Date("2025-01-02T03:05:00Z");

function created(): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "web", namespace: "default", uid: "u1", resourceVersion: "5", generation: 1, creationTimestamp: "2025-01-02T03:04:05Z",
      labels: { app: "web" },
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "web" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          containers: [{ name: "app", image: "nginx", ports: [{ containerPort: 80, protocol: "TCP" }], resources: {} }],
          restartPolicy: "Always",
          securityContext: {},
        },
      },
    },
    status: {},
  };
}

const opts = { operation: "Update" as const, apiVersion: "apps/v1", schemas: fixtureSchemas, typeName: deploymentType };

test("create: the creator owns every field it set, with upstream's markers and time", () => {
  const obj = created();
  updateManagedFields({ ...opts, updated: obj, manager: "kubectl-create", now: t0 });
  const mf = obj.metadata.managedFields!;
  assert.equal(mf.length, 1);
  assert.deepEqual({ ...mf[0], fieldsV1: undefined }, {
    manager: "kubectl-create", operation: "Update", apiVersion: "apps/v1", time: "2025-01-02T03:04:05Z", fieldsType: "FieldsV1", fieldsV1: undefined,
  });
  assert.deepEqual(Object.keys(mf[0]!), ["manager", "operation", "apiVersion", "time", "fieldsType", "fieldsV1"]);
  assert.deepEqual(mf[0]!.fieldsV1, {
    "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
    "f:spec": {
      "f:replicas": {},
      "f:selector": {},
      "f:strategy": { "f:rollingUpdate": { "f:maxSurge": {}, "f:maxUnavailable": {} }, "f:type": {} },
      "f:template": {
        "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
        "f:spec": {
          "f:containers": {
            'k:{"name":"app"}': {
              ".": {}, "f:image": {}, "f:name": {},
              "f:ports": { ".": {}, 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {}, "f:protocol": {} } },
              "f:resources": {},
            },
          },
          "f:restartPolicy": {},
          "f:securityContext": {},
        },
      },
    },
  });
});

test("update: changed fields move to the writer; unchanged writes leave entries alone", () => {
  const live = created();
  updateManagedFields({ ...opts, updated: live, manager: "kubectl-create", now: t0 });
  const edited = structuredClone(live);
  delete edited.metadata.managedFields;
  (edited.spec as { replicas: number }).replicas = 3;
  updateManagedFields({ ...opts, live, updated: edited, manager: "kubectl-edit", now: t1 });
  const mf = edited.metadata.managedFields!;
  assert.deepEqual(mf.map((e) => [e.manager, e.time]), [["kubectl-create", "2025-01-02T03:04:05Z"], ["kubectl-edit", "2025-01-02T03:05:00Z"]]);
  assert.deepEqual(mf[1]!.fieldsV1, { "f:spec": { "f:replicas": {} } });
  assert.ok(!("f:replicas" in ((mf[0]!.fieldsV1 as Record<string, Record<string, unknown>>)["f:spec"]!)));

  // A write that changes only server-maintained metadata records nothing.
  const again = structuredClone(edited);
  again.metadata.resourceVersion = "9";
  again.metadata.generation = 2;
  updateManagedFields({ ...opts, live: edited, updated: again, manager: "someone", now: t1 });
  assert.deepEqual(again.metadata.managedFields, edited.metadata.managedFields);
});

test("update: removing a field takes it away from its owner; empty entries disappear", () => {
  const live = created();
  updateManagedFields({ ...opts, updated: live, manager: "a", now: t0 });
  const next = structuredClone(live);
  (next.metadata.labels as Record<string, string>).tier = "x";
  updateManagedFields({ ...opts, live, updated: next, manager: "b", now: t1 });
  const removed = structuredClone(next);
  delete removed.metadata.managedFields;
  delete (removed.metadata.labels as Record<string, string>).tier;
  updateManagedFields({ ...opts, live: next, updated: removed, manager: "c", now: t1 });
  assert.deepEqual(removed.metadata.managedFields!.map((e) => e.manager), ["a"]);
});

test("update: managedFields sent by the client replace the stored ones; [{}] resets them", () => {
  const live = created();
  updateManagedFields({ ...opts, updated: live, manager: "a", now: t0 });
  const sent: ManagedFieldsEntry[] = [{ manager: "mine", operation: "Apply", apiVersion: "apps/v1", fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:replicas": {} } } }];
  const next = structuredClone(live);
  next.metadata.managedFields = sent;
  updateManagedFields({ ...opts, live, updated: next, manager: "b", now: t1 });
  assert.deepEqual(next.metadata.managedFields, sent);

  const reset = structuredClone(live);
  reset.metadata.managedFields = [{}];
  updateManagedFields({ ...opts, live, updated: reset, manager: "b", now: t1 });
  assert.equal(reset.metadata.managedFields, undefined);

  // On a subresource the client's managedFields are ignored.
  const sub = structuredClone(live);
  sub.metadata.managedFields = sent;
  updateManagedFields({ ...opts, live, updated: sub, manager: "b", now: t1, subresource: "status" });
  assert.deepEqual(sub.metadata.managedFields, live.metadata.managedFields);
});

test("update: a status write by a controller is its own entry with the subresource", () => {
  const live = created();
  updateManagedFields({ ...opts, updated: live, manager: "kubectl-create", now: t0 });
  const next = structuredClone(live);
  next.status = { replicas: 1 };
  updateManagedFields({ ...opts, live, updated: next, manager: "kube-controller-manager", subresource: "status", now: t1 });
  const e = next.metadata.managedFields!.find((x) => x.manager === "kube-controller-manager")!;
  assert.equal(e.subresource, "status");
  assert.deepEqual(e.fieldsV1, { "f:status": { "f:replicas": {} } });
  assert.deepEqual(Object.keys(e), ["manager", "operation", "apiVersion", "time", "fieldsType", "fieldsV1", "subresource"]);
});

test("update: ignoreFields keeps reset fields out of every entry", () => {
  const obj = created();
  obj.status = { replicas: 4 };
  updateManagedFields({ ...opts, updated: obj, manager: "x", now: t0, ignoreFields: ["status"] });
  assert.ok(!("f:status" in obj.metadata.managedFields![0]!.fieldsV1!));
});

test("more than ten updaters collapse into ancient-changes", () => {
  let obj = created();
  updateManagedFields({ ...opts, updated: obj, manager: "m0", now: t0 });
  for (let n = 1; n <= 11; n++) {
    const next = structuredClone(obj);
    (next.metadata.labels as Record<string, string>)[`l${n}`] = "x";
    updateManagedFields({ ...opts, live: obj, updated: next, manager: `m${n}`, now: new Date(t0.getTime() + n * 1000) });
    obj = next;
  }
  const names = obj.metadata.managedFields!.map((e) => e.manager);
  assert.equal(names.length, 10);
  assert.ok(names.includes("ancient-changes"));
  assert.ok(!names.includes("m0") && !names.includes("m1") && !names.includes("m2"));
});

test("identities, printing and encoding order", () => {
  assert.equal(managerIdentity({ manager: "kubectl", operation: "Apply", apiVersion: "apps/v1" }), '{"manager":"kubectl","operation":"Apply"}');
  assert.equal(managerIdentity({ manager: "k", operation: "Update", apiVersion: "v1", subresource: "status" }), '{"manager":"k","operation":"Update","apiVersion":"v1","subresource":"status"}');
  assert.equal(printManager({ manager: "kubectl-client-side-apply", operation: "Update", apiVersion: "apps/v1" }), '"kubectl-client-side-apply" using apps/v1');
  assert.equal(printManager({ manager: "kubectl", operation: "Apply", subresource: "scale" }), '"kubectl" with subresource "scale"');
  const set = FieldSet.of(["f:a"]);
  const enc = encodeManagedFields([
    { manager: "z", operation: "Update", apiVersion: "v1", time: "2025-01-01T00:00:00Z", set },
    { manager: "b", operation: "Update", apiVersion: "v1", time: "2024-01-01T00:00:00Z", set },
    { manager: "y", operation: "Apply", apiVersion: "v1", time: "2026-01-01T00:00:00Z", set },
    { manager: "empty", operation: "Apply", apiVersion: "v1", set: new FieldSet() },
  ]);
  assert.deepEqual(enc.map((e) => e.manager), ["y", "b", "z"]);
  assert.deepEqual(decodeManagedFields(enc).map((e) => e.set.paths()), [[["f:a"]], [["f:a"]], [["f:a"]]]);
  assert.deepEqual(decodeManagedFields([{ manager: "bad", fieldsV1: { nope: 1 } as Record<string, unknown> }]), []);
});
