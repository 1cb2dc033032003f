/**
 * A cluster with the runc node agent for the real-container e2e tests, driven by the real
 * kubectl. Unlike `harness.ts` it can be stopped and started again on the same data dir with
 * the same node name (an agent restart: running containers must be adopted), and it stages
 * busybox-static images in the agent's import folder before each start. Its pod network (bridge,
 * nft table, netns prefix) is private to this process and cluster, never `timonel up`'s.
 *
 * Each kubectl run gets this cluster's kubeconfig, its own discovery cache and a private HOME.
 */
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startCluster, type Cluster } from "../../src/cli/cluster.js";
import { cleanupAgentHost, privatePodNetwork, sandboxCount, stageImages, type ImageDef } from "./containers-fixtures.js";
import { KUBECTL, type KubectlOptions, type KubectlResult } from "./harness.js";
import type { PodNetworkNames } from "../../src/node/agent/agent.js";

/** Clusters started by this process: each gets its own network names. */
let clusters = 0;

export interface ContainerCluster {
  readonly dataDir: string;
  readonly nodeName: string;
  readonly podCidr: string;
  /** The agent's bridge, nft table and netns prefix. */
  readonly podNetwork: Required<PodNetworkNames>;
  readonly cluster: Cluster;
  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  /** Stops the cluster (the agent leaves containers running) and starts it again on the same data dir. */
  restart(): Promise<void>;
  /** Deletes every pod, waits for the runtime to let go of them, stops, and removes what is left on the host. */
  destroy(): Promise<{ containers: number; sandboxes: number }>;
}

export async function startContainerCluster(o: { nodeName: string; podCidr: string; images: ImageDef[] }): Promise<ContainerCluster> {
  const rootDir = await fs.mkdtemp(path.join(os.tmpdir(), "timonel-e2e-ctr-"));
  const dataDir = path.join(rootDir, "data");
  const home = path.join(rootDir, "home");
  const work = path.join(rootDir, "work");
  await Promise.all([fs.mkdir(dataDir), fs.mkdir(home), fs.mkdir(work)]);
  await stageImages(dataDir, o.images);
  const podNetwork = privatePodNetwork("tme", clusters++);
  const start = (): Promise<Cluster> => startCluster({
    dataDir, port: 0, host: "127.0.0.1", storage: "sqlite",
    nodeAgent: { runtime: "runc", nodeName: o.nodeName, podCIDR: o.podCidr, podNetwork, log: () => undefined },
  });
  let cluster = await start().catch(async (e: unknown) => {
    await cleanupAgentHost(dataDir, o.podCidr, podNetwork);
    await fs.rm(rootDir, { recursive: true, force: true });
    throw e;
  });
  let gen = 0;

  const kubectl = (args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> => new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { HOME: home, KUBECONFIG: cluster.kubeconfigPath, KUBECACHEDIR: path.join(rootDir, `cache-${gen}`) };
    for (const k of ["PATH", "LANG", "LC_ALL", "TZ"]) if (process.env[k] !== undefined) env[k] = process.env[k];
    const child = spawn(KUBECTL, args, { env: { ...env, ...opts.env }, cwd: work, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    const timeoutMs = opts.timeoutMs ?? 60_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // gone
      }
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const res = { code: code ?? 128, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
      const cmd = `kubectl ${args.join(" ")}`;
      if (timedOut) reject(new Error(`${cmd}: timed out after ${timeoutMs} ms\n${res.stdout}\n${res.stderr}`));
      else if (opts.expectFail === true && res.code === 0) reject(new Error(`${cmd}: expected a failure\n${res.stdout}`));
      else if (opts.expectFail !== true && res.code !== 0) reject(new Error(`${cmd}: exit ${res.code}\n${res.stdout}\n${res.stderr}`));
      else resolve(res);
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.stdin ?? "");
  });

  let destroyed: Promise<{ containers: number; sandboxes: number }> | undefined;
  return {
    dataDir,
    nodeName: o.nodeName,
    podCidr: o.podCidr,
    podNetwork,
    get cluster() {
      return cluster;
    },
    kubectl,
    async restart() {
      await cluster.stop();
      gen++;
      cluster = await start();
    },
    destroy: () => (destroyed ??= (async () => {
      // Through the API first, as a user would: the agent tears each pod down. Workloads go
      // first, so that no controller replaces a deleted pod.
      await kubectl(["delete", "deployments,replicasets", "--all", "-A"], { timeoutMs: 30_000 }).catch(() => undefined);
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        await kubectl(["delete", "pods", "--all", "-A", "--grace-period=0", "--force", "--wait=false"], { timeoutMs: 30_000 }).catch(() => undefined);
        const pods = await kubectl(["get", "pods", "-A", "-o", "name"]).catch(() => ({ stdout: "?" }));
        if (pods.stdout.trim() === "" && sandboxCount(dataDir) === 0) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      await cluster.stop();
      const left = await cleanupAgentHost(dataDir, o.podCidr, podNetwork);
      if (!process.env.TIMONEL_E2E_KEEP) await fs.rm(rootDir, { recursive: true, force: true });
      return { containers: left.containers, sandboxes: left.sandboxes };
    })()),
  };
}
