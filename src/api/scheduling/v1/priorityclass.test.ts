import { test } from "node:test";
import assert from "node:assert/strict";
import { ago, simulateCreate, simulateUpdate } from "../../common/testing.js";
import { priorityClassResource } from "./priorityclass.js";

test("PriorityClass: preemptionPolicy default, value range, system names, columns", () => {
  const { obj, errs } = simulateCreate(priorityClassResource, { metadata: { name: "high" }, value: 1000000, description: "important" });
  assert.deepEqual(errs, []);
  assert.equal(obj.preemptionPolicy, "PreemptLowerPriority");
  obj.metadata.creationTimestamp = ago(60_000 * 3);
  assert.deepEqual(priorityClassResource.row(obj), ["high", 1000000, false, "3m", "PreemptLowerPriority"]);
  const big = simulateCreate(priorityClassResource, { metadata: { name: "huge" }, value: 1000000001 });
  assert.deepEqual(big.messages, ["value: Forbidden: maximum allowed value of a user defined priority is 1000000000"]);
  const sys = simulateCreate(priorityClassResource, { metadata: { name: "system-mine" }, value: 1 });
  assert.deepEqual(sys.messages, ["metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class"]);
  assert.deepEqual(simulateCreate(priorityClassResource, { metadata: { name: "system-node-critical" }, value: 2000001000 }).errs, []);
  const upd = simulateUpdate(priorityClassResource, obj, { ...obj, value: 5 });
  assert.deepEqual(upd.messages, ["value: Forbidden: may not be changed in an update."]);
});
