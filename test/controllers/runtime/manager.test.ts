/**
 * The controller runtime against a real in-process API server: a controller on shared
 * informers converges ConfigMaps and records Events; leader election through a Lease lets
 * only one of two managers act and hands over when the leader stops, crashes or loses the
 * Lease; the Event TTL controller deletes expired Events.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startCluster, type Cluster } from "../../../src/cli/cluster.js";
import { objectKey, splitKey } from "../../../src/client/index.js";
import type { ConfigMapObj } from "../../../src/api/core/v1/configmap.js";
import type { EventObj } from "../../../src/api/core/v1/event.js";
import { StatusError } from "../../../src/machinery/errors.js";
import { nowRFC3339 } from "../../../src/machinery/object.js";
import { eventTTLController } from "../../../src/controllers/eventttl/index.js";
import { startControllerManager, type ControllerFactory, type RunningManager } from "../../../src/controllers/runtime/index.js";

const dataDir = mkdtempSync(path.join(os.tmpdir(), "timonel-runtime-"));
let cluster: Cluster;
const quiet = (): void => {};

before(async () => {
  cluster = await startCluster({ dataDir, port: 0, storage: "memory", host: "127.0.0.1", components: false });
});

after(async () => {
  await cluster?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function createNamespace(name: string): Promise<void> {
  await cluster.client.namespaces.create(undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
}

/** Copies data.want into the annotation `observed` and records an Event; marks who acted. */
function echoController(namespace: string, actor = "x", acted: string[] = []): ControllerFactory {
  return ({ client, informers }) => {
    const cms = informers.forKind<ConfigMapObj>("v1", "ConfigMap", { namespace });
    return {
      name: "echo",
      workers: 2,
      waitFor: [cms],
      setup(q) {
        cms.addHandler({ onAdd: (o) => q.add(objectKey(o)), onUpdate: (_, o) => q.add(objectKey(o)) });
      },
      async reconcile(key, { recorder }) {
        const cm = cms.get(key);
        if (!cm) return;
        const want = cm.data?.want ?? "";
        if (cm.metadata.annotations?.observed === want) return;
        acted.push(actor);
        const { namespace: ns, name } = splitKey(key);
        await client.configmaps.patch(ns, name, "merge", { metadata: { annotations: { observed: want, actor } } });
        recorder.event(cm, "Normal", "Observed", `observed ${want}`);
      },
    };
  };
}

test("a controller on shared informers converges objects and records Events", async () => {
  await createNamespace("rt-echo");
  await cluster.client.configmaps.create("rt-echo", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "before" }, data: { want: "1" } });
  const mgr = await startControllerManager(cluster.client, [echoController("rt-echo")], { log: quiet });
  try {
    await cluster.client.configmaps.create("rt-echo", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "after" }, data: { want: "a" } });
    for (const [name, want] of [["before", "1"], ["after", "a"]] as const) {
      await until(`${name} observed`, async () => (await cluster.client.configmaps.get("rt-echo", name)).metadata.annotations?.observed === want);
    }
    await cluster.client.configmaps.patch("rt-echo", "after", "merge", { data: { want: "b" } });
    await until("after observed b", async () => (await cluster.client.configmaps.get("rt-echo", "after")).metadata.annotations?.observed === "b");
    const events = await until("3 events", async () => {
      const l = await cluster.client.events.list("rt-echo", { fieldSelector: "reason=Observed" });
      return l.items.length === 3 && l.items;
    });
    const ev = events.find((e) => e.involvedObject.name === "before")!;
    assert.equal(ev.involvedObject.kind, "ConfigMap");
    assert.equal(ev.involvedObject.apiVersion, "v1");
    assert.ok(ev.involvedObject.uid);
    assert.ok(ev.involvedObject.resourceVersion);
    assert.equal(ev.source?.component, "echo-controller");
    assert.equal(ev.reportingComponent, "echo-controller");
    assert.equal(ev.type, "Normal");
    assert.equal(ev.count, 1);
    assert.match(ev.metadata.name!, /^before\.[0-9a-f]+$/);
    const m = mgr.metrics().find((x) => x.name === "echo")!;
    assert.ok(m.reconciles >= 3, JSON.stringify(m));
    assert.equal(m.errors, 0);
  } finally {
    await mgr.stop();
  }
});

const fastLease = { leaseDurationSeconds: 2, renewDeadlineMs: 1200, retryPeriodMs: 250 };

async function lease(name: string) {
  return cluster.client.leases.get("kube-system", name);
}

test("leader election: one of two managers acts; stopping the leader hands over", async () => {
  await createNamespace("rt-le");
  const acted: string[] = [];
  const le = (identity: string) => ({ ...fastLease, name: "rt-le", identity });
  const a = await startControllerManager(cluster.client, [echoController("rt-le", "a", acted)], { log: quiet, leaderElection: le("a") });
  const b = await startControllerManager(cluster.client, [echoController("rt-le", "b", acted)], { log: quiet, leaderElection: le("b") });
  let stopB = true;
  try {
    assert.equal(a.isLeader(), true);
    assert.equal(b.isLeader(), false);
    const l = await lease("rt-le");
    assert.equal(l.spec?.holderIdentity, "a");
    assert.equal(l.spec?.leaseDurationSeconds, 2);
    assert.equal(l.spec?.leaseTransitions, 0);
    assert.match(l.spec?.renewTime ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.equal(l.spec?.acquireTime, l.spec?.renewTime);

    for (let i = 0; i < 3; i++) {
      await cluster.client.configmaps.create("rt-le", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `c${i}` }, data: { want: "1" } });
    }
    await until("a acted", async () => (await cluster.client.configmaps.list("rt-le")).items.filter((c) => c.metadata.annotations?.observed === "1").length === 3);
    // The leader renews; the lease stays with it.
    await new Promise((r) => setTimeout(r, 700));
    const renewed = await lease("rt-le");
    assert.equal(renewed.spec?.holderIdentity, "a");
    assert.ok(renewed.spec!.renewTime! > l.spec!.renewTime!);
    assert.equal(renewed.spec?.acquireTime, l.spec?.acquireTime);
    assert.deepEqual([...new Set(acted)], ["a"]);
    assert.equal(b.metrics().length, 0, "the follower built no controllers");

    const stoppedAt = Date.now();
    await a.stop();
    await until("b leads", () => b.isLeader(), 3000);
    assert.ok(Date.now() - stoppedAt < 2000, "a released lease is taken within a retry period or so");
    const taken = await lease("rt-le");
    assert.equal(taken.spec?.holderIdentity, "b");
    assert.equal(taken.spec?.leaseTransitions, 1);
    await cluster.client.configmaps.patch("rt-le", "c0", "merge", { data: { want: "2" } });
    await until("b acted", async () => (await cluster.client.configmaps.get("rt-le", "c0")).metadata.annotations?.actor === "b");

    // A third candidate follows, and leads once b steps down.
    const c = await startControllerManager(cluster.client, [echoController("rt-le", "c", acted)], { log: quiet, leaderElection: le("c") });
    try {
      assert.equal(c.isLeader(), false);
      await b.stop();
      stopB = false;
      await until("c leads", () => c.isLeader(), 3000);
      assert.equal((await lease("rt-le")).spec?.leaseTransitions, 2);
    } finally {
      await c.stop();
    }
    assert.equal((await lease("rt-le")).spec?.holderIdentity, "", "released on stop");
  } finally {
    await a.stop();
    if (stopB) await b.stop();
  }
});

test("leader election: a crashed leader's lease is taken after it expires", async () => {
  const acted: string[] = [];
  const le = (identity: string, releaseOnStop = true) => ({ ...fastLease, name: "rt-crash", identity, releaseOnStop });
  const a = await startControllerManager(cluster.client, [], { log: quiet, leaderElection: le("a", false) });
  const b = await startControllerManager(cluster.client, [echoController("rt-none", "b", acted)], { log: quiet, leaderElection: le("b") });
  try {
    assert.equal(a.isLeader(), true);
    assert.equal(b.isLeader(), false);
    await a.stop();
    const stoppedAt = Date.now();
    assert.equal((await lease("rt-crash")).spec?.holderIdentity, "a", "not released");
    await until("b leads", () => b.isLeader(), 4000);
    const took = Date.now() - stoppedAt;
    assert.ok(took >= 1000 && took < 3000, `took over after ${took} ms (lease 2 s)`);
    assert.equal((await lease("rt-crash")).spec?.leaseTransitions, 1);
  } finally {
    await b.stop();
  }
});

test("leader election: a leader that loses its lease stops its controllers", async () => {
  await createNamespace("rt-lose");
  const acted: string[] = [];
  const a = await startControllerManager(cluster.client, [echoController("rt-lose", "a", acted)], { log: quiet, leaderElection: { ...fastLease, name: "rt-lose", identity: "a" } });
  try {
    assert.equal(a.isLeader(), true);
    // Someone else takes the lease (as a partitioned leader would see it).
    const l = await lease("rt-lose");
    const now = new Date().toISOString().replace("Z", "000Z");
    await cluster.client.leases.update({ ...l, spec: { ...l.spec, holderIdentity: "intruder", renewTime: now, leaseDurationSeconds: 30 } });
    await until("a stops leading", () => !a.isLeader(), 3000);
    await cluster.client.configmaps.create("rt-lose", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ignored" }, data: { want: "1" } });
    await new Promise((r) => setTimeout(r, 300));
    const cm = await cluster.client.configmaps.get("rt-lose", "ignored");
    assert.equal(cm.metadata.annotations?.observed, undefined, "no controller runs without the lease");
    assert.deepEqual(acted, []);
  } finally {
    await a.stop();
  }
  assert.equal((await lease("rt-lose")).spec?.holderIdentity, "intruder", "a leader that lost the lease does not release it");
});

test("the Event TTL controller deletes Events once they are older than the TTL", async () => {
  await createNamespace("rt-ttl");
  const mk = (name: string, last: Date): EventObj => ({
    apiVersion: "v1", kind: "Event",
    metadata: { name, namespace: "rt-ttl" },
    involvedObject: { kind: "Pod", namespace: "rt-ttl", name: "p", apiVersion: "v1" },
    reason: "Test", message: name, type: "Normal", count: 1,
    firstTimestamp: nowRFC3339(last), lastTimestamp: nowRFC3339(last),
    source: { component: "test" },
  });
  const ttlMs = 3000;
  await cluster.client.events.create("rt-ttl", mk("old", new Date(Date.now() - 60_000)));
  await cluster.client.events.create("rt-ttl", mk("fresh", new Date()));
  const mgr = await startControllerManager(cluster.client, [eventTTLController({ ttlMs })], { log: quiet });
  const started = Date.now();
  try {
    const gone = async (name: string) => {
      try { await cluster.client.events.get("rt-ttl", name); return false; } catch (err) { return err instanceof StatusError && err.code === 404; }
    };
    await until("old deleted", () => gone("old"), 2000);
    assert.equal(await gone("fresh"), false);
    // A bump of lastTimestamp (count+1) keeps it for another TTL.
    await new Promise((r) => setTimeout(r, 1500));
    await cluster.client.events.patch("rt-ttl", "fresh", "merge", { count: 2, lastTimestamp: nowRFC3339(new Date()) });
    const bumpedAt = Date.now();
    await until("fresh deleted", () => gone("fresh"), 8000);
    const took = Date.now() - bumpedAt;
    assert.ok(took >= ttlMs - 1100, `deleted ${took} ms after the bump (started ${Date.now() - started} ms ago)`);
  } finally {
    await mgr.stop();
  }
});
