import { test } from "node:test";
import assert from "node:assert/strict";
import { StatusError } from "../errors.js";
import { LabelSelector, labelSelectorFromObject, parseLabelSelector } from "./labels.js";

const L = { app: "web", tier: "front", version: "3", empty: "" };

// selector, canonical string, matches L
const good: [string, string, boolean][] = [
  ["", "", true],
  ["app=web", "app=web", true],
  ["app==web", "app==web", true],
  ["app!=web", "app!=web", false],
  ["app!=db", "app!=db", true],
  ["missing!=x", "missing!=x", true],
  ["app in (web,db)", "app in (db,web)", true],
  ["app in (db)", "app in (db)", false],
  ["app notin (db)", "app notin (db)", true],
  ["missing notin (db)", "missing notin (db)", true],
  ["app", "app", true],
  ["!app", "!app", false],
  ["!missing", "!missing", true],
  ["version>2", "version>2", true],
  ["version<2", "version<2", false],
  ["missing>1", "missing>1", false],
  ["  tier = front ,  app in ( web , db ) ", "app in (db,web),tier=front", true],
  ["empty=", "empty=", true],
  ["empty in ()", "empty in ()", true],
  ["x in (a,,b)", "x in (,a,b)", false],
  ["app in (in,notin)", "app in (in,notin)", false],
  ["in=in", "in=in", false],
  ["example.com/role=web,app=web", "app=web,example.com/role=web", false],
];

for (const [s, canon, match] of good) {
  test(`label selector ${JSON.stringify(s)}`, () => {
    const sel = parseLabelSelector(s);
    assert.equal(sel.toString(), canon);
    assert.equal(sel.matches(L), match);
    assert.equal(sel.empty, s.trim() === "");
    assert.equal(parseLabelSelector(sel.toString()).toString(), canon, "canonical form parses to itself");
  });
}

const bad: [string, string][] = [
  ["app=web,", "found '', expected: identifier after ','"],
  [",app", "found ',', expected: !, identifier, or 'end of string'"],
  ["app web", "unable to parse requirement: found 'web', expected: in, notin, =, ==, !=, gt, lt"],
  ["type=app,versionv1.0.1)", "unable to parse requirement: found ')', expected: in, notin, =, ==, !=, gt, lt"],
  ["app in web", "unable to parse requirement: found 'web' expected: '('"],
  ["app in (web", "unable to parse requirement: found '', expected: ',' or ')'"],
  ["app in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
  ["app=(web)", "unable to parse requirement: found '(', expected: identifier"],
  ["app=web=db", "found '=', expected: ',' or 'end of string'"],
  ["!=x", "found '!=', expected: !, identifier, or 'end of string'"],
  ["!,x", "unable to parse requirement: found ',', expected: identifier"],
  ["a/b/c=x", "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"],
  [`k=${"z".repeat(64)}`, `unable to parse requirement: values[0][k]: Invalid value: "${"z".repeat(64)}": must be no more than 63 characters`],
  ["k>abc", "unable to parse requirement: values[0]: Invalid value: \"abc\": for 'Gt', 'Lt' operators, the value must be an integer"],
];

for (const [s, msg] of bad) {
  test(`label selector error ${JSON.stringify(s)}`, () => {
    assert.throws(() => parseLabelSelector(s), (e: unknown) => {
      assert.ok(e instanceof StatusError);
      assert.equal(e.code, 400);
      assert.equal(e.reason, "BadRequest");
      assert.equal(e.message, msg);
      return true;
    });
  });
}

test("label selector objects", () => {
  assert.equal(labelSelectorFromObject(null).matches(L), false, "null selects nothing");
  assert.equal(labelSelectorFromObject(null).empty, false);
  assert.equal(labelSelectorFromObject({}).matches(L), true, "empty selects everything");
  assert.equal(labelSelectorFromObject({}).empty, true);
  const sel = labelSelectorFromObject({
    matchLabels: { app: "web" },
    matchExpressions: [
      { key: "tier", operator: "In", values: ["front", "back"] },
      { key: "env", operator: "NotIn", values: ["prod"] },
      { key: "version", operator: "Exists" },
      { key: "legacy", operator: "DoesNotExist" },
    ],
  });
  assert.equal(sel.toString(), "app=web,env notin (prod),!legacy,tier in (back,front),version");
  assert.equal(sel.matches(L), true);
  assert.equal(sel.matches({ ...L, legacy: "1" }), false);
  assert.equal(sel.matches(undefined), false);
  assert.equal(LabelSelector.everything().matches(undefined), true);
});

test("label selector object errors", () => {
  const cases: [Parameters<typeof labelSelectorFromObject>[0], string][] = [
    [{ matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] }, '"Gt" is not a valid label selector operator'],
    [{ matchExpressions: [{ key: "a", operator: "In", values: [] }] }, "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty"],
    [{ matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] }, "values: Invalid value: []string{\"x\"}: values set must be empty for exists and does not exist"],
    [{ matchLabels: { "bad key": "x" } }, "key: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"],
  ];
  for (const [o, msg] of cases) {
    assert.throws(() => labelSelectorFromObject(o), (e: unknown) => e instanceof StatusError && e.code === 400 && e.message === msg, msg);
  }
});
