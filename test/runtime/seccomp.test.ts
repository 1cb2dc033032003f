/**
 * Seccomp and supplementary groups on real runc containers: the RuntimeDefault filter (also
 * what a container gets with no profile) answers EPERM where the kernel alone would let the
 * call through, Unconfined and privileged containers have no filter, a Localhost profile is
 * read from the runtime's profile root (and one climbing out of it is refused), and
 * supplementalGroups reach the process. Skips unless root with runc (built with libseccomp),
 * conmon, busybox-static, ip and nft.
 *
 * Everything is private to this process (bridge, nft table, netns prefix, pod CIDR, cgroup
 * root, state directory) and removed in the after hook.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { RuncRuntime, runcSeccompSupport } from "../../src/node/runtime/runc/index.js";
import { removeCgroup } from "../../src/node/runtime/runc/cgroup.js";
import { readLog } from "../../src/node/runtime/crilog.js";
import type { ContainerSpec } from "../../src/node/runtime/types.js";
import { PodBridge } from "../../src/network/bridge.js";
import { busyboxRootfs, busyboxPath } from "./rootfs.js";

function skipReason(): string | undefined {
  if (process.platform !== "linux") return "runc needs Linux";
  if (process.getuid?.() !== 0) return "runc containers need root";
  for (const tool of ["runc", "conmon", "ip", "nft"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  if (!existsSync(busyboxPath)) return "busybox-static is not installed";
  const sc = runcSeccompSupport("runc");
  if (!sc.enabled) return `runc has no seccomp: ${sc.reason ?? ""}`;
  return undefined;
}

const skip = skipReason();
const tag = (process.pid % 10000).toString();
const cgroupRoot = `/timonel-sc-${tag}`;

if (skip) {
  test("seccomp on runc containers", { skip }, () => undefined);
} else {
  const dir = mkdtempSync(join(tmpdir(), "runc-seccomp-"));
  const rootfs = busyboxRootfs(join(dir, "rootfs"));
  const profileRoot = join(dir, "profiles");
  const bridge = new PodBridge({
    podCidr: `10.249.${process.pid % 250}.0/24`, stateDir: join(dir, "net"), bridgeName: `tms${tag}`, nftTable: `timonel_s${tag}`,
    netnsPrefix: `tms${tag}-`, serviceCidr: `10.103.${process.pid % 250}.0/24`,
  });
  const rt = new RuncRuntime({ stateDir: join(dir, "runtime"), network: bridge, cgroupRoot, seccompProfileRoot: profileRoot });
  let sandboxId: string | undefined;
  let n = 0;

  after(async () => {
    await rt.cleanupAll().catch((e: unknown) => console.error("runtime cleanup:", e));
    await bridge.cleanupAll().catch((e: unknown) => console.error("bridge cleanup:", e));
    removeCgroup(cgroupRoot);
    rmSync(dir, { recursive: true, force: true });
  });

  const sandbox = async (): Promise<string> => {
    sandboxId ??= (await rt.createSandbox({ podUid: "seccomp", name: "seccomp", namespace: "default", hostname: "seccomp" })).id;
    return sandboxId;
  };

  /** Runs `script` to completion; its exit code and output (stdout and stderr, in order). */
  const run = async (script: string, over: Partial<ContainerSpec> = {}): Promise<{ code: number | undefined; out: string }> => {
    const logPath = join(dir, "logs", `c${n++}.log`);
    const id = await rt.createContainer(await sandbox(), { name: `c${n}`, rootfs, command: ["sh", "-c", script], env: {}, logPath, ...over });
    await rt.startContainer(id);
    let st = await rt.containerStatus(id);
    for (let i = 0; i < 500 && st.state !== "exited"; i++) {
      await new Promise((r) => setTimeout(r, 20));
      st = await rt.containerStatus(id);
    }
    assert.equal(st.state, "exited", "the container finished within 10 s");
    const out = readLog(logPath).map((e) => e.content).join("\n");
    await rt.removeContainer(id);
    return { code: st.exitCode, out };
  };

  const seccompMode = "grep '^Seccomp:' /proc/self/status";

  test("runc reports seccomp support, and the runtime lists no seccomp limitation", () => {
    assert.ok(!rt.limitations().some((l) => /seccomp/.test(l)), rt.limitations().join("; "));
  });

  test("no profile and RuntimeDefault: filtered; a user namespace (which needs no capability) is refused with EPERM", async () => {
    const overs: Array<Partial<ContainerSpec>> = [{}, { seccompProfile: { type: "RuntimeDefault" } }];
    for (const over of overs) {
      const r = await run(`${seccompMode}; unshare -U true && echo unshared`, over);
      assert.match(r.out, /^Seccomp:\s+2$/m, "a filter is installed");
      assert.match(r.out, /unshare\(0x10000000\): Operation not permitted/, r.out);
      assert.notEqual(r.code, 0);
    }
  });

  test("Unconfined and privileged: no filter; the same user namespace is made", async () => {
    const overs: Array<Partial<ContainerSpec>> = [{ seccompProfile: { type: "Unconfined" } }, { privileged: true }];
    for (const over of overs) {
      const r = await run(`${seccompMode}; unshare -U true && echo unshared`, over);
      assert.match(r.out, /^Seccomp:\s+0$/m, `no filter for ${JSON.stringify(over)}`);
      assert.match(r.out, /^unshared$/m, r.out);
      assert.equal(r.code, 0);
    }
  });

  test("RuntimeDefault denies swapoff even with CAP_SYS_ADMIN; without the filter the kernel answers", async () => {
    const caps: Partial<ContainerSpec> = { capabilities: { add: ["SYS_ADMIN"] } };
    const denied = await run("touch /tmp/f; swapoff /tmp/f", { ...caps, seccompProfile: { type: "RuntimeDefault" } });
    assert.match(denied.out, /Operation not permitted/, denied.out);
    const open = await run("touch /tmp/f; swapoff /tmp/f", { ...caps, seccompProfile: { type: "Unconfined" } });
    assert.doesNotMatch(open.out, /Operation not permitted/, "the kernel, not seccomp, rejects /tmp/f as a swap area");
    assert.match(open.out, /Invalid argument/, open.out);
  });

  test("RuntimeDefault lets mount namespaces through once CAP_SYS_ADMIN is added", async () => {
    const r = await run("unshare -n true && echo unshared", { capabilities: { add: ["SYS_ADMIN"] } });
    assert.match(r.out, /^unshared$/m, r.out);
    const without = await run("unshare -n true && echo unshared");
    assert.match(without.out, /Operation not permitted/, without.out);
  });

  test("Localhost: the profile is read from the profile root; a missing or escaping one fails the container", async () => {
    mkdirSync(join(profileRoot, "profiles"), { recursive: true });
    writeFileSync(join(profileRoot, "profiles", "no-mkdir.json"), JSON.stringify({
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }],
    }));
    const local = (p: string): Partial<ContainerSpec> => ({ seccompProfile: { type: "Localhost", localhostProfile: p } });
    const r = await run(`${seccompMode}; mkdir /tmp/x && echo made; unshare -U true && echo unshared`, local("profiles/no-mkdir.json"));
    assert.match(r.out, /^Seccomp:\s+2$/m);
    assert.match(r.out, /can't create directory '\/tmp\/x': Operation not permitted/, r.out);
    assert.match(r.out, /^unshared$/m, "only the profile's own rules apply");

    const sb = await sandbox();
    const spec = (p: string): ContainerSpec => ({ name: "bad", rootfs, command: ["true"], env: {}, logPath: join(dir, "logs", "bad.log"), ...local(p) });
    await assert.rejects(rt.createContainer(sb, spec("profiles/missing.json")), /cannot load seccomp profile ".*profiles\/missing\.json"/);
    await assert.rejects(rt.createContainer(sb, spec("../escape.json")), /escapes the seccomp profile root/);
    assert.equal((await rt.listContainers()).length, 0, "failed creates leave nothing behind");
  });

  test("supplementary groups reach the process", async () => {
    const r = await run("grep -E '^(Uid|Gid|Groups):' /proc/self/status; id -G", { user: { uid: 1000, gid: 1000 }, supplementalGroups: [4000, 2000, 4000] });
    assert.match(r.out, /^Groups:\s+2000 4000\s*$/m, r.out);
    assert.match(r.out, /^Gid:\s+1000\s/m);
    const none = await run("grep '^Groups:' /proc/self/status", { user: { uid: 1000, gid: 1000 } });
    assert.match(none.out, /^Groups:\s*$/m, none.out);
  });
}
