/** The EventCorrelator on a fake clock: count aggregation, similar-event folding, spam filter. */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { EventObj } from "../../api/core/v1/event.js";
import { EventCorrelator, type CorrelateResult } from "./correlator.js";

let seq = 0;
function ev(message: string, opts: { reason?: string; name?: string; now: number }): EventObj {
  const ts = new Date(opts.now).toISOString().replace(/\.\d+Z$/, "Z");
  return {
    apiVersion: "v1", kind: "Event",
    metadata: { name: `${opts.name ?? "web"}.${(seq++).toString(16)}`, namespace: "ns" },
    involvedObject: { kind: "ReplicaSet", apiVersion: "apps/v1", namespace: "ns", name: opts.name ?? "web", uid: `uid-${opts.name ?? "web"}` },
    reason: opts.reason ?? "SuccessfulCreate", message, type: "Normal",
    source: { component: "replicaset-controller", host: "h" },
    reportingComponent: "replicaset-controller", reportingInstance: "h",
    firstTimestamp: ts, lastTimestamp: ts, count: 1,
  };
}

function written(r: CorrelateResult): { name: string; count: number; patch: boolean; message: string } {
  assert.equal(r.skip, false);
  if (r.skip) throw new Error("unreachable");
  return { name: r.event.metadata.name!, count: r.event.count!, patch: r.patch !== undefined, message: r.event.message! };
}

test("the same event again bumps count on one Event; after the window it starts a new one", () => {
  let now = Date.parse("2024-05-01T10:00:00Z");
  const c = new EventCorrelator({ now: () => now });
  const a = written(c.correlate(ev("Created pod: web-1", { now })));
  assert.deepEqual({ ...a, name: undefined }, { name: undefined, count: 1, patch: false, message: "Created pod: web-1" });
  now += 60_000;
  const r = c.correlate(ev("Created pod: web-1", { now }));
  const b = written(r);
  assert.equal(b.name, a.name);
  assert.equal(b.count, 2);
  assert.ok(!r.skip && r.patch);
  assert.deepEqual(!r.skip && r.patch, { count: 2, lastTimestamp: "2024-05-01T10:01:00Z", message: "Created pod: web-1" });
  assert.equal(!r.skip && r.event.firstTimestamp, "2024-05-01T10:00:00Z");
  now += 10 * 60_000 + 1;
  const d = written(c.correlate(ev("Created pod: web-1", { now })));
  assert.notEqual(d.name, a.name);
  assert.equal(d.count, 1);
  assert.equal(d.patch, false);
});

test("a different message or reason is a different Event", () => {
  const now = 1_000_000;
  const c = new EventCorrelator({ now: () => now });
  const a = written(c.correlate(ev("m1", { now })));
  const b = written(c.correlate(ev("m2", { now })));
  const d = written(c.correlate(ev("m1", { now, reason: "FailedCreate" })));
  assert.equal(new Set([a.name, b.name, d.name]).size, 3);
  assert.ok([a, b, d].every((x) => x.count === 1 && !x.patch));
});

test("from the 10th distinct message on, similar events are combined into one Event", () => {
  let now = 5_000_000;
  const c = new EventCorrelator({ now: () => now });
  const out = [];
  for (let i = 0; i < 14; i++) {
    out.push(written(c.correlate(ev(`Created pod: web-${i}`, { now }))));
    now += 1000;
  }
  assert.ok(out.slice(0, 9).every((x) => x.count === 1 && !x.message.startsWith("(combined")));
  const combined = out.slice(9);
  assert.equal(combined[0]!.message, "(combined from similar events): Created pod: web-9");
  assert.equal(combined[0]!.count, 1);
  assert.equal(combined[0]!.patch, false);
  assert.ok(combined.slice(1).every((x, i) => x.name === combined[0]!.name && x.count === i + 2 && x.patch));
  assert.equal(combined.at(-1)!.message, "(combined from similar events): Created pod: web-13");
});

test("spam filter: 25 events per object at once, then one more every 5 minutes", () => {
  let now = 0;
  const c = new EventCorrelator({ now: () => now });
  let ok = 0;
  for (let i = 0; i < 40; i++) if (!c.correlate(ev(`m${i}`, { now, reason: `R${i}` })).skip) ok++;
  assert.equal(ok, 25);
  assert.equal(c.correlate(ev("x", { now, reason: "X" })).skip, true);
  // Another object has its own bucket.
  assert.equal(c.correlate(ev("x", { now, reason: "X", name: "other" })).skip, false);
  now += 5 * 60_000;
  assert.equal(c.correlate(ev("y", { now, reason: "Y" })).skip, false);
  assert.equal(c.correlate(ev("z", { now, reason: "Z" })).skip, true);
});

test("forget: the next occurrence creates the Event again", () => {
  const now = 0;
  const c = new EventCorrelator({ now: () => now });
  const r = c.correlate(ev("m", { now }));
  assert.ok(!r.skip);
  c.forget(!r.skip ? r.key : "");
  const again = written(c.correlate(ev("m", { now })));
  assert.equal(again.count, 1);
  assert.equal(again.patch, false);
});
