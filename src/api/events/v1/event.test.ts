import { test } from "node:test";
import assert from "node:assert/strict";
import { ago, simulateCreate, simulateUpdate } from "../../common/testing.js";
import { eventFromCore, eventToCore, eventsEventResource } from "./event.js";

const ev = {
  apiVersion: "events.k8s.io/v1",
  kind: "Event",
  metadata: { name: "web.17a", namespace: "default" },
  eventTime: "2025-01-01T00:00:00.000000Z",
  reportingController: "timonel.io/scheduler",
  reportingInstance: "node-1",
  action: "Binding",
  reason: "Scheduled",
  regarding: { kind: "Pod", name: "web", namespace: "default" },
  note: "Successfully assigned default/web to node-1",
  type: "Normal",
};

test("events.k8s.io Event converts to and from core/v1", () => {
  const core = eventToCore(ev);
  assert.equal(core.apiVersion, "v1");
  assert.equal(core.message, ev.note);
  assert.deepEqual(core.involvedObject, ev.regarding);
  assert.equal(core.reportingComponent, "timonel.io/scheduler");
  assert.deepEqual(core.source, {});
  assert.equal(core.firstTimestamp, null);
  const back = eventFromCore(core);
  assert.equal(back.apiVersion, "events.k8s.io/v1");
  assert.equal(back.note, ev.note);
  assert.deepEqual(back.regarding, ev.regarding);
  assert.equal(back.reportingController, ev.reportingController);
  const legacy = eventFromCore({ apiVersion: "v1", kind: "Event", metadata: { name: "x" }, message: "m", source: { component: "kubelet", host: "n1" }, count: 3, firstTimestamp: "2025-01-01T00:00:00Z" });
  assert.deepEqual(legacy.deprecatedSource, { component: "kubelet", host: "n1" });
  assert.equal(legacy.deprecatedCount, 3);
  assert.equal(legacy.deprecatedFirstTimestamp, "2025-01-01T00:00:00Z");
});

test("events.k8s.io Event validation (strict on create)", () => {
  assert.deepEqual(simulateCreate(eventsEventResource, ev).errs, []);
  const bad = simulateCreate(eventsEventResource, { ...ev, eventTime: undefined, type: "Info", deprecatedCount: 2, action: "" });
  assert.deepEqual(bad.messages, [
    "eventTime: Required value",
    'type: Invalid value: "": has invalid value: Info',
    'deprecatedCount: Invalid value: "": needs to be unset',
  ]);
  const strict = simulateCreate(eventsEventResource, { ...ev, action: "", reportingInstance: "" });
  assert.deepEqual(strict.messages, ["reportingInstance: Required value", "action: Required value"]);
  const created = simulateCreate(eventsEventResource, ev).obj;
  const upd = simulateUpdate(eventsEventResource, created, { ...created, note: "changed" });
  assert.deepEqual(upd.messages, ['message: Invalid value: "changed": field is immutable']);
  const series = simulateUpdate(eventsEventResource, created, { ...created, series: { count: 2, lastObservedTime: "2025-01-01T00:01:00.000000Z" } });
  assert.deepEqual(series.errs, []);
});

test("events.k8s.io Event prints as the core printer and selects by regarding.*", () => {
  const e = { ...ev, eventTime: ago(60_000).replace("Z", ".000000Z") };
  const row = eventsEventResource.row(e);
  assert.deepEqual(row, ["60s", "Normal", "Scheduled", "pod/web", "", "timonel.io/scheduler, node-1", "Successfully assigned default/web to node-1", "60s", 1, "web.17a"]);
  assert.deepEqual(eventsEventResource.columns.filter((c) => !c.priority).map((c) => c.name), ["Last Seen", "Type", "Reason", "Object", "Message"]);
  assert.equal(eventsEventResource.fieldSelectors?.["regarding.name"]?.(e), "web");
  assert.equal(eventsEventResource.storedAs?.group, "");
});
