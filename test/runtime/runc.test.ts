/**
 * The runtime case suite against real containers (runc through conmon, pods on a bridge),
 * plus runc-only checks: cgroup limits as written, and nothing left behind. Skips unless root
 * on Linux with runc, conmon, busybox-static, ip, nft, unshare and mount.
 *
 * Everything here is private to this test process: its own bridge, nft table, netns prefix,
 * pod CIDR, cgroup root and state directory, all removed in after hooks.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { runtimeConformance, type RuntimeTarget } from "../../src/node/runtime/runtime.case.js";
import { RuncRuntime } from "../../src/node/runtime/runc/index.js";
import { cgroupLayout, removeCgroup } from "../../src/node/runtime/runc/cgroup.js";
import { PodBridge } from "../../src/network/bridge.js";
import { cidrContains } from "../../src/network/ipam.js";
import { busyboxRootfs, busyboxPath } from "./rootfs.js";

function skipReason(): string | undefined {
  if (process.platform !== "linux") return "runc needs Linux";
  if (process.getuid?.() !== 0) return "runc containers need root";
  for (const tool of ["runc", "conmon", "ip", "nft", "unshare", "mount"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  if (!existsSync(busyboxPath)) return "busybox-static is not installed";
  return undefined;
}

const skip = skipReason();
const tag = (process.pid % 100000).toString(36);
const cgroupRoot = `/timonel-test-${tag}`;
/** Every target made in this process, so one cleanup removes them all. */
const made: Array<{ stateDir: string; runtime: RuncRuntime }> = [];
/** One pod network for the whole file (its IPAM state lives in its own directory). */
let shared: { dir: string; bridge: PodBridge } | undefined;

function podBridge(): PodBridge {
  if (!shared) {
    const dir = mkdtempSync(join(tmpdir(), "runc-net-"));
    const bridge = new PodBridge({
      podCidr: `10.253.${process.pid % 250}.0/24`, stateDir: dir, bridgeName: `tmr${tag}`, nftTable: `timonel_r${tag}`, netnsPrefix: `tmr${tag}-`,
      serviceCidr: `10.101.${process.pid % 250}.0/24`,
    });
    shared = { dir, bridge };
  }
  return shared.bridge;
}

async function make(): Promise<RuntimeTarget> {
  const stateDir = mkdtempSync(join(tmpdir(), "runc-rt-"));
  const rootfs = busyboxRootfs(join(stateDir, "rootfs"));
  const bridge = podBridge();
  const open = (): RuncRuntime => new RuncRuntime({ stateDir: join(stateDir, "runtime"), network: bridge, cgroupRoot });
  const runtime = open();
  made.push({ stateDir, runtime });
  const podCidr = bridge.podCidr;
  return {
    runtime, reopen: open, rootfs, logDir: join(stateDir, "logs"),
    features: {
      isolation: true, podNetwork: true, oom: true, user: true,
      podCidr: { contains: (ip) => cidrContains(podCidr, ip), text: `${bridge.gateway}/${podCidr.prefix}` },
    },
    cleanup,
  };
}

async function cleanup(): Promise<void> {
  for (const m of made) await m.runtime.cleanupAll().catch((e: unknown) => console.error("runtime cleanup:", e));
  if (shared) {
    await shared.bridge.cleanupAll().catch((e: unknown) => console.error("bridge cleanup:", e));
    rmSync(shared.dir, { recursive: true, force: true });
    shared = undefined;
  }
  removeCgroup(cgroupRoot);
  for (const m of made) rmSync(m.stateDir, { recursive: true, force: true });
}

if (skip) {
  test("runc runtime conformance", { skip }, () => undefined);
} else {
  after(cleanup);

  runtimeConformance("runc", make);

  test("runc: cgroup limits are written as asked; timings", async (t) => {
    const target = await make();
    const rt = target.runtime;
    const t0 = performance.now();
    const sb = await rt.createSandbox({ podUid: "limits", name: "limits", namespace: "default", hostname: "limits" });
    const sandboxMs = performance.now() - t0;
    const t1 = performance.now();
    const id = await rt.createContainer(sb.id, {
      name: "l", rootfs: target.rootfs, command: ["sleep", "30"], env: {}, logPath: join(target.logDir, "l.log"),
      resources: { cpuShares: 256, cpuQuotaUs: 50_000, cpuPeriodUs: 100_000, memoryLimitBytes: 64 << 20, pidsLimit: 32 },
    });
    const createMs = performance.now() - t1;
    const t2 = performance.now();
    await rt.startContainer(id);
    const startMs = performance.now() - t2;
    t.diagnostic(`pod sandbox (netns+veth+ipc/uts+shm) ${sandboxMs.toFixed(1)} ms; conmon+runc create ${createMs.toFixed(1)} ms; runc start ${startMs.toFixed(1)} ms`);

    const layout = cgroupLayout();
    const path = `${cgroupRoot}/podlimits/${id}`;
    const file = (controller: string, name: string): string => {
      const h = layout.hierarchies.find((x) => x.controllers.includes(controller) || x.controllers.includes("*"))!;
      return readFileSync(join(h.mount, path, name), "utf8").trim();
    };
    if (layout.version === 1) {
      assert.equal(file("cpu", "cpu.shares"), "256");
      assert.equal(file("cpu", "cpu.cfs_quota_us"), "50000");
      assert.equal(file("cpu", "cpu.cfs_period_us"), "100000");
      assert.equal(file("memory", "memory.limit_in_bytes"), String(64 << 20));
      assert.equal(file("pids", "pids.max"), "32");
    } else {
      assert.equal(file("memory", "memory.max"), String(64 << 20));
      assert.equal(file("pids", "pids.max"), "32");
    }
    const stats = await rt.stats(id);
    assert.ok((stats.pids ?? 0) >= 1, "pids are counted");

    // Many starts, for the median.
    const runs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const s = performance.now();
      const c = await rt.createContainer(sb.id, { name: `m${i}`, rootfs: target.rootfs, command: ["sleep", "30"], env: {}, logPath: join(target.logDir, `m${i}.log`) });
      await rt.startContainer(c);
      runs.push(performance.now() - s);
    }
    runs.sort((a, b) => a - b);
    t.diagnostic(`create+start to running: median ${runs[5]!.toFixed(1)} ms, max ${runs[9]!.toFixed(1)} ms (10 runs)`);
    const s0 = performance.now();
    await rt.removeSandbox(sb.id);
    t.diagnostic(`removeSandbox with 11 running containers ${(performance.now() - s0).toFixed(1)} ms`);
    assert.ok(!existsSync(join(layout.hierarchies[0]!.mount, cgroupRoot, "podlimits")));
  });

  test("runc: hostNetwork pods use the host's network", async () => {
    const target = await make();
    const rt = target.runtime;
    const sb = await rt.createSandbox({ podUid: "hostnet", name: "hostnet", namespace: "default", hostname: "hostnet", hostNetwork: true });
    assert.equal(sb.ip, undefined);
    assert.equal(sb.netnsPath, undefined);
    const id = await rt.createContainer(sb.id, { name: "h", rootfs: target.rootfs, command: ["sh", "-c", "ls /sys/class/net"], env: {}, logPath: join(target.logDir, "h.log") });
    await rt.startContainer(id);
    for (let i = 0; i < 200 && (await rt.containerStatus(id)).state !== "exited"; i++) await new Promise((r) => setTimeout(r, 20));
    const st = await rt.containerStatus(id);
    assert.equal(st.exitCode, 0);
    const log = readFileSync(join(target.logDir, "h.log"), "utf8");
    const hostLinks = readdirSync("/sys/class/net");
    assert.ok(hostLinks.every((l) => log.includes(` ${l}`)), `the container sees the host's links: ${log}`);
    await rt.removeSandbox(sb.id);
  });

  test("runc: leaves nothing behind", async () => {
    await cleanup();
    const netns = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout;
    assert.doesNotMatch(netns, new RegExp(`tmr${tag}-`));
    assert.notEqual(spawnSync("ip", ["link", "show", `tmr${tag}`]).status, 0, "bridge removed");
    assert.notEqual(spawnSync("nft", ["list", "table", "inet", `timonel_r${tag}`]).status, 0, "nft table removed");
    for (const h of cgroupLayout().hierarchies) assert.ok(!existsSync(join(h.mount, cgroupRoot)), `cgroup ${h.mount}${cgroupRoot} removed`);
    const ps = spawnSync("ps", ["-eo", "pid,stat,args"], { encoding: "utf8" }).stdout;
    const mounts = readFileSync("/proc/self/mountinfo", "utf8");
    for (const { stateDir } of made) {
      const procs = ps.split("\n").filter((l) => l.includes(stateDir) && !/^\s*\d+\s+Z/.test(l));
      assert.deepEqual(procs, [], `no live process refers to ${stateDir}`);
      assert.ok(!mounts.includes(stateDir), "no mount left under the state directory");
      assert.ok(!existsSync(stateDir));
    }
  });
}
