import { test } from "node:test";
import assert from "node:assert/strict";
import { accessModesString, age, humanDuration, joinOrNone, labelsString, layoutContainerCells, listWithMore, selectorString } from "./printers.js";

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

test("humanDuration follows duration.HumanDuration's bands", () => {
  assert.equal(humanDuration(-5 * s), "<invalid>");
  assert.equal(humanDuration(-1 * s), "0s");
  assert.equal(humanDuration(5 * s), "5s");
  assert.equal(humanDuration(119 * s), "119s");
  assert.equal(humanDuration(2 * m), "2m");
  assert.equal(humanDuration(3 * m + 20 * s), "3m20s");
  assert.equal(humanDuration(10 * m + 20 * s), "10m");
  assert.equal(humanDuration(179 * m), "179m");
  assert.equal(humanDuration(3 * h), "3h");
  assert.equal(humanDuration(5 * h), "5h");
  assert.equal(humanDuration(5 * h + 30 * m), "5h30m");
  assert.equal(humanDuration(30 * h), "30h");
  assert.equal(humanDuration(2 * d), "2d");
  assert.equal(humanDuration(5 * d + 3 * h), "5d3h");
  assert.equal(humanDuration(100 * d), "100d");
  assert.equal(humanDuration(3 * 365 * d), "3y");
  assert.equal(humanDuration(3 * 365 * d + 10 * d), "3y10d");
  assert.equal(humanDuration(9 * 365 * d), "9y");
});

test("age is <unknown> without a timestamp", () => {
  assert.equal(age(undefined), "<unknown>");
  assert.equal(age(null), "<unknown>");
  assert.equal(age("2024-01-01T00:00:00Z", Date.parse("2024-01-01T00:00:42Z")), "42s");
});

test("labels, lists and selectors print as upstream", () => {
  assert.equal(labelsString({ b: "2", a: "1" }), "a=1,b=2");
  assert.equal(labelsString({}), "<none>");
  assert.equal(labelsString(undefined), "<none>");
  assert.equal(joinOrNone([]), "<none>");
  assert.equal(joinOrNone(["a", "b"]), "a,b");
  assert.equal(selectorString({ matchLabels: { app: "web" } }), "app=web");
  assert.equal(selectorString({}), "<none>");
  assert.equal(selectorString(undefined), "<none>");
  assert.equal(
    selectorString({ matchLabels: { z: "1" }, matchExpressions: [{ key: "env", operator: "In", values: ["prod", "dev"] }, { key: "a", operator: "DoesNotExist" }] }),
    "!a,env in (dev,prod),z=1",
  );
  assert.equal(selectorString({ matchExpressions: [{ key: "k", operator: "Bogus" }] }), "<error>");
  assert.deepEqual(layoutContainerCells([{ name: "a", image: "x" }, { name: "b", image: "y" }]), ["a,b", "x,y"]);
  assert.equal(accessModesString(["ReadWriteMany", "ReadWriteOnce", "ReadWriteOnce"]), "RWO,RWX");
  assert.equal(listWithMore([], 3), "<unset>");
  assert.equal(listWithMore(["a", "b", "c", "d", "e"], 3), "a,b,c + 2 more...");
});
