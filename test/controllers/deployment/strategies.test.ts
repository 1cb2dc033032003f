import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Deployment } from "../../../src/api/apps/v1/deployment.js";
import type { PodObj } from "../../../src/api/core/v1/pod-printer.js";
import {
  activePods, createNamespace, deployment, eventually, events, replicaSets, startEnv, waitRolledOut, type Env,
} from "./harness.js";

let env: Env;

before(async () => {
  // Deleted pods linger a little, as real ones do while they shut down.
  env = await startEnv({ podTerminationDelayMs: 300 });
});

after(async () => {
  await env?.stop();
});

const condition = (d: Deployment, type: string) => d.status?.conditions?.find((c) => c.type === type);

test("Recreate: old pods are all gone (not just terminating) before the first new pod exists", { timeout: 30_000 }, async () => {
  const ns = "recreate";
  await createNamespace(env.client, ns);
  await env.client.deployments.create(ns, deployment(ns, "web", { replicas: 3, strategy: { type: "Recreate" } }));
  await waitRolledOut(env.client, ns, "web");
  const list = await env.client.pods.list(ns);
  const pods = new Map<string, PodObj>(list.items.map((p) => [p.metadata.name!, p]));
  const violations: string[] = [];
  let newPods = 0;
  const w = env.client.pods.watch(ns, { resourceVersion: list.metadata.resourceVersion }, (ev) => {
    if (ev.type === "BOOKMARK" || ev.type === "ERROR") return;
    const p = ev.object;
    if (ev.type === "DELETED") pods.delete(p.metadata.name!);
    else pods.set(p.metadata.name!, p);
    const images = new Set([...pods.values()].map((x) => x.spec?.containers[0]?.image));
    if (ev.type === "ADDED" && p.spec?.containers[0]?.image === "nginx:1.28") newPods++;
    if (images.size > 1) violations.push(`${ev.type} ${p.metadata.name}: ${[...images].join(", ")}`);
  }, () => {});
  try {
    await env.client.deployments.patch(ns, "web", "strategic", { spec: { template: { spec: { containers: [{ name: "web", image: "nginx:1.28" }] } } } });
    await waitRolledOut(env.client, ns, "web");
  } finally {
    w.close();
  }
  assert.deepEqual(violations, []);
  assert.equal(newPods, 3);
  const rss = await replicaSets(env.client, ns);
  assert.deepEqual(rss.map((r) => r.spec?.replicas), [0, 3]);
  const scaling = (await events(env.client, ns, "web")).filter((e) => e.reason === "ScalingReplicaSet").map((e) => e.message);
  assert.ok(scaling.includes(`Scaled down replica set ${rss[0]!.metadata.name} from 3 to 0`), scaling.join("\n"));
  assert.ok(scaling.includes(`Scaled up replica set ${rss[1]!.metadata.name} from 0 to 3`), scaling.join("\n"));
});

test("paused: no rollout and a DeploymentPaused condition; scaling still works; resume rolls out", { timeout: 30_000 }, async () => {
  const ns = "paused";
  await createNamespace(env.client, ns);
  await env.client.deployments.create(ns, deployment(ns, "web", { replicas: 2 }));
  await waitRolledOut(env.client, ns, "web");
  // kubectl rollout pause; kubectl set image
  await env.client.deployments.patch(ns, "web", "merge", { spec: { paused: true } });
  await env.client.deployments.patch(ns, "web", "strategic", { spec: { template: { spec: { containers: [{ name: "web", image: "nginx:1.28" }] } } } });
  const paused = await eventually("paused condition", async () => {
    const d = await env.client.deployments.get(ns, "web");
    const c = condition(d, "Progressing");
    return c?.reason === "DeploymentPaused" && d.status?.observedGeneration === d.metadata.generation && d;
  });
  const pc = condition(paused, "Progressing")!;
  assert.deepEqual([pc.status, pc.message], ["Unknown", "Deployment is paused"]);
  // kubectl scale while paused: the current ReplicaSet grows, no new one appears.
  await env.client.deployments.patch(ns, "web", "merge", { spec: { replicas: 4 } }, { subresource: "scale" });
  await eventually("scaled while paused", async () => {
    const d = await env.client.deployments.get(ns, "web");
    return d.status?.availableReplicas === 4 && (await activePods(env.client, ns)).length === 4;
  });
  let rss = await replicaSets(env.client, ns);
  assert.equal(rss.length, 1);
  assert.equal(rss[0]!.spec?.template?.spec?.containers[0]?.image, "nginx:1.27");
  // kubectl rollout resume
  await env.client.deployments.patch(ns, "web", "merge", { spec: { paused: false } });
  await waitRolledOut(env.client, ns, "web");
  rss = await eventually("rolled out after resume", async () => {
    const list = await replicaSets(env.client, ns);
    return list.length === 2 && list[0]!.spec?.replicas === 0 && list;
  });
  assert.equal(rss[1]!.spec?.replicas, 4);
  assert.ok((await activePods(env.client, ns)).every((p) => p.spec?.containers[0]?.image === "nginx:1.28"));
});

test("proportional scaling: resizing a stuck rollout spreads the change over both ReplicaSets", { timeout: 30_000 }, async () => {
  const ns = "proportional";
  await createNamespace(env.client, ns);
  await env.client.deployments.create(ns, deployment(ns, "web", {
    replicas: 10, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } },
  }));
  await waitRolledOut(env.client, ns, "web");
  // The new template's pods are bound to a node nobody runs: they never become ready.
  await env.client.deployments.patch(ns, "web", "strategic", { spec: { template: { spec: { containers: [{ name: "web", image: "nginx:broken" }], nodeName: "ghost" } } } });
  await eventually("rollout stuck at 8 old + 5 new", async () => {
    const rss = await replicaSets(env.client, ns);
    return rss.length === 2 && rss[0]!.spec?.replicas === 8 && rss[1]!.spec?.replicas === 5 && rss[0]!.status?.replicas === 8;
  });
  await env.client.deployments.patch(ns, "web", "merge", { spec: { replicas: 30 } }, { subresource: "scale" });
  const rss = await eventually("proportional sizes", async () => {
    const list = await replicaSets(env.client, ns);
    return list[0]!.spec?.replicas === 20 && list[1]!.spec?.replicas === 13 && list;
  });
  for (const rs of rss) {
    assert.equal(rs.metadata.annotations?.["deployment.kubernetes.io/desired-replicas"], "30");
    assert.equal(rs.metadata.annotations?.["deployment.kubernetes.io/max-replicas"], "33");
  }
  const scaling = (await events(env.client, ns, "web")).filter((e) => e.reason === "ScalingReplicaSet").map((e) => e.message);
  assert.ok(scaling.includes(`Scaled up replica set ${rss[0]!.metadata.name} from 8 to 20`), scaling.join("\n"));
  assert.ok(scaling.includes(`Scaled up replica set ${rss[1]!.metadata.name} from 5 to 13`), scaling.join("\n"));
});

test("progress deadline: pods that never become ready end in ProgressDeadlineExceeded", { timeout: 30_000 }, async () => {
  const ns = "deadline";
  await createNamespace(env.client, ns);
  await env.client.deployments.create(ns, deployment(ns, "web", { replicas: 2, nodeName: "ghost", progressDeadlineSeconds: 1 }));
  const d = await eventually("timed out", async () => {
    const cur = await env.client.deployments.get(ns, "web");
    return condition(cur, "Progressing")?.reason === "ProgressDeadlineExceeded" && cur;
  });
  const [rs] = await replicaSets(env.client, ns);
  const c = condition(d, "Progressing")!;
  assert.deepEqual([c.status, c.message], ["False", `ReplicaSet "${rs!.metadata.name}" has timed out progressing.`]);
  const a = condition(d, "Available")!;
  assert.deepEqual([a.status, a.reason], ["False", "MinimumReplicasUnavailable"]);
  assert.equal(d.status?.unavailableReplicas, 2);
});

test("minReadySeconds: pods count as available only after being ready that long", { timeout: 30_000 }, async () => {
  const ns = "minready";
  await createNamespace(env.client, ns);
  const began = Date.now();
  await env.client.deployments.create(ns, deployment(ns, "web", { replicas: 2, minReadySeconds: 2 }));
  await eventually("ready but not yet available", async () => {
    const d = await env.client.deployments.get(ns, "web");
    return d.status?.readyReplicas === 2 && (d.status.availableReplicas ?? 0) === 0;
  });
  await waitRolledOut(env.client, ns, "web");
  // lastTransitionTime has second precision, so "ready for 2 s" may take a little over 1 s.
  assert.ok(Date.now() - began >= 1000, "available only after minReadySeconds");
  const [rs] = await replicaSets(env.client, ns);
  assert.equal(rs!.spec?.minReadySeconds, 2);
});
