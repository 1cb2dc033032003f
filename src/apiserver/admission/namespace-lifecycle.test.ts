import { test } from "node:test";
import assert from "node:assert/strict";
import { builtinResources } from "../../api/index.js";
import { MemoryBackend } from "../../storage/memory/memory.js";
import type { KubeObject } from "../../machinery/object.js";
import { StatusError } from "../../machinery/errors.js";
import { ResourceStore } from "../store.js";
import { WatchHub } from "../watch/hub.js";
import { namespaceLifecycle } from "./namespace-lifecycle.js";

const podDef = builtinResources.find((d) => d.group === "" && d.plural === "pods")!;
const nsDef = builtinResources.find((d) => d.group === "" && d.plural === "namespaces")!;

const pod = (name: string): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [{ name: "c", image: "nginx" }] } });
const ns = (name: string): KubeObject => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } });

/** Waits until the hub has delivered every write so far (its events reach the plugin then). */
async function settle(hub: WatchHub | undefined, store: ResourceStore): Promise<void> {
  const target = (await store.list(nsDef, undefined)).revision;
  for (let i = 0; i < 200 && hub && hub.revision < target; i++) await new Promise((r) => setTimeout(r, 5));
}

async function refusal(p: Promise<unknown>): Promise<{ code: number; reason: string | undefined }> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof StatusError, "the create is refused");
  return { code: err.code, reason: err.toStatus().reason };
}

for (const withHub of [true, false]) {
  test(`creates follow the namespace's life (${withHub ? "active namespaces cached through the hub" : "read each time"})`, async () => {
    const backend = new MemoryBackend();
    const hub = withHub ? new WatchHub(backend) : undefined;
    await hub?.start();
    const store = new ResourceStore(backend, undefined, [namespaceLifecycle(() => nsDef, () => hub)]);
    try {
      assert.equal((await refusal(store.create(podDef, "a", pod("p0")))).code, 404, "no namespace yet");
      // Created a moment ago, before the hub tells anyone: a missing namespace is looked up again.
      await store.create(nsDef, undefined, ns("a"));
      await store.create(podDef, "a", pod("p1"));
      await store.create(podDef, "a", pod("p2"));
      // Deletion marks the namespace Terminating (it has the kubernetes finalizer).
      await store.update(nsDef, undefined, "a", (live) => ({ ...live, spec: { finalizers: ["kubernetes"] } }));
      await store.delete(nsDef, undefined, "a");
      await settle(hub, store);
      assert.deepEqual(await refusal(store.create(podDef, "a", pod("p3"))), { code: 403, reason: "Forbidden" });
      // Gone for good, then made again: refused, then accepted.
      await store.update(nsDef, undefined, "a", (live) => ({ ...live, spec: { finalizers: [] } }), { subresource: "finalize" });
      await settle(hub, store);
      assert.equal((await refusal(store.create(podDef, "a", pod("p4")))).code, 404);
      await store.create(nsDef, undefined, ns("a"));
      await store.create(podDef, "a", pod("p5"));
    } finally {
      hub?.close();
    }
  });
}
