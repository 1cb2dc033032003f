/**
 * Assembles a cluster in this process: storage, the API server and its HTTPS front end, the
 * PKI and the kubeconfig. `timonel up` and the `startCluster` library entry both use it;
 * later components (controllers, scheduler, node agent...) join here.
 */
import os from "node:os";
import path from "node:path";
import { promises as fs } from "node:fs";
import { builtinResources } from "../api/index.js";
import { ResourceRegistry } from "../machinery/registry.js";
import type { KubeObject } from "../machinery/object.js";
import { openBackend } from "../storage/index.js";
import type { Backend } from "../storage/backend.js";
import { startCompactor } from "../storage/compactor.js";
import { ApiServer } from "../apiserver/apiserver.js";
import { ResourceStore } from "../apiserver/store.js";
import { WatchHub } from "../apiserver/watch/hub.js";
import { startHttpsServer, type RunningHttpsServer } from "../apiserver/http.js";
import { namespaceLifecycle } from "../apiserver/admission/namespace-lifecycle.js";
import { serviceIPs } from "../apiserver/admission/service-ips.js";
import { x509Authenticator, tokenFileAuthenticator, unionAuthenticator, type Authenticator } from "../apiserver/auth/index.js";
import { defaultSeams } from "../apiserver/seams.js";
import { bootstrap } from "../apiserver/bootstrap.js";
import { ensurePki } from "./pki.js";
import { buildKubeconfig, mergeKubeconfig, writeKubeconfig } from "./kubeconfig.js";
import type { ApiRequest, ApiResponse } from "../apiserver/types.js";
import { ApiClient } from "../client/client.js";
import { inProcessTransport } from "../client/inprocess.js";
import type { SimulatedNodeOptions } from "../node/runtime/fake/simulator.js";
import type { NodeAgentClusterOptions } from "./node-agent.js";
import { serviceAccountAdmission } from "../apiserver/admission/service-account.js";
import { priorityAdmission } from "../apiserver/admission/priority.js";

export interface ClusterOptions {
  /** Where state, certificates and the kubeconfig live. */
  dataDir?: string;
  /** HTTPS port; 0 picks a free one. Default 6443. */
  port?: number;
  /** Address to listen on. Default 0.0.0.0, so that nodes on other machines can join (TLS and authentication guard it). */
  host?: string;
  /** Also merge the admin kubeconfig into this file. */
  writeKubeconfig?: string;
  /** Storage backend name: sqlite (default) or memory. */
  storage?: string;
  /** A static token file (upstream's CSV format) for bearer-token authentication. */
  tokenFile?: string;
  /** Service ClusterIP range. */
  serviceCidr?: string;
  /** Compaction window in ms (default 5 minutes). */
  compactionWindowMs?: number;
  /**
   * Run the built-in components (scheduler, controllers). Default true; tests of a single
   * component turn them off and start the one under test themselves.
   */
  components?: boolean;
  /** Register this many simulated (kwok-like) nodes, with these options. */
  simulatedNodes?: SimulatedNodeOptions;
  /**
   * Run a node agent for this machine (`timonel up` does; absent = no agent, API only).
   * With both, simulated nodes take pod ranges clear of the agent's pod CIDR.
   */
  nodeAgent?: NodeAgentClusterOptions;
}

export interface Cluster {
  url: string;
  port: number;
  dataDir: string;
  kubeconfigPath: string;
  backend: Backend;
  api: ApiServer;
  /** The in-process transport: the same handler chain, no TCP (callers act as system:masters). */
  handle(req: ApiRequest): Promise<ApiResponse>;
  /** A client over the in-process transport, as the built-in components use. */
  client: ApiClient;
  stop(): Promise<void>;
}

export function defaultDataDir(): string {
  return process.getuid?.() === 0 ? "/var/lib/timonel" : path.join(os.homedir(), ".timonel");
}

export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const dataDir = path.resolve(opts.dataDir ?? defaultDataDir());
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const [pki, backend] = await Promise.all([
    ensurePki(dataDir),
    openBackend(opts.storage ?? "sqlite", { dataDir }),
  ]);
  const cleanups: (() => Promise<void> | void)[] = [() => backend.close()];
  const serviceCidr = opts.serviceCidr ?? "10.96.0.0/12";
  try {
    const registry = new ResourceRegistry(builtinResources);
    const nsDef = registry.lookup("", "v1", "namespaces")!;
    const seams = defaultSeams(registry);
    const saDef = registry.lookup("", "v1", "serviceaccounts")!;
    const store = new ResourceStore(backend, seams.fieldManager, [
      namespaceLifecycle(() => nsDef, () => hub),
      // Pods default to the `default` ServiceAccount, which the serviceaccount controller
      // creates: without the controllers (components: false) the plugin would only refuse pods.
      ...(opts.components !== false ? [serviceAccountAdmission(() => saDef)] : []),
      priorityAdmission(() => registry.lookup("scheduling.k8s.io", "v1", "priorityclasses")!, () => hub),
      serviceIPs({ cidr: serviceCidr }),
    ]);
    const hub: WatchHub = new WatchHub(backend);
    await hub.start();
    cleanups.push(() => hub.close());
    let ready = false;
    const nodeClient = { caPem: pki.caPem, certPem: pki.kubeletClientCertPem, keyPem: pki.kubeletClientKeyPem };
    const api = new ApiServer({ ...seams, registry, store, hub, nodeClient, readyChecks: { storage: () => ready } });
    seams.install(api);
    const compactor = startCompactor(backend, { windowMs: opts.compactionWindowMs ?? 5 * 60_000 });
    cleanups.push(() => compactor.stop());

    const authenticators: Authenticator[] = [x509Authenticator(pki.caPem)];
    if (opts.tokenFile) authenticators.push(await tokenFileAuthenticator(opts.tokenFile));
    const https: RunningHttpsServer = await startHttpsServer({
      api,
      authenticator: unionAuthenticator(...authenticators),
      key: pki.servingKeyPem,
      cert: pki.servingCertPem,
      ca: pki.caPem,
      host: opts.host ?? "0.0.0.0",
      port: opts.port ?? 6443,
    });
    cleanups.unshift(() => https.close());
    await bootstrap(store, registry, { serviceCidr, advertiseAddress: hostAddress(), port: https.port });
    const url = `https://127.0.0.1:${https.port}`;
    const kubeconfig = buildKubeconfig({ server: url, caPem: pki.caPem, clientCertPem: pki.adminCertPem, clientKeyPem: pki.adminKeyPem });
    const kubeconfigPath = path.join(dataDir, "kubeconfig");
    await writeKubeconfig(kubeconfigPath, kubeconfig);
    if (opts.writeKubeconfig) await mergeKubeconfig(path.resolve(opts.writeKubeconfig), kubeconfig);
    ready = true;
    const admin = { username: "system:apiserver", groups: ["system:masters", "system:authenticated"] };
    const handle = (req: ApiRequest): Promise<ApiResponse> => api.handle({ ...req, user: req.user ?? admin });
    // The built-in components cache whole kinds (every pod); managedFields are half of a pod.
    const client = new ApiClient(inProcessTransport(handle), { stripManagedFields: true });
    // Components stop before the server they talk to (cleanups run front to back). Their
    // code loads now, while the server already answers.
    const wanted = opts.components !== false || (opts.simulatedNodes?.count ?? 0) > 0 || opts.nodeAgent !== undefined;
    if (wanted) {
      const { startComponents } = await import("./components.js");
      const tls = { caPem: pki.caPem, certPem: pki.nodeServingCertPem, keyPem: pki.nodeServingKeyPem };
      await startComponents(client, {
        controlPlane: opts.components !== false,
        simulatedNodes: opts.simulatedNodes,
        nodeAgent: opts.nodeAgent,
        agentContext: { dataDir, serviceCidr, tls },
      }, cleanups);
    }
    let stopped: Promise<void> | undefined;
    return {
      url,
      port: https.port,
      dataDir,
      kubeconfigPath,
      backend,
      api,
      handle,
      client,
      stop: () => (stopped ??= runCleanups(cleanups)),
    };
  } catch (err) {
    await runCleanups(cleanups);
    throw err;
  }
}

/** The host's first non-loopback IPv4 address: what the `kubernetes` Endpoints advertise. */
function hostAddress(): string | undefined {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return undefined;
}

async function runCleanups(cleanups: (() => Promise<void> | void)[]): Promise<void> {
  for (const c of cleanups) {
    try {
      await c();
    } catch {
      // Keep stopping the rest.
    }
  }
}

export type { KubeObject };
