/**
 * Builds a container's OCI runtime spec (the bundle's config.json) from a ContainerSpec and
 * its pod sandbox, the way containerd's CRI plugin does for kubelet: a default capability set
 * (add/drop on top, "ALL" allowed; privileged = every capability the host allows), the usual
 * pseudo filesystems, the pod's /etc/hosts, resolv.conf, hostname and /dev/shm, masked and
 * read-only /proc paths, a new pid, mount and cgroup namespace per container, the pod's
 * shared ipc, uts and network namespaces (by path), cgroup limits, supplementary groups, and
 * the seccomp filter `seccomp.ts` chose. Pure: no I/O.
 */
import type { ContainerSpec } from "../types.js";
import { envList } from "../store.js";
import type { OciSeccomp } from "./seccomp.js";

/** Linux capability names by number (include/uapi/linux/capability.h). */
export const capabilityNames = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
  "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
  "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
  "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
] as const;

/** What a container gets unless it asks otherwise (containerd's and Docker's default set). */
export const defaultCapabilities = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID",
  "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
];

/** Capability names in a CapBnd/CapEff hex mask (as /proc/<pid>/status prints them). */
export function capabilitiesFromMask(hex: string): string[] {
  const mask = BigInt(`0x${hex.trim()}`);
  return capabilityNames.filter((_, i) => (mask >> BigInt(i)) & 1n);
}

export function capabilityMask(names: string[]): string {
  let m = 0n;
  for (const n of names) {
    const i = capabilityNames.indexOf(n as (typeof capabilityNames)[number]);
    if (i >= 0) m |= 1n << BigInt(i);
  }
  return m.toString(16).padStart(16, "0");
}

function normalizeCap(name: string): string {
  const up = name.toUpperCase();
  if (up === "ALL") return up;
  const full = up.startsWith("CAP_") ? up : `CAP_${up}`;
  if (!(capabilityNames as readonly string[]).includes(full)) throw new Error(`unknown capability ${JSON.stringify(name)}`);
  return full;
}

/**
 * The container's capability set. "ALL" in add or drop applies first, then the individual
 * adds, then the individual drops (so add ALL + drop CHOWN is everything but CHOWN).
 * Capabilities outside the host's bounding set are left out: runc could not grant them.
 */
export function resolveCapabilities(spec: Pick<ContainerSpec, "privileged" | "capabilities">, hostBounding: string[]): string[] {
  const allowed = new Set(hostBounding);
  if (spec.privileged) return capabilityNames.filter((c) => allowed.has(c));
  const add = (spec.capabilities?.add ?? []).map(normalizeCap);
  const drop = (spec.capabilities?.drop ?? []).map(normalizeCap);
  let caps = new Set<string>(defaultCapabilities);
  if (add.includes("ALL")) caps = new Set(capabilityNames);
  if (drop.includes("ALL")) caps = new Set();
  for (const c of add) if (c !== "ALL") caps.add(c);
  for (const c of drop) if (c !== "ALL") caps.delete(c);
  return capabilityNames.filter((c) => caps.has(c) && allowed.has(c));
}

export interface PodPaths {
  hosts: string;
  resolvConf: string;
  hostnameFile: string;
  /** The pod's /dev/shm (a tmpfs mounted in the sandbox directory). */
  shm: string;
  /** Namespace files to join; absent means a new one (or, for network/uts with hostNetwork, the host's). */
  ipcNs?: string;
  utsNs?: string;
  netNs?: string;
}

export interface OciInput {
  spec: ContainerSpec;
  hostname: string;
  hostNetwork: boolean;
  pod: PodPaths;
  cgroupsPath: string;
  hostBoundingCaps: string[];
  /** Whether the memory cgroup has swap accounting (memory.memsw.*); then swap is capped at the limit. */
  swapAccounting: boolean;
  /** The container's seccomp filter (seccomp.ts's resolveSeccomp); absent for none. */
  seccomp?: OciSeccomp;
}

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

export interface OciNamespace {
  type: string;
  path?: string;
}

export interface OciDeviceRule {
  allow: boolean;
  access: string;
  type?: string;
  major?: number;
  minor?: number;
}

export interface OciSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: { bounding: string[]; effective: string[]; permitted: string[]; inheritable: string[]; ambient: string[] };
    noNewPrivileges: boolean;
  };
  root: { path: string; readonly: boolean };
  hostname?: string;
  mounts: OciMount[];
  linux: {
    cgroupsPath: string;
    namespaces: OciNamespace[];
    resources: {
      devices: OciDeviceRule[];
      memory?: { limit?: number; swap?: number };
      cpu?: { shares?: number; quota?: number; period?: number };
      pids?: { limit: number };
    };
    maskedPaths?: string[];
    readonlyPaths?: string[];
    seccomp?: OciSeccomp;
  };
}

const maskedPaths = [
  "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
  "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
];
const readonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

export function buildOciSpec(input: OciInput): OciSpec {
  const { spec, pod } = input;
  if (spec.command.length === 0) throw new Error("container has no command");
  const privileged = spec.privileged === true;
  const caps = resolveCapabilities(spec, input.hostBoundingCaps);
  const ro = spec.readOnlyRootfs === true;
  const sysOpts = ["nosuid", "noexec", "nodev", privileged ? "rw" : "ro"];
  const bind = (source: string, destination: string, readOnly: boolean): OciMount => ({
    destination, type: "bind", source, options: ["rbind", "rprivate", readOnly ? "ro" : "rw"],
  });
  const mounts: OciMount[] = [
    { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/sys", type: "sysfs", source: "sysfs", options: sysOpts },
    { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: [...sysOpts.slice(0, 3), "relatime", privileged ? "rw" : "ro"] },
    { ...bind(pod.shm, "/dev/shm", false), options: ["rbind", "rprivate", "nosuid", "nodev", "noexec"] },
    bind(pod.hosts, "/etc/hosts", ro),
    bind(pod.resolvConf, "/etc/resolv.conf", ro),
    bind(pod.hostnameFile, "/etc/hostname", ro),
  ];
  const reserved = new Set(mounts.map((m) => m.destination));
  for (const m of spec.mounts ?? []) {
    if (!m.destination.startsWith("/")) throw new Error(`mount destination ${JSON.stringify(m.destination)} is not absolute`);
    if (reserved.has(m.destination)) continue; // the runtime's own files win, as in containerd
    mounts.push(bind(m.source, m.destination, m.readOnly === true));
  }

  const namespaces: OciNamespace[] = [{ type: "pid" }, { type: "mount" }, { type: "cgroup" }];
  namespaces.push(pod.ipcNs ? { type: "ipc", path: pod.ipcNs } : { type: "ipc" });
  if (pod.utsNs) namespaces.push({ type: "uts", path: pod.utsNs });
  else if (!input.hostNetwork) namespaces.push({ type: "uts" });
  if (pod.netNs) namespaces.push({ type: "network", path: pod.netNs });
  else if (!input.hostNetwork) namespaces.push({ type: "network" });

  const r = spec.resources ?? {};
  const resources: OciSpec["linux"]["resources"] = {
    devices: [{ allow: privileged, access: "rwm" }],
  };
  if (r.memoryLimitBytes !== undefined && r.memoryLimitBytes > 0) {
    resources.memory = { limit: r.memoryLimitBytes };
    if (input.swapAccounting) resources.memory.swap = r.memoryLimitBytes;
  }
  if (r.cpuShares !== undefined || r.cpuQuotaUs !== undefined || r.cpuPeriodUs !== undefined) {
    resources.cpu = {};
    if (r.cpuShares !== undefined) resources.cpu.shares = Math.max(2, Math.round(r.cpuShares));
    if (r.cpuQuotaUs !== undefined) resources.cpu.quota = Math.round(r.cpuQuotaUs);
    if (r.cpuPeriodUs !== undefined) resources.cpu.period = Math.round(r.cpuPeriodUs);
  }
  if (r.pidsLimit !== undefined && r.pidsLimit > 0) resources.pids = { limit: r.pidsLimit };

  const out: OciSpec = {
    ociVersion: "1.0.2",
    process: {
      terminal: false,
      user: processUser(spec),
      args: spec.command,
      env: envList(spec.env, input.hostname),
      cwd: spec.workingDir || "/",
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      noNewPrivileges: false,
    },
    root: { path: spec.rootfs, readonly: ro },
    mounts,
    linux: { cgroupsPath: input.cgroupsPath, namespaces, resources },
  };
  // With a joined (pod) or host UTS namespace the hostname is already set there.
  if (!pod.utsNs && !input.hostNetwork) out.hostname = input.hostname;
  if (!privileged) {
    out.linux.maskedPaths = maskedPaths;
    out.linux.readonlyPaths = readonlyPaths;
  }
  if (input.seccomp) out.linux.seccomp = input.seccomp;
  return out;
}

/** uid, gid and the supplementary groups, deduplicated in their order. */
function processUser(spec: ContainerSpec): OciSpec["process"]["user"] {
  const { uid, gid } = spec.user ?? { uid: 0, gid: 0 };
  const extra: number[] = [];
  for (const g of spec.supplementalGroups ?? []) {
    if (!Number.isInteger(g) || g < 0 || g > 0xffffffff) throw new Error(`invalid supplementary group id ${g}`);
    if (!extra.includes(g)) extra.push(g);
  }
  return extra.length ? { uid, gid, additionalGids: extra } : { uid, gid };
}
