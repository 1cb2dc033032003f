/**
 * A real in-process cluster (memory storage) with the pod subresources registered and a
 * client over the in-process transport, plus helpers to make running, ready pods.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startCluster, type Cluster } from "../../src/cli/cluster.js";
import { ApiClient } from "../../src/client/client.js";
import { inProcessTransport } from "../../src/client/inprocess.js";
import type { PodObj } from "../../src/api/core/v1/pod-printer.js";
import { nowRFC3339, type OwnerReference } from "../../src/machinery/object.js";

export interface TestCluster {
  cluster: Cluster;
  client: ApiClient;
  stop(): Promise<void>;
}

export async function startTestCluster(): Promise<TestCluster> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "timonel-disruption-"));
  // Tests start the disruption controller themselves, so the cluster's own stays off.
  const cluster = await startCluster({ dataDir, port: 0, host: "127.0.0.1", storage: "memory", components: false });
  const client = new ApiClient(inProcessTransport(cluster.handle));
  return {
    cluster,
    client,
    async stop() {
      await client.close();
      await cluster.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface PodOptions {
  labels?: Record<string, string>;
  /** Defaults to "n1"; null leaves the pod unbound. */
  nodeName?: string | null;
  ready?: boolean;
  phase?: string;
  owner?: OwnerReference;
  namespace?: string;
}

/** Creates a pod, then writes a Running (and Ready, unless told otherwise) status through pods/status. */
export async function makePod(client: ApiClient, name: string, o: PodOptions = {}): Promise<PodObj> {
  const ns = o.namespace ?? "default";
  const created = await client.pods.create(ns, {
    apiVersion: "v1", kind: "Pod",
    metadata: { name, namespace: ns, labels: o.labels ?? { app: "web" }, ...(o.owner ? { ownerReferences: [o.owner] } : {}) },
    spec: { containers: [{ name: "c", image: "nginx" }], ...(o.nodeName === null ? {} : { nodeName: o.nodeName ?? "n1" }), terminationGracePeriodSeconds: 0 },
  } as PodObj);
  const phase = o.phase ?? "Running";
  if (phase === "Pending") return created;
  const now = nowRFC3339();
  const ready = o.ready ?? true;
  return client.pods.updateStatus({
    ...created,
    status: {
      ...created.status,
      phase,
      conditions: [
        { type: "Initialized", status: "True", lastTransitionTime: now },
        { type: "Ready", status: ready ? "True" : "False", lastTransitionTime: now },
        { type: "ContainersReady", status: ready ? "True" : "False", lastTransitionTime: now },
        { type: "PodScheduled", status: "True", lastTransitionTime: now },
      ],
    },
  } as PodObj);
}

/** Polls until `check` returns a value (not undefined) or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function eviction(name: string, deleteOptions: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace: "default" }, deleteOptions };
}

export const KUBECTL = process.env.TIMONEL_E2E_KUBECTL ?? "/usr/bin/kubectl";

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real kubectl against the cluster with a private HOME and cache, in its own process
 * group so that a timeout kills the dispatcher and the kubectl it started.
 */
export async function kubectl(t: TestCluster, args: string[], timeoutMs = 30_000): Promise<KubectlResult> {
  const home = path.join(t.cluster.dataDir, "kubectl-home");
  await mkdir(home, { recursive: true });
  const env: NodeJS.ProcessEnv = { HOME: home, KUBECONFIG: t.cluster.kubeconfigPath, KUBECACHEDIR: path.join(home, "cache") };
  for (const k of ["PATH", "LANG", "TZ"]) if (process.env[k] !== undefined) env[k] = process.env[k];
  return new Promise((resolve, reject) => {
    const child = spawn(KUBECTL, args, { env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString("utf8")));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
      reject(new Error(`kubectl ${args.join(" ")} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on("error", (e) => { clearTimeout(timer); reject(e); });
    child.on("close", (code) => { clearTimeout(timer); resolve({ code: code ?? 128, stdout, stderr }); });
  });
}
