/**
 * The disruption controller against a real in-process API server: budget status from pods
 * and their controllers, evictions that spend it, and the cleanup of stale eviction marks.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { StatusError } from "../../src/machinery/errors.js";
import type { PodDisruptionBudget } from "../../src/api/policy/v1/poddisruptionbudget.js";
import { startDisruptionController, type RunningController } from "../../src/controllers/disruption/index.js";
import { eventually, eviction, makePod, startTestCluster, type TestCluster } from "./harness.js";

type Status = NonNullable<PodDisruptionBudget["status"]>;

describe("disruption controller", () => {
  let t: TestCluster;
  let ctrl: RunningController;
  const errors: Error[] = [];

  before(async () => {
    t = await startTestCluster();
    ctrl = await startDisruptionController(t.client, { staleDisruptionTimeoutMs: 300, onError: (e) => errors.push(e) });
  });
  after(async () => {
    await ctrl?.stop();
    await t?.stop();
  });

  async function createBudget(name: string, spec: PodDisruptionBudget["spec"]): Promise<void> {
    await t.client.pdbs.create("default", { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name }, spec } as PodDisruptionBudget);
  }

  /** Waits until the budget's status has these values. */
  async function statusOf(name: string, want: Partial<Status>, what = name): Promise<Status> {
    return eventually(async () => {
      const st = (await t.client.pdbs.get("default", name)).status;
      if (!st) return undefined;
      for (const [k, v] of Object.entries(want)) if (JSON.stringify(st[k as keyof Status]) !== JSON.stringify(v)) return undefined;
      return st;
    }, 5000, `${what} status ${JSON.stringify(want)}`);
  }

  test("minAvailable: status from ready pods, then evictions spend it and the controller catches up", async () => {
    const { client } = t;
    for (const n of ["w1", "w2", "w3"]) await makePod(client, n, { labels: { app: "web" } });
    await createBudget("web", { minAvailable: 2, selector: { matchLabels: { app: "web" } } });
    const st = await statusOf("web", { expectedPods: 3, currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1, observedGeneration: 1 });
    const cond = st.conditions?.find((c) => c.type === "DisruptionAllowed");
    assert.equal(cond?.status, "True");
    assert.equal(cond?.reason, "SufficientPods");

    await client.pods.createSubresource("default", "w1", "eviction", eviction("w1"));
    await assert.rejects(client.pods.get("default", "w1"), (e: unknown) => e instanceof StatusError && e.code === 404);
    await assert.rejects(client.pods.createSubresource("default", "w2", "eviction", eviction("w2")),
      (e: unknown) => e instanceof StatusError && e.code === 429 && e.message === "Cannot evict pod as it would violate the pod's disruption budget.");

    // The controller sees w1 gone, drops it from disruptedPods and keeps the budget at zero.
    const after1 = await statusOf("web", { expectedPods: 2, currentHealthy: 2, desiredHealthy: 2, disruptionsAllowed: 0 });
    assert.equal(after1.disruptedPods, undefined);
    assert.equal(after1.conditions?.find((c) => c.type === "DisruptionAllowed")?.reason, "InsufficientPods");

    // A new ready pod makes room again.
    await makePod(client, "w4", { labels: { app: "web" } });
    await statusOf("web", { expectedPods: 3, currentHealthy: 3, disruptionsAllowed: 1 });
    // An unready one counts as expected but not healthy.
    await makePod(client, "w5", { labels: { app: "web" }, ready: false });
    await statusOf("web", { expectedPods: 4, currentHealthy: 3, disruptionsAllowed: 1 });
  });

  test("maxUnavailable and percentages use the scale of the pods' controllers", async () => {
    const { client } = t;
    const dep = await client.deployments.create("default", {
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "api" },
      spec: { replicas: 4, selector: { matchLabels: { app: "api" } }, template: { metadata: { labels: { app: "api" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
    });
    const rs = await client.replicasets.create("default", {
      apiVersion: "apps/v1", kind: "ReplicaSet",
      metadata: { name: "api-1", ownerReferences: [{ apiVersion: "apps/v1", kind: "Deployment", name: "api", uid: dep.metadata.uid!, controller: true }] },
      spec: { replicas: 4, selector: { matchLabels: { app: "api" } }, template: { metadata: { labels: { app: "api" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
    });
    const owner = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "api-1", uid: rs.metadata.uid!, controller: true };
    for (const n of ["a1", "a2", "a3"]) await makePod(client, n, { labels: { app: "api" }, owner });

    // Four expected (the Deployment's replicas), one may be unavailable: three must stay, three are.
    await createBudget("api-max", { maxUnavailable: 1, selector: { matchLabels: { app: "api" } } });
    await statusOf("api-max", { expectedPods: 4, desiredHealthy: 3, currentHealthy: 3, disruptionsAllowed: 0 });

    // 50% of four rounds to two.
    await client.pdbs.delete("default", "api-max");
    await createBudget("api-pct", { minAvailable: "50%", selector: { matchLabels: { app: "api" } } });
    await statusOf("api-pct", { expectedPods: 4, desiredHealthy: 2, currentHealthy: 3, disruptionsAllowed: 1 });

    // Scaling the Deployment changes the expectation once a pod event brings the budget back.
    await client.deployments.patch("default", "api", "merge", { spec: { replicas: 6 } });
    await makePod(client, "a4", { labels: { app: "api" }, owner });
    await statusOf("api-pct", { expectedPods: 6, desiredHealthy: 3, currentHealthy: 4, disruptionsAllowed: 1 });
  });

  test("unmanaged pods under a percentage count nothing and say so in an event", async () => {
    const { client } = t;
    await makePod(client, "lone", { labels: { app: "lone" } });
    await createBudget("lone", { maxUnavailable: "10%", selector: { matchLabels: { app: "lone" } } });
    await statusOf("lone", { expectedPods: 0, currentHealthy: 1, desiredHealthy: 0, disruptionsAllowed: 0 });
    const ev = await eventually(async () => {
      const list = await client.events.list("default");
      return list.items.find((e) => e.reason === "UnmanagedPods" && e.involvedObject?.name === "lone");
    }, 5000, "UnmanagedPods event");
    assert.equal(ev.type, "Warning");
    assert.match(ev.message ?? "", /^Pods selected by this PodDisruptionBudget \(selector: &LabelSelector\{MatchLabels:map\[string\]string\{app: lone,\},/);
  });

  test("a budget with no pods says NoPods and allows nothing", async () => {
    await createBudget("empty", { minAvailable: 0, selector: { matchLabels: { app: "nothing" } } });
    await statusOf("empty", { expectedPods: 0, currentHealthy: 0, disruptionsAllowed: 0 });
    await eventually(async () => (await t.client.events.list("default")).items.find((e) => e.reason === "NoPods" && e.involvedObject?.name === "empty"), 5000, "NoPods event");
  });

  test("expired disruptedPods entries are pruned; stale DisruptionTarget conditions are reset", async () => {
    const { client } = t;
    const pod = await makePod(client, "slow", { labels: { app: "slow" } });
    await createBudget("slow", { minAvailable: 1, selector: { matchLabels: { app: "slow" } } });
    const st = await statusOf("slow", { currentHealthy: 1, disruptionsAllowed: 0 });
    // An eviction three minutes ago that never deleted its pod.
    const pdb = await client.pdbs.get("default", "slow");
    const old = new Date(Date.now() - 3 * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    await client.pdbs.updateStatus({ ...pdb, status: { ...st, disruptedPods: { slow: old }, currentHealthy: 0 } });
    const pruned = await statusOf("slow", { currentHealthy: 1 });
    assert.equal(pruned.disruptedPods, undefined);
    await eventually(async () => (await client.events.list("default")).items.find((e) => e.reason === "NotDeleted" && e.involvedObject?.name === "slow"), 5000, "NotDeleted event");

    // The eviction's mark on the pod, left behind: reset to False after the (shortened) timeout.
    const live = await client.pods.get("default", pod.metadata.name!);
    await client.pods.updateStatus({
      ...live,
      status: { ...live.status, conditions: [...(live.status?.conditions ?? []), { type: "DisruptionTarget", status: "True", reason: "EvictionByEvictionAPI", message: "Eviction API: evicting", lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, "Z") }] },
    });
    await eventually(async () => {
      const p = await client.pods.get("default", "slow");
      const c = p.status?.conditions?.find((x) => x.type === "DisruptionTarget");
      return c?.status === "False" ? c : undefined;
    }, 5000, "DisruptionTarget reset");
  });

  test("no sync errors were reported", () => {
    assert.deepEqual(errors.map((e) => e.message), []);
  });
});
