import { test } from "node:test";
import assert from "node:assert/strict";
import { parseNodeLabels, parseTaints } from "./flags.js";

test("node labels in kubelet's --node-labels form", () => {
  assert.deepEqual(parseNodeLabels(""), {});
  assert.deepEqual(parseNodeLabels("zone=a, example.com/pool=sim,empty="), { zone: "a", "example.com/pool": "sim", empty: "" });
  assert.throws(() => parseNodeLabels("novalue"), /key=value/);
  assert.throws(() => parseNodeLabels("bad key=x"), /invalid node label/);
  assert.throws(() => parseNodeLabels("k=not valid"), /invalid node label/);
});

test("taints in kubelet's --register-with-taints form", () => {
  assert.deepEqual(parseTaints("dedicated=sim:NoSchedule,gpu:PreferNoSchedule"), [
    { key: "dedicated", value: "sim", effect: "NoSchedule" },
    { key: "gpu", effect: "PreferNoSchedule" },
  ]);
  assert.throws(() => parseTaints("k=v"), /Effect/);
  assert.throws(() => parseTaints("k=v:Sometimes"), /effect must be/);
});
