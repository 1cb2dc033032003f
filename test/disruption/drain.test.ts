/**
 * `kubectl drain` (the real kubectl 1.32) against budgets kept by the disruption controller:
 * a drain that would violate a budget evicts what it may, retries the 429s and times out;
 * once the budget allows it, the drain completes.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import type { PodDisruptionBudget } from "../../src/api/policy/v1/poddisruptionbudget.js";
import { startDisruptionController, type RunningController } from "../../src/controllers/disruption/index.js";
import { eventually, KUBECTL, kubectl, makePod, startTestCluster, type TestCluster } from "./harness.js";

const skip = existsSync(KUBECTL) ? false : `${KUBECTL} not found`;

describe("kubectl drain with a PodDisruptionBudget", { skip }, () => {
  let t: TestCluster;
  let ctrl: RunningController;
  before(async () => {
    t = await startTestCluster();
    ctrl = await startDisruptionController(t.client, { onError: () => {} });
  });
  after(async () => {
    await ctrl?.stop();
    await t?.stop();
  });

  test("evicts while the budget allows, reports the 429s, then drains once it is relaxed", async () => {
    const { client } = t;
    await client.nodes.create(undefined, { apiVersion: "v1", kind: "Node", metadata: { name: "n1" } });
    for (const n of ["d1", "d2", "d3"]) await makePod(client, n, { labels: { app: "drain" } });
    await client.pdbs.create("default", {
      apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "drain" },
      spec: { minAvailable: 2, selector: { matchLabels: { app: "drain" } } },
    } as PodDisruptionBudget);
    await eventually(async () => ((await client.pdbs.get("default", "drain")).status?.disruptionsAllowed === 1 ? true : undefined), 5000, "budget status");

    const blocked = await kubectl(t, ["drain", "n1", "--force", "--ignore-daemonsets", "--timeout=7s"], 40_000);
    assert.notEqual(blocked.code, 0, blocked.stdout);
    assert.match(blocked.stdout + blocked.stderr, /Cannot evict pod as it would violate the pod's disruption budget\./);
    assert.match(blocked.stdout, /node\/n1 cordoned/);
    const left = (await client.pods.list("default", { labelSelector: "app=drain" })).items;
    assert.equal(left.length, 2, "exactly one pod was evicted");
    assert.equal((await client.nodes.get(undefined, "n1")).spec?.unschedulable, true);

    await client.pdbs.patch("default", "drain", "merge", { spec: { minAvailable: 0 } });
    await eventually(async () => ((await client.pdbs.get("default", "drain")).status?.disruptionsAllowed === 2 ? true : undefined), 5000, "relaxed budget");
    const done = await kubectl(t, ["drain", "n1", "--force", "--ignore-daemonsets", "--timeout=20s"], 40_000);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /node\/n1 drained/);
    assert.equal((await client.pods.list("default", { labelSelector: "app=drain" })).items.length, 0);
  });
});
