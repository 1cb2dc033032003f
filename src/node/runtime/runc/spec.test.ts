import { test } from "node:test";
import assert from "node:assert/strict";
import { buildOciSpec, capabilitiesFromMask, capabilityMask, capabilityNames, defaultCapabilities, resolveCapabilities, type OciInput } from "./spec.js";

const allCaps = [...capabilityNames];

function input(over: Partial<OciInput["spec"]> = {}, rest: Partial<OciInput> = {}): OciInput {
  return {
    spec: { name: "c", rootfs: "/r", command: ["sh", "-c", "true"], env: { A: "1" }, logPath: "/l", ...over },
    hostname: "pod-a",
    hostNetwork: false,
    pod: { hosts: "/s/hosts", resolvConf: "/s/resolv.conf", hostnameFile: "/s/hostname", shm: "/s/shm", ipcNs: "/s/ns/ipc", utsNs: "/s/ns/uts", netNs: "/var/run/netns/x" },
    cgroupsPath: "/timonel/podu/c1",
    hostBoundingCaps: allCaps,
    swapAccounting: false,
    ...rest,
  };
}

test("capability masks round-trip and the default set is containerd's", () => {
  assert.equal(capabilityMask(defaultCapabilities), "00000000a80425fb");
  assert.deepEqual(capabilitiesFromMask("00000000a80425fb").sort(), [...defaultCapabilities].sort());
});

test("capabilities: ALL first, then adds, then drops; privileged gets what the host allows", () => {
  assert.deepEqual(resolveCapabilities({ capabilities: { drop: ["ALL"], add: ["net_admin", "CAP_KILL"] } }, allCaps), ["CAP_KILL", "CAP_NET_ADMIN"]);
  const all = resolveCapabilities({ capabilities: { add: ["ALL"], drop: ["CHOWN"] } }, allCaps);
  assert.ok(!all.includes("CAP_CHOWN") && all.includes("CAP_SYS_ADMIN"));
  const host = allCaps.filter((c) => c !== "CAP_SYS_RESOURCE");
  const priv = resolveCapabilities({ privileged: true }, host);
  assert.equal(priv.length, host.length);
  assert.ok(!priv.includes("CAP_SYS_RESOURCE"), "never more than the host's bounding set");
  assert.throws(() => resolveCapabilities({ capabilities: { add: ["NOPE"] } }, allCaps), /unknown capability/);
});

test("a pod container joins the pod's namespaces by path and gets a new pid, mount and cgroup namespace", () => {
  const s = buildOciSpec(input());
  assert.deepEqual(s.linux.namespaces, [
    { type: "pid" }, { type: "mount" }, { type: "cgroup" },
    { type: "ipc", path: "/s/ns/ipc" }, { type: "uts", path: "/s/ns/uts" }, { type: "network", path: "/var/run/netns/x" },
  ]);
  assert.equal(s.hostname, undefined, "the joined UTS namespace already has the pod's hostname");
  assert.equal(s.process.terminal, false);
  assert.deepEqual(s.process.env, ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "A=1", "HOSTNAME=pod-a"]);
  assert.equal(s.process.cwd, "/");
  assert.deepEqual(s.process.user, { uid: 0, gid: 0 });
  assert.equal(s.linux.cgroupsPath, "/timonel/podu/c1");
  assert.deepEqual(s.linux.resources.devices, [{ allow: false, access: "rwm" }]);
  assert.ok(s.linux.maskedPaths?.includes("/proc/kcore"));
  const byDest = new Map(s.mounts.map((m) => [m.destination, m]));
  for (const d of ["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup", "/etc/hosts", "/etc/resolv.conf", "/etc/hostname"]) {
    assert.ok(byDest.has(d), `mount ${d}`);
  }
  assert.ok(byDest.get("/sys")!.options.includes("ro"));
  assert.ok(byDest.get("/sys/fs/cgroup")!.options.includes("ro"));
  assert.equal(byDest.get("/etc/hosts")!.source, "/s/hosts");
});

test("hostNetwork: no network or UTS namespace of its own", () => {
  const s = buildOciSpec(input({}, { hostNetwork: true, pod: { ...input().pod, utsNs: undefined, netNs: undefined } }));
  const types = s.linux.namespaces.map((n) => n.type);
  assert.ok(!types.includes("network") && !types.includes("uts"));
  assert.equal(s.hostname, undefined);
});

test("resources, user, read-only root, mounts, privileged", () => {
  const s = buildOciSpec(input({
    user: { uid: 1000, gid: 2000 }, workingDir: "/work", readOnlyRootfs: true,
    resources: { cpuShares: 1, cpuQuotaUs: 50_000, cpuPeriodUs: 100_000, memoryLimitBytes: 1 << 26, pidsLimit: 10 },
    mounts: [{ source: "/data", destination: "/data", readOnly: true }, { source: "/x", destination: "/etc/hosts" }],
  }, { swapAccounting: true }));
  assert.deepEqual(s.linux.resources.cpu, { shares: 2, quota: 50_000, period: 100_000 });
  assert.deepEqual(s.linux.resources.memory, { limit: 1 << 26, swap: 1 << 26 });
  assert.deepEqual(s.linux.resources.pids, { limit: 10 });
  assert.deepEqual(s.process.user, { uid: 1000, gid: 2000 });
  assert.equal(s.process.cwd, "/work");
  assert.equal(s.root.readonly, true);
  const data = s.mounts.find((m) => m.destination === "/data")!;
  assert.deepEqual(data, { destination: "/data", type: "bind", source: "/data", options: ["rbind", "rprivate", "ro"] });
  assert.equal(s.mounts.filter((m) => m.destination === "/etc/hosts").length, 1, "the pod's /etc/hosts wins");
  assert.throws(() => buildOciSpec(input({ mounts: [{ source: "/a", destination: "rel" }] })), /not absolute/);

  const p = buildOciSpec(input({ privileged: true }));
  assert.deepEqual(p.linux.resources.devices, [{ allow: true, access: "rwm" }]);
  assert.equal(p.linux.maskedPaths, undefined);
  assert.ok(p.mounts.find((m) => m.destination === "/sys")!.options.includes("rw"));
  assert.equal(p.process.capabilities.bounding.length, allCaps.length);
});

test("supplementary groups become additionalGids; the seccomp section is passed through", () => {
  const s = buildOciSpec(input({ user: { uid: 1000, gid: 3000 }, supplementalGroups: [4000, 2000, 4000] }));
  assert.deepEqual(s.process.user, { uid: 1000, gid: 3000, additionalGids: [4000, 2000] });
  assert.deepEqual(buildOciSpec(input({ supplementalGroups: [5] })).process.user, { uid: 0, gid: 0, additionalGids: [5] });
  assert.equal(buildOciSpec(input({ supplementalGroups: [] })).process.user.additionalGids, undefined);
  assert.throws(() => buildOciSpec(input({ supplementalGroups: [-1] })), /invalid supplementary group id/);
  assert.equal(buildOciSpec(input()).linux.seccomp, undefined);
  const seccomp = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO" }] };
  assert.deepEqual(buildOciSpec(input({}, { seccomp })).linux.seccomp, seccomp);
});
