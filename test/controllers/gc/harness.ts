/**
 * A real in-process cluster (memory storage, no built-in components) with a controller
 * manager running only the controllers under test, the real kubectl pointed at it (its own
 * HOME and KUBECACHEDIR), and small helpers to build objects and wait for the world to
 * change. Shared by the garbage collector, namespace, service account and node lifecycle
 * tests.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startCluster, type Cluster } from "../../../src/cli/cluster.js";
import type { ApiClient } from "../../../src/client/index.js";
import { StatusError } from "../../../src/machinery/errors.js";
import type { KubeObject, OwnerReference } from "../../../src/machinery/object.js";
import { startControllerManager, type ControllerFactory, type RunningManager } from "../../../src/controllers/runtime/index.js";

export const KUBECTL = process.env.TIMONEL_E2E_KUBECTL ?? "/usr/bin/kubectl";
export const haveKubectl = existsSync(KUBECTL);

export interface ControllerCluster {
  cluster: Cluster;
  client: ApiClient;
  manager: RunningManager;
  /** Manager log lines (reconcile failures...), for assertions and debugging. */
  logs: string[];
  kubectl(args: string[], timeoutMs?: number): Promise<KubectlResult>;
  stop(): Promise<void>;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function startControllerCluster(factories: ControllerFactory[]): Promise<ControllerCluster> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "timonel-ctrl-"));
  const cluster = await startCluster({ dataDir, port: 0, host: "127.0.0.1", storage: "memory", components: false });
  const logs: string[] = [];
  const manager = await startControllerManager(cluster.client, factories, { log: (m) => logs.push(m) });
  const home = path.join(dataDir, "kubectl-home");
  await mkdir(home, { recursive: true });
  return {
    cluster,
    client: cluster.client,
    manager,
    logs,
    kubectl: (args, timeoutMs) => runKubectl(home, cluster.kubeconfigPath, args, timeoutMs),
    async stop() {
      await manager.stop();
      await cluster.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs the real kubectl in its own process group, with a private HOME and discovery cache. */
function runKubectl(home: string, kubeconfig: string, args: string[], timeoutMs = 30_000): Promise<KubectlResult> {
  const env: NodeJS.ProcessEnv = { HOME: home, KUBECONFIG: kubeconfig, KUBECACHEDIR: path.join(home, "cache") };
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

/** Polls until `check` returns something other than undefined/false, or fails after the timeout. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The object, or undefined when the API says 404. */
export async function getOrUndefined<T extends KubeObject>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof StatusError && err.code === 404) return undefined;
    throw err;
  }
}

export function ownerRef(owner: KubeObject, block = true, controller = true): OwnerReference {
  return {
    apiVersion: owner.apiVersion!, kind: owner.kind!, name: owner.metadata.name!, uid: owner.metadata.uid!,
    ...(controller ? { controller: true } : {}), ...(block ? { blockOwnerDeletion: true } : {}),
  };
}

export const podSpec = (nodeName?: string): Record<string, unknown> => ({
  containers: [{ name: "c", image: "nginx" }],
  terminationGracePeriodSeconds: 30,
  ...(nodeName ? { nodeName } : {}),
});
