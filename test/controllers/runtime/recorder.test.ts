/**
 * The event recorder against a real in-process API server: repeats bump count and
 * lastTimestamp of one Event, similar events are combined, the spam filter caps an object's
 * events, cluster-scoped objects get their Events in `default`, an Event deleted meanwhile is
 * written again, and a server that fails makes writes retry then drop without blocking.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startCluster, type Cluster } from "../../../src/cli/cluster.js";
import { ApiClient, type Transport } from "../../../src/client/index.js";
import type { ConfigMapObj } from "../../../src/api/core/v1/configmap.js";
import { newEventRecorder } from "../../../src/controllers/runtime/index.js";

const dataDir = mkdtempSync(path.join(os.tmpdir(), "timonel-recorder-"));
let cluster: Cluster;
let cm: ConfigMapObj;

before(async () => {
  cluster = await startCluster({ dataDir, port: 0, storage: "memory", host: "127.0.0.1", components: false });
  await cluster.client.namespaces.create(undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: "rec" } });
  cm = await cluster.client.configmaps.create("rec", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" } });
});

after(async () => {
  await cluster?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function eventsAbout(name: string, reason?: string) {
  const sel = [`involvedObject.name=${name}`, reason ? `reason=${reason}` : ""].filter(Boolean).join(",");
  return (await cluster.client.events.list("rec", { fieldSelector: sel })).items;
}

test("a repeated event bumps count and lastTimestamp of one Event", async () => {
  let now = Date.parse("2024-06-01T12:00:00Z");
  const r = newEventRecorder(cluster.client, "test-controller", { host: "node-1", now: () => now });
  r.event(cm, "Warning", "BackOff", "Back-off restarting failed container");
  now += 30_000;
  r.event(cm, "Warning", "BackOff", "Back-off restarting failed container");
  now += 30_000;
  r.event(cm, "Warning", "BackOff", "Back-off restarting failed container");
  await r.flush();
  const evs = await eventsAbout("cm", "BackOff");
  assert.equal(evs.length, 1);
  const ev = evs[0]!;
  assert.equal(ev.count, 3);
  assert.equal(ev.firstTimestamp, "2024-06-01T12:00:00Z");
  assert.equal(ev.lastTimestamp, "2024-06-01T12:01:00Z");
  assert.equal(ev.type, "Warning");
  assert.deepEqual(ev.source, { component: "test-controller", host: "node-1" });
  assert.equal(ev.reportingInstance, "node-1");
  assert.deepEqual(
    { ...ev.involvedObject },
    { kind: "ConfigMap", apiVersion: "v1", namespace: "rec", name: "cm", uid: cm.metadata.uid, resourceVersion: cm.metadata.resourceVersion },
  );
  const nanos = BigInt(`0x${ev.metadata.name!.split(".")[1]}`);
  assert.equal(nanos / 1_000_000_000n, BigInt(Date.parse("2024-06-01T12:00:00Z") / 1000));
});

test("similar events with many messages are combined", async () => {
  const r = newEventRecorder(cluster.client, "test-controller");
  for (let i = 0; i < 12; i++) r.event(cm, "Normal", "SuccessfulCreate", `Created pod: web-${i}`);
  await r.flush();
  const evs = await eventsAbout("cm", "SuccessfulCreate");
  assert.equal(evs.length, 10);
  const combined = evs.filter((e) => e.message!.startsWith("(combined from similar events): "));
  assert.equal(combined.length, 1);
  assert.equal(combined[0]!.count, 3);
  assert.equal(combined[0]!.message, "(combined from similar events): Created pod: web-11");
});

test("the spam filter caps one object's events at 25", async () => {
  const other = await cluster.client.configmaps.create("rec", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "spammy" } });
  const r = newEventRecorder(cluster.client, "test-controller");
  for (let i = 0; i < 40; i++) r.event(other, "Normal", `Reason${i}`, "m");
  await r.flush();
  assert.equal((await eventsAbout("spammy")).length, 25);
});

test("events about cluster-scoped objects go to the default namespace", async () => {
  const ns = await cluster.client.namespaces.get(undefined, "rec");
  const r = newEventRecorder(cluster.client, "test-controller");
  r.event(ns, "Normal", "Checked", "namespace checked");
  await r.flush();
  const evs = (await cluster.client.events.list("default", { fieldSelector: "involvedObject.name=rec,involvedObject.kind=Namespace" })).items;
  assert.equal(evs.length, 1);
  assert.equal(evs[0]!.involvedObject.namespace, undefined);
});

test("an Event deleted meanwhile is created again on the next repeat", async () => {
  const r = newEventRecorder(cluster.client, "test-controller");
  r.event(cm, "Normal", "Synced", "synced");
  await r.flush();
  const [first] = await eventsAbout("cm", "Synced");
  await cluster.client.events.delete("rec", first!.metadata.name!);
  r.event(cm, "Normal", "Synced", "synced");
  await r.flush();
  const evs = await eventsAbout("cm", "Synced");
  assert.equal(evs.length, 1);
  assert.equal(evs[0]!.metadata.name, first!.metadata.name);
  assert.equal(evs[0]!.count, 2);
});

test("writes never block; a failing server is retried a few times, then the event is dropped", async () => {
  let attempts = 0;
  const failing: Transport = {
    request: async () => { attempts++; throw new Error("connection refused"); },
    stream: (_q, _l, onEnd) => { onEnd(new Error("no")); return { close() {} }; },
  };
  const logs: string[] = [];
  const r = newEventRecorder(new ApiClient(failing), "test-controller", { retryDelayMs: 5, log: (m) => logs.push(m) });
  const t0 = performance.now();
  r.event(cm, "Warning", "FailedCreate", "boom");
  assert.ok(performance.now() - t0 < 5, "event() returns at once");
  await r.flush();
  assert.equal(attempts, 4);
  assert.equal(logs.length, 1);
  assert.match(logs[0]!, /dropping event FailedCreate about ConfigMap\/cm: connection refused/);

  // An object without kind cannot be referenced: dropped with a log line, nothing written.
  r.event({ metadata: { name: "x" } }, "Normal", "R", "m");
  await r.flush();
  assert.equal(attempts, 4);
  assert.equal(logs.length, 2);
});
