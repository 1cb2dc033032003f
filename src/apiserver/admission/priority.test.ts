import { test } from "node:test";
import assert from "node:assert/strict";
import { builtinResources } from "../../api/index.js";
import { MemoryBackend } from "../../storage/memory/memory.js";
import type { KubeObject } from "../../machinery/object.js";
import type { ResourceDef } from "../../machinery/resource.js";
import { ResourceStore } from "../store.js";
import { WatchHub } from "../watch/hub.js";
import { priorityAdmission } from "./priority.js";

const podDef = builtinResources.find((d) => d.group === "" && d.plural === "pods")!;
const pcDef = builtinResources.find((d) => d.group === "scheduling.k8s.io" && d.plural === "priorityclasses")!;

async function setup(withHub: boolean): Promise<{ store: ResourceStore; hub?: WatchHub }> {
  const backend = new MemoryBackend();
  const hub = withHub ? new WatchHub(backend) : undefined;
  await hub?.start();
  return { store: new ResourceStore(backend, undefined, [priorityAdmission(() => pcDef as ResourceDef, () => hub)]), hub };
}

const pod = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [{ name: "c", image: "nginx" }], ...spec },
});
const pc = (name: string, value: number, globalDefault = false): KubeObject =>
  ({ apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name }, value, globalDefault }) as KubeObject;
const priorityOf = (p: KubeObject): { priority?: number; priorityClassName?: string } => p.spec as { priority?: number; priorityClassName?: string };

/** The hub delivers a write's event asynchronously: wait until the plugin must have seen it. */
async function settle(hub: WatchHub | undefined, store: ResourceStore): Promise<void> {
  const target = (await store.list(pcDef, undefined)).revision;
  for (let i = 0; i < 200 && hub && hub.revision < target; i++) await new Promise((r) => setTimeout(r, 5));
}

for (const withHub of [true, false]) {
  test(`the global default class follows PriorityClass writes (${withHub ? "cached through the hub" : "read each time"})`, async () => {
    const { store, hub } = await setup(withHub);
    try {
      assert.equal(priorityOf(await store.create(podDef, "ns", pod("a"))).priority, 0, "no classes: priority 0");
      await store.create(pcDef, undefined, pc("high", 1000, true));
      await settle(hub, store);
      const b = priorityOf(await store.create(podDef, "ns", pod("b")));
      assert.deepEqual([b.priority, b.priorityClassName], [1000, "high"]);
      await store.update(pcDef, undefined, "high", (live) => ({ ...live, globalDefault: false }) as KubeObject);
      await settle(hub, store);
      assert.equal(priorityOf(await store.create(podDef, "ns", pod("c"))).priority, 0, "no default any more");
      await store.create(pcDef, undefined, pc("low", 5, true));
      await settle(hub, store);
      assert.equal(priorityOf(await store.create(podDef, "ns", pod("d"))).priority, 5);
      assert.equal(priorityOf(await store.create(podDef, "ns", pod("e", { priorityClassName: "high" }))).priority, 1000, "a named class wins");
    } finally {
      hub?.close();
    }
  });
}
