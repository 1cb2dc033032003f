import { test } from "node:test";
import assert from "node:assert/strict";
import { canonicalTemplate, computeHash, fnv32a, safeEncodeString } from "./hash.js";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

const template = {
  metadata: { labels: { app: "web" } },
  spec: { containers: [{ name: "web", image: "nginx:1.27", ports: [{ containerPort: 80 }] }] },
};

test("fnv32a matches the published FNV-1a test vectors", () => {
  assert.equal(fnv32a(enc("")), 0x811c9dc5);
  assert.equal(fnv32a(enc("a")), 0xe40c292c);
  assert.equal(fnv32a(enc("foobar")), 0xbf9cf968);
});

test("safeEncodeString maps decimal digits as upstream's alphabet does", () => {
  // '0' is code 48, 48 % 27 = 21 → '4'; '6' is 54 % 27 = 0 → 'b'.
  assert.equal(safeEncodeString("0123456789"), "456789bcdf");
});

test("computeHash: decimal FNV sum, safe-encoded", () => {
  const h = computeHash(template);
  assert.match(h, /^[456789bcdf]{1,10}$/);
  assert.equal(h, safeEncodeString(String(fnv32a(enc(canonicalTemplate(template))))));
});

test("computeHash ignores key order and zero values (semantically equal templates)", () => {
  const reordered = {
    spec: { containers: [{ ports: [{ containerPort: 80 }], image: "nginx:1.27", name: "web", args: [], env: null }], volumes: [] },
    metadata: { labels: { app: "web" }, annotations: {}, name: "" },
  };
  assert.equal(computeHash(reordered), computeHash(template));
  const changed = { ...template, spec: { containers: [{ ...template.spec.containers[0], image: "nginx:1.28" }] } };
  assert.notEqual(computeHash(changed), computeHash(template));
});

test("computeHash appends the collision count as 8 little-endian bytes", () => {
  const base = fnv32a(enc(canonicalTemplate(template)));
  const bytes = new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(computeHash(template, 2), safeEncodeString(String(fnv32a(bytes, base))));
  // A count of 0 is not the same as no count (upstream hashes the pointer's value).
  assert.notEqual(computeHash(template, 0), computeHash(template));
  assert.notEqual(computeHash(template, 1), computeHash(template, 2));
  assert.equal(computeHash(template, null), computeHash(template));
});
