import { test } from "node:test";
import assert from "node:assert/strict";
import { frameworkWith, makeNode, makePod, scoreAll } from "../../testing.js";

test("ImageLocality: image size times spread, clamped between 23 MB and 1000 MB per container", () => {
  const mb = 1024 * 1024;
  const nodes = [
    makeNode("has-big", { images: [{ names: ["registry/app:1"], sizeBytes: 500 * mb }] }),
    makeNode("has-latest", { images: [{ names: ["busybox:latest"], sizeBytes: 300 * mb }] }),
    makeNode("none"),
  ];
  const { fwk, snap } = frameworkWith(["ImageLocality"], nodes);
  // 500 MB on 1 of 3 nodes → 166 MB → 100 * (166 − 23) / (1000 − 23) = 14.
  assert.deepEqual(scoreAll(fwk, snap, makePod("p", { image: "registry/app:1" })), { "has-big": 14, "has-latest": 0, none: 0 });
  // An image without a tag is `:latest`: 300/3 = 100 MB → 7.
  assert.deepEqual(scoreAll(fwk, snap, makePod("p", { image: "busybox" })), { "has-big": 0, "has-latest": 7, none: 0 });
});
