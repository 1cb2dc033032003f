import { test } from "node:test";
import assert from "node:assert/strict";
import {
  completedStatus, failsByRatio, mergeConditions, normalizeImage, planPod, podStage, runningStatus, startingStatus, terminatedStatus,
  type PlanContext, type PodObj,
} from "./pod-status.js";
import { podSummary } from "../../../api/core/v1/pod-printer.js";

const t0 = new Date("2024-05-01T12:00:00Z");
const hostIP = "198.18.0.2";

function pod(over: Partial<PodObj["spec"]> = {}, status: PodObj["status"] = { phase: "Pending", qosClass: "BestEffort" }): PodObj {
  return {
    apiVersion: "v1", kind: "Pod",
    metadata: { name: "web", namespace: "default", uid: "u-1", creationTimestamp: "2024-05-01T11:59:59Z" },
    spec: { nodeName: "sim-node-0", containers: [{ name: "app", image: "nginx" }, { name: "side", image: "quay.io/x/y:1.2" }], ...over },
    status,
  };
}

const ctx = (over: Partial<PlanContext> = {}): PlanContext => ({
  nowMs: t0.getTime(), firstSeenMs: t0.getTime(), startDelayMs: 0, reportContainerCreating: true,
  failRatio: 0, terminationDelayMs: 100, ...over,
});

test("stages from status", () => {
  assert.equal(podStage(pod()), "new");
  assert.equal(podStage(pod({}, startingStatus(pod(), { now: t0, hostIP }))), "starting");
  assert.equal(podStage(pod({}, { phase: "Running" })), "running");
  assert.equal(podStage(pod({}, { phase: "Failed" })), "terminal");
});

test("plan: new pods start after the delay, reporting ContainerCreating first", () => {
  assert.deepEqual(planPod(pod(), ctx()), { kind: "run" });
  assert.deepEqual(planPod(pod(), ctx({ startDelayMs: 50 })), { kind: "starting" });
  assert.deepEqual(planPod(pod(), ctx({ startDelayMs: 50, reportContainerCreating: false })), { kind: "wait", ms: 50 });
  const starting = pod({}, startingStatus(pod(), { now: t0, hostIP }));
  assert.deepEqual(planPod(starting, ctx({ startDelayMs: 50, nowMs: t0.getTime() + 20 })), { kind: "wait", ms: 30 });
  assert.deepEqual(planPod(starting, ctx({ startDelayMs: 50, nowMs: t0.getTime() + 50 })), { kind: "run" });
});

test("plan: running pods with restartPolicy Never complete; Always ones keep running", () => {
  const running = (rp: string): PodObj => {
    const p = pod({ restartPolicy: rp });
    p.status = runningStatus(p, { now: t0, hostIP, podIP: "10.244.0.2" });
    return p;
  };
  assert.deepEqual(planPod(running("Always"), ctx({ completeAfterMs: 10 })), { kind: "none" });
  assert.deepEqual(planPod(running("Never"), ctx()), { kind: "none" }, "no completion time set");
  assert.deepEqual(planPod(running("Never"), ctx({ completeAfterMs: 1000, nowMs: t0.getTime() + 400 })), { kind: "wait", ms: 600 });
  assert.deepEqual(planPod(running("OnFailure"), ctx({ completeAfterMs: 1000, nowMs: t0.getTime() + 1000 })), { kind: "complete", succeeded: true });
  assert.deepEqual(planPod(running("Never"), ctx({ completeAfterMs: 1000, runningSinceMs: t0.getTime() + 500, nowMs: t0.getTime() + 1000 })), { kind: "wait", ms: 500 });
  assert.deepEqual(planPod(running("Never"), ctx({ completeAfterMs: 0, failRatio: 1 })), { kind: "complete", succeeded: false });
  assert.deepEqual(planPod(pod({}, { phase: "Succeeded" }), ctx()), { kind: "none" });
});

test("plan: deletion waits min(grace, simulated shutdown), then terminates and deletes", () => {
  const p = pod();
  p.status = runningStatus(p, { now: t0, hostIP, podIP: "10.244.0.2" });
  p.metadata.deletionGracePeriodSeconds = 30;
  p.metadata.deletionTimestamp = "2024-05-01T12:00:30Z";
  assert.deepEqual(planPod(p, ctx({ terminationDelayMs: 2000 })), { kind: "wait", ms: 2000 });
  assert.deepEqual(planPod(p, ctx({ terminationDelayMs: 2000, nowMs: t0.getTime() + 2000 })), { kind: "terminate" });
  p.metadata.deletionGracePeriodSeconds = 1;
  p.metadata.deletionTimestamp = "2024-05-01T12:00:01Z";
  assert.deepEqual(planPod(p, ctx({ terminationDelayMs: 5000, nowMs: t0.getTime() + 1000 })), { kind: "terminate" }, "grace caps the delay");
  const done = { ...p, status: terminatedStatus(p, { now: t0 }) };
  assert.deepEqual(planPod(done, ctx({ nowMs: t0.getTime() + 1000 })), { kind: "delete" });
  const fresh = pod();
  fresh.metadata.deletionGracePeriodSeconds = 0;
  fresh.metadata.deletionTimestamp = "2024-05-01T12:00:00Z";
  assert.deepEqual(planPod(fresh, ctx()), { kind: "delete" }, "never started: nothing to stop");
});

test("starting status: Pending, ContainerCreating, hostIP, conditions", () => {
  const st = startingStatus(pod(), { now: t0, hostIP });
  assert.equal(st.phase, "Pending");
  assert.equal(st.qosClass, "BestEffort");
  assert.equal(st.hostIP, hostIP);
  assert.deepEqual(st.hostIPs, [{ ip: hostIP }]);
  assert.equal(st.startTime, "2024-05-01T12:00:00Z");
  assert.equal(st.podIP, undefined);
  assert.deepEqual(st.containerStatuses?.map((c) => [c.name, c.image, c.ready, c.state?.waiting?.reason]), [
    ["app", "docker.io/library/nginx:latest", false, "ContainerCreating"],
    ["side", "quay.io/x/y:1.2", false, "ContainerCreating"],
  ]);
  const byType = Object.fromEntries((st.conditions ?? []).map((c) => [c.type, c]));
  assert.equal(byType.PodScheduled?.status, "True");
  assert.equal(byType.Initialized?.status, "True");
  assert.equal(byType.Ready?.status, "False");
  assert.equal(byType.Ready?.message, "containers with unready status: [app side]");
  assert.equal(podSummary(pod({}, st), t0.getTime()).status, "ContainerCreating");
});

test("starting status with init containers: Init:0/1", () => {
  const p = pod({ initContainers: [{ name: "setup", image: "busybox" }] });
  const st = startingStatus(p, { now: t0, hostIP });
  assert.equal(st.initContainerStatuses?.[0]?.state?.waiting?.reason, "PodInitializing");
  const init = st.conditions?.find((c) => c.type === "Initialized");
  assert.deepEqual([init?.status, init?.reason, init?.message], ["False", "ContainersNotInitialized", "containers with incomplete status: [setup]"]);
  assert.equal(podSummary({ ...p, status: st }, t0.getTime()).status, "Init:0/1");
});

test("running status: conditions True, IPs, container statuses, init containers completed", () => {
  const p = pod({ initContainers: [{ name: "setup", image: "busybox" }, { name: "proxy", image: "envoy", restartPolicy: "Always" }] });
  p.status = startingStatus(p, { now: t0, hostIP });
  const later = new Date(t0.getTime() + 5000);
  const st = runningStatus(p, { now: later, hostIP, podIP: "10.244.0.7" });
  assert.equal(st.phase, "Running");
  assert.equal(st.podIP, "10.244.0.7");
  assert.deepEqual(st.podIPs, [{ ip: "10.244.0.7" }]);
  assert.equal(st.startTime, "2024-05-01T12:00:00Z", "startTime kept");
  assert.equal(st.qosClass, "BestEffort");
  for (const type of ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]) {
    assert.equal(st.conditions?.find((c) => c.type === type)?.status, "True", type);
  }
  assert.equal(st.conditions?.find((c) => c.type === "PodScheduled")?.lastTransitionTime, "2024-05-01T12:00:00Z", "unchanged condition keeps its time");
  assert.equal(st.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime, "2024-05-01T12:00:05Z");
  const app = st.containerStatuses?.[0];
  assert.equal(app?.ready, true);
  assert.equal(app?.started, true);
  assert.equal(app?.restartCount, 0);
  assert.equal(app?.state?.running?.startedAt, "2024-05-01T12:00:05Z");
  assert.equal(app?.containerID, "fake://u-1/app");
  assert.match(app?.imageID ?? "", /^fake:\/\/docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
  const [setup, proxy] = st.initContainerStatuses ?? [];
  assert.equal(setup?.state?.terminated?.reason, "Completed");
  assert.equal(setup?.state?.terminated?.exitCode, 0);
  assert.equal(proxy?.state?.running?.startedAt, "2024-05-01T12:00:05Z", "sidecars keep running");
  assert.deepEqual(podSummary({ ...p, status: st }, later.getTime()), { ready: "3/3", status: "Running", restarts: "0" }, "the sidecar counts");
  assert.throws(() => runningStatus(p, { now: later, hostIP }));
});

test("running status honours readiness gates and keeps foreign conditions", () => {
  const p = pod({ readinessGates: [{ conditionType: "example.com/lb" }] });
  let st = runningStatus(p, { now: t0, hostIP, podIP: "10.244.0.7" });
  let ready = st.conditions?.find((c) => c.type === "Ready");
  assert.deepEqual([ready?.status, ready?.reason, ready?.message], ["False", "ReadinessGatesNotReady", 'corresponding condition of pod readiness gate "example.com/lb" does not exist.']);
  p.status = { ...st, conditions: [...(st.conditions ?? []), { type: "example.com/lb", status: "True" }] };
  st = runningStatus(p, { now: t0, hostIP, podIP: "10.244.0.7" });
  ready = st.conditions?.find((c) => c.type === "Ready");
  assert.equal(ready?.status, "True");
  assert.ok(st.conditions?.some((c) => c.type === "example.com/lb"));
});

test("completed and terminated statuses", () => {
  const p = pod({ restartPolicy: "Never" });
  p.status = runningStatus(p, { now: t0, hostIP, podIP: "10.244.0.7" });
  const later = new Date(t0.getTime() + 3000);
  const ok = completedStatus(p, true, { now: later });
  assert.equal(ok.phase, "Succeeded");
  assert.equal(ok.podIP, "10.244.0.7", "the IP stays in status");
  const term = ok.containerStatuses?.[0]?.state?.terminated;
  assert.deepEqual([term?.exitCode, term?.reason, term?.startedAt, term?.finishedAt, term?.containerID], [0, "Completed", "2024-05-01T12:00:00Z", "2024-05-01T12:00:03Z", "fake://u-1/app"]);
  assert.equal(ok.containerStatuses?.[0]?.ready, false);
  assert.equal(ok.conditions?.find((c) => c.type === "Ready")?.reason, "PodCompleted");
  assert.equal(podSummary({ ...p, status: ok }, later.getTime()).status, "Completed");
  const bad = completedStatus(p, false, { now: later });
  assert.equal(bad.phase, "Failed");
  assert.equal(bad.containerStatuses?.[0]?.state?.terminated?.reason, "Error");
  assert.equal(bad.containerStatuses?.[0]?.state?.terminated?.exitCode, 1);
  assert.equal(bad.conditions?.find((c) => c.type === "Ready")?.reason, "PodFailed");
  assert.equal(podSummary({ ...p, status: bad }, later.getTime()).status, "Error");
  const gone = terminatedStatus(p, { now: later });
  assert.equal(gone.phase, "Succeeded");
  assert.ok(gone.containerStatuses?.every((c) => c.state?.terminated?.exitCode === 0));
});

test("the fail ratio is stable per UID and close to the ratio", () => {
  assert.equal(failsByRatio("x", 0), false);
  assert.equal(failsByRatio("x", 1), true);
  assert.equal(failsByRatio("abc", 0.5), failsByRatio("abc", 0.5));
  let fails = 0;
  for (let i = 0; i < 10_000; i++) if (failsByRatio(`0b7c${i}-uid`, 0.3)) fails++;
  assert.ok(fails > 2700 && fails < 3300, `${fails}`);
});

test("images are reported as container runtimes do", () => {
  assert.equal(normalizeImage("nginx"), "docker.io/library/nginx:latest");
  assert.equal(normalizeImage("nginx:1.27"), "docker.io/library/nginx:1.27");
  assert.equal(normalizeImage("bitnami/redis"), "docker.io/bitnami/redis:latest");
  assert.equal(normalizeImage("localhost:5000/app"), "localhost:5000/app:latest");
  assert.equal(normalizeImage("registry.k8s.io/pause:3.10"), "registry.k8s.io/pause:3.10");
  assert.equal(normalizeImage("ghcr.io/a/b@sha256:abcd"), "ghcr.io/a/b@sha256:abcd");
});

test("conditions keep transition times while unchanged", () => {
  const out = mergeConditions([{ type: "Ready", status: "True", lastTransitionTime: "T1" }, { type: "x", status: "True" }], [{ type: "Ready", status: "True" }, { type: "Initialized", status: "True" }], "T2");
  assert.deepEqual(out.map((c) => [c.type, c.lastTransitionTime]), [["Ready", "T1"], ["Initialized", "T2"], ["x", undefined]]);
});
