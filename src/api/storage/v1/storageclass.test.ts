import { test } from "node:test";
import assert from "node:assert/strict";
import { ago, simulateCreate, simulateUpdate } from "../../common/testing.js";
import { storageClassResource } from "./storageclass.js";

test("StorageClass: defaults, validation, default-class marker", () => {
  const { obj, errs } = simulateCreate(storageClassResource, {
    metadata: { name: "local-path", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
    provisioner: "rancher.io/local-path",
  });
  assert.deepEqual(errs, []);
  assert.equal(obj.reclaimPolicy, "Delete");
  assert.equal(obj.volumeBindingMode, "Immediate");
  obj.metadata.creationTimestamp = ago(2000);
  assert.deepEqual(storageClassResource.row(obj), ["local-path (default)", "rancher.io/local-path", "Delete", "Immediate", false, "2s"]);
  const bad = simulateCreate(storageClassResource, { metadata: { name: "x" }, reclaimPolicy: "Recycle" });
  assert.deepEqual(bad.messages, ["provisioner: Required value", 'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"']);
  const upd = simulateUpdate(storageClassResource, obj, { ...obj, provisioner: "other.io/x" });
  assert.deepEqual(upd.messages, ["provisioner: Forbidden: updates to provisioner are forbidden."]);
});
