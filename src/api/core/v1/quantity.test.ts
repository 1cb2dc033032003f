import { test } from "node:test";
import assert from "node:assert/strict";
import { canonicalQuantity, compareQuantities, parseQuantity } from "./quantity.js";

test("quantities serialise in upstream's canonical form", () => {
  const cases: [string, string][] = [
    ["0.5", "500m"], ["1000m", "1"], ["1024Mi", "1Gi"], ["1.5Gi", "1536Mi"], ["2000", "2k"], ["1.5k", "1500"],
    ["100m", "100m"], ["128Mi", "128Mi"], ["0.5Gi", "512Mi"], ["1e3", "1e3"], ["0.1", "100m"], ["0", "0"], ["1Ki", "1Ki"],
  ];
  for (const [input, want] of cases) assert.equal(canonicalQuantity(input), want, input);
});

test("quantities compare exactly and reject bad syntax", () => {
  assert.equal(compareQuantities(parseQuantity("1")!, parseQuantity("1000m")!), 0);
  assert.equal(compareQuantities(parseQuantity("1Gi")!, parseQuantity("1G")!), 1);
  assert.equal(parseQuantity("abc"), undefined);
  assert.equal(parseQuantity("1.2.3"), undefined);
  assert.equal(parseQuantity(""), undefined);
  assert.equal(parseQuantity(2)!.nano, 2_000_000_000n);
});
