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

test("create: the one-walk field set equals comparing against the zero value, on varied objects", async () => {
  const { builtinSchemas } = await import("../../api/schemas.js");
  const { SchemaRef } = await import("./schema-ref.js");
  const { compare, withoutFields, zeroSkeleton } = await import("./typed.js");
  const { stripMeta } = await import("./managed-fields.js");
  const schemas = builtinSchemas();
  // What the general path computes for a create (kept here as the reference).
  const reference = (obj: KubeObject, typeName: string, ignore: string[] | undefined) => {
    const ref = SchemaRef.root(schemas, typeName);
    const c = compare(zeroSkeleton(obj, ref), obj, ref);
    return stripMeta(withoutFields(c.modified.union(c.added), ignore)).toFieldsV1();
  };
  const fast = (obj: KubeObject, typeName: string, ignore: string[] | undefined) => {
    const o = structuredClone(obj);
    updateManagedFields({ updated: o, manager: "m", operation: "Update", apiVersion: "v1", now: t0, schemas, typeName, ignoreFields: ignore });
    return o.metadata.managedFields?.[0]?.fieldsV1 ?? {};
  };
  const pod = (): KubeObject => ({
    apiVersion: "v1", kind: "Pod",
    metadata: { name: "p", namespace: "d", labels: { a: "b" }, annotations: {}, finalizers: [], ownerReferences: [{ apiVersion: "v1", kind: "X", name: "x", uid: "u" }], creationTimestamp: null },
    spec: {
      containers: [
        { name: "c", image: "i", ports: [{ containerPort: 80 }, { containerPort: 80 }, { containerPort: 81, protocol: "UDP" }], env: [{ name: "A", value: "1" }, { name: "B" }], resources: {}, args: [], command: ["a", "b"] },
        { name: "c", image: "dup" },
        { image: "nameless" },
      ],
      volumes: [], tolerations: [{ key: "k", operator: "Exists" }], nodeSelector: {}, securityContext: {},
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } },
      priority: null, undefinedField: undefined,
    },
    status: {},
  });
  const cases: [KubeObject, string][] = [
    [pod(), "io.k8s.api.core.v1.Pod"],
    [{ ...pod(), status: { phase: "Pending", conditions: [{ type: "Ready", status: "True" }] } }, "io.k8s.api.core.v1.Pod"],
    [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1", b: "" }, binaryData: {} }, "io.k8s.api.core.v1.ConfigMap"],
    [{ apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: [{ port: 80, targetPort: "http" }, { port: 80, protocol: "UDP" }], selector: { a: "b" }, type: "ClusterIP", ipFamilies: ["IPv4"], clusterIPs: [] } }, "io.k8s.api.core.v1.Service"],
    [{ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: {}, spec: { containers: [] } }, strategy: {} } }, "io.k8s.api.apps.v1.Deployment"],
    [{ apiVersion: "x/v1", kind: "Unknown", metadata: { name: "u", labels: {} }, spec: { a: [1, 2, { b: {} }], c: {}, d: null } }, "no.such.Type"],
    [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "n" }, spec: { finalizers: ["kubernetes"] }, status: { phase: "Active" } }, "io.k8s.api.core.v1.Namespace"],
  ];
  for (const [obj, typeName] of cases) {
    for (const ignore of [undefined, ["status"], ["spec.containers"]]) {
      assert.deepEqual(fast(obj, typeName, ignore), reference(obj, typeName, ignore), `${obj.kind} ignoring ${String(ignore)}`);
    }
  }
  // Random values grafted anywhere into a pod: the two must agree on all of them.
  let seed = 7;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const randomValue = (depth: number): unknown => {
    switch (rnd(depth > 2 ? 4 : 7)) {
      case 0: return null;
      case 1: return rnd(100);
      case 2: return "s";
      case 3: return rnd(2) === 0;
      case 4: return [];
      case 5: return Array.from({ length: rnd(3) }, () => randomValue(depth + 1));
      default: {
        const o: Record<string, unknown> = {};
        for (let i = rnd(4); i > 0; i--) o[["name", "port", "x", "containerPort", "key", "value"][rnd(6)]!] = randomValue(depth + 1);
        return o;
      }
    }
  };
  for (let i = 0; i < 300; i++) {
    const obj = pod();
    let at: Record<string, unknown> = obj as unknown as Record<string, unknown>;
    for (let d = rnd(4); d > 0; d--) {
      const keys = Object.keys(at).filter((k) => at[k] !== null && typeof at[k] === "object");
      if (!keys.length) break;
      const next = at[keys[rnd(keys.length)]!];
      at = (Array.isArray(next) ? next[0] ?? {} : next) as Record<string, unknown>;
      if (typeof at !== "object" || at === null) break;
    }
    if (typeof at === "object" && at !== null && !Array.isArray(at)) at[["spec", "status", "containers", "labels", "ports", "zz", "metadata"][rnd(7)]!] = randomValue(0);
    assert.deepEqual(fast(obj, "io.k8s.api.core.v1.Pod", ["status"]), reference(obj, "io.k8s.api.core.v1.Pod", ["status"]), JSON.stringify(obj));
  }
});
