import { test } from "node:test";
import assert from "node:assert/strict";
import { defaultSeccompProfile, filterArchitectures, localhostProfilePath, parseSeccompProfile, resolveSeccomp, seccompChoice, type OciSeccomp, type SeccompContext } from "./seccomp.js";
import { defaultCapabilities } from "./spec.js";

const denied = (p: OciSeccomp): Set<string> => new Set((p.syscalls ?? []).filter((r) => !r.args && r.action === "SCMP_ACT_ERRNO" && r.errnoRet === 1).flatMap((r) => r.names));
const x86 = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"];

test("the default profile: allow by default, EPERM for the denylist, on the native architectures", () => {
  const p = defaultSeccompProfile(defaultCapabilities, x86);
  assert.equal(p.defaultAction, "SCMP_ACT_ALLOW");
  assert.deepEqual(p.architectures, x86);
  const d = denied(p);
  for (const name of [
    "kexec_load", "kexec_file_load", "open_by_handle_at", "init_module", "finit_module", "delete_module", "create_module", "bpf", "perf_event_open",
    "reboot", "swapon", "swapoff", "acct", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "add_key", "keyctl", "request_key", "userfaultfd",
    "lookup_dcookie", "quotactl", "nfsservctl", "iopl", "ioperm", "uselib", "vm86", "vm86old", "get_kernel_syms", "query_module", "syslog",
    "fanotify_init", "name_to_handle_at", "pivot_root", "mount", "umount2", "unshare", "setns", "ptrace",
  ]) assert.ok(d.has(name), name);
  assert.ok(!d.has("read") && !d.has("clone"), "everything else is allowed");
  // clone only with namespace flags, one masked rule per flag; clone3 falls back to clone.
  const clone = (p.syscalls ?? []).filter((r) => r.names.includes("clone"));
  assert.equal(clone.length, 7);
  assert.ok(clone.every((r) => r.args?.length === 1 && r.args[0]!.op === "SCMP_CMP_MASKED_EQ" && r.args[0]!.value === r.args[0]!.valueTwo));
  assert.ok(clone.some((r) => r.args![0]!.value === 0x10000000), "CLONE_NEWUSER");
  assert.equal((p.syscalls ?? []).find((r) => r.names.includes("clone3"))?.errnoRet, 38);
});

test("capabilities lift what they make legitimate, as Docker's profile does", () => {
  const admin = denied(defaultSeccompProfile([...defaultCapabilities, "CAP_SYS_ADMIN"], x86));
  for (const name of ["mount", "umount2", "unshare", "setns", "pivot_root"]) assert.ok(!admin.has(name), name);
  assert.ok(admin.has("ptrace") && admin.has("swapoff") && admin.has("kexec_load") && admin.has("keyctl"), "others stay denied");
  const withAdmin = defaultSeccompProfile(["CAP_SYS_ADMIN"], x86);
  assert.ok(!(withAdmin.syscalls ?? []).some((r) => r.names.includes("clone") || r.names.includes("clone3")));
  const ptrace = denied(defaultSeccompProfile([...defaultCapabilities, "CAP_SYS_PTRACE"], x86));
  assert.ok(!ptrace.has("ptrace") && ptrace.has("mount"));
  assert.ok(!denied(defaultSeccompProfile(["CAP_SYS_TIME"], x86)).has("settimeofday"));
  assert.ok(!denied(defaultSeccompProfile(["CAP_SYS_BOOT"], x86)).has("reboot"));
});

test("architectures by machine, limited to what runc knows", () => {
  assert.deepEqual(filterArchitectures("x64"), x86);
  assert.deepEqual(filterArchitectures("arm64"), ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]);
  assert.deepEqual(filterArchitectures("x64", ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"]), ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"]);
  assert.deepEqual(filterArchitectures("riscv64"), []);
});

test("choice: privileged and Unconfined have none, no profile means RuntimeDefault", () => {
  assert.deepEqual(seccompChoice({}), { kind: "default" });
  assert.deepEqual(seccompChoice({ seccompProfile: { type: "RuntimeDefault" } }), { kind: "default" });
  assert.deepEqual(seccompChoice({ seccompProfile: { type: "Unconfined" } }), { kind: "none" });
  assert.deepEqual(seccompChoice({ privileged: true, seccompProfile: { type: "Localhost", localhostProfile: "x.json" } }), { kind: "none" });
  assert.deepEqual(seccompChoice({ seccompProfile: { type: "Localhost", localhostProfile: "x.json" } }), { kind: "localhost", profile: "x.json" });
});

test("Localhost paths stay below the profile root", () => {
  assert.equal(localhostProfilePath("/d/seccomp", "profiles/a.json"), "/d/seccomp/profiles/a.json");
  assert.equal(localhostProfilePath("/d/seccomp", "a/../b.json"), "/d/seccomp/b.json");
  for (const bad of ["../a.json", "/etc/a.json", "a/../../b", ".", ""]) assert.throws(() => localhostProfilePath("/d/seccomp", bad), /escapes|must be set/, bad);
});

test("resolve: RuntimeDefault is skipped without runc support, Localhost then fails; files are read and checked", () => {
  const files: Record<string, string> = {
    "/root/ok.json": JSON.stringify({ defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 1, architectures: ["SCMP_ARCH_X86_64"], syscalls: [{ names: ["read", "write"], action: "SCMP_ACT_ALLOW" }] }),
    "/root/bad.json": "{ not json",
    "/root/noaction.json": JSON.stringify({ defaultAction: "ALLOW" }),
  };
  const ctx = (enabled: boolean): SeccompContext => ({
    support: enabled ? { enabled } : { enabled, reason: "no libseccomp" }, profileRoot: "/root", nodeArch: "x64", kernelRelease: "6.1.0",
    readProfile: (p) => {
      const t = files[p];
      if (t === undefined) throw new Error(`ENOENT: no such file or directory, open '${p}'`);
      return t;
    },
  });
  assert.equal(resolveSeccomp({}, defaultCapabilities, ctx(false)), undefined);
  assert.equal(resolveSeccomp({}, defaultCapabilities, ctx(true))?.defaultAction, "SCMP_ACT_ALLOW");
  assert.equal(resolveSeccomp({ seccompProfile: { type: "Unconfined" } }, defaultCapabilities, ctx(true)), undefined);
  const local = (p: string) => ({ seccompProfile: { type: "Localhost" as const, localhostProfile: p } });
  assert.deepEqual(resolveSeccomp(local("ok.json"), defaultCapabilities, ctx(true)), {
    defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 1, architectures: ["SCMP_ARCH_X86_64"], syscalls: [{ names: ["read", "write"], action: "SCMP_ACT_ALLOW" }],
  });
  assert.throws(() => resolveSeccomp(local("ok.json"), defaultCapabilities, ctx(false)), /cannot apply seccomp profile "\/root\/ok.json": no libseccomp/);
  assert.throws(() => resolveSeccomp(local("missing.json"), defaultCapabilities, ctx(true)), /cannot load seccomp profile "\/root\/missing.json": ENOENT/);
  assert.throws(() => resolveSeccomp(local("bad.json"), defaultCapabilities, ctx(true)), /invalid JSON/);
  assert.throws(() => resolveSeccomp(local("noaction.json"), defaultCapabilities, ctx(true)), /defaultAction/);
  assert.throws(() => resolveSeccomp(local("../ok.json"), defaultCapabilities, ctx(true)), /escapes the seccomp profile root/);
});

test("Docker-format profiles: archMap, name, includes and excludes resolved for this machine", () => {
  const docker = JSON.stringify({
    defaultAction: "SCMP_ACT_ERRNO",
    archMap: [{ architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X86", "SCMP_ARCH_X32"] }, { architecture: "SCMP_ARCH_AARCH64", subArchitectures: ["SCMP_ARCH_ARM"] }],
    syscalls: [
      { names: ["read"], action: "SCMP_ACT_ALLOW" },
      { name: "write", action: "SCMP_ACT_ALLOW", args: [] },
      { names: ["mount"], action: "SCMP_ACT_ALLOW", includes: { caps: ["CAP_SYS_ADMIN"] } },
      { names: ["arch_prctl"], action: "SCMP_ACT_ALLOW", includes: { arches: ["amd64"] } },
      { names: ["clone"], action: "SCMP_ACT_ALLOW", excludes: { caps: ["CAP_SYS_ADMIN"] } },
      { names: ["newer"], action: "SCMP_ACT_ALLOW", includes: { minKernel: "6.5" } },
    ],
  });
  const names = (p: OciSeccomp): string[] => (p.syscalls ?? []).flatMap((r) => r.names);
  const plain = parseSeccompProfile(docker, "d.json", defaultCapabilities, "x64", "6.1.0-13-amd64");
  assert.deepEqual(plain.architectures, x86);
  assert.deepEqual(names(plain), ["read", "write", "arch_prctl", "clone"]);
  const admin = parseSeccompProfile(docker, "d.json", ["CAP_SYS_ADMIN"], "arm64", "6.6.1");
  assert.deepEqual(admin.architectures, ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]);
  assert.deepEqual(names(admin), ["read", "write", "mount", "newer"]);
  assert.throws(() => parseSeccompProfile(JSON.stringify({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ action: "SCMP_ACT_ERRNO" }] }), "x", [], "x64", "6.1"), /has no names/);
});
