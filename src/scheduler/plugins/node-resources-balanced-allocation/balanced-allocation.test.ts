import { test } from "node:test";
import assert from "node:assert/strict";
import { frameworkWith, makeNode, makePod, scoreAll } from "../../testing.js";

test("BalancedAllocation: 1 − |cpu fraction − memory fraction| / 2", () => {
  const nodes = [makeNode("a", { cpu: "4000m", memory: "10000" }), makeNode("b", { cpu: "4000m", memory: "10000" }), makeNode("c", { cpu: "4000m", memory: "10000" })];
  const existing = [makePod("e", { node: "b", cpu: "1000m", memory: "5000" }), makePod("f", { node: "c", cpu: "5000m" })];
  const { fwk, snap } = frameworkWith(["NodeResourcesBalancedAllocation"], nodes, existing);
  const scores = scoreAll(fwk, snap, makePod("p", { cpu: "3000m", memory: "5000" }));
  // a: 0.75 vs 0.5 → 87; b: 1.0 vs 1.0 → 100; c: cpu capped at 1 vs 0.5 → 75.
  assert.deepEqual(scores, { a: 87, b: 100, c: 75 });
});
