import { test } from "node:test";
import assert from "node:assert/strict";
import { filterAll, frameworkWith, makeNode, makePod } from "../../testing.js";

test("NodeName: only the named node fits", () => {
  const { fwk, snap } = frameworkWith(["NodeName"], [makeNode("a"), makeNode("b")]);
  assert.deepEqual(filterAll(fwk, snap, makePod("p")), { a: "", b: "" });
  assert.deepEqual(filterAll(fwk, snap, makePod("p", { node: "b" })), { a: "node(s) didn't match the requested node name", b: "" });
});
