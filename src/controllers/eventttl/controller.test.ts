/** lastSeenMs: which timestamp of an Event starts its TTL. (The controller itself: test/controllers/runtime/.) */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { EventObj } from "../../api/core/v1/event.js";
import { lastSeenMs } from "./controller.js";

const base = (extra: Partial<EventObj>): EventObj => ({
  metadata: { name: "e", namespace: "default", creationTimestamp: "2024-01-01T00:00:00Z" },
  involvedObject: {},
  ...extra,
});

test("lastSeenMs: the latest of lastTimestamp, series.lastObservedTime and eventTime, else creation", () => {
  assert.equal(lastSeenMs(base({})), Date.parse("2024-01-01T00:00:00Z"));
  assert.equal(lastSeenMs(base({ lastTimestamp: "2023-12-31T00:00:00Z" })), Date.parse("2023-12-31T00:00:00Z"));
  assert.equal(lastSeenMs(base({ eventTime: "2024-01-02T00:00:00.000001Z" })), Date.parse("2024-01-02T00:00:00Z"));
  assert.equal(
    lastSeenMs(base({ eventTime: "2024-01-02T00:00:00.000000Z", series: { count: 3, lastObservedTime: "2024-01-03T00:00:00.500000Z" } })),
    Date.parse("2024-01-03T00:00:00.500Z"),
  );
  assert.equal(lastSeenMs({ metadata: { name: "e" }, involvedObject: {} }), undefined);
});
