import { test } from "node:test";
import assert from "node:assert/strict";
import { builtinResources } from "../../api/index.js";
import { MemoryBackend } from "../../storage/memory/memory.js";
import { StatusError } from "../../machinery/errors.js";
import type { KubeObject } from "../../machinery/object.js";
import type { ResourceDef } from "../../machinery/resource.js";
import { ResourceStore } from "../store.js";
import { serviceAccountAdmission } from "./service-account.js";

const def = (plural: string): ResourceDef => builtinResources.find((d) => d.group === "" && d.plural === plural)!;
const podDef = def("pods");
const saDef = def("serviceaccounts");
const cmDef = def("configmaps");

function setup(attempts = 10): ResourceStore {
  return new ResourceStore(new MemoryBackend(), undefined, [serviceAccountAdmission(() => saDef, { defaultLookupAttempts: attempts, retryDelayMs: () => 20 })]);
}

const pod = (name: string, spec: Record<string, unknown> = {}, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: "v1", kind: "Pod", metadata: { name, ...(annotations ? { annotations } : {}) }, spec: { containers: [{ name: "c", image: "nginx" }], ...spec },
});

const sa = (name: string): KubeObject => ({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name } });

async function refusal(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof StatusError, String(err));
    return err;
  }
  assert.fail("expected the create to be refused");
}

test("a pod without a service account gets default, in both fields", async () => {
  const store = setup();
  await store.create(saDef, "ns1", sa("default"));
  const p = await store.create(podDef, "ns1", pod("a"));
  const spec = p.spec as { serviceAccountName?: string; serviceAccount?: string };
  assert.equal(spec.serviceAccountName, "default");
  assert.equal(spec.serviceAccount, "default");
});

test("a named account is kept; the deprecated field alone names it too", async () => {
  const store = setup();
  await store.create(saDef, "ns1", sa("builder"));
  const a = await store.create(podDef, "ns1", pod("a", { serviceAccountName: "builder" }));
  assert.equal((a.spec as { serviceAccount?: string }).serviceAccount, "builder");
  const b = await store.create(podDef, "ns1", pod("b", { serviceAccount: "builder" }));
  assert.equal((b.spec as { serviceAccountName?: string }).serviceAccountName, "builder");
});

test("a missing account is 403 Forbidden with upstream's message", async () => {
  const store = setup(2);
  const err = await refusal(store.create(podDef, "ns1", pod("a", { serviceAccountName: "ghost" })));
  assert.equal(err.code, 403);
  assert.equal(err.reason, "Forbidden");
  assert.equal(err.message, `pods "a" is forbidden: error looking up service account ns1/ghost: serviceaccount "ghost" not found`);
  const def = await refusal(store.create(podDef, "ns1", pod("b")));
  assert.equal(def.message, `pods "b" is forbidden: error looking up service account ns1/default: serviceaccount "default" not found`);
});

test("the default account is waited for a little (the controller makes it)", async () => {
  const store = setup(10);
  setTimeout(() => void store.create(saDef, "ns1", sa("default")), 60);
  const p = await store.create(podDef, "ns1", pod("a"));
  assert.equal((p.spec as { serviceAccountName?: string }).serviceAccountName, "default");
});

test("only pod creation is checked; mirror pods may not name an account", async () => {
  const store = setup(1);
  await store.create(cmDef, "ns1", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } });
  const mirror = await store.create(podDef, "ns1", pod("m", {}, { "kubernetes.io/config.mirror": "abc" }));
  assert.equal((mirror.spec as { serviceAccountName?: string }).serviceAccountName, undefined);
  const err = await refusal(store.create(podDef, "ns1", pod("n", { serviceAccountName: "x" }, { "kubernetes.io/config.mirror": "abc" })));
  assert.equal(err.message, `pods "n" is forbidden: a mirror pod may not reference service accounts`);
  // Updates are not admitted again (the account cannot change anyway).
  await store.update(podDef, "ns1", "m", (live) => ({ ...live, metadata: { ...live.metadata, labels: { a: "b" } } }));
});
