/**
 * Fixtures for tests and benchmarks that run real containers through a `startCluster` with the
 * runc node agent: whether this machine can, busybox-static images written as OCI archives
 * into the agent's import folder (nothing reaches a network), and the removal of what the
 * agent leaves on the host once a cluster is stopped.
 *
 * The agent uses the default pod network names (bridge `timonel0`, nft table `timonel`, netns
 * prefix `timonel-`) unless given `podNetwork` (`privatePodNetwork` makes names private to the
 * process); the cgroup root `/timonel` is always shared. So the shared parts are removed only
 * when no pod of anyone is still on them.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PodBridge } from "../../src/network/bridge.js";
import type { PodNetworkNames } from "../../src/node/agent/agent.js";
import { RuncRuntime } from "../../src/node/runtime/runc/index.js";
import { cgroupLayout } from "../../src/node/runtime/runc/cgroup.js";
import { buildImage, ociLayoutTar, tarOf, type LayerEntry } from "../image/helpers.js";

const busybox = "/bin/busybox";
export const defaultBridge = "timonel0";
const defaultCgroupRoot = "/timonel";

/** Why real containers cannot run here, or undefined when they can. */
export function containersSkipReason(extraTools: string[] = []): string | undefined {
  if (process.platform !== "linux") return "needs Linux";
  if (process.getuid?.() !== 0) return "needs root";
  for (const tool of ["runc", "conmon", "ip", "nft", "unshare", "mount", ...extraTools]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  if (!existsSync(busybox) || spawnSync(busybox, ["true"]).status !== 0) return "busybox-static is not installed";
  return undefined;
}

/** Every busybox applet as a symlink, plus the directories and /etc files a container expects. */
function busyboxEntries(): LayerEntry[] {
  const applets = execFileSync(busybox, ["--list"], { encoding: "utf8" }).split("\n").filter((a) => /^[\w.[-]+$/.test(a) && a !== "busybox");
  return [
    ...["bin/", "etc/", "tmp/", "proc/", "sys/", "dev/", "root/", "var/"].map((name): LayerEntry => ({ name, type: "directory", ...(name === "tmp/" ? { mode: 0o1777 } : {}) })),
    { name: "bin/busybox", content: readFileSync(busybox), mode: 0o755 },
    ...applets.map((a): LayerEntry => ({ name: `bin/${a}`, type: "symlink", linkname: "busybox" })),
    { name: "etc/passwd", content: "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n" },
    { name: "etc/group", content: "root:x:0:\nnogroup:x:65534:\n" },
  ];
}

export interface ImageDef {
  /** The full reference, e.g. `docker.io/library/busybox:latest`. */
  ref: string;
  cmd?: string[];
  /** Files of a second layer (name → content). */
  files?: Record<string, string>;
}

/**
 * Writes the images as OCI archives into `<dataDir>/agent/images/`, which the node agent
 * imports when it starts (as k3s's air-gap folder). Call before `startCluster`.
 */
export async function stageImages(dataDir: string, defs: ImageDef[]): Promise<void> {
  const dir = path.join(dataDir, "agent", "images");
  mkdirSync(dir, { recursive: true });
  const base = await tarOf(busyboxEntries());
  for (const [i, d] of defs.entries()) {
    const layers = [base];
    if (d.files) {
      const dirs = new Set<string>();
      for (const f of Object.keys(d.files)) {
        const parts = f.split("/").slice(0, -1);
        for (let j = 1; j <= parts.length; j++) dirs.add(`${parts.slice(0, j).join("/")}/`);
      }
      layers.push(await tarOf([
        ...[...dirs].sort().map((name): LayerEntry => ({ name, type: "directory" })),
        ...Object.entries(d.files).map(([name, content]): LayerEntry => ({ name, content })),
      ]));
    }
    const img = buildImage(layers, { cmd: d.cmd ?? ["sh"] });
    writeFileSync(path.join(dir, `image-${i}.tar`), await ociLayoutTar([{ images: [img], refName: d.ref }]));
  }
}

/** Container processes (conmon) still running from this data dir's runtime state. */
export function liveContainerCount(dataDir: string): number {
  const dir = path.join(dataDir, "node", "runtime-runc", "containers");
  let n = 0;
  for (const id of existsSync(dir) ? readdirSync(dir) : []) {
    try {
      const pid = Number(readFileSync(path.join(dir, id, "conmon.pid"), "utf8").trim());
      if (pid > 0 && readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "conmon") n++;
    } catch {
      // no conmon (exited, or never launched)
    }
  }
  return n;
}

/** Sandboxes the runtime of this data dir still has. */
export function sandboxCount(dataDir: string): number {
  const dir = path.join(dataDir, "node", "runtime-runc", "sandboxes");
  return existsSync(dir) ? readdirSync(dir).length : 0;
}

/**
 * After the cluster of `dataDir` stopped: removes its remaining containers and sandboxes (with
 * their netns, veths and addresses), unmounts what is left under the data dir, then the shared
 * bridge, service route and nft table when no port is left on the bridge, and the cgroup
 * root when it is empty. Returns what it had to remove, for tests that expect nothing.
 */
export async function cleanupAgentHost(dataDir: string, podCidr: string, net: PodNetworkNames = {}): Promise<{ containers: number; sandboxes: number; bridgeRemoved: boolean }> {
  const containers = liveContainerCount(dataDir);
  const sandboxes = sandboxCount(dataDir);
  const bridge = new PodBridge({ podCidr, stateDir: path.join(dataDir, "node", "network"), ...net });
  const stateDir = path.join(dataDir, "node", "runtime-runc");
  if (existsSync(stateDir)) await new RuncRuntime({ stateDir, network: bridge }).cleanupAll().catch(() => undefined);
  unmountUnder(dataDir);
  let bridgeRemoved = false;
  const ports = spawnSync("ip", ["-j", "link", "show", "master", bridge.bridgeName], { encoding: "utf8" });
  const portList = ports.status === 0 ? (JSON.parse(ports.stdout || "[]") as unknown[]) : [];
  if (ports.status === 0 && portList.length === 0) {
    await bridge.cleanupAll().catch(() => undefined);
    bridgeRemoved = true;
  } else if (ports.status !== 0) {
    // No bridge: only the table may be left over.
    spawnSync("nft", ["delete", "table", "inet", bridge.nftTable], { stdio: "ignore" });
  }
  for (const h of cgroupLayout().hierarchies) {
    const root = path.join(h.mount, defaultCgroupRoot);
    try {
      if (readdirSync(root, { withFileTypes: true }).every((e) => !e.isDirectory())) rmdirSync(root);
    } catch {
      // absent, or still in use
    }
  }
  return { containers, sandboxes, bridgeRemoved };
}

/** Unmounts (lazily) every mount point under `dir`, deepest first. */
export function unmountUnder(dir: string): void {
  const prefix = path.resolve(dir) + "/";
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "").filter((m) => m.startsWith(prefix));
  for (const m of mounts.sort((a, b) => b.length - a.length)) spawnSync("umount", ["-l", m], { stdio: "ignore" });
}

/**
 * Pod network names private to this process and `kind` (a 3-letter tag, e.g. "tme"): bridge
 * `<kind><pid%10000><n>` (at most 15 characters, an interface name), nft table and netns prefix alike.
 */
export function privatePodNetwork(kind: string, n = 0): Required<PodNetworkNames> {
  if (!/^[a-z]{1,4}$/.test(kind)) throw new Error(`network tag ${JSON.stringify(kind)}: 1 to 4 lowercase letters`);
  const id = `${kind}${process.pid % 10000}${n > 0 ? `x${n}` : ""}`;
  return { bridgeName: id, nftTable: `timonel_${id}`, netnsPrefix: `${id}-` };
}

/** A /24 pod CIDR for one process, clear of the agent's default 10.244.0.0/24. */
export function privatePodCidr(second: number): string {
  return `10.${second}.${process.pid % 250}.0/24`;
}
