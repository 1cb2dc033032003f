import { test } from "node:test";
import assert from "node:assert/strict";
import { filterAll, frameworkWith, makeNode, makePod } from "../../testing.js";

test("NodeUnschedulable: cordoned nodes take only pods tolerating node.kubernetes.io/unschedulable", () => {
  const { fwk, snap } = frameworkWith(["NodeUnschedulable"], [makeNode("cordoned", { unschedulable: true }), makeNode("open")]);
  assert.deepEqual(filterAll(fwk, snap, makePod("p")), { cordoned: "node(s) were unschedulable", open: "" });
  const tolerant = makePod("t", { tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" }] });
  assert.deepEqual(filterAll(fwk, snap, tolerant), { cordoned: "", open: "" });
  const wrongEffect = makePod("w", { tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoExecute" }] });
  assert.deepEqual(filterAll(fwk, snap, wrongEffect), { cordoned: "node(s) were unschedulable", open: "" });
});
