import { test } from "node:test";
import assert from "node:assert/strict";
import { semanticEqual } from "./equality.js";
import { goIntOrString, goLabelSelector, goStringMap } from "./govalue.js";
import { intOrPercentValue, isNotMoreThan100Percent, validatePositiveIntOrPercent } from "./intstr.js";
import { parseSelector, validateLabelSelector } from "./selector.js";

test("Go renderings match upstream's %#v", () => {
  assert.equal(goStringMap({ tier: "fe", app: "web" }).goString(), 'map[string]string{"app":"web", "tier":"fe"}');
  assert.equal(goStringMap(undefined).goString(), "map[string]string(nil)");
  assert.equal(
    goLabelSelector({ matchLabels: { app: "web" } }).goString(),
    'v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}',
  );
  assert.equal(goIntOrString("10x").goString(), 'intstr.IntOrString{Type:1, IntVal:0, StrVal:"10x"}');
  assert.deepEqual(JSON.parse(JSON.stringify({ v: goStringMap({ a: "b" }) })), { v: { a: "b" } });
});

test("IntOrString checks", () => {
  assert.deepEqual(validatePositiveIntOrPercent("25%", "p"), []);
  assert.deepEqual(validatePositiveIntOrPercent(3, "p"), []);
  assert.match(String(validatePositiveIntOrPercent("10x", "p")[0]?.detail), /a valid percent string must be a numeric string followed by an ending '%'/);
  assert.equal(validatePositiveIntOrPercent(-1, "p")[0]?.detail, "must be greater than or equal to 0");
  assert.equal(isNotMoreThan100Percent("120%", "p")[0]?.detail, "must not be greater than 100%");
  assert.equal(intOrPercentValue("0%"), 0);
  assert.equal(intOrPercentValue("abc"), 0);
});

test("label selectors: validation and matching", () => {
  const errs = validateLabelSelector({ matchExpressions: [{ key: "a", operator: "In" }, { key: "b", operator: "Foo" }] }, "spec.selector");
  assert.deepEqual(errs.map((e) => e.field), ["spec.selector.matchExpressions[0].values", "spec.selector.matchExpressions[1].operator"]);
  const sel = parseSelector({ matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "NotIn", values: ["db"] }] })!;
  assert.equal(sel.matches({ app: "web" }), true);
  assert.equal(sel.matches({ app: "web", tier: "db" }), false);
  assert.equal(parseSelector(undefined)!.matches({}), false);
  assert.equal(parseSelector({})!.empty, true);
  assert.equal(parseSelector({ matchExpressions: [{ key: "a", operator: "Bad" }] }), undefined);
});

test("semantic equality treats zero values as absent", () => {
  assert.equal(semanticEqual({ a: [], b: "" }, {}), true);
  assert.equal(semanticEqual({ matchLabels: { app: "x" } }, { matchLabels: { app: "y" } }), false);
});
