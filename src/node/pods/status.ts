/**
 * The PodStatus kubelet would report for a pod, from the pod and what the manager knows of its
 * containers (pure: no I/O, the clock is passed in). Phase follows kubelet's getPhase;
 * conditions keep their transition times through `mergeConditions` of the simulated nodes.
 */
import type { Container, ContainerState, ContainerStatus, PodCondition, PodStatus } from "kubernetes-types/core/v1.js";
import { podQOSClass } from "../../api/core/v1/pod.js";
import { nowRFC3339 } from "../../machinery/object.js";
import { mergeConditions, normalizeImage, type PodObj } from "../runtime/fake/pod-status.js";
import type { ContainerRecord, PodState, TerminatedInstance } from "./state.js";

export type Phase = "Pending" | "Running" | "Succeeded" | "Failed";

export interface StatusInput {
  now: Date;
  hostIP: string;
  /** "runc" or "process": the scheme of containerIDs. */
  runtimeName: string;
  /** The sandbox exists with its network (PodReadyToStartContainers). */
  sandboxReady: boolean;
  /** Overrides the computed phase (a pod whose deletion kubelet carried out). */
  phase?: Phase;
}

const rfc3339 = (t: string | undefined): string | undefined => (t ? nowRFC3339(new Date(t)) : undefined);

/** True when the record's current instance exited (a terminated state to report or act on). */
export function exited(rec: ContainerRecord | undefined): boolean {
  return !!rec?.id && (rec.status?.state === "exited" || rec.status?.state === "unknown");
}

export function running(rec: ContainerRecord | undefined): boolean {
  return !!rec?.id && rec.status?.state === "running";
}

/** Exit code of the current instance (unknown counts as a failure, as kubelet's 137). */
export function exitCodeOf(rec: ContainerRecord): number {
  return rec.status?.state === "unknown" ? 137 : rec.status?.exitCode ?? 0;
}

/** Whether the pod's restartPolicy restarts a container that exited with `code`. */
export function shouldRestart(policy: string | undefined, code: number): boolean {
  if (policy === "Never") return false;
  if (policy === "OnFailure") return code !== 0;
  return true;
}

/** Every init container has completed successfully (none pending or failing). */
export function initDone(pod: PodObj, state: PodState | undefined): boolean {
  return (pod.spec?.initContainers ?? []).every((c) => {
    const rec = state?.containers[c.name];
    return !!rec && exited(rec) && exitCodeOf(rec) === 0 && !rec.waiting;
  });
}

export function podPhase(pod: PodObj, state: PodState | undefined): Phase {
  const old = pod.status?.phase;
  if (old === "Succeeded" || old === "Failed") return old;
  const policy = pod.spec?.restartPolicy ?? "Always";
  for (const c of pod.spec?.initContainers ?? []) {
    const rec = state?.containers[c.name];
    if (rec && exited(rec) && exitCodeOf(rec) === 0 && !rec.waiting) continue;
    if (rec && exited(rec) && policy === "Never") return "Failed";
    return "Pending";
  }
  let runningN = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const c of pod.spec?.containers ?? []) {
    const rec = state?.containers[c.name];
    if (rec && running(rec) && !rec.waiting) runningN++;
    else if (rec && exited(rec) && !rec.waiting) {
      stopped++;
      if (exitCodeOf(rec) === 0) succeeded++;
    } else if (rec?.last || exited(rec)) stopped++;
    else waiting++;
  }
  if (waiting > 0) return "Pending";
  if (runningN > 0) return "Running";
  if (stopped > 0) {
    if (policy === "Always") return "Running";
    if (stopped === succeeded) return "Succeeded";
    if (policy === "Never") return "Failed";
    return "Running";
  }
  return "Pending";
}

function stateOf(rec: ContainerRecord | undefined, id: string | undefined, fallbackReason: string): ContainerState {
  if (rec?.waiting) return { waiting: { reason: rec.waiting.reason, ...(rec.waiting.message ? { message: rec.waiting.message } : {}) } };
  const st = rec?.status;
  if (rec?.id && st?.state === "running") return { running: { startedAt: rfc3339(st.startedAt) ?? nowRFC3339() } };
  if (rec?.id && (st?.state === "exited" || st?.state === "unknown")) {
    const unknown = st.state === "unknown";
    return {
      terminated: {
        exitCode: unknown ? 137 : st.exitCode ?? 0,
        reason: unknown ? "ContainerStatusUnknown" : st.reason ?? (st.exitCode === 0 ? "Completed" : "Error"),
        ...(st.message || unknown ? { message: st.message ?? "The container could not be located when the pod was terminated" } : {}),
        ...(st.startedAt ? { startedAt: rfc3339(st.startedAt)! } : {}),
        finishedAt: rfc3339(st.finishedAt) ?? nowRFC3339(),
        ...(id ? { containerID: id } : {}),
      },
    };
  }
  return { waiting: { reason: fallbackReason } };
}

/** The current (exited) instance of a record as a TerminatedInstance. */
export function retired(rec: ContainerRecord, id: string): TerminatedInstance {
  const st = rec.status;
  const unknown = st?.state === "unknown";
  return {
    containerId: id,
    exitCode: exitCodeOf(rec),
    reason: unknown ? "ContainerStatusUnknown" : st?.reason ?? (exitCodeOf(rec) === 0 ? "Completed" : "Error"),
    ...(st?.message ? { message: st.message } : {}),
    ...(st?.startedAt ? { startedAt: st.startedAt } : {}),
    finishedAt: st?.finishedAt ?? new Date().toISOString(),
    logPath: rec.logPath ?? "",
    ...(rec.dir ? { dir: rec.dir } : {}),
  };
}

function containerStatus(c: Container, rec: ContainerRecord | undefined, scheme: string, fallbackReason: string): ContainerStatus {
  const id = rec?.id && rec.status ? `${scheme}://${rec.id}` : undefined;
  const isRunning = running(rec) && !rec?.waiting;
  // In back-off the exited instance is the last state; the next one has not been made yet.
  const last = rec && rec.waiting && exited(rec) && rec.id ? retired(rec, rec.id) : rec?.last;
  const out: ContainerStatus = {
    name: c.name,
    image: rec?.imageRef ?? normalizeImage(c.image ?? ""),
    imageID: rec?.imageID ?? "",
    ...(id ? { containerID: id } : {}),
    ready: isRunning,
    started: isRunning,
    restartCount: rec?.restartCount ?? 0,
    state: stateOf(rec, id, fallbackReason),
    lastState: last ? {
      terminated: {
        exitCode: last.exitCode, reason: last.reason, ...(last.message ? { message: last.message } : {}),
        ...(last.startedAt ? { startedAt: rfc3339(last.startedAt)! } : {}),
        finishedAt: rfc3339(last.finishedAt)!, containerID: `${scheme}://${last.containerId}`,
      },
    } : {},
  };
  return out;
}

function cond(type: string, status: string, reason?: string, message?: string): PodCondition {
  const c: PodCondition = { type, status, lastProbeTime: null as unknown as string };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

export function buildStatus(pod: PodObj, state: PodState | undefined, input: StatusInput): PodStatus {
  const now = nowRFC3339(input.now);
  const spec = pod.spec;
  const inits = spec?.initContainers ?? [];
  const apps = spec?.containers ?? [];
  const phase = input.phase ?? podPhase(pod, state);
  const initialized = inits.length === 0 || initDone(pod, state);
  const scheme = input.runtimeName;
  const initStatuses = inits.map((c) => containerStatus(c, state?.containers[c.name], scheme, "PodInitializing"));
  const appStatuses = apps.map((c) => containerStatus(c, state?.containers[c.name], scheme, initialized ? "ContainerCreating" : "PodInitializing"));
  const terminal = phase === "Succeeded" || phase === "Failed";
  const unready = appStatuses.filter((s) => !s.ready).map((s) => s.name);
  const incompleteInit = inits.filter((c) => {
    const rec = state?.containers[c.name];
    return !(rec && exited(rec) && exitCodeOf(rec) === 0 && !rec.waiting);
  }).map((c) => c.name);
  const conditions: PodCondition[] = [];
  conditions.push(cond("PodReadyToStartContainers", input.sandboxReady && !terminal ? "True" : "False"));
  if (terminal) {
    const r = phase === "Succeeded" ? "PodCompleted" : "PodFailed";
    conditions.push(initialized ? cond("Initialized", "True", phase === "Succeeded" ? "PodCompleted" : undefined)
      : cond("Initialized", "False", "ContainersNotInitialized", `containers with incomplete status: [${incompleteInit.join(" ")}]`));
    conditions.push(cond("Ready", "False", r), cond("ContainersReady", "False", r));
  } else {
    conditions.push(initialized ? cond("Initialized", "True")
      : cond("Initialized", "False", "ContainersNotInitialized", `containers with incomplete status: [${incompleteInit.join(" ")}]`));
    const msg = `containers with unready status: [${unready.join(" ")}]`;
    const gates = readinessGates(pod);
    if (unready.length) conditions.push(cond("Ready", "False", "ContainersNotReady", msg));
    else if (gates) conditions.push(cond("Ready", "False", "ReadinessGatesNotReady", gates));
    else conditions.push(cond("Ready", "True"));
    conditions.push(unready.length ? cond("ContainersReady", "False", "ContainersNotReady", msg) : cond("ContainersReady", "True"));
  }
  conditions.push(cond("PodScheduled", "True"));
  const old = pod.status ?? {};
  const out: PodStatus = {
    ...old,
    phase,
    conditions: mergeConditions(old.conditions, conditions, now),
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    startTime: old.startTime ?? rfc3339(state?.startTime) ?? now,
    qosClass: old.qosClass ?? podQOSClass(spec),
    containerStatuses: appStatuses,
  };
  if (initStatuses.length) out.initContainerStatuses = initStatuses;
  if (state?.podIP) {
    out.podIP = state.podIP;
    out.podIPs = [{ ip: state.podIP }];
  }
  return out;
}

function readinessGates(pod: PodObj): string | undefined {
  const conds = pod.status?.conditions ?? [];
  for (const g of pod.spec?.readinessGates ?? []) {
    const c = conds.find((x) => x.type === g.conditionType);
    if (!c) return `corresponding condition of pod readiness gate "${g.conditionType}" does not exist.`;
    if (c.status !== "True") return `the status of pod readiness gate "${g.conditionType}" is not "True", but ${c.status}`;
  }
  return undefined;
}
