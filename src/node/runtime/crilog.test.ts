import { test } from "node:test";
import assert from "node:assert/strict";
import { formatEntry, formatTimestampNs, logLines, parseEntry } from "./crilog.js";

test("timestamps are RFC 3339 with nine fractional digits", () => {
  assert.equal(formatTimestampNs(1_700_000_000_123_456_789n), "2023-11-14T22:13:20.123456789Z");
  assert.equal(formatTimestampNs(5n), "1970-01-01T00:00:00.000000005Z");
});

test("entries round-trip, and partial entries join into lines", () => {
  const e = parseEntry(formatEntry("stderr", "a b  c", true, "2024-01-01T00:00:00.000000000Z"));
  assert.deepEqual(e, { time: "2024-01-01T00:00:00.000000000Z", stream: "stderr", full: true, content: "a b  c" });
  assert.deepEqual(parseEntry("2024-01-01T00:00:00.1+00:00 stdout F"), { time: "2024-01-01T00:00:00.1+00:00", stream: "stdout", full: true, content: "" });
  assert.equal(parseEntry("garbage"), undefined);
  const lines = logLines([
    { time: "t1", stream: "stdout", full: false, content: "hel" },
    { time: "t2", stream: "stderr", full: true, content: "err" },
    { time: "t3", stream: "stdout", full: true, content: "lo" },
    { time: "t4", stream: "stdout", full: false, content: "tail" },
  ]);
  assert.deepEqual(lines, [
    { stream: "stderr", time: "t2", line: "err" },
    { stream: "stdout", time: "t1", line: "hello" },
    { stream: "stdout", time: "t4", line: "tail" },
  ]);
});
