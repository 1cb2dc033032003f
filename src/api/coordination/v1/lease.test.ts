import { test } from "node:test";
import assert from "node:assert/strict";
import { ago, simulateCreate } from "../../common/testing.js";
import { leaseResource } from "./lease.js";

test("Lease: durations validated, HOLDER column", () => {
  const { obj, errs } = simulateCreate(leaseResource, { metadata: { name: "node-1", namespace: "kube-node-lease" }, spec: { holderIdentity: "node-1", leaseDurationSeconds: 40 } });
  assert.deepEqual(errs, []);
  obj.metadata.creationTimestamp = ago(7000);
  assert.deepEqual(leaseResource.row(obj), ["node-1", "node-1", "7s"]);
  const bad = simulateCreate(leaseResource, { metadata: { name: "x" }, spec: { leaseDurationSeconds: 0, leaseTransitions: -1 } });
  assert.deepEqual(bad.messages, ["spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0", "spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0"]);
});
