import { test } from "node:test";
import assert from "node:assert/strict";
import { simulateCreate, simulateUpdate } from "../../common/testing.js";
import { customResourceDefinitionResource } from "./customresourcedefinition.js";

const crd = (name = "crontabs.stable.example.com", spec: object = {}) => ({
  metadata: { name },
  spec: {
    group: "stable.example.com",
    scope: "Namespaced",
    names: { plural: "crontabs", kind: "CronTab", shortNames: ["ct"] },
    versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object" } } }],
    ...spec,
  },
});

test("CRD: names defaulted, name must be plural.group, status records the storage version", () => {
  const { obj, errs } = simulateCreate(customResourceDefinitionResource, crd());
  assert.deepEqual(errs, []);
  const names = (obj.spec as { names: Record<string, unknown> }).names;
  assert.equal(names.singular, "crontab");
  assert.equal(names.listKind, "CronTabList");
  assert.deepEqual((obj.spec as { conversion: unknown }).conversion, { strategy: "None" });
  assert.deepEqual(obj.status, { acceptedNames: { kind: "", plural: "" }, storedVersions: ["v1"] });
  assert.deepEqual(customResourceDefinitionResource.row(obj), ["crontabs.stable.example.com", "2025-01-01T00:00:00Z"]);

  const wrong = simulateCreate(customResourceDefinitionResource, crd("crontab.stable.example.com"));
  assert.deepEqual(wrong.messages, ['metadata.name: Invalid value: "crontab.stable.example.com": must be spec.names.plural+"."+spec.group']);
  const noSchema = simulateCreate(customResourceDefinitionResource, crd(undefined, { versions: [{ name: "v1", served: true, storage: false }], scope: "Global" }));
  assert.deepEqual(noSchema.messages, [
    'spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"',
    "spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required",
    'spec.versions: Invalid value: [{"name":"v1","served":true,"storage":false}]: must have exactly one version marked as storage version',
  ]);
  const upd = simulateUpdate(customResourceDefinitionResource, obj, { ...obj, spec: { ...(obj.spec as object), scope: "Cluster" } });
  assert.deepEqual(upd.messages, ['spec.scope: Invalid value: "Cluster": field is immutable']);
});
