/**
 * Scale smoke test: 1,000 simulated nodes register against an in-process API server in a
 * few seconds, then heartbeat with modest CPU, and a burst of pods bound to them goes
 * Running. Prints the figures (time, RSS, CPU) as test diagnostics.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startCluster } from "../../src/cli/cluster.js";
import { ApiClient } from "../../src/client/client.js";
import { inProcessTransport } from "../../src/client/inprocess.js";
import { startSimulatedNodes } from "../../src/node/runtime/fake/simulator.js";
import type { PodObj } from "../../src/api/core/v1/pod-printer.js";

const nodes = Number(process.env.SIM_SCALE_NODES ?? 1000);
const pods = Number(process.env.SIM_SCALE_PODS ?? 2000);
const mb = (n: number): string => `${Math.round(n / 1048576)} MiB`;

test(`${nodes} simulated nodes register, heartbeat and run ${pods} pods`, { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "timonel-sim-scale-"));
  const cluster = await startCluster({ dataDir: dir, port: 0, storage: "memory", host: "127.0.0.1", components: false });
  const client = new ApiClient(inProcessTransport(cluster.handle));
  const rssBefore = process.memoryUsage().rss;
  try {
    const t0 = performance.now();
    const sim = await startSimulatedNodes(client, { count: nodes, podStartDelayMs: 0, reportContainerCreating: false });
    const registerMs = performance.now() - t0;
    try {
      const list = await client.nodes.listAll(undefined, { labelSelector: "type=simulated" });
      assert.equal(list.items.length, nodes);
      assert.ok(list.items.every((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")));
      const leases = await client.leases.listAll("kube-node-lease");
      assert.equal(leases.items.length, nodes);
      const rssNodes = process.memoryUsage().rss;
      t.diagnostic(`register ${nodes} nodes + leases: ${Math.round(registerMs)} ms; RSS ${mb(rssBefore)} -> ${mb(rssNodes)}`);

      // Steady state: default 10 s heartbeats, so a tenth of the leases renew per second.
      const cpu0 = process.cpuUsage();
      const w0 = performance.now();
      await new Promise((r) => setTimeout(r, 3000));
      const cpu = process.cpuUsage(cpu0);
      const wall = performance.now() - w0;
      t.diagnostic(`heartbeats of ${nodes} nodes: ${(((cpu.user + cpu.system) / 1000 / wall) * 100).toFixed(1)}% of one core (server included)`);

      // A burst of pods bound round-robin, as a scheduler would.
      const p0 = performance.now();
      let next = 0;
      await Promise.all(Array.from({ length: 32 }, async () => {
        while (next < pods) {
          const i = next++;
          const pod: PodObj = {
            apiVersion: "v1", kind: "Pod",
            metadata: { name: `p-${i}`, namespace: "default" },
            spec: { nodeName: `sim-node-${i % nodes}`, containers: [{ name: "app", image: "registry.k8s.io/pause:3.10" }] },
          };
          await client.pods.create("default", pod);
        }
      }));
      const createdMs = performance.now() - p0;
      for (;;) {
        const all = await client.pods.listAll("default", { fieldSelector: "status.phase=Running" });
        if (all.items.length >= pods) break;
        if (performance.now() - p0 > 90_000) assert.fail(`only ${all.items.length}/${pods} pods Running`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const runningMs = performance.now() - p0;
      t.diagnostic(`${pods} pods: created in ${Math.round(createdMs)} ms, all Running after ${Math.round(runningMs)} ms; RSS ${mb(process.memoryUsage().rss)}`);
    } finally {
      await sim.stop();
    }
  } finally {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
