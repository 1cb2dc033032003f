/**
 * A real in-process cluster (memory storage, no built-in components) with two simulated
 * nodes and a controller manager running only the replica controllers under test.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startCluster, type Cluster } from "../../../src/cli/cluster.js";
import type { ApiClient } from "../../../src/client/client.js";
import type { PodObj } from "../../../src/api/core/v1/pod-printer.js";
import { startSimulatedNodes, type SimulatedNodes } from "../../../src/node/runtime/fake/index.js";
import { startControllerManager, type ControllerFactory, type RunningManager } from "../../../src/controllers/runtime/index.js";
import { nowRFC3339 } from "../../../src/machinery/object.js";

export interface Env {
  cluster: Cluster;
  client: ApiClient;
  nodes: SimulatedNodes;
  manager: RunningManager;
  stop(): Promise<void>;
}

export async function startEnv(factories: ControllerFactory[]): Promise<Env> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "timonel-rs-"));
  const cluster = await startCluster({ dataDir, port: 0, host: "127.0.0.1", storage: "memory", components: false });
  const client = cluster.client;
  const nodes = await startSimulatedNodes(client, { count: 2, podStartDelayMs: 0, podTerminationDelayMs: 0, onError: () => {} });
  const manager = await startControllerManager(client, factories, { log: process.env.RS_TEST_LOG ? (m) => console.error(m) : () => {} });
  return {
    cluster, client, nodes, manager,
    async stop() {
      await manager.stop();
      await nodes.stop();
      await cluster.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `fn` until it returns a value other than undefined/false, or fails after `ms`. */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function createNamespace(client: ApiClient, name: string): Promise<void> {
  await client.namespaces.create(undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
}

/** Pods of `ns` that are not being deleted and not terminal (the controller's active pods). */
export async function activePods(client: ApiClient, ns: string, labelSelector?: string): Promise<PodObj[]> {
  const list = await client.pods.list(ns, { labelSelector });
  return list.items.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed");
}

export interface PodState { nodeName?: string; phase?: "Pending" | "Running"; ready?: boolean }

/** A bare pod (no owner) in a given state; nodeName "ghost" binds it to a node nobody runs. */
export async function makePod(client: ApiClient, ns: string, name: string, labels: Record<string, string>, st: PodState = {}): Promise<PodObj> {
  const created = await client.pods.create(ns, {
    apiVersion: "v1", kind: "Pod",
    metadata: { name, namespace: ns, labels },
    spec: { containers: [{ name: "c", image: "nginx" }], ...(st.nodeName ? { nodeName: st.nodeName } : {}) },
  });
  if ((st.phase ?? "Pending") === "Pending") return created;
  const now = nowRFC3339();
  const ready = st.ready ? "True" : "False";
  return client.pods.updateStatus({
    ...created,
    status: {
      ...created.status,
      phase: "Running",
      startTime: now,
      conditions: [
        { type: "PodScheduled", status: "True", lastTransitionTime: now },
        { type: "Initialized", status: "True", lastTransitionTime: now },
        { type: "ContainersReady", status: ready, lastTransitionTime: now },
        { type: "Ready", status: ready, lastTransitionTime: now },
      ],
    },
  });
}
