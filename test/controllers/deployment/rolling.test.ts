/**
 * The rolling update bound, checked at every pod event: 10 replicas, maxSurge 1,
 * maxUnavailable 1 means never more than 11 pods (not being deleted) and never fewer than 9
 * available ones, from the first new pod to the last old one gone.
 */
import { after, before, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import type { PodObj } from "../../../src/api/core/v1/pod-printer.js";
import { startSimulatedNodes, type SimulatedNodes } from "../../../src/node/runtime/fake/index.js";
import { createNamespace, deployment, eventually, isReady, replicaSets, startEnv, waitRolledOut, type Env } from "./harness.js";

let env: Env;
/** A second pool whose pods take a while to start, so that new pods are unavailable for a moment. */
let slow: SimulatedNodes;

before(async () => {
  env = await startEnv();
  slow = await startSimulatedNodes(env.client, { count: 1, namePrefix: "slow-node-", podStartDelayMs: 40, podTerminationDelayMs: 100, onError: () => {} });
});

after(async () => {
  await slow?.stop();
  await env?.stop();
});

interface Tally { events: number; maxPods: number; minAvailable: number; violations: string[]; added: number }

/** Watches the pods of `app` from `rv` and checks the bound after each event. */
function watchBounds(ns: string, app: string, rv: string, initial: PodObj[]): { tally: Tally; stop(): void } {
  const pods = new Map(initial.map((p) => [p.metadata.name!, p]));
  const tally: Tally = { events: 0, maxPods: 0, minAvailable: Infinity, violations: [], added: 0 };
  const check = (what: string): void => {
    let live = 0;
    let available = 0;
    for (const p of pods.values()) {
      if (p.metadata.deletionTimestamp || p.status?.phase === "Succeeded" || p.status?.phase === "Failed") continue;
      live++;
      if (isReady(p)) available++;
    }
    tally.maxPods = Math.max(tally.maxPods, live);
    tally.minAvailable = Math.min(tally.minAvailable, available);
    if (live > 11 || available < 9) tally.violations.push(`${what}: ${live} pods, ${available} available`);
  };
  const handle = env.client.pods.watch(ns, { resourceVersion: rv, labelSelector: `app=${app}` }, (ev) => {
    const p = ev.object;
    if (ev.type === "BOOKMARK" || ev.type === "ERROR") return;
    tally.events++;
    if (ev.type === "DELETED") pods.delete(p.metadata.name!);
    else {
      if (ev.type === "ADDED") tally.added++;
      pods.set(p.metadata.name!, p);
    }
    check(`${ev.type} ${p.metadata.name} @${p.metadata.resourceVersion}`);
  }, () => {});
  return { tally, stop: () => handle.close() };
}

async function rollTo(ns: string, image: string): Promise<Tally> {
  const list = await env.client.pods.list(ns, { labelSelector: "app=web" });
  const w = watchBounds(ns, "web", list.metadata.resourceVersion!, list.items);
  try {
    await env.client.deployments.patch(ns, "web", "strategic", { spec: { template: { spec: { containers: [{ name: "web", image }] } } } });
    await waitRolledOut(env.client, ns, "web", 30_000);
    // Rolled out means 10 new pods available; wait for the last old ones to be deleted too.
    await eventually("only new pods left", async () => {
      const pods = (await env.client.pods.list(ns, { labelSelector: "app=web" })).items;
      return pods.length === 10 && pods.every((p) => p.spec?.containers[0]?.image === image);
    }, 30_000);
  } finally {
    w.stop();
  }
  return w.tally;
}

async function checkRollouts(t: TestContext, ns: string, nodeName: string): Promise<Tally[]> {
  await createNamespace(env.client, ns);
  await env.client.deployments.create(ns, deployment(ns, "web", {
    replicas: 10,
    nodeName,
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
  }));
  await waitRolledOut(env.client, ns, "web", 30_000);
  const tallies: Tally[] = [];
  for (const image of ["nginx:1.28", "nginx:1.27", "nginx:1.29"]) {
    const tally = await rollTo(ns, image);
    t.diagnostic(`${image}: ${tally.events} pod events, at most ${tally.maxPods} pods, at least ${tally.minAvailable} available`);
    assert.deepEqual(tally.violations, [], `rolling to ${image}`);
    assert.equal(tally.added, 10, `10 new pods for ${image}`);
    assert.ok(tally.events >= 40, `saw the whole rollout (${tally.events} events)`);
    tallies.push(tally);
  }
  const rss = await replicaSets(env.client, ns);
  assert.deepEqual(rss.map((r) => [r.spec?.template?.spec?.containers[0]?.image, r.spec?.replicas]), [["nginx:1.28", 0], ["nginx:1.27", 0], ["nginx:1.29", 10]]);
  return tallies;
}

test("rolling update of 10 replicas, maxSurge 1 / maxUnavailable 1: at every pod event ≤ 11 pods and ≥ 9 available", { timeout: 120_000 }, async (t) => {
  await checkRollouts(t, "bounds", "sim-node-0");
});

test("the same bound holds when new pods take a while to become ready (the budgets get used)", { timeout: 120_000 }, async (t) => {
  const tallies = await checkRollouts(t, "bounds-slow", "slow-node-0");
  assert.ok(tallies.some((x) => x.maxPods === 11), "the surge was used");
  assert.ok(tallies.some((x) => x.minAvailable === 9), "the unavailability budget was used");
});
