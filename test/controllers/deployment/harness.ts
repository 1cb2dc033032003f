/**
 * A real in-process cluster (memory storage, no built-in components) with two simulated
 * nodes and one controller manager running the ReplicaSet and Deployment controllers.
 * Templates bind their pods with spec.nodeName (no scheduler runs); "ghost" names a node
 * nobody simulates, so such pods stay Pending forever.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Deployment } from "../../../src/api/apps/v1/deployment.js";
import type { ReplicaSet } from "../../../src/api/apps/v1/replicaset.js";
import type { PodObj } from "../../../src/api/core/v1/pod-printer.js";
import { startCluster, type Cluster } from "../../../src/cli/cluster.js";
import type { ApiClient } from "../../../src/client/client.js";
import { deploymentController } from "../../../src/controllers/deployment/index.js";
import { replicaSetController } from "../../../src/controllers/replicaset/index.js";
import { startControllerManager, type RunningManager } from "../../../src/controllers/runtime/index.js";
import { startSimulatedNodes, type SimulatedNodes } from "../../../src/node/runtime/fake/index.js";

export interface Env {
  cluster: Cluster;
  client: ApiClient;
  nodes: SimulatedNodes;
  manager: RunningManager;
  stop(): Promise<void>;
}

export async function startEnv(opts: { podTerminationDelayMs?: number } = {}): Promise<Env> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "timonel-deploy-"));
  const cluster = await startCluster({ dataDir, port: 0, host: "127.0.0.1", storage: "memory", components: false });
  const client = cluster.client;
  const nodes = await startSimulatedNodes(client, {
    count: 2, podStartDelayMs: 0, podTerminationDelayMs: opts.podTerminationDelayMs ?? 100, onError: () => {},
  });
  const log = process.env.DEPLOY_TEST_LOG ? (m: string) => console.error(m) : () => {};
  const manager = await startControllerManager(client, [replicaSetController(), deploymentController()], { log });
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
export async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
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

export interface DeploySpec {
  replicas?: number;
  image?: string;
  nodeName?: string;
  strategy?: NonNullable<Deployment["spec"]>["strategy"];
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  minReadySeconds?: number;
  annotations?: Record<string, string>;
  paused?: boolean;
}

export function deployment(ns: string, name: string, s: DeploySpec = {}): Deployment {
  return {
    apiVersion: "apps/v1", kind: "Deployment",
    metadata: { name, namespace: ns, ...(s.annotations ? { annotations: s.annotations } : {}) },
    spec: {
      replicas: s.replicas ?? 3,
      selector: { matchLabels: { app: name } },
      ...(s.strategy ? { strategy: s.strategy } : {}),
      ...(s.revisionHistoryLimit !== undefined ? { revisionHistoryLimit: s.revisionHistoryLimit } : {}),
      ...(s.progressDeadlineSeconds !== undefined ? { progressDeadlineSeconds: s.progressDeadlineSeconds } : {}),
      ...(s.minReadySeconds !== undefined ? { minReadySeconds: s.minReadySeconds } : {}),
      ...(s.paused ? { paused: true } : {}),
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "web", image: s.image ?? "nginx:1.27" }], nodeName: s.nodeName ?? "sim-node-0" },
      },
    },
  };
}

/** The Deployment is done rolling out: what `kubectl rollout status` waits for. */
export function rolledOut(d: Deployment): boolean {
  const st = d.status ?? {};
  const want = d.spec?.replicas ?? 1;
  return (st.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
    && (st.updatedReplicas ?? 0) === want && (st.replicas ?? 0) === want && (st.availableReplicas ?? 0) === want;
}

export async function waitRolledOut(client: ApiClient, ns: string, name: string, ms?: number): Promise<Deployment> {
  return eventually(`deployment ${ns}/${name} rolled out`, async () => {
    const d = await client.deployments.get(ns, name);
    const progressing = d.status?.conditions?.find((c) => c.type === "Progressing");
    return rolledOut(d) && progressing?.reason === "NewReplicaSetAvailable" && d;
  }, ms);
}

export async function replicaSets(client: ApiClient, ns: string): Promise<ReplicaSet[]> {
  const list = await client.replicasets.list(ns);
  return list.items.sort((a, b) => Number(a.metadata.annotations?.["deployment.kubernetes.io/revision"] ?? 0) - Number(b.metadata.annotations?.["deployment.kubernetes.io/revision"] ?? 0));
}

/** Pods that are not being deleted and not terminal. */
export async function activePods(client: ApiClient, ns: string): Promise<PodObj[]> {
  const list = await client.pods.list(ns);
  return list.items.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed");
}

export async function events(client: ApiClient, ns: string, name: string): Promise<{ reason: string; message: string; type: string; component: string }[]> {
  const list = await client.events.list(ns);
  return list.items
    .filter((e) => e.involvedObject?.name === name)
    .map((e) => ({ reason: e.reason ?? "", message: e.message ?? "", type: e.type ?? "", component: e.source?.component ?? "" }));
}

export function isReady(p: PodObj): boolean {
  return (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}
