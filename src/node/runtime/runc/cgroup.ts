/**
 * Reading and removing the cgroups runc makes for containers, on cgroup v1 (one hierarchy per
 * controller, as on the development machines) or v2 (unified). runc creates the directories
 * from `linux.cgroupsPath`; this module finds them again for OOM detection, stats, and
 * removing the pod-level parents that runc leaves behind.
 */
import { existsSync, readFileSync, rmdirSync, readdirSync } from "node:fs";
import { join } from "node:path";

interface Hierarchy {
  mount: string;
  controllers: string[];
}

export interface CgroupLayout {
  version: 1 | 2;
  hierarchies: Hierarchy[];
  /**
   * On a hybrid v1 host, the cgroup2 mount beside the v1 controllers: it holds no
   * controllers we set, but runc creates the container's cgroup there too.
   */
  unified?: string;
}

let cached: CgroupLayout | undefined;

/** The cgroup mounts of this machine, from /proc/self/mountinfo. */
export function cgroupLayout(): CgroupLayout {
  if (cached) return cached;
  const hierarchies: Hierarchy[] = [];
  let unified: string | undefined;
  let text = "";
  try {
    text = readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    // not Linux
  }
  for (const line of text.split("\n")) {
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(" ");
    const right = line.slice(sep + 3).split(" ");
    const mount = left[4]!;
    if (right[0] === "cgroup2") unified = mount;
    else if (right[0] === "cgroup") {
      const opts = (right[2] ?? "").split(",");
      const controllers = opts.filter((o) => !["rw", "ro", "nosuid", "nodev", "noexec", "relatime", "clone_children"].includes(o) && !o.includes("="));
      hierarchies.push({ mount, controllers });
    }
  }
  cached = hierarchies.some((h) => h.controllers.includes("memory"))
    ? { version: 1, hierarchies, ...(unified ? { unified } : {}) }
    : { version: 2, hierarchies: unified ? [{ mount: unified, controllers: ["*"] }] : [] };
  return cached;
}

function dirFor(controller: string, path: string): string | undefined {
  const l = cgroupLayout();
  const h = l.version === 2 ? l.hierarchies[0] : l.hierarchies.find((x) => x.controllers.includes(controller));
  return h ? join(h.mount, path) : undefined;
}

function readText(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function keyed(text: string | undefined, key: string): number | undefined {
  const m = text ? new RegExp(`^${key} (\\d+)$`, "m").exec(text) : null;
  return m ? Number(m[1]) : undefined;
}

/** How many processes the kernel OOM-killed in this cgroup (0 when it cannot tell). */
export function oomKills(path: string): number {
  const l = cgroupLayout();
  const dir = dirFor("memory", path);
  if (!dir) return 0;
  if (l.version === 2) return keyed(readText(join(dir, "memory.events")), "oom_kill") ?? 0;
  const ctl = readText(join(dir, "memory.oom_control"));
  const kills = keyed(ctl, "oom_kill");
  if (kills !== undefined) return kills;
  // Kernels before 4.13 have no oom_kill counter: a hit limit is the best evidence there is.
  return keyed(ctl, "under_oom") === 1 ? 1 : 0;
}

export function swapAccounting(): boolean {
  const l = cgroupLayout();
  const root = dirFor("memory", "/");
  if (!root) return false;
  return l.version === 1 ? existsSync(join(root, "memory.memsw.limit_in_bytes")) : true;
}

export interface CgroupStats {
  cpuUsageNs?: number;
  memoryUsageBytes?: number;
  memoryWorkingSetBytes?: number;
  pids?: number;
}

export function cgroupStats(path: string): CgroupStats {
  const l = cgroupLayout();
  const num = (t: string | undefined): number | undefined => (t && /^\d+/.test(t.trim()) ? Number(t.trim()) : undefined);
  if (l.version === 2) {
    const dir = dirFor("memory", path);
    if (!dir) return {};
    const usage = num(readText(join(dir, "memory.current")));
    const inactive = keyed(readText(join(dir, "memory.stat")), "inactive_file") ?? 0;
    const usec = keyed(readText(join(dir, "cpu.stat")), "usage_usec");
    return {
      cpuUsageNs: usec === undefined ? undefined : usec * 1000,
      memoryUsageBytes: usage,
      memoryWorkingSetBytes: usage === undefined ? undefined : Math.max(0, usage - inactive),
      pids: num(readText(join(dir, "pids.current"))),
    };
  }
  const mem = dirFor("memory", path);
  const usage = num(readText(mem && join(mem, "memory.usage_in_bytes")));
  const inactive = keyed(readText(mem && join(mem, "memory.stat")), "total_inactive_file") ?? 0;
  const acct = dirFor("cpuacct", path);
  const pids = dirFor("pids", path);
  return {
    cpuUsageNs: num(readText(acct && join(acct, "cpuacct.usage"))),
    memoryUsageBytes: usage,
    memoryWorkingSetBytes: usage === undefined ? undefined : Math.max(0, usage - inactive),
    pids: num(readText(pids && join(pids, "pids.current"))),
  };
}

/** Removes the cgroup directory `path` (and its empty children) from every hierarchy; a busy one is left alone. */
export function removeCgroup(path: string): void {
  if (!path || path === "/") return;
  const layout = cgroupLayout();
  for (const h of layout.hierarchies) removeTree(join(h.mount, path));
  if (layout.unified) removeTree(join(layout.unified, path));
}

function removeTree(dir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return;
  }
  for (const e of entries) removeTree(join(dir, e));
  try {
    rmdirSync(dir);
  } catch {
    // still has processes (EBUSY) or already gone
  }
}
