/**
 * `startNodeAgent`: this machine as a Node. It registers the Node and keeps its Lease and
 * status fresh (heartbeat.ts), opens the image store shared with `timonel image`, imports the
 * archives dropped into the images folders, builds the container runtime and its pod network,
 * and hands all of that to the pod manager, which it receives as a function so that this
 * module does not depend on how pods are driven.
 *
 * The order matters: the Node registers first, because an existing Node's pod CIDR is
 * immutable and decides the pod network; the pod manager starts last, with everything ready.
 */
import { mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { ApiClient } from "../../client/client.js";
import { newEventRecorder } from "../../client/events/index.js";
import { throttledStderr } from "../../client/workqueue/index.js";
import { formatCidr, parseCidr, parseIPv4 } from "../../machinery/cidr.js";
import type { KubeObject } from "../../machinery/object.js";
import { ImageStore, importDir, type PullOptions } from "../../image/index.js";
import { LoopbackNetwork } from "../../network/loopback.js";
import { PodBridge, type PodBridgeOptions } from "../../network/bridge.js";
import { runtimeFactories, type RuntimeName } from "../runtime/index.js";
import type { ContainerRuntime, PodNetwork } from "../runtime/types.js";
import type { LogLocator, NodeEventRecorder, PodManager, StartPodManager } from "../types.js";
import { NodeHeartbeat } from "./heartbeat.js";
import {
  checkImageGCThresholds, checkLogPolicy, defaultContainerLogMaxFiles, defaultContainerLogMaxSize, defaultImageGCHighPercent, defaultImageGCLowPercent, parseLogMaxSize,
} from "./housekeeping.js";
import { ImageGarbageCollector, podImages } from "./image-gc.js";
import { ContainerLogRotator } from "./log-rotation.js";
import { nodeNameFor, readDiskFacts, readHostFacts, readMemoryFacts } from "./host.js";
import {
  checkReserved, defaultEvictionHard, defaultPodCIDR, defaultSystemReserved, type EvictionHard, type Reserved, type RuntimeReport, type StatusInput,
} from "./node-status.js";

export interface NodeAgentOptions {
  client: ApiClient;
  /** The agent's state: `images/` (shared with `timonel image`), `node/` (runtime, network, pods). */
  dataDir: string;
  runtime: RuntimeName;
  startPodManager: StartPodManager;
  /** Default: the hostname, lowercased. */
  nodeName?: string;
  /** The node's InternalIP. Default: the first non-loopback IPv4 address, else 127.0.0.1. */
  nodeIP?: string;
  /** Default 10.244.0.0/24; an existing Node's own pod CIDR wins (it is immutable). */
  podCIDR?: string;
  /** Routed to the pod bridge (runc) so that Service traffic never leaves the machine. Default 10.96.0.0/12. */
  serviceCIDR?: string;
  /**
   * Names of the runc pod network's host objects (default bridge `timonel0`, nft table
   * `timonel`, netns prefix `timonel-`), so that tests and benchmarks never share them with a
   * running `timonel up`.
   */
  podNetwork?: PodNetworkNames;
  /** Extra labels (e.g. node-role.kubernetes.io/control-plane). */
  labels?: Record<string, string>;
  /** Default 110. */
  maxPods?: number;
  /** Subtracted from capacity for allocatable. Default cpu 100m, memory 128Mi, ephemeral-storage 1Gi. */
  systemReserved?: Reserved;
  evictionHard?: Partial<EvictionHard>;
  /** The node server's port, reported as the kubelet endpoint; 0 when none runs. `startServer` overrides it. */
  serverPort?: number;
  /**
   * Starts the node's HTTPS endpoint (src/node/server) once the pod manager runs; its port is
   * then reported as the kubelet endpoint, and it is closed on stop.
   */
  startServer?: (logs: LogLocator) => Promise<RunningServer>;
  /** Default: an event recorder of its own ("kubelet", host = the node name). */
  recorder?: NodeEventRecorder;
  pullOptions?: PullOptions;
  /** Scanned at start-up for image archives. Default `<dataDir>/agent/images` (as k3s) and `<dataDir>/images/import`. */
  imageImportDirs?: string[];
  leaseDurationSeconds?: number;
  leaseRenewIntervalMs?: number;
  statusUpdateIntervalMs?: number;
  statusReportIntervalMs?: number;
  /** Retry backoff after failures (first delay, cap). */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** Container logs are rotated at this size (kubelet's containerLogMaxSize): a quantity or bytes. Default 10Mi. */
  containerLogMaxSize?: string | number;
  /** Log files kept per container, the current one included (kubelet's containerLogMaxFiles, >= 2). Default 5. */
  containerLogMaxFiles?: number;
  /** How often running containers' logs are measured. Default 10 s. */
  logRotationIntervalMs?: number;
  /** Image GC starts when the image disk is this full, in percent (kubelet's default 85; 100 turns it off). */
  imageGCHighThresholdPercent?: number;
  /** Image GC frees down to this, in percent (kubelet's default 80). */
  imageGCLowThresholdPercent?: number;
  /** The full image GC round. Default 5 min (the disk is also checked every 10 s). */
  imageGCIntervalMs?: number;
  /** How image GC measures the disk (tests). Default: statfs of the image store. */
  imageGCDiskUsage?: () => Promise<{ capacity: number; available: number }>;
  /** Start-up lines (runtime limitations, imports). Default: stderr. */
  log?: (line: string) => void;
  /** Errors the agent recovers from by retrying. Default: a throttled line on stderr. */
  onError?: (err: unknown, what: string) => void;
}

export type PodNetworkNames = Pick<PodBridgeOptions, "bridgeName" | "nftTable" | "netnsPrefix">;

/** Container log rotation and image GC: the agent's housekeeping knobs (kubelet's names). */
export type NodeHousekeepingOptions = Pick<NodeAgentOptions,
  "containerLogMaxSize" | "containerLogMaxFiles" | "logRotationIntervalMs" | "imageGCHighThresholdPercent" | "imageGCLowThresholdPercent" | "imageGCIntervalMs">;

export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

export interface NodeAgent {
  readonly nodeName: string;
  readonly nodeIP: string;
  /** The pod CIDR in use (an existing Node's, or the one asked for). */
  readonly podCIDR: string;
  readonly runtime: ContainerRuntime;
  readonly images: ImageStore;
  readonly podManager: PodManager;
  /** What the runtime cannot isolate (also in the Ready condition's message for the process runtime). */
  readonly limitations: string[];
  /** The node server's port (0 when none runs). */
  readonly serverPort: number;
  /** Recompute and compare the Node's status now (e.g. after images changed). */
  syncStatus(): void;
  /** Heartbeat counters: lease renewals, status writes, registrations, failures. */
  readonly stats: Readonly<{ leaseRenewals: number; statusWrites: number; registrations: number; failures: number }>;
  /** Stops heartbeats and the pod manager. Containers keep running: a restarted agent adopts them. */
  stop(): Promise<void>;
}

export async function startNodeAgent(opts: NodeAgentOptions): Promise<NodeAgent> {
  const host = readHostFacts();
  const nodeName = nodeNameFor(opts.nodeName, host.hostname);
  const nodeIP = opts.nodeIP ?? defaultNodeIP();
  parseIPv4(nodeIP);
  const requestedCIDR = formatCidr(parseCidr(opts.podCIDR ?? defaultPodCIDR));
  const systemReserved = opts.systemReserved ?? defaultSystemReserved;
  checkReserved(systemReserved);
  const maxPods = opts.maxPods ?? 110;
  if (!Number.isInteger(maxPods) || maxPods < 1) throw new Error(`maxPods must be a whole number >= 1, got ${maxPods}`);
  const factory = runtimeFactories[opts.runtime];
  if (!factory) throw new Error(`unknown runtime ${JSON.stringify(opts.runtime)}; use ${Object.keys(runtimeFactories).join(" or ")}`);
  const logPolicy = {
    maxSize: opts.containerLogMaxSize === undefined ? defaultContainerLogMaxSize : parseLogMaxSize(opts.containerLogMaxSize),
    maxFiles: opts.containerLogMaxFiles ?? defaultContainerLogMaxFiles,
  };
  checkLogPolicy(logPolicy);
  const gcHigh = opts.imageGCHighThresholdPercent ?? defaultImageGCHighPercent;
  const gcLow = opts.imageGCLowThresholdPercent ?? defaultImageGCLowPercent;
  checkImageGCThresholds(gcHigh, gcLow);
  const log = opts.log ?? ((l: string) => process.stderr.write(`node agent: ${l}\n`));
  const onError = opts.onError ?? throttledStderr("node agent");
  const dataDir = path.resolve(opts.dataDir);
  const nodeDir = path.join(dataDir, "node");
  await mkdir(nodeDir, { recursive: true, mode: 0o700 });

  // Same root as `timonel image` (cli/image.ts), so imported images are the agent's images.
  const images = await ImageStore.open(path.join(dataDir, "images"));
  // The pod network depends on the pod CIDR, known only once the Node is registered.
  let network: (PodNetwork & { cleanupAll?(): Promise<void> }) | undefined;
  const lateNetwork: PodNetwork = {
    setUp: (id) => ready(network).setUp(id),
    tearDown: (id) => ready(network).tearDown(id),
  };
  const runtime = factory({
    stateDir: path.join(nodeDir, `runtime-${opts.runtime}`), network: lateNetwork, seccompProfileRoot: path.join(dataDir, "seccomp"),
  });
  const runtimeVersion = `${runtime.name}://${versionToken(await runtime.version())}`;
  const limitations = runtime.name === "process" ? runtime.limitations() : [];

  const evictionHard = { ...defaultEvictionHard, ...opts.evictionHard };
  let serverPort = opts.serverPort ?? 0;
  const collect = async (): Promise<StatusInput> => ({
    host,
    memory: readMemoryFacts(),
    disk: readDiskFacts(dataDir),
    runtime: await runtimeReport(runtime, runtimeVersion, limitations),
    images: (await images.listImages()).map((i) => ({ names: i.names, repoDigests: i.repoDigests, size: i.size })),
    maxPods,
    systemReserved,
    evictionHard,
    serverPort,
  });

  const ownRecorder = opts.recorder ? undefined : newEventRecorder(opts.client, "kubelet", { host: nodeName });
  const recorder: NodeEventRecorder = opts.recorder ?? ownRecorder!;
  const nodeRef = (): KubeObject => ({ apiVersion: "v1", kind: "Node", metadata: { name: nodeName, uid: nodeName } });
  const heartbeat = new NodeHeartbeat({
    client: opts.client,
    identity: { name: nodeName, nodeIP, podCIDR: requestedCIDR, labels: opts.labels ?? {} },
    collect,
    ...pick(opts, ["leaseDurationSeconds", "leaseRenewIntervalMs", "statusUpdateIntervalMs", "statusReportIntervalMs", "baseBackoffMs", "maxBackoffMs"]),
    onError,
    onConditions: (_node, changed) => {
      // kubelet's events as its conditions change ("Node vm status is now: NodeReady").
      for (const c of changed) {
        const reason = conditionEventReason(c.type, c.status);
        if (reason) recorder.event(nodeRef(), "Normal", reason, `Node ${nodeName} status is now: ${reason}`);
      }
    },
  });

  let podManager: PodManager | undefined;
  let server: RunningServer | undefined;
  const logRotator = new ContainerLogRotator(runtime, {
    ...logPolicy,
    ...(opts.logRotationIntervalMs !== undefined ? { intervalMs: opts.logRotationIntervalMs } : {}),
    onError,
  });
  const imageGC = new ImageGarbageCollector(images, {
    highPercent: gcHigh,
    lowPercent: gcLow,
    ...(opts.imageGCIntervalMs !== undefined ? { intervalMs: opts.imageGCIntervalMs } : {}),
    ...(opts.imageGCDiskUsage ? { diskUsage: opts.imageGCDiskUsage } : {}),
    // The images of every pod bound here, running or not, as kubelet keeps them.
    inUse: async () => (await opts.client.pods.listAll(undefined, { fieldSelector: `spec.nodeName=${nodeName}` })).items.flatMap(podImages),
    onCollected: (r, names) => {
      log(`image GC: disk at ${r.usagePercent}%, deleted ${names.length} image(s) (${names.join(", ")}), freed ${r.freedBytes} bytes`);
      heartbeat.syncSoon();
    },
    onFailed: (message) => {
      log(`image GC: ${message}`);
      recorder.event(nodeRef(), "Warning", "FreeDiskSpaceFailed", message);
    },
    onError,
  });
  const stopHousekeeping = (): Promise<unknown> => Promise.allSettled([logRotator.stop(), imageGC.stop()]);
  try {
    if (limitations.length) {
      log(`the ${runtime.name} runtime cannot isolate pods on this machine:`);
      for (const l of limitations) log(`  - ${l}`);
    }
    recorder.event(nodeRef(), "Normal", "Starting", "Starting timonel node agent.");
    await heartbeat.registerWithRetry();
    const podCIDR = heartbeat.identity.podCIDR;
    if (podCIDR !== requestedCIDR) log(`node ${nodeName} keeps its registered pod CIDR ${podCIDR} (asked for ${requestedCIDR})`);
    network = opts.runtime === "runc"
      ? new PodBridge({
        podCidr: podCIDR, stateDir: path.join(nodeDir, "network"), ...(opts.serviceCIDR ? { serviceCidr: opts.serviceCIDR } : {}), ...networkNames(opts.podNetwork),
      })
      : new LoopbackNetwork({ stateDir: path.join(nodeDir, "network") });

    const dirs = opts.imageImportDirs ?? [path.join(dataDir, "agent", "images"), path.join(dataDir, "images", "import")];
    for (const dir of dirs) {
      for (const r of await importDir(images, dir)) {
        if (r.status === "imported") log(`imported ${r.images?.length ?? 0} image(s) from ${r.file}`);
        else if (r.status === "failed") log(`cannot import ${r.file}: ${r.error ?? "unknown error"}`);
      }
    }

    podManager = await opts.startPodManager({
      client: opts.client,
      nodeName,
      nodeIP,
      runtime,
      images,
      ...(opts.pullOptions ? { pullOptions: opts.pullOptions } : {}),
      recorder,
      stateDir: path.join(nodeDir, "pods"),
    });
    if (opts.startServer) {
      server = await opts.startServer(podManager.logs);
      serverPort = server.port;
    }
    // The first round reports the imported images and the server's port at once.
    heartbeat.syncSoon();
    heartbeat.start();
    logRotator.start();
    imageGC.start();
  } catch (err) {
    await Promise.allSettled([heartbeat.stop(), server?.close(), podManager?.stop(), stopHousekeeping()]);
    ownRecorder?.close();
    throw err;
  }

  const pm = podManager;
  const srv = server;
  let stopping: Promise<void> | undefined;
  return {
    nodeName,
    nodeIP,
    podCIDR: heartbeat.identity.podCIDR,
    runtime,
    images,
    podManager: pm,
    limitations,
    serverPort,
    stats: heartbeat.stats,
    syncStatus: () => heartbeat.syncSoon(),
    stop: () => (stopping ??= (async () => {
      await Promise.allSettled([heartbeat.stop(), pm.stop(), srv?.close(), stopHousekeeping()]);
      if (ownRecorder) {
        // Let the last events land, but never wait long for a server that is away.
        await Promise.race([ownRecorder.flush(), new Promise((r) => setTimeout(r, 1000).unref())]);
        ownRecorder.close();
      }
    })()),
  };
}

/** Only the names given (an undefined one keeps PodBridge's default). */
function networkNames(n: PodNetworkNames | undefined): PodNetworkNames {
  const out: PodNetworkNames = {};
  if (n?.bridgeName) out.bridgeName = n.bridgeName;
  if (n?.nftTable) out.nftTable = n.nftTable;
  if (n?.netnsPrefix) out.netnsPrefix = n.netnsPrefix;
  return out;
}

function ready<T>(v: T | undefined): T {
  if (!v) throw new Error("the pod network is not ready: the node has not registered yet");
  return v;
}

/** `runc version 1.1.5+ds1` → `1.1.5+ds1`, `node v20.20.0` → `20.20.0`. */
export function versionToken(v: string): string {
  const t = v.trim().split(/\s+/).pop() ?? "";
  return t.replace(/^v(?=\d)/, "") || "unknown";
}

/** The runtime answers (its version, within 5 s) or the node is not Ready. */
async function runtimeReport(runtime: ContainerRuntime, version: string, limitations: string[]): Promise<RuntimeReport> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      runtime.version(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("no answer within 5 s")), 5000);
      }),
    ]);
    return { version, limitations };
  } catch (err) {
    return { version, limitations, down: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

const conditionEvents: Record<string, Record<string, string>> = {
  Ready: { True: "NodeReady", False: "NodeNotReady" },
  MemoryPressure: { True: "NodeHasInsufficientMemory", False: "NodeHasSufficientMemory" },
  DiskPressure: { True: "NodeHasDiskPressure", False: "NodeHasNoDiskPressure" },
  PIDPressure: { True: "NodeHasInsufficientPID", False: "NodeHasSufficientPID" },
};

function conditionEventReason(type: string, status: string): string | undefined {
  return conditionEvents[type]?.[status];
}

/** The first non-loopback IPv4 address of this machine, else loopback. */
export function defaultNodeIP(): string {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
