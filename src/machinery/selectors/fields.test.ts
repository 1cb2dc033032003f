import { test } from "node:test";
import assert from "node:assert/strict";
import { StatusError } from "../errors.js";
import { escapeFieldValue, fieldSelectorFromSet, parseFieldSelector, unescapeFieldValue } from "./fields.js";

const pod: Record<string, string> = { "metadata.name": "web", "metadata.namespace": "default", "spec.nodeName": "n1", "status.phase": "Running" };
const get = (f: string) => pod[f];

// selector, canonical, requirements, matches pod
const good: [string, string, [string, string, string][], boolean][] = [
  ["", "", [], true],
  ["metadata.name=web", "metadata.name=web", [["metadata.name", "=", "web"]], true],
  ["metadata.name==web", "metadata.name=web", [["metadata.name", "==", "web"]], true],
  ["status.phase!=Running", "status.phase!=Running", [["status.phase", "!=", "Running"]], false],
  ["spec.nodeName=", "spec.nodeName=", [["spec.nodeName", "=", ""]], false],
  ["spec.unknown=", "spec.unknown=", [["spec.unknown", "=", ""]], true],
  // kubectl describe's events query
  ["involvedObject.name=P,involvedObject.namespace=default,involvedObject.uid=u-1", "involvedObject.name=P,involvedObject.namespace=default,involvedObject.uid=u-1",
    [["involvedObject.name", "=", "P"], ["involvedObject.namespace", "=", "default"], ["involvedObject.uid", "=", "u-1"]], false],
  ["status.phase=Running,metadata.name=web", "metadata.name=web,status.phase=Running", [["metadata.name", "=", "web"], ["status.phase", "=", "Running"]], true],
  ["a=x\\,y\\=z\\\\", "a=x\\,y\\=z\\\\", [["a", "=", "x,y=z\\"]], false],
  ["a=b,,", "a=b", [["a", "=", "b"]], false],
];

for (const [s, canon, reqs, match] of good) {
  test(`field selector ${JSON.stringify(s)}`, () => {
    const sel = parseFieldSelector(s);
    assert.deepEqual(sel.requirements.map((r) => [r.field, r.op, r.value]), reqs);
    assert.equal(sel.toString(), canon);
    assert.equal(sel.matches(get), match);
    assert.equal(sel.empty, reqs.length === 0);
  });
}

const bad: [string, string][] = [
  ["x", "invalid selector: 'x'; can't understand 'x'"],
  ["a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'"],
  ["a=b=c", "invalid field selector: unescaped character in value: 61"],
  ["a=b\\x", "invalid field selector: invalid escape sequence: \\x"],
  ["a=b\\", "invalid field selector: invalid escape sequence: \\"],
];

for (const [s, msg] of bad) {
  test(`field selector error ${JSON.stringify(s)}`, () => {
    assert.throws(() => parseFieldSelector(s), (e: unknown) => e instanceof StatusError && e.code === 400 && e.message === msg);
  });
}

test("escaping round trip and selectors from sets", () => {
  for (const v of ["", "plain", "a,b", "a=b", "a\\b", "\\,="]) assert.equal(unescapeFieldValue(escapeFieldValue(v)), v);
  const sel = fieldSelectorFromSet({ "metadata.namespace": "default", "metadata.name": "web" });
  assert.equal(sel.toString(), "metadata.name=web,metadata.namespace=default");
  assert.ok(sel.matches(get));
});
