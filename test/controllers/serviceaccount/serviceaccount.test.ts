/**
 * The service account controller against a real in-process API server: every active
 * namespace gets a `default` ServiceAccount (kubectl sees it), one deleted comes back, a
 * terminating namespace gets none; and the ServiceAccount admission plugin, on a store over
 * the same storage, defaults a pod created right after its namespace to that account.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../../../src/machinery/object.js";
import { builtinResources } from "../../../src/api/index.js";
import { ResourceStore } from "../../../src/apiserver/store.js";
import { serviceAccountAdmission } from "../../../src/apiserver/admission/service-account.js";
import { serviceAccountController } from "../../../src/controllers/serviceaccount/index.js";
import { eventually, getOrUndefined, haveKubectl, startControllerCluster, type ControllerCluster } from "../gc/harness.js";

let t: ControllerCluster;

before(async () => {
  t = await startControllerCluster([serviceAccountController()]);
});

after(async () => {
  if (process.env.CTRL_TEST_LOGS) console.error(t?.logs.join("\n"));
  await t?.stop();
});

const defaultSA = (ns: string) => () => getOrUndefined(() => t.client.serviceaccounts.get(ns, "default"));

test("the system namespaces get a default ServiceAccount", async () => {
  for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"]) await eventually(`default SA in ${ns}`, defaultSA(ns));
});

test("a new namespace gets one, as kubectl shows", { skip: haveKubectl ? false : "kubectl not found" }, async () => {
  const out = await t.kubectl(["create", "namespace", "fresh"]);
  assert.equal(out.code, 0, out.stderr);
  await eventually("default SA in fresh", defaultSA("fresh"));
  const get = await t.kubectl(["get", "serviceaccounts", "-n", "fresh", "-o", "name"]);
  assert.equal(get.code, 0, get.stderr);
  assert.equal(get.stdout.trim(), "serviceaccount/default");
});

test("a deleted default ServiceAccount comes back; other accounts are left alone", async () => {
  await t.client.namespaces.create(undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: "again" } } as KubeObject);
  const first = await eventually("default SA", defaultSA("again"));
  await t.client.serviceaccounts.create("again", { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "extra" } } as KubeObject);
  await t.client.serviceaccounts.delete("again", "default");
  const second = await eventually("default SA recreated", async () => {
    const sa = await defaultSA("again")();
    return sa && sa.metadata.uid !== first.metadata.uid ? sa : undefined;
  });
  assert.ok(second);
  await t.client.serviceaccounts.delete("again", "extra");
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(await getOrUndefined(() => t.client.serviceaccounts.get("again", "extra")), undefined);
});

test("a terminating namespace does not get its account back", async () => {
  await t.client.namespaces.create(undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: "leaving" } } as KubeObject);
  await eventually("default SA", defaultSA("leaving"));
  // No namespace controller runs here, so the namespace stays Terminating.
  await t.client.namespaces.delete(undefined, "leaving");
  await t.client.serviceaccounts.delete("leaving", "default");
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await defaultSA("leaving")(), undefined);
  assert.deepEqual(t.logs, []);
});

test("with the admission plugin, a pod created right after its namespace runs as default", async () => {
  const def = (plural: string) => builtinResources.find((d) => d.group === "" && d.plural === plural)!;
  // A store over the cluster's own storage, with the plugin as cluster.ts wires it.
  const store = new ResourceStore(t.cluster.backend, undefined, [serviceAccountAdmission(() => def("serviceaccounts"))]);
  await t.client.namespaces.create(undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: "quick" } } as KubeObject);
  const pod = await store.create(def("pods"), "quick", {
    apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "nginx" }] },
  });
  assert.deepEqual([(pod.spec as { serviceAccountName?: string }).serviceAccountName, (pod.spec as { serviceAccount?: string }).serviceAccount], ["default", "default"]);
  const live = await t.client.pods.get("quick", "p");
  assert.equal(live.spec?.serviceAccountName, "default");
});
