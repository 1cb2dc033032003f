/**
 * The Pod row of `kubectl get pods`: READY, STATUS (upstream's printPod reason logic),
 * RESTARTS with the time of the last restart, and the wide columns.
 */
import type { ContainerStatus, Pod } from "kubernetes-types/core/v1.js";
import { age } from "../../printers.js";
import type { Obj } from "./common.js";

export type PodObj = Obj<Pod>;

/** NodeUnreachablePodReason, set by the node lifecycle controller. */
const nodeUnreachablePodReason = "NodeLost";

function time(t: string | undefined): number {
  if (!t) return 0;
  const v = Date.parse(t);
  return Number.isNaN(v) ? 0 : v;
}

export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

/** The READY, STATUS and RESTARTS cells, as printPod computes them. */
export function podSummary(pod: PodObj, now: number = Date.now()): PodSummary {
  const spec = pod.spec ?? { containers: [] };
  const status = pod.status ?? {};
  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = (spec.containers ?? []).length;
  let readyContainers = 0;
  let lastRestart = 0;
  let lastRestartableInitRestart = 0;

  const phase = status.phase ?? "";
  let reason: string = status.reason || phase;
  for (const c of status.conditions ?? []) {
    if (c.type === "PodScheduled" && c.reason === "SchedulingGated") reason = "SchedulingGated";
  }

  const initSpecs = new Map((spec.initContainers ?? []).map((c) => [c.name, c]));
  const isRestartable = (name: string) => initSpecs.get(name)?.restartPolicy === "Always";
  for (const c of spec.initContainers ?? []) if (c.restartPolicy === "Always") totalContainers++;

  let initializing = false;
  const initStatuses: ContainerStatus[] = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i]!;
    restarts += c.restartCount ?? 0;
    const lastTerm = time(c.lastState?.terminated?.finishedAt);
    if (lastTerm > lastRestart) lastRestart = lastTerm;
    if (isRestartable(c.name)) {
      restartableInitRestarts += c.restartCount ?? 0;
      if (lastTerm > lastRestartableInitRestart) lastRestartableInitRestart = lastTerm;
    }
    const term = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (term && term.exitCode === 0) continue;
    if (isRestartable(c.name) && c.started) {
      if (c.ready) readyContainers++;
      continue;
    }
    if (term) {
      if (!term.reason) reason = term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode}`;
      else reason = `Init:${term.reason}`;
    } else if (waiting?.reason && waiting.reason !== "PodInitializing") {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    }
    initializing = true;
    break;
  }

  const initializedTrue = (status.conditions ?? []).some((c) => c.type === "Initialized" && c.status === "True");
  if (!initializing || initializedTrue) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const cs = status.containerStatuses ?? [];
    for (let i = cs.length - 1; i >= 0; i--) {
      const c = cs[i]!;
      restarts += c.restartCount ?? 0;
      const lastTerm = time(c.lastState?.terminated?.finishedAt);
      if (lastTerm > lastRestart) lastRestart = lastTerm;
      const waiting = c.state?.waiting;
      const term = c.state?.terminated;
      if (waiting?.reason) reason = waiting.reason;
      else if (term?.reason) reason = term.reason;
      else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === "Completed" && hasRunning) {
      const podReady = (status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
      reason = podReady ? "Running" : "NotReady";
    }
  }

  if (pod.metadata.deletionTimestamp && status.reason === nodeUnreachablePodReason) reason = "Unknown";
  else if (pod.metadata.deletionTimestamp && phase !== "Succeeded" && phase !== "Failed") reason = "Terminating";

  let restartsStr = String(restarts);
  if (restarts !== 0 && lastRestart !== 0) restartsStr = `${restarts} (${age(new Date(lastRestart).toISOString(), now)} ago)`;
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsStr };
}

/** All cells, wide ones included: NAME READY STATUS RESTARTS AGE | IP NODE NOMINATED NODE READINESS GATES. */
export function podRow(pod: PodObj, now: number = Date.now()): unknown[] {
  const { ready, status, restarts } = podSummary(pod, now);
  const st = pod.status ?? {};
  const podIP = st.podIPs?.[0]?.ip || st.podIP || "<none>";
  const nodeName = pod.spec?.nodeName || "<none>";
  const nominated = st.nominatedNodeName || "<none>";
  let gates = "<none>";
  const rg = pod.spec?.readinessGates ?? [];
  if (rg.length > 0) {
    let trueCount = 0;
    for (const g of rg) {
      const c = (st.conditions ?? []).find((x) => x.type === g.conditionType);
      if (c?.status === "True") trueCount++;
    }
    gates = `${trueCount}/${rg.length}`;
  }
  return [pod.metadata.name ?? "", ready, status, restarts, age(pod.metadata.creationTimestamp, now), podIP, nodeName, nominated, gates];
}
