/**
 * The namespace controller against a real in-process API server: `kubectl delete namespace`
 * returns once the namespace and everything in it are gone (pods on a simulated node are
 * deleted gracefully first), and a namespace held by a finalizer on its content reports
 * upstream's conditions while it waits.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { NamespaceCondition } from "kubernetes-types/core/v1.js";
import type { KubeObject } from "../../../src/machinery/object.js";
import { StatusError } from "../../../src/machinery/errors.js";
import { builtinResources } from "../../../src/api/index.js";
import { refOf } from "../../../src/client/index.js";
import { namespaceController } from "../../../src/controllers/namespace/index.js";
import { garbageCollector } from "../../../src/controllers/garbagecollector/index.js";
import { startSimulatedNodes, type SimulatedNodes } from "../../../src/node/runtime/fake/index.js";
import { eventually, getOrUndefined, haveKubectl, podSpec, startControllerCluster, type ControllerCluster } from "../gc/harness.js";

let t: ControllerCluster;
let sim: SimulatedNodes;

before(async () => {
  t = await startControllerCluster([namespaceController(), garbageCollector()]);
  sim = await startSimulatedNodes(t.client, { count: 1, podStartDelayMs: 0, podTerminationDelayMs: 200, heartbeatIntervalMs: 1000 });
});

after(async () => {
  if (process.env.CTRL_TEST_LOGS) console.error(t?.logs.join("\n"));
  await sim?.stop();
  await t?.stop();
});

async function fill(ns: string): Promise<void> {
  const c = t.client;
  await c.configmaps.create(ns, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" }, data: { a: "b" } } as KubeObject);
  await c.secrets.create(ns, { apiVersion: "v1", kind: "Secret", metadata: { name: "s" } } as KubeObject);
  await c.serviceaccounts.create(ns, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "sa" } } as KubeObject);
  await c.services.create(ns, { apiVersion: "v1", kind: "Service", metadata: { name: "svc" }, spec: { ports: [{ port: 80 }] } } as KubeObject);
  await c.deployments.create(ns, {
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" },
    spec: { replicas: 1, selector: { matchLabels: { app: "d" } }, template: { metadata: { labels: { app: "d" } }, spec: podSpec() } },
  } as KubeObject);
  for (let i = 0; i < 3; i++) {
    await c.pods.create(ns, { apiVersion: "v1", kind: "Pod", metadata: { name: `p${i}` }, spec: podSpec(sim.nodeNames[0]) } as KubeObject);
  }
  await eventually("pods running", async () => (await c.pods.list(ns)).items.every((p) => p.status?.phase === "Running"));
}

/** Every namespaced built-in kind, listed in the namespace: nothing may be left. */
async function leftovers(ns: string): Promise<string[]> {
  const out: string[] = [];
  for (const def of builtinResources) {
    if (!def.namespaced || def.storedAs || !(def.verbs ?? ["list"]).includes("list")) continue;
    const items = (await t.client.resource(refOf(def)).list(ns)).items;
    for (const it of items) out.push(`${def.plural}/${it.metadata.name}`);
  }
  return out;
}

test("kubectl delete namespace returns once the namespace and its content are gone", { skip: haveKubectl ? false : "kubectl not found" }, async () => {
  const created = await t.kubectl(["create", "namespace", "doomed"]);
  assert.equal(created.code, 0, created.stderr);
  await fill("doomed");
  const out = await t.kubectl(["delete", "namespace", "doomed"], 20_000);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout.trim(), `namespace "doomed" deleted`);
  assert.equal(await getOrUndefined(() => t.client.namespaces.get(undefined, "doomed")), undefined);
  assert.deepEqual(await leftovers("doomed"), []);
  const get = await t.kubectl(["get", "namespace", "doomed"]);
  assert.notEqual(get.code, 0);
  assert.match(get.stderr, /namespaces "doomed" not found/);
});

test("a terminating namespace reports what it waits for, refuses new content, and goes once released", async () => {
  const c = t.client;
  await c.namespaces.create(undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: "held" } } as KubeObject);
  await c.configmaps.create("held", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "keep", finalizers: ["example.com/hold"] } } as KubeObject);
  await c.configmaps.create("held", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "plain" } } as KubeObject);
  await c.namespaces.delete(undefined, "held");
  const conditions = await eventually("conditions", async () => {
    const ns = await c.namespaces.get(undefined, "held");
    const conds = ns.status?.conditions ?? [];
    return conds.some((x) => x.type === "NamespaceFinalizersRemaining" && x.status === "True") ? conds : undefined;
  });
  const summary = (x: NamespaceCondition): string[] => [x.type, x.status, x.reason ?? "", x.message ?? ""];
  assert.deepEqual(conditions.map(summary), [
    ["NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered", "All resources successfully discovered"],
    ["NamespaceDeletionGroupVersionParsingFailure", "False", "ParsedGroupVersions", "All legacy kube types successfully parsed"],
    ["NamespaceDeletionContentFailure", "False", "ContentDeleted", "All content successfully deleted, may be waiting on finalization"],
    ["NamespaceContentRemaining", "True", "SomeResourcesRemain", "Some resources are remaining: configmaps. has 1 resource instances"],
    ["NamespaceFinalizersRemaining", "True", "SomeFinalizersRemain", "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances"],
  ]);
  const ns = await c.namespaces.get(undefined, "held");
  assert.equal(ns.status?.phase, "Terminating");
  assert.deepEqual(ns.spec?.finalizers, ["kubernetes"]);
  assert.equal(await getOrUndefined(() => c.configmaps.get("held", "plain")), undefined);
  const refused = await c.configmaps.create("held", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "late" } } as KubeObject).then(() => undefined, (e: unknown) => e);
  assert.ok(refused instanceof StatusError && refused.code === 403, String(refused));
  await c.configmaps.patch("held", "keep", "merge", { metadata: { finalizers: null } });
  await eventually("namespace gone", async () => (await getOrUndefined(() => c.namespaces.get(undefined, "held"))) === undefined, 10_000);
});
