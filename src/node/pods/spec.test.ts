/** The pure parts of the pod manager: argv, env, user, limits, backoff, Go durations, phase. */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ImageConfig } from "../../image/index.js";
import { Backoff, goDuration } from "./backoff.js";
import type { Container } from "kubernetes-types/core/v1.js";
import { ContainerConfigError, containerArgv, containerEnv, containerResources, containerSeccompProfile, containerUser, expandVars, podSupplementalGroups, type EnvSources } from "./spec.js";
import { podPhase } from "./status.js";
import type { PodState } from "./state.js";

const image = (config: ImageConfig["config"]): ImageConfig => ({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] }, config });
const noSources: EnvSources = { configMap: () => undefined, secret: () => undefined, field: () => undefined };

test("$(VAR) expansion follows upstream", () => {
  const vars: Record<string, string> = { A: "x", B: "y" };
  const look = (n: string): string | undefined => vars[n];
  assert.equal(expandVars("$(A)-$(B)", look), "x-y");
  assert.equal(expandVars("$(C)", look), "$(C)");
  assert.equal(expandVars("$$(A)", look), "$(A)");
  assert.equal(expandVars("$A $", look), "$A $");
  assert.equal(expandVars("$(A", look), "$(A");
});

test("command replaces Entrypoint and drops Cmd; args alone replace Cmd", () => {
  const img = image({ Entrypoint: ["/entry"], Cmd: ["--default"] });
  assert.deepEqual(containerArgv({ name: "c" }, img, {}), ["/entry", "--default"]);
  assert.deepEqual(containerArgv({ name: "c", args: ["--x=$(V)"] }, img, { V: "1" }), ["/entry", "--x=1"]);
  assert.deepEqual(containerArgv({ name: "c", command: ["/bin/run"] }, img, {}), ["/bin/run"]);
  assert.deepEqual(containerArgv({ name: "c", command: ["/bin/run"], args: ["a"] }, img, {}), ["/bin/run", "a"]);
});

test("env: image env underneath, envFrom with prefix, env in order with expansion, valueFrom", () => {
  const src: EnvSources = {
    configMap: (n) => (n === "cm" ? { K: "v", "bad name": "skip" } : undefined),
    secret: (n) => (n === "s" ? { pw: "hunter2" } : undefined),
    field: (p) => (p === "metadata.name" ? "pod-a" : undefined),
  };
  const env = containerEnv({
    name: "c",
    envFrom: [{ prefix: "CM_", configMapRef: { name: "cm" } }],
    env: [
      { name: "PATH", value: "/opt:$(PATH)" },
      { name: "ME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "GREETING", value: "hi $(ME) $(CM_K)" },
      { name: "PW", valueFrom: { secretKeyRef: { name: "s", key: "pw" } } },
      { name: "OPT", valueFrom: { secretKeyRef: { name: "none", key: "k", optional: true } } },
      { name: "MEM", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
    ],
    resources: { limits: { memory: "64Mi" } },
  }, "ns", image({ Env: ["PATH=/bin", "HOME=/root"] }), src);
  assert.deepEqual(env, { PATH: "/opt:$(PATH)", HOME: "/root", CM_K: "v", ME: "pod-a", GREETING: "hi pod-a v", PW: "hunter2", MEM: "64" });
  assert.throws(() => containerEnv({ name: "c", env: [{ name: "X", valueFrom: { secretKeyRef: { name: "s", key: "nope" } } }] }, "ns", undefined, src),
    (e: unknown) => e instanceof ContainerConfigError && e.message === "couldn't find key nope in Secret ns/s");
  assert.throws(() => containerEnv({ name: "c", envFrom: [{ configMapRef: { name: "gone" } }] }, "ns", undefined, noSources), /configmap "gone" not found/);
});

test("user: container over pod over the image's numeric USER", () => {
  assert.deepEqual(containerUser({ name: "c" }, {} as never, image({ User: "1000:50" })), { uid: 1000, gid: 50 });
  assert.equal(containerUser({ name: "c" }, undefined, image({ User: "nobody" })), undefined);
  assert.deepEqual(containerUser({ name: "c", securityContext: { runAsUser: 7 } }, { containers: [], securityContext: { runAsUser: 5, runAsGroup: 6 } }, undefined), { uid: 7, gid: 6 });
});

test("resources: shares from requests, quota from limits, memory limit", () => {
  assert.deepEqual(containerResources({ name: "c" }), { cpuShares: 2 });
  assert.deepEqual(containerResources({ name: "c", resources: { requests: { cpu: "250m" }, limits: { cpu: "500m", memory: "64Mi" } } }),
    { cpuShares: 256, cpuQuotaUs: 50_000, cpuPeriodUs: 100_000, memoryLimitBytes: 64 << 20 });
  assert.deepEqual(containerResources({ name: "c", resources: { limits: { cpu: "1" } } }), { cpuShares: 1024, cpuQuotaUs: 100_000, cpuPeriodUs: 100_000 });
});

test("backoff: first failure restarts at once, then 10s doubling to the cap, reset after idling", () => {
  let now = 0;
  const b = new Backoff({ baseMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000, now: () => now });
  assert.equal(b.inBackoffSince("k", now), false);
  b.next("k", now);
  assert.equal(b.get("k"), 10_000);
  now = 5_000;
  assert.equal(b.inBackoffSince("k", 4_000), true);
  assert.equal(b.remaining("k", 4_000), 9_000);
  for (let i = 0; i < 10; i++) b.next("k", now);
  assert.equal(b.get("k"), 300_000);
  now = 2_000_000;
  b.next("k", now);
  assert.equal(b.get("k"), 10_000, "starts over after 10 minutes");
});

test("goDuration prints like Go", () => {
  assert.equal(goDuration(10_000), "10s");
  assert.equal(goDuration(80_000), "1m20s");
  assert.equal(goDuration(300_000), "5m0s");
  assert.equal(goDuration(200), "200ms");
  assert.equal(goDuration(1_500), "1.5s");
});

test("phase: kubelet's getPhase", () => {
  const pod = (restartPolicy: string) => ({ metadata: { name: "p" }, spec: { restartPolicy, containers: [{ name: "a" }, { name: "b" }] } }) as never;
  const st = (a: object, b: object): PodState => ({ uid: "u", namespace: "n", name: "p", startTime: "", containers: { a: { name: "a", init: false, restartCount: 0, id: "1", ...a }, b: { name: "b", init: false, restartCount: 0, id: "2", ...b } } });
  const run = { status: { state: "running" } };
  const ok = { status: { state: "exited", exitCode: 0 } };
  const bad = { status: { state: "exited", exitCode: 2 } };
  assert.equal(podPhase(pod("Always"), undefined), "Pending");
  assert.equal(podPhase(pod("Always"), st(run, run)), "Running");
  assert.equal(podPhase(pod("Never"), st(ok, ok)), "Succeeded");
  assert.equal(podPhase(pod("Never"), st(ok, bad)), "Failed");
  assert.equal(podPhase(pod("OnFailure"), st(ok, bad)), "Running");
  assert.equal(podPhase(pod("Always"), st(ok, ok)), "Running");
  assert.equal(podPhase(pod("Never"), st(run, ok)), "Running");
});

test("supplementary groups: supplementalGroups, then fsGroup, once each", () => {
  assert.equal(podSupplementalGroups(undefined), undefined);
  assert.equal(podSupplementalGroups({ containers: [], securityContext: { runAsUser: 1 } }), undefined);
  assert.deepEqual(podSupplementalGroups({ containers: [], securityContext: { supplementalGroups: [4000, 5000], fsGroup: 2000 } }), [4000, 5000, 2000]);
  assert.deepEqual(podSupplementalGroups({ containers: [], securityContext: { supplementalGroups: [2000], fsGroup: 2000 } }), [2000]);
  assert.deepEqual(podSupplementalGroups({ containers: [], securityContext: { fsGroup: 0 } }), [0]);
});

test("seccomp profile: container over pod; Localhost must stay below the profile root", () => {
  const pod = { containers: [], securityContext: { seccompProfile: { type: "Unconfined" } } };
  assert.equal(containerSeccompProfile({ name: "c" }, undefined), undefined);
  assert.deepEqual(containerSeccompProfile({ name: "c" }, pod), { type: "Unconfined" });
  assert.deepEqual(containerSeccompProfile({ name: "c", securityContext: { seccompProfile: { type: "RuntimeDefault" } } }, pod), { type: "RuntimeDefault" });
  const local = (p?: string): Container => ({ name: "c", securityContext: { seccompProfile: { type: "Localhost", ...(p === undefined ? {} : { localhostProfile: p }) } } });
  assert.deepEqual(containerSeccompProfile(local("profiles/./audit.json"), pod), { type: "Localhost", localhostProfile: "profiles/audit.json" });
  assert.deepEqual(containerSeccompProfile(local("a/../b.json"), pod), { type: "Localhost", localhostProfile: "b.json" });
  for (const bad of ["../x.json", "/etc/x.json", "a/../../x.json", ".."]) {
    assert.throws(() => containerSeccompProfile(local(bad), pod), (e: unknown) => e instanceof ContainerConfigError && /outside the node's seccomp profile root/.test((e as Error).message), bad);
  }
  assert.throws(() => containerSeccompProfile(local(), pod), /localhostProfile must be set/);
  assert.throws(() => containerSeccompProfile({ name: "c", securityContext: { seccompProfile: { type: "Other" } } }, undefined), ContainerConfigError);
});
