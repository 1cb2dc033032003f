import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { ReplicaSet } from "../../../src/api/apps/v1/replicaset.js";
import type { ReplicationControllerObj } from "../../../src/api/core/v1/replicationcontroller.js";
import { replicaSetController, replicationControllerController } from "../../../src/controllers/replicaset/index.js";
import { activePods, createNamespace, eventually, makePod, startEnv, type Env } from "./harness.js";

let env: Env;

before(async () => {
  env = await startEnv([replicaSetController(), replicationControllerController()]);
});

after(async () => {
  await env?.stop();
});

function rs(ns: string, name: string, replicas: number, app: string, extra: { minReadySeconds?: number; nodeName?: string } = {}): ReplicaSet {
  return {
    apiVersion: "apps/v1", kind: "ReplicaSet",
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      ...(extra.minReadySeconds ? { minReadySeconds: extra.minReadySeconds } : {}),
      selector: { matchLabels: { app } },
      template: {
        metadata: { labels: { app, tier: "web" } },
        spec: { containers: [{ name: "c", image: "nginx" }], nodeName: extra.nodeName ?? "sim-node-0", terminationGracePeriodSeconds: 0 },
      },
    },
  };
}

async function getRs(ns: string, name: string): Promise<ReplicaSet> {
  return env.client.replicasets.get(ns, name);
}

async function events(ns: string, name: string): Promise<{ reason: string; message: string; type: string; component: string }[]> {
  const list = await env.client.events.list(ns);
  return list.items
    .filter((e) => e.involvedObject?.name === name)
    .map((e) => ({ reason: e.reason ?? "", message: e.message ?? "", type: e.type ?? "", component: e.source?.component ?? "" }));
}

test("scales up and down from spec.replicas; status and events follow", { timeout: 30_000 }, async () => {
  const ns = "scale";
  await createNamespace(env.client, ns);
  await env.client.replicasets.create(ns, rs(ns, "web", 3, "web"));
  const st = await eventually("3 ready replicas", async () => {
    const cur = await getRs(ns, "web");
    const s = cur.status;
    return s?.replicas === 3 && s.readyReplicas === 3 && s.availableReplicas === 3 && s.fullyLabeledReplicas === 3 && s.observedGeneration === cur.metadata.generation && cur;
  });
  assert.equal(st.status?.observedGeneration, 1);
  const pods = await activePods(env.client, ns);
  assert.equal(pods.length, 3);
  for (const p of pods) {
    assert.match(p.metadata.name!, /^web-[a-z0-9]{5}$/);
    assert.deepEqual(p.metadata.labels, { app: "web", tier: "web" });
    const ref = p.metadata.ownerReferences?.[0];
    assert.deepEqual(ref, { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: st.metadata.uid, controller: true, blockOwnerDeletion: true });
  }

  await env.client.replicasets.patch(ns, "web", "merge", { spec: { replicas: 5 } });
  await eventually("5 ready replicas", async () => {
    const cur = await getRs(ns, "web");
    return cur.status?.readyReplicas === 5 && cur.status.observedGeneration === 2 && (await activePods(env.client, ns)).length === 5;
  });

  await env.client.replicasets.patch(ns, "web", "merge", { spec: { replicas: 1 } });
  await eventually("1 replica", async () => {
    const cur = await getRs(ns, "web");
    return cur.status?.replicas === 1 && cur.status.readyReplicas === 1 && (await activePods(env.client, ns)).length === 1;
  });

  const evs = await eventually("events", async () => {
    const e = await events(ns, "web");
    return e.filter((x) => x.reason === "SuccessfulCreate").length === 5 && e.filter((x) => x.reason === "SuccessfulDelete").length === 4 && e;
  });
  for (const e of evs) {
    assert.equal(e.type, "Normal");
    assert.equal(e.component, "replicaset-controller");
    assert.match(e.message, e.reason === "SuccessfulCreate" ? /^Created pod: web-[a-z0-9]{5}$/ : /^Deleted pod: web-[a-z0-9]{5}$/);
  }
});

test("availableReplicas waits for minReadySeconds", { timeout: 30_000 }, async () => {
  const ns = "minready";
  await createNamespace(env.client, ns);
  await env.client.replicasets.create(ns, rs(ns, "slow", 2, "slow", { minReadySeconds: 2 }));
  const ready = await eventually("2 ready, 0 available", async () => {
    const s = (await getRs(ns, "slow")).status;
    return s?.readyReplicas === 2 && s;
  });
  assert.equal(ready.availableReplicas ?? 0, 0);
  const began = Date.now();
  await eventually("2 available", async () => (await getRs(ns, "slow")).status?.availableReplicas === 2, 10_000);
  assert.ok(Date.now() - began < 4000, "the controller looked again when minReadySeconds passed");
});

test("adopts a matching orphan instead of creating a pod", { timeout: 30_000 }, async () => {
  const ns = "adopt";
  await createNamespace(env.client, ns);
  const orphan = await makePod(env.client, ns, "orphan", { app: "adopt" }, { nodeName: "sim-node-1" });
  const created = await env.client.replicasets.create(ns, rs(ns, "keeper", 2, "adopt"));
  await eventually("2 ready replicas", async () => (await getRs(ns, "keeper")).status?.readyReplicas === 2);
  const pods = await activePods(env.client, ns);
  assert.equal(pods.length, 2);
  const adopted = pods.find((p) => p.metadata.name === "orphan");
  assert.ok(adopted, "the orphan is still there");
  assert.equal(adopted.metadata.uid, orphan.metadata.uid);
  assert.deepEqual(adopted.metadata.ownerReferences, [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "keeper", uid: created.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  // fullyLabeledReplicas counts only pods with every template label (the orphan lacks tier).
  await eventually("fullyLabeledReplicas 1", async () => (await getRs(ns, "keeper")).status?.fullyLabeledReplicas === 1);
});

test("releases a pod whose labels stop matching and replaces it", { timeout: 30_000 }, async () => {
  const ns = "orphaning";
  await createNamespace(env.client, ns);
  await env.client.replicasets.create(ns, rs(ns, "keeper", 2, "orph"));
  await eventually("2 ready replicas", async () => (await getRs(ns, "keeper")).status?.readyReplicas === 2);
  const [victim] = await activePods(env.client, ns);
  await env.client.pods.patch(ns, victim!.metadata.name!, "merge", { metadata: { labels: { app: "elsewhere" } } });
  const released = await eventually("released", async () => {
    const p = await env.client.pods.get(ns, victim!.metadata.name!);
    return (p.metadata.ownerReferences ?? []).length === 0 && p;
  });
  assert.equal(released.metadata.labels?.app, "elsewhere");
  await eventually("a replacement", async () => {
    const owned = await activePods(env.client, ns, "app=orph");
    return owned.length === 2 && owned.every((p) => p.metadata.ownerReferences?.[0]?.name === "keeper") && (await getRs(ns, "keeper")).status?.readyReplicas === 2;
  });
  assert.equal((await activePods(env.client, ns)).length, 3);
});

test("scale-down deletes unscheduled, then pending, then not-ready pods before ready ones", { timeout: 30_000 }, async () => {
  const ns = "ranking";
  await createNamespace(env.client, ns);
  const labels = { app: "rank" };
  await makePod(env.client, ns, "ready", labels, { nodeName: "ghost", phase: "Running", ready: true });
  await makePod(env.client, ns, "notready", labels, { nodeName: "ghost", phase: "Running", ready: false });
  await makePod(env.client, ns, "pending", labels, { nodeName: "ghost" });
  await makePod(env.client, ns, "unscheduled", labels, {});
  await env.client.replicasets.create(ns, rs(ns, "ranked", 4, "rank"));
  await eventually("all four adopted", async () => {
    const s = (await getRs(ns, "ranked")).status;
    return s?.replicas === 4 && s.readyReplicas === 1;
  });
  const names = async (): Promise<string[]> => (await activePods(env.client, ns)).map((p) => p.metadata.name!).sort();
  assert.deepEqual(await names(), ["notready", "pending", "ready", "unscheduled"]);
  const steps: [number, string[]][] = [
    [3, ["notready", "pending", "ready"]],
    [2, ["notready", "ready"]],
    [1, ["ready"]],
  ];
  for (const [replicas, remaining] of steps) {
    await env.client.replicasets.patch(ns, "ranked", "merge", { spec: { replicas } });
    await eventually(`${replicas} left`, async () => (await activePods(env.client, ns)).length === replicas);
    assert.deepEqual(await names(), remaining);
  }
  await eventually("status 1", async () => (await getRs(ns, "ranked")).status?.replicas === 1);
});

test("a ReplicationController works the same", { timeout: 30_000 }, async () => {
  const ns = "rc";
  await createNamespace(env.client, ns);
  const rcs = env.client.forKind<ReplicationControllerObj>("v1", "ReplicationController");
  const orphan = await makePod(env.client, ns, "stray", { app: "legacy" }, { nodeName: "sim-node-1" });
  const created = await rcs.create(ns, {
    apiVersion: "v1", kind: "ReplicationController",
    metadata: { name: "legacy", namespace: ns },
    spec: {
      replicas: 3,
      selector: { app: "legacy" },
      template: {
        metadata: { labels: { app: "legacy" } },
        spec: { containers: [{ name: "c", image: "nginx" }], nodeName: "sim-node-1", terminationGracePeriodSeconds: 0 },
      },
    },
  });
  await eventually("3 ready", async () => {
    const s = (await rcs.get(ns, "legacy")).status;
    return s?.replicas === 3 && s.readyReplicas === 3 && s.availableReplicas === 3 && s.fullyLabeledReplicas === 3 && s.observedGeneration === 1;
  });
  const pods = await activePods(env.client, ns);
  assert.equal(pods.length, 3);
  assert.ok(pods.some((p) => p.metadata.uid === orphan.metadata.uid), "adopted the stray pod");
  for (const p of pods) {
    assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: "v1", kind: "ReplicationController", name: "legacy", uid: created.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  }
  await rcs.patch(ns, "legacy", "merge", { spec: { replicas: 1 } });
  await eventually("1 left", async () => (await rcs.get(ns, "legacy")).status?.replicas === 1 && (await activePods(env.client, ns)).length === 1);
  const evs = await eventually("events", async () => {
    const e = await events(ns, "legacy");
    return e.filter((x) => x.reason === "SuccessfulCreate").length === 2 && e.filter((x) => x.reason === "SuccessfulDelete").length === 2 && e;
  });
  assert.ok(evs.every((e) => e.component === "replication-controller"));
});

test("a larger scale-up creates exactly the missing pods (expectations cover the stale cache)", { timeout: 30_000 }, async () => {
  const ns = "bulk";
  await createNamespace(env.client, ns);
  await env.client.replicasets.create(ns, rs(ns, "bulk", 60, "bulk", { nodeName: "sim-node-1" }));
  await eventually("60 ready", async () => (await getRs(ns, "bulk")).status?.readyReplicas === 60, 20_000);
  // Let any stray sync run, then count every pod ever made (nothing was deleted).
  await new Promise((r) => setTimeout(r, 200));
  assert.equal((await env.client.pods.list(ns)).items.length, 60);
});

test("an owner being deleted neither creates nor adopts", { timeout: 30_000 }, async () => {
  const ns = "deleting";
  await createNamespace(env.client, ns);
  const held = rs(ns, "held", 0, "held");
  held.metadata.finalizers = ["example.com/hold"];
  await env.client.replicasets.create(ns, held);
  await eventually("observed", async () => (await getRs(ns, "held")).status?.observedGeneration === 1);
  await env.client.replicasets.delete(ns, "held");
  await makePod(env.client, ns, "loose", { app: "held" }, {});
  await env.client.replicasets.patch(ns, "held", "merge", { spec: { replicas: 2 } });
  await new Promise((r) => setTimeout(r, 300));
  const pods = (await env.client.pods.list(ns)).items;
  assert.deepEqual(pods.map((p) => [p.metadata.name, p.metadata.ownerReferences ?? []]), [["loose", []]]);
  await env.client.replicasets.patch(ns, "held", "merge", { metadata: { finalizers: null } });
});
