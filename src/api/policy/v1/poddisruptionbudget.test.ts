import { test } from "node:test";
import assert from "node:assert/strict";
import { ago, simulateCreate } from "../../common/testing.js";
import { podDisruptionBudgetResource } from "./poddisruptionbudget.js";

test("PodDisruptionBudget: validation, status, columns", () => {
  const { obj, errs } = simulateCreate(podDisruptionBudgetResource, { metadata: { name: "web" }, spec: { minAvailable: "50%", selector: { matchLabels: { app: "web" } } } });
  assert.deepEqual(errs, []);
  assert.deepEqual(obj.status, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
  obj.metadata.creationTimestamp = ago(1000);
  assert.deepEqual(podDisruptionBudgetResource.row(obj), ["web", "50%", "N/A", 0, "1s"]);
  const both = simulateCreate(podDisruptionBudgetResource, { metadata: { name: "x" }, spec: { minAvailable: 1, maxUnavailable: "120%" } });
  assert.equal(both.errs[0]?.detail, "minAvailable and maxUnavailable cannot be both set");
  assert.ok(both.messages.some((m) => m.startsWith("spec.maxUnavailable: Invalid value") && m.endsWith("must not be greater than 100%")));
});
