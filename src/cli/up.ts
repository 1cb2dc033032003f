/** `timonel up`: a whole cluster in this process, ready in well under a second. */
import { helpText, intFlag, parseFlags, UsageError, type CommandSpec } from "./args.js";
import { defaultDataDir, startCluster } from "./cluster.js";
import { resolveRuntime, runtimeChoices, type NodeAgentClusterOptions, type RuntimeChoice } from "./node-agent.js";
import { parseNodeLabels, parseTaints, type SimulatedNodeOptions } from "../node/runtime/fake/index.js";
import { nodeNameFor } from "../node/agent/host.js";
import { defaultPodCIDR } from "../node/agent/node-status.js";
import { checkImageGCThresholds, defaultImageGCHighPercent, defaultImageGCLowPercent, parseLogMaxSize } from "../node/agent/housekeeping.js";
import { parseCidr, parseIPv4 } from "../machinery/cidr.js";

export const upCommand: CommandSpec = {
  name: "up",
  summary: "Start a single-process Kubernetes-compatible cluster on this machine and write a kubeconfig for it.",
  usage: "timonel up [--data-dir DIR] [--port N] [--write-kubeconfig PATH] [--storage sqlite|memory] [--token-file FILE] [--runtime runc|process|fake] [--node-name NAME] [--no-agent] [--simulated-nodes N ...]",
  flags: {
    "data-dir": { type: "string", value: "DIR", description: "Where the cluster keeps its state, certificates and kubeconfig; a second start on the same directory resumes the same cluster.", default: "~/.timonel, or /var/lib/timonel as root" },
    port: { type: "string", value: "N", description: "HTTPS port of the API server (0 picks a free port).", default: "6443" },
    "write-kubeconfig": { type: "string", value: "PATH", description: "Also merge the admin credentials into this kubeconfig file (existing entries are kept)." },
    storage: { type: "string", value: "NAME", description: "Storage backend: sqlite (durable) or memory (lost on exit).", default: "sqlite" },
    "token-file": { type: "string", value: "FILE", description: "Static bearer tokens, one per line: token,user,uid,\"group1,group2\"." },
    "service-cidr": { type: "string", value: "CIDR", description: "Range that Service ClusterIPs come from.", default: "10.96.0.0/12" },
    runtime: { type: "string", value: "NAME", description: "How this machine's node agent runs pods: runc (containers; root with runc and conmon), process (host processes, no isolation) or fake (one simulated node, no containers).", default: "runc when root with runc and conmon, else process" },
    "node-name": { type: "string", value: "NAME", description: "Name of this machine's Node.", default: "the hostname, lowercased" },
    "node-ip": { type: "string", value: "IP", description: "The Node's InternalIP.", default: "the first non-loopback IPv4 address" },
    "pod-cidr": { type: "string", value: "CIDR", description: "Pod address range of this node (an existing Node keeps its own).", default: defaultPodCIDR },
    "container-log-max-size": { type: "string", value: "QTY", description: "A container's log file is rotated once it reaches this size (kubelet's containerLogMaxSize).", default: "10Mi" },
    "container-log-max-files": { type: "string", value: "N", description: "Log files kept per container, the current one included; older rotated files are gzipped (kubelet's containerLogMaxFiles, at least 2).", default: "5" },
    "image-gc-high-threshold": { type: "string", value: "PERCENT", description: "Disk usage of the image store's filesystem at which unused images are deleted, least recently used first (100 turns image GC off).", default: "85" },
    "image-gc-low-threshold": { type: "string", value: "PERCENT", description: "Disk usage image GC frees down to; below --image-gc-high-threshold.", default: "80" },
    "no-agent": { type: "boolean", description: "Run no node agent: the API server and controllers only (pods stay Pending unless --simulated-nodes)." },
    "simulated-nodes": { type: "string", value: "N", description: "Register N simulated nodes (as kwok does): pods bound to them go Running without containers.", default: "0" },
    "simulated-node-cpu": { type: "string", value: "QTY", description: "CPU capacity of each simulated node.", default: "32" },
    "simulated-node-memory": { type: "string", value: "QTY", description: "Memory capacity of each simulated node.", default: "256Gi" },
    "simulated-node-pods": { type: "string", value: "N", description: "Pod capacity of each simulated node.", default: "110" },
    "simulated-node-labels": { type: "string", value: "K=V,...", description: "Extra labels on each simulated node." },
    "simulated-node-taints": { type: "string", value: "K=V:EFFECT,...", description: "Taints each simulated node registers with." },
    "simulated-pod-start-delay": { type: "string", value: "MS", description: "Delay before a pod on a simulated node reports Running.", default: "random 0-100" },
    "simulated-pod-complete-after": { type: "string", value: "MS", description: "Pods with restartPolicy Never/OnFailure on simulated nodes succeed this long after starting.", default: "never" },
  },
};

function simulatedNodeOptions(values: Record<string, string | boolean | undefined>): SimulatedNodeOptions | undefined {
  const count = intFlag("simulated-nodes", values["simulated-nodes"], 0, 100_000) ?? 0;
  if (count === 0) return undefined;
  const opts: SimulatedNodeOptions = { count };
  if (values["simulated-node-cpu"]) opts.cpu = values["simulated-node-cpu"] as string;
  if (values["simulated-node-memory"]) opts.memory = values["simulated-node-memory"] as string;
  opts.pods = intFlag("simulated-node-pods", values["simulated-node-pods"], 1, 100_000);
  if (values["simulated-node-labels"]) opts.labels = parseNodeLabels(values["simulated-node-labels"] as string);
  if (values["simulated-node-taints"]) opts.taints = parseTaints(values["simulated-node-taints"] as string);
  opts.podStartDelayMs = intFlag("simulated-pod-start-delay", values["simulated-pod-start-delay"], 0, 3_600_000);
  opts.podCompleteAfterMs = intFlag("simulated-pod-complete-after", values["simulated-pod-complete-after"], 0, 86_400_000);
  return opts;
}

/** The node agent's options from the flags (undefined with --no-agent), checked before anything starts. */
function nodeAgentOptions(values: Record<string, string | boolean | undefined>): NodeAgentClusterOptions | undefined {
  const agentFlags = ["runtime", "node-name", "node-ip", "pod-cidr", ...housekeepingFlags].filter((f) => values[f] !== undefined);
  if (values["no-agent"]) {
    if (agentFlags.length) throw new UsageError(`--no-agent runs no node agent; drop --${agentFlags.join(", --")}`);
    return undefined;
  }
  const runtime = values.runtime as string | undefined;
  if (runtime !== undefined && !runtimeChoices.includes(runtime as RuntimeChoice)) {
    throw new UsageError(`--runtime must be one of ${runtimeChoices.join(", ")}, got "${runtime}"`);
  }
  const opts: NodeAgentClusterOptions = { runtime: (runtime as RuntimeChoice | undefined) ?? "auto" };
  const name = values["node-name"] as string | undefined;
  if (name !== undefined) {
    try {
      opts.nodeName = nodeNameFor(name);
    } catch (err) {
      throw new UsageError(`--node-name: ${(err as Error).message}`);
    }
  }
  const ip = values["node-ip"] as string | undefined;
  if (ip !== undefined) {
    try {
      parseIPv4(ip);
    } catch {
      throw new UsageError(`--node-ip must be an IPv4 address, got "${ip}"`);
    }
    opts.nodeIP = ip;
  }
  const cidr = values["pod-cidr"] as string | undefined;
  if (cidr !== undefined) {
    try {
      parseCidr(cidr);
    } catch {
      throw new UsageError(`--pod-cidr must be an IPv4 CIDR such as ${defaultPodCIDR}, got "${cidr}"`);
    }
    opts.podCIDR = cidr;
  }
  const housekeeping = housekeepingOptions(values);
  if (Object.keys(housekeeping).length) opts.housekeeping = housekeeping;
  opts.log = (line) => console.log(`node agent: ${line}`);
  return opts;
}

const housekeepingFlags = ["container-log-max-size", "container-log-max-files", "image-gc-high-threshold", "image-gc-low-threshold"];

/** Log rotation and image GC flags, checked as kubelet checks them. */
function housekeepingOptions(values: Record<string, string | boolean | undefined>): NonNullable<NodeAgentClusterOptions["housekeeping"]> {
  const out: NonNullable<NodeAgentClusterOptions["housekeeping"]> = {};
  const size = values["container-log-max-size"] as string | undefined;
  if (size !== undefined) {
    try {
      out.containerLogMaxSize = parseLogMaxSize(size);
    } catch {
      throw new UsageError(`--container-log-max-size must be a positive quantity of bytes such as 10Mi, got "${size}"`);
    }
  }
  const files = intFlag("container-log-max-files", values["container-log-max-files"], 2, 1000);
  if (files !== undefined) out.containerLogMaxFiles = files;
  const high = intFlag("image-gc-high-threshold", values["image-gc-high-threshold"], 0, 100);
  const low = intFlag("image-gc-low-threshold", values["image-gc-low-threshold"], 0, 100);
  if (high !== undefined) out.imageGCHighThresholdPercent = high;
  if (low !== undefined) out.imageGCLowThresholdPercent = low;
  try {
    checkImageGCThresholds(high ?? defaultImageGCHighPercent, low ?? defaultImageGCLowPercent);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return out;
}

export async function runUp(argv: string[]): Promise<number> {
  const { values } = parseFlags(upCommand, argv);
  if (values.help) {
    console.log(helpText(upCommand));
    return 0;
  }
  const nodeAgent = nodeAgentOptions(values);
  const simulatedNodes = simulatedNodeOptions(values);
  if (nodeAgent) {
    const chosen = resolveRuntime(nodeAgent.runtime);
    nodeAgent.runtime = chosen.name;
    const name = nodeAgent.nodeName ?? nodeNameFor(undefined);
    const shown = chosen.name === "fake" ? `${name} (simulated)` : name;
    console.log(`Node agent: runtime ${chosen.name} (${chosen.reason}), node ${shown}`);
  } else {
    console.log("No node agent (--no-agent): pods run only on simulated nodes, if any.");
  }
  const started = performance.now();
  const cluster = await startCluster({
    dataDir: (values["data-dir"] as string | undefined) ?? defaultDataDir(),
    port: intFlag("port", values.port, 0, 65535) ?? 6443,
    writeKubeconfig: values["write-kubeconfig"] as string | undefined,
    storage: values.storage as string | undefined,
    tokenFile: values["token-file"] as string | undefined,
    serviceCidr: values["service-cidr"] as string | undefined,
    simulatedNodes,
    nodeAgent,
  });
  const ms = Math.round(performance.now() - started);
  const kc = (values["write-kubeconfig"] as string | undefined) ?? cluster.kubeconfigPath;
  console.log(`Timonel is ready at ${cluster.url} in ${ms} ms. Kubeconfig: ${kc} — run: export KUBECONFIG=${kc}; kubectl get namespaces`);
  await new Promise<void>((resolve) => {
    const stop = (sig: string): void => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      console.error(`timonel: ${sig} received, stopping`);
      cluster.stop().then(resolve, resolve);
    };
    const onInt = (): void => stop("SIGINT");
    const onTerm = (): void => stop("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
  });
  return 0;
}
