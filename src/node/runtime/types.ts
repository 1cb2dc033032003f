/**
 * The node agent's runtime interface: pod sandboxes and their containers, shaped after CRI
 * but smaller. Implementations: `runc/` (real containers, root), `process/` (host processes,
 * the unprivileged fallback). Simulated nodes (`fake/`) drive pod status directly and do not
 * use this interface. One shared case suite (`runtime.case.ts`) runs against each of them.
 *
 * This module holds only types and the runtime's not-found error; it imports nothing.
 */

export interface HostAlias {
  ip: string;
  hostnames: string[];
}

export interface DnsConfig {
  nameservers?: string[];
  searches?: string[];
  options?: Array<{ name: string; value?: string }>;
}

export interface SandboxSpec {
  podUid: string;
  name: string;
  namespace: string;
  /** The pod's hostname (its name, or spec.hostname). */
  hostname: string;
  hostNetwork?: boolean;
  /** resolv.conf for the pod; the host's is copied when absent. */
  dnsConfig?: DnsConfig;
  /** Extra /etc/hosts entries (hostAliases). */
  hosts?: HostAlias[];
  /** The pod-level cgroup (v1: relative to each controller's mount). Default `/timonel/pod<uid>`. */
  cgroupParent?: string;
}

export interface Sandbox {
  id: string;
  podUid: string;
  name: string;
  namespace: string;
  hostname: string;
  hostNetwork: boolean;
  /** The pod IP (absent for hostNetwork pods: the agent reports the node's address). */
  ip?: string;
  /** The pod's network namespace (`/var/run/netns/<name>`), when it has one. */
  netnsPath?: string;
  cgroupParent: string;
  createdAt: string;
}

export interface Mount {
  source: string;
  destination: string;
  readOnly?: boolean;
}

export interface ResourceLimits {
  /** cgroup cpu.shares (requests.cpu in millicores × 1024 / 1000, min 2). */
  cpuShares?: number;
  cpuQuotaUs?: number;
  cpuPeriodUs?: number;
  memoryLimitBytes?: number;
  pidsLimit?: number;
}

/** securityContext.seccompProfile as the runtime takes it. */
export type SeccompProfile =
  | { type: "RuntimeDefault" }
  | { type: "Unconfined" }
  /** A JSON profile at `<seccompProfileRoot>/<localhostProfile>` (a relative path below that root). */
  | { type: "Localhost"; localhostProfile: string };

export interface ContainerSpec {
  name: string;
  /** The container's root filesystem (a directory; an overlay mount for images). */
  rootfs: string;
  /** The full argv (entrypoint + args already merged). */
  command: string[];
  env: Record<string, string>;
  workingDir?: string;
  user?: { uid: number; gid: number };
  /** Supplementary group ids of the container's process (the pod's supplementalGroups, then fsGroup). */
  supplementalGroups?: number[];
  privileged?: boolean;
  /** Absent: RuntimeDefault (Timonel's default), except for privileged containers, which run unconfined. */
  seccompProfile?: SeccompProfile;
  /** Capability names with or without the `CAP_` prefix; "ALL" is allowed, as in Kubernetes. */
  capabilities?: { add?: string[]; drop?: string[] };
  readOnlyRootfs?: boolean;
  resources?: ResourceLimits;
  mounts?: Mount[];
  /** The CRI-format log file (`<rfc3339nano> stdout|stderr F|P <line>`). */
  logPath: string;
}

export type ContainerState = "created" | "running" | "exited" | "unknown";

export interface ContainerStatus {
  state: ContainerState;
  pid?: number;
  exitCode?: number;
  createdAt?: string;
  startedAt?: string;
  finishedAt?: string;
  /** "OOMKilled", "Completed" or "Error" once exited, as kubelet reports them. */
  reason?: string;
  message?: string;
}

export interface ContainerInfo {
  id: string;
  sandboxId: string;
  name: string;
  logPath: string;
  status: ContainerStatus;
}

export interface ExecOptions {
  stdin?: string | Uint8Array;
  tty?: boolean;
  /** Kills the exec'd process after this long. Default 60 s. */
  timeoutMs?: number;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A running exec with live streams (for `kubectl exec -i`), when the runtime offers it. */
export interface ExecSession {
  stdin: NodeJS.WritableStream;
  stdout: NodeJS.ReadableStream;
  stderr: NodeJS.ReadableStream;
  /** Resolves with the exit code. */
  exited: Promise<number>;
  kill(signal?: NodeJS.Signals): void;
}

export interface ContainerStats {
  timestamp: string;
  /** Cumulative CPU time in nanoseconds. */
  cpuUsageNs?: number;
  memoryUsageBytes?: number;
  /** Working set as kubelet computes it (usage minus inactive file cache), when known. */
  memoryWorkingSetBytes?: number;
  pids?: number;
}

export interface ContainerRuntime {
  /** "runc" or "process". */
  readonly name: string;
  version(): Promise<string>;
  /** What this runtime cannot isolate or enforce (empty when it isolates everything it is asked to). */
  limitations(): string[];

  createSandbox(spec: SandboxSpec): Promise<Sandbox>;
  /** Stops and removes the sandbox's remaining containers, then its network and namespaces. Idempotent. */
  removeSandbox(id: string): Promise<void>;
  listSandboxes(): Promise<Sandbox[]>;

  createContainer(sandboxId: string, spec: ContainerSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, then SIGKILL once `graceSeconds` have passed; resolves when the container has exited. */
  stopContainer(id: string, graceSeconds: number): Promise<void>;
  /** Removes an exited (or, forcibly, any) container and what the runtime kept for it. Idempotent. */
  removeContainer(id: string): Promise<void>;
  /** Throws RuntimeNotFoundError for an id the runtime does not know. */
  containerStatus(id: string): Promise<ContainerStatus>;
  /** Every container the runtime knows, from its state on disk (adoption after an agent restart). */
  listContainers(): Promise<ContainerInfo[]>;
  /**
   * CRI's ReopenContainerLog: the writer closes the container's log file and starts a new one
   * at its log path (log rotation has renamed the old one). Absent: rotation copies and truncates.
   */
  reopenContainerLog?(id: string): Promise<void>;

  exec(id: string, cmd: string[], opts?: ExecOptions): Promise<ExecResult>;
  execStream(id: string, cmd: string[], opts?: { tty?: boolean }): ExecSession;
  stats(id: string): Promise<ContainerStats>;
}

/** What a runtime needs from the pod network (`src/network/`'s PodBridge and LoopbackNetwork fit it). */
export interface PodNetwork {
  setUp(sandboxId: string): Promise<{ ip: string; netnsPath?: string }>;
  tearDown(sandboxId: string): Promise<void>;
}

export interface RuntimeOptions {
  /** Where the runtime keeps its state (bundles, sandboxes, exit files). Survives agent restarts. */
  stateDir: string;
  /** The pod network; runc pods without hostNetwork need one with netns paths (a PodBridge). */
  network: PodNetwork;
  /** Where Localhost seccomp profiles are read (kubelet's --seccomp-profile-root). Default `<stateDir>/seccomp`. */
  seccompProfileRoot?: string;
}

export class RuntimeNotFoundError extends Error {
  constructor(readonly kind: "container" | "sandbox", readonly id: string) {
    super(`${kind} ${JSON.stringify(id)} not found`);
    this.name = "RuntimeNotFoundError";
  }
}
