/**
 * The garbage collector against a real in-process API server, driven by the real kubectl:
 * `kubectl delete deployment --cascade=background|foreground|orphan` over a
 * Deployment → ReplicaSet → Pods chain (pods bound to simulated nodes, so their deletion is
 * graceful and foreground deletion really waits), owners of other kinds and cluster-scoped
 * owners, dangling references, and several owners.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { ApiClient } from "../../../src/client/index.js";
import type { KubeObject } from "../../../src/machinery/object.js";
import { garbageCollector } from "../../../src/controllers/garbagecollector/index.js";
import { startSimulatedNodes, type SimulatedNodes } from "../../../src/node/runtime/fake/index.js";
import { eventually, getOrUndefined, haveKubectl, ownerRef, podSpec, startControllerCluster, type ControllerCluster } from "./harness.js";

let t: ControllerCluster;
let sim: SimulatedNodes;
const ns = "default";

before(async () => {
  t = await startControllerCluster([garbageCollector()]);
  sim = await startSimulatedNodes(t.client, { count: 1, podStartDelayMs: 0, podTerminationDelayMs: 150, heartbeatIntervalMs: 1000 });
});

after(async () => {
  if (process.env.CTRL_TEST_LOGS) console.error(t?.logs.join("\n"));
  await sim?.stop();
  await t?.stop();
});

interface Chain {
  deploy: KubeObject;
  rs: KubeObject;
  pods: KubeObject[];
}

/** A Deployment owning a ReplicaSet owning `n` pods, as the controllers would leave them. */
async function chain(client: ApiClient, name: string, n = 3): Promise<Chain> {
  const labels = { app: name };
  const template = { metadata: { labels }, spec: podSpec() };
  const deploy = await client.deployments.create(ns, {
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name },
    spec: { replicas: n, selector: { matchLabels: labels }, template },
  } as KubeObject);
  const rs = await client.replicasets.create(ns, {
    apiVersion: "apps/v1", kind: "ReplicaSet",
    metadata: { name: `${name}-abc`, labels, ownerReferences: [ownerRef(deploy)] },
    spec: { replicas: n, selector: { matchLabels: labels }, template },
  } as KubeObject);
  const pods: KubeObject[] = [];
  for (let i = 0; i < n; i++) {
    pods.push(await client.pods.create(ns, {
      apiVersion: "v1", kind: "Pod",
      metadata: { name: `${name}-abc-${i}`, labels, ownerReferences: [ownerRef(rs)] },
      spec: podSpec(sim.nodeNames[0]),
    } as KubeObject));
  }
  return { deploy, rs, pods };
}

const gone = (client: ApiClient, o: KubeObject) => async () =>
  (await getOrUndefined(() => client.forKind(o.apiVersion!, o.kind!).get(o.metadata.namespace, o.metadata.name!))) === undefined;

async function running(client: ApiClient, pods: KubeObject[]): Promise<void> {
  for (const p of pods) {
    await eventually(`pod ${p.metadata.name} running`, async () => (await client.pods.get(ns, p.metadata.name!)).status?.phase === "Running");
  }
}

describe("kubectl delete deployment --cascade", { skip: haveKubectl ? false : `${"kubectl"} not found` }, () => {
  test("background (the default): the Deployment goes at once, then its ReplicaSet and pods", async () => {
    const c = await chain(t.client, "bg");
    await running(t.client, c.pods);
    const out = await t.kubectl(["delete", "deployment", "bg"]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout.trim(), `deployment.apps "bg" deleted`);
    assert.ok(await gone(t.client, c.deploy)());
    await eventually("replicaset gone", gone(t.client, c.rs));
    for (const p of c.pods) await eventually(`pod ${p.metadata.name} gone`, gone(t.client, p));
  });

  test("foreground: the Deployment waits, with the foregroundDeletion finalizer, until its ReplicaSet and pods are gone", async () => {
    const c = await chain(t.client, "fg");
    await running(t.client, c.pods);
    // Watch the pods' and the ReplicaSet's fate while kubectl waits for the Deployment.
    const seen: string[] = [];
    const watcher = t.client.deployments.watch(ns, { fieldSelector: "metadata.name=fg" }, (ev) => {
      if (ev.type === "MODIFIED" && ev.object.metadata.deletionTimestamp) seen.push((ev.object.metadata.finalizers ?? []).join(","));
    }, () => {});
    const out = await t.kubectl(["delete", "deployment", "fg", "--cascade=foreground"]);
    watcher.close();
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout.trim(), `deployment.apps "fg" deleted`);
    // kubectl waited until the Deployment was gone; by then everything it owned was gone first.
    assert.ok(await gone(t.client, c.deploy)());
    assert.ok(await gone(t.client, c.rs)(), "replicaset deleted before its owner");
    for (const p of c.pods) assert.ok(await gone(t.client, p)(), `pod ${p.metadata.name} deleted before its owner`);
    assert.ok(seen.includes("foregroundDeletion"), `deployment was held by the finalizer: ${JSON.stringify(seen)}`);
  });

  test("orphan: the Deployment goes, its ReplicaSet stays without the reference, pods keep theirs", async () => {
    const c = await chain(t.client, "orph");
    const out = await t.kubectl(["delete", "deployment", "orph", "--cascade=orphan"]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout.trim(), `deployment.apps "orph" deleted`);
    assert.ok(await gone(t.client, c.deploy)());
    const rs = await t.client.replicasets.get(ns, c.rs.metadata.name!);
    assert.equal(rs.metadata.ownerReferences, undefined);
    await new Promise((r) => setTimeout(r, 200));
    for (const p of c.pods) {
      const pod = await t.client.pods.get(ns, p.metadata.name!);
      assert.equal(pod.metadata.ownerReferences?.[0]?.uid, c.rs.metadata.uid);
      assert.equal(pod.metadata.deletionTimestamp, undefined);
    }
    const get = await t.kubectl(["get", "rs", "orph-abc", "-o", "jsonpath={.metadata.ownerReferences}"]);
    assert.equal(get.stdout, "");
  });
});

describe("garbage collection across kinds", () => {
  test("a namespaced dependent of a cluster-scoped owner (a Node's Lease) goes with it", async () => {
    const node = await t.client.nodes.create(undefined, { apiVersion: "v1", kind: "Node", metadata: { name: "gc-node" } } as KubeObject);
    const lease = await t.client.leases.create("kube-node-lease", {
      apiVersion: "coordination.k8s.io/v1", kind: "Lease",
      metadata: { name: "gc-node", ownerReferences: [{ apiVersion: "v1", kind: "Node", name: "gc-node", uid: node.metadata.uid! }] },
      spec: { holderIdentity: "gc-node" },
    } as KubeObject);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(!(await gone(t.client, lease)()), "a solid owner keeps its dependent");
    await t.client.nodes.delete(undefined, "gc-node");
    await eventually("lease gone", gone(t.client, lease));
  });

  test("an object whose owner never existed is collected (the owner is checked live first)", async () => {
    const cm = await t.client.configmaps.create(ns, {
      apiVersion: "v1", kind: "ConfigMap",
      metadata: { name: "dangling", ownerReferences: [{ apiVersion: "v1", kind: "Secret", name: "nobody", uid: "0b7c8d3e-0000-4000-8000-000000000001" }] },
    } as KubeObject);
    await eventually("configmap gone", gone(t.client, cm));
  });

  test("an owner recreated under the same name does not keep the old one's dependents", async () => {
    const s1 = await t.client.secrets.create(ns, { apiVersion: "v1", kind: "Secret", metadata: { name: "reborn" } } as KubeObject);
    const cm = await t.client.configmaps.create(ns, {
      apiVersion: "v1", kind: "ConfigMap", metadata: { name: "of-reborn", ownerReferences: [ownerRef(s1, false, false)] },
    } as KubeObject);
    await t.client.secrets.delete(ns, "reborn");
    await t.client.secrets.create(ns, { apiVersion: "v1", kind: "Secret", metadata: { name: "reborn" } } as KubeObject);
    await eventually("configmap gone", gone(t.client, cm));
  });

  test("with several owners, a dependent stays while one is solid and loses the dangling reference", async () => {
    const a = await t.client.secrets.create(ns, { apiVersion: "v1", kind: "Secret", metadata: { name: "owner-a" } } as KubeObject);
    const b = await t.client.services.create(ns, { apiVersion: "v1", kind: "Service", metadata: { name: "owner-b" }, spec: { ports: [{ port: 80 }] } } as KubeObject);
    const cm = await t.client.configmaps.create(ns, {
      apiVersion: "v1", kind: "ConfigMap", metadata: { name: "shared", ownerReferences: [ownerRef(a, false, false), ownerRef(b, false, false)] },
    } as KubeObject);
    await t.client.secrets.delete(ns, "owner-a");
    await eventually("dangling reference dropped", async () => {
      const live = await t.client.configmaps.get(ns, "shared");
      return live.metadata.ownerReferences?.length === 1 && live.metadata.ownerReferences[0]!.uid === b.metadata.uid;
    });
    await t.client.services.delete(ns, "owner-b");
    await eventually("configmap gone with its last owner", gone(t.client, cm));
  });

  test("foreground deletion removes non-blocking dependents too and trims dependents with another solid owner", async () => {
    const owner = await t.client.configmaps.create(ns, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "fg-owner" } } as KubeObject);
    const other = await t.client.configmaps.create(ns, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "fg-other" } } as KubeObject);
    const blocking = await t.client.secrets.create(ns, { apiVersion: "v1", kind: "Secret", metadata: { name: "fg-blocking", finalizers: ["example.com/hold"], ownerReferences: [ownerRef(owner, true, false)] } } as KubeObject);
    const loose = await t.client.secrets.create(ns, { apiVersion: "v1", kind: "Secret", metadata: { name: "fg-loose", ownerReferences: [ownerRef(owner, false, false)] } } as KubeObject);
    const shared = await t.client.secrets.create(ns, { apiVersion: "v1", kind: "Secret", metadata: { name: "fg-shared", ownerReferences: [ownerRef(owner, true, false), ownerRef(other, false, false)] } } as KubeObject);
    await t.client.configmaps.delete(ns, "fg-owner", { propagationPolicy: "Foreground" });
    // The blocking dependent is held by its own finalizer: the owner waits.
    await eventually("blocking dependent marked for deletion", async () => !!(await t.client.secrets.get(ns, "fg-blocking")).metadata.deletionTimestamp);
    await eventually("loose dependent gone", gone(t.client, loose));
    await eventually("shared dependent trimmed", async () => {
      const s = await t.client.secrets.get(ns, "fg-shared");
      return s.metadata.ownerReferences?.length === 1 && s.metadata.ownerReferences[0]!.uid === other.metadata.uid && !s.metadata.deletionTimestamp;
    });
    const held = await t.client.configmaps.get(ns, "fg-owner");
    assert.deepEqual(held.metadata.finalizers, ["foregroundDeletion"]);
    // Releasing the blocking dependent lets the owner go.
    await t.client.secrets.patch(ns, "fg-blocking", "merge", { metadata: { finalizers: null } });
    await eventually("owner gone", gone(t.client, owner));
    assert.ok(await gone(t.client, blocking)());
    assert.ok(!(await gone(t.client, shared)()));
  });

  test("orphaning through the API keeps every dependent", async () => {
    const owner = await t.client.secrets.create(ns, { apiVersion: "v1", kind: "Secret", metadata: { name: "orph-owner" } } as KubeObject);
    const deps = await Promise.all([0, 1, 2].map((i) => t.client.configmaps.create(ns, {
      apiVersion: "v1", kind: "ConfigMap", metadata: { name: `orph-dep-${i}`, ownerReferences: [ownerRef(owner)] },
    } as KubeObject)));
    await t.client.secrets.delete(ns, "orph-owner", { propagationPolicy: "Orphan" });
    await eventually("owner gone", gone(t.client, owner));
    for (const d of deps) {
      const live = await t.client.configmaps.get(ns, d.metadata.name!);
      assert.equal(live.metadata.ownerReferences, undefined);
    }
  });
});
