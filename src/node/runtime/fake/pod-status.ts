/**
 * The pod lifecycle of a simulated node, as pure functions: `planPod` reads a pod (and what
 * the simulator remembers about it) and says what to do next; the `*Status` builders make
 * the status kubelet would report at each step. Nothing here does I/O or reads the clock.
 *
 * The steps follow kubelet's reports: Pending with containers waiting in ContainerCreating
 * (PodInitializing when there are init containers), then Running with every condition True,
 * then — for pods that run to completion — Succeeded or Failed with terminated containers.
 * A pod being deleted gets its containers terminated and is then deleted with grace 0.
 */
import { createHash } from "node:crypto";
import type { Container, ContainerStatus, PodCondition, PodStatus } from "kubernetes-types/core/v1.js";
import type { PodObj } from "../../../api/core/v1/pod-printer.js";
import { nowRFC3339 } from "../../../machinery/object.js";

export type { PodObj };

/** Where a pod is in the simulated lifecycle, read from its status. */
export type PodStage = "new" | "starting" | "running" | "terminal";

export type PodStep =
  | { kind: "none" }
  /** Look again after `ms`. */
  | { kind: "wait"; ms: number }
  /** Report Pending with containers being created. */
  | { kind: "starting" }
  /** Report Running (the caller allocates the pod IP). */
  | { kind: "run" }
  /** Report Succeeded or Failed. */
  | { kind: "complete"; succeeded: boolean }
  /** The pod is being deleted: report its containers terminated. */
  | { kind: "terminate" }
  /** Confirm the deletion (grace 0, UID precondition). */
  | { kind: "delete" };

export interface PlanContext {
  nowMs: number;
  /** When the simulator first saw the pod bound to its node (this process's memory). */
  firstSeenMs: number;
  /** Delay from first sight to Running. */
  startDelayMs: number;
  /** Write the Pending/ContainerCreating status before Running when there is a delay. */
  reportContainerCreating: boolean;
  /** When this process wrote Running, if it did (finer than startedAt's seconds). */
  runningSinceMs?: number;
  /** Pods with restartPolicy Never/OnFailure finish this long after they started running. */
  completeAfterMs?: number;
  /** Share of finishing pods that fail; which ones is a function of the UID. */
  failRatio: number;
  /** Simulated shutdown time; the grace period caps it. */
  terminationDelayMs: number;
}

export function podStage(pod: PodObj): PodStage {
  const st = pod.status;
  const phase = st?.phase;
  if (phase === "Succeeded" || phase === "Failed") return "terminal";
  if (phase === "Running") return "running";
  if ((st?.containerStatuses ?? []).length > 0) return "starting";
  return "new";
}

export function planPod(pod: PodObj, ctx: PlanContext): PodStep {
  const stage = podStage(pod);
  const meta = pod.metadata;
  if (meta.deletionTimestamp) {
    const graceMs = (meta.deletionGracePeriodSeconds ?? 0) * 1000;
    const markedMs = Date.parse(meta.deletionTimestamp) - graceMs;
    const dueMs = markedMs + Math.min(graceMs, ctx.terminationDelayMs);
    if (ctx.nowMs < dueMs) return { kind: "wait", ms: dueMs - ctx.nowMs };
    return stage === "running" ? { kind: "terminate" } : { kind: "delete" };
  }
  switch (stage) {
    case "terminal":
      return { kind: "none" };
    case "new":
    case "starting": {
      const dueMs = ctx.firstSeenMs + ctx.startDelayMs;
      if (ctx.nowMs >= dueMs) return { kind: "run" };
      if (stage === "new" && ctx.reportContainerCreating) return { kind: "starting" };
      return { kind: "wait", ms: dueMs - ctx.nowMs };
    }
    case "running": {
      if (ctx.completeAfterMs === undefined || !runsToCompletion(pod)) return { kind: "none" };
      const since = ctx.runningSinceMs ?? runningSince(pod);
      const dueMs = (since ?? ctx.nowMs) + ctx.completeAfterMs;
      if (ctx.nowMs < dueMs) return { kind: "wait", ms: dueMs - ctx.nowMs };
      return { kind: "complete", succeeded: !failsByRatio(meta.uid ?? meta.name ?? "", ctx.failRatio) };
    }
  }
}

export function runsToCompletion(pod: PodObj): boolean {
  const rp = pod.spec?.restartPolicy ?? "Always";
  return rp === "Never" || rp === "OnFailure";
}

/** When the pod's containers started, from the status (second precision). */
function runningSince(pod: PodObj): number | undefined {
  let best: number | undefined;
  for (const cs of pod.status?.containerStatuses ?? []) {
    const t = cs.state?.running?.startedAt;
    if (t) best = Math.min(best ?? Infinity, Date.parse(t));
  }
  if (best === undefined && pod.status?.startTime) best = Date.parse(pod.status.startTime);
  return best;
}

/** A stable draw in [0,1) per UID, so a restarted simulator makes the same choice. */
export function failsByRatio(uid: string, ratio: number): boolean {
  if (ratio <= 0) return false;
  if (ratio >= 1) return true;
  let h = 0x811c9dc5;
  for (let i = 0; i < uid.length; i++) {
    h ^= uid.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 2 ** 32 < ratio;
}

// ---------------------------------------------------------------------------------------------
// Status builders

export interface StatusContext {
  now: Date;
  hostIP: string;
  /** Required for `runningStatus` (for hostNetwork pods, the host IP). */
  podIP?: string;
}

const containerCreating = "ContainerCreating";
const podInitializing = "PodInitializing";

/** Pending: the sandbox is being created, containers wait. */
export function startingStatus(pod: PodObj, ctx: StatusContext): PodStatus {
  const now = nowRFC3339(ctx.now);
  const spec = pod.spec;
  const inits = spec?.initContainers ?? [];
  const containers = spec?.containers ?? [];
  const waitReason = inits.length ? podInitializing : containerCreating;
  const initStatuses = inits.map((c) => baseStatus(c, { waiting: { reason: podInitializing } }));
  const statuses = containers.map((c) => baseStatus(c, { waiting: { reason: waitReason } }));
  const unready = containers.map((c) => c.name);
  const conditions: PodCondition[] = [
    cond("PodReadyToStartContainers", "False"),
    inits.length
      ? cond("Initialized", "False", "ContainersNotInitialized", `containers with incomplete status: [${inits.map((c) => c.name).join(" ")}]`)
      : cond("Initialized", "True"),
    cond("Ready", "False", "ContainersNotReady", `containers with unready status: [${unready.join(" ")}]`),
    cond("ContainersReady", "False", "ContainersNotReady", `containers with unready status: [${unready.join(" ")}]`),
    cond("PodScheduled", "True"),
  ];
  return finish(pod, {
    phase: "Pending",
    conditions: mergeConditions(pod.status?.conditions, conditions, now),
    hostIP: ctx.hostIP,
    hostIPs: [{ ip: ctx.hostIP }],
    startTime: pod.status?.startTime ?? now,
    ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: statuses,
  });
}

/** Running: init containers completed, every container running and ready. */
export function runningStatus(pod: PodObj, ctx: StatusContext): PodStatus {
  if (!ctx.podIP) throw new Error("runningStatus needs a pod IP");
  const now = nowRFC3339(ctx.now);
  const uid = pod.metadata.uid ?? "";
  const spec = pod.spec;
  const initStatuses = (spec?.initContainers ?? []).map((c): ContainerStatus => {
    const ids = runtimeIds(uid, c);
    if (c.restartPolicy === "Always") {
      // A sidecar keeps running beside the main containers.
      return { ...baseStatus(c, { running: { startedAt: now } }), ...ids, ready: true, started: true };
    }
    return {
      ...baseStatus(c, { terminated: { exitCode: 0, reason: "Completed", startedAt: now, finishedAt: now, containerID: ids.containerID } }),
      ...ids,
    };
  });
  const statuses = (spec?.containers ?? []).map((c): ContainerStatus => ({
    ...baseStatus(c, { running: { startedAt: now } }),
    ...runtimeIds(uid, c),
    ready: true,
    started: true,
  }));
  const gates = readinessGatesMet(pod);
  const conditions: PodCondition[] = [
    cond("PodReadyToStartContainers", "True"),
    cond("Initialized", "True"),
    gates.ok ? cond("Ready", "True") : cond("Ready", "False", "ReadinessGatesNotReady", gates.message),
    cond("ContainersReady", "True"),
    cond("PodScheduled", "True"),
  ];
  return finish(pod, {
    phase: "Running",
    conditions: mergeConditions(pod.status?.conditions, conditions, now),
    hostIP: ctx.hostIP,
    hostIPs: [{ ip: ctx.hostIP }],
    podIP: ctx.podIP,
    podIPs: [{ ip: ctx.podIP }],
    startTime: pod.status?.startTime ?? now,
    ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: statuses,
  });
}

/** Succeeded or Failed: every container terminated (exit 0 Completed, or exit 1 Error). */
export function completedStatus(pod: PodObj, succeeded: boolean, ctx: { now: Date }): PodStatus {
  return terminalStatus(pod, succeeded ? { exitCode: 0, reason: "Completed" } : { exitCode: 1, reason: "Error" }, ctx.now);
}

/**
 * A pod being deleted: its containers stopped after SIGTERM. As kubelet does for a pod whose
 * deletion it carries out, the phase becomes terminal (Succeeded, as every container exited 0).
 */
export function terminatedStatus(pod: PodObj, ctx: { now: Date }): PodStatus {
  return terminalStatus(pod, { exitCode: 0, reason: "Completed" }, ctx.now);
}

function terminalStatus(pod: PodObj, exit: { exitCode: number; reason: string }, nowDate: Date): PodStatus {
  const now = nowRFC3339(nowDate);
  const old = pod.status ?? {};
  const uid = pod.metadata.uid ?? "";
  const terminate = (c: Container, prev: ContainerStatus | undefined, main: boolean): ContainerStatus => {
    const ids = runtimeIds(uid, c);
    const startedAt = prev?.state?.running?.startedAt ?? prev?.state?.terminated?.startedAt ?? now;
    // Completed init containers keep their own (successful) termination.
    const term = !main && prev?.state?.terminated ? prev.state.terminated
      : { exitCode: exit.exitCode, reason: exit.reason, startedAt, finishedAt: now, containerID: ids.containerID };
    return {
      ...baseStatus(c, { terminated: term }),
      ...ids,
      restartCount: prev?.restartCount ?? 0,
      ready: false,
      started: false,
    };
  };
  const byName = (list: ContainerStatus[] | undefined): Map<string, ContainerStatus> => new Map((list ?? []).map((s) => [s.name, s]));
  const prevInit = byName(old.initContainerStatuses);
  const prevMain = byName(old.containerStatuses);
  const initStatuses = (pod.spec?.initContainers ?? []).map((c) => terminate(c, prevInit.get(c.name), c.restartPolicy === "Always"));
  const statuses = (pod.spec?.containers ?? []).map((c) => terminate(c, prevMain.get(c.name), true));
  const succeeded = exit.exitCode === 0;
  // kubelet's terminal-phase conditions: not ready, with PodCompleted or PodFailed as reason.
  const terminalReason = succeeded ? "PodCompleted" : "PodFailed";
  const conditions: PodCondition[] = [
    cond("PodReadyToStartContainers", "False"),
    cond("Initialized", "True", succeeded ? "PodCompleted" : undefined),
    cond("Ready", "False", terminalReason),
    cond("ContainersReady", "False", terminalReason),
    cond("PodScheduled", "True"),
  ];
  const out: PodStatus = {
    ...old,
    phase: succeeded ? "Succeeded" : "Failed",
    conditions: mergeConditions(old.conditions, conditions, now),
    startTime: old.startTime ?? now,
    ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: statuses,
  };
  return finish(pod, out);
}

/** Keeps what kubelet does not own (qosClass, nominatedNodeName, other conditions...). */
function finish(pod: PodObj, status: PodStatus): PodStatus {
  const old = pod.status ?? {};
  const out: PodStatus = { ...old, ...status };
  if (old.qosClass) out.qosClass = old.qosClass;
  return out;
}

function baseStatus(c: Container, state: ContainerStatus["state"]): ContainerStatus {
  return { name: c.name, image: normalizeImage(c.image ?? ""), imageID: "", ready: false, restartCount: 0, started: false, state };
}

function runtimeIds(podUid: string, c: Container): { containerID: string; imageID: string } {
  const image = normalizeImage(c.image ?? "");
  return { containerID: `fake://${podUid}/${c.name}`, imageID: `fake://${imageRepo(image)}@sha256:${sha256(image)}` };
}

function sha256(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

/** `nginx` → `docker.io/library/nginx:latest`, as container runtimes report images. */
export function normalizeImage(image: string): string {
  if (!image) return image;
  let name = image;
  const slash = name.indexOf("/");
  const first = slash < 0 ? "" : name.slice(0, slash);
  const hasRegistry = slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost");
  if (!hasRegistry) name = `docker.io/${slash < 0 ? "library/" : ""}${name}`;
  const lastPart = name.slice(name.lastIndexOf("/") + 1);
  if (!lastPart.includes(":") && !name.includes("@")) name += ":latest";
  return name;
}

function imageRepo(image: string): string {
  const at = image.indexOf("@");
  if (at >= 0) return image.slice(0, at);
  const slash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  return colon > slash ? image.slice(0, colon) : image;
}

function readinessGatesMet(pod: PodObj): { ok: true } | { ok: false; message: string } {
  const conds = pod.status?.conditions ?? [];
  for (const g of pod.spec?.readinessGates ?? []) {
    const c = conds.find((x) => x.type === g.conditionType);
    if (!c) return { ok: false, message: `corresponding condition of pod readiness gate "${g.conditionType}" does not exist.` };
    if (c.status !== "True") return { ok: false, message: `the status of pod readiness gate "${g.conditionType}" is not "True", but ${c.status}` };
  }
  return { ok: true };
}

function cond(type: string, status: string, reason?: string, message?: string): PodCondition {
  const c: PodCondition = { type, status, lastProbeTime: null as unknown as string };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

/**
 * kubelet's conditions in its order, each keeping its lastTransitionTime while its status
 * does not change; conditions owned by others (readiness gates, DisruptionTarget) stay.
 */
export function mergeConditions(old: PodCondition[] | undefined, mine: PodCondition[], now: string): PodCondition[] {
  const prev = new Map((old ?? []).map((c) => [c.type, c]));
  const out = mine.map((c): PodCondition => {
    const p = prev.get(c.type);
    return { ...c, lastTransitionTime: p && p.status === c.status && p.lastTransitionTime ? p.lastTransitionTime : now };
  });
  const owned = new Set(mine.map((c) => c.type));
  for (const c of old ?? []) if (!owned.has(c.type)) out.push(c);
  return out;
}
