import { test } from "node:test";
import assert from "node:assert/strict";
import { StatusError } from "../errors.js";
import { applyMergePatch } from "./merge-patch.js";

// RFC 7386 appendix A, plus the API server's edge cases.
const cases: { doc: unknown; patch: unknown; want: unknown }[] = [
  { doc: { a: "b" }, patch: { a: "c" }, want: { a: "c" } },
  { doc: { a: "b" }, patch: { b: "c" }, want: { a: "b", b: "c" } },
  { doc: { a: "b" }, patch: { a: null }, want: {} },
  { doc: { a: "b", b: "c" }, patch: { a: null }, want: { b: "c" } },
  { doc: { a: ["b"] }, patch: { a: "c" }, want: { a: "c" } },
  { doc: { a: "c" }, patch: { a: ["b"] }, want: { a: ["b"] } },
  { doc: { a: { b: "c" } }, patch: { a: { b: "d", c: null } }, want: { a: { b: "d" } } },
  { doc: { a: [{ b: "c" }] }, patch: { a: [1] }, want: { a: [1] } },
  { doc: ["a", "b"], patch: ["c", "d"], want: ["c", "d"] },
  { doc: { a: "b" }, patch: ["c"], want: ["c"] },
  { doc: { e: null }, patch: { a: 1 }, want: { e: null, a: 1 } },
  { doc: [1, 2], patch: { a: "b", c: null }, want: { a: "b" } },
  { doc: {}, patch: { a: { bb: { ccc: null } } }, want: { a: { bb: {} } } },
  // kubectl scale body on a Scale object
  { doc: { spec: { replicas: 1 }, status: { replicas: 1 } }, patch: { spec: { replicas: 3 } }, want: { spec: { replicas: 3 }, status: { replicas: 1 } } },
];

for (const [i, c] of cases.entries()) {
  test(`merge patch case ${i}: ${JSON.stringify(c.patch)}`, () => {
    const doc = structuredClone(c.doc);
    assert.deepEqual(applyMergePatch(doc, c.patch), c.want);
    assert.deepEqual(doc, c.doc, "input must not change");
  });
}

for (const patch of [null, "x", 3, true]) {
  test(`merge patch rejects ${JSON.stringify(patch)} with 400`, () => {
    assert.throws(() => applyMergePatch({}, patch), (e: unknown) => e instanceof StatusError && e.code === 400 && e.message === "Invalid JSON Patch");
  });
}
