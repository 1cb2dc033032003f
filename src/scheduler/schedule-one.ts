/**
 * The scheduling loop (upstream's Scheduler.ScheduleOne): pop a pod, run the synchronous
 * scheduling cycle over the cache (schedule, or PostFilter/preemption on failure), assume the
 * pod on the chosen node, Reserve and Permit, then run the binding cycle (WaitOnPermit,
 * PreBind, Bind) in the background while the next pod is scheduled. Failures go back to the
 * queue with a FailedScheduling event and a PodScheduled=False condition.
 */
import { setImmediate as yieldToIO } from "node:timers/promises";
import type { Cache } from "./cache/cache.js";
import { CycleState } from "./framework/cycle-state.js";
import { FitError } from "./framework/fit-error.js";
import type { Framework } from "./framework/framework.js";
import type { ClusterApi, EventRecorder, QueuedPodInfo } from "./framework/interfaces.js";
import type { PodInfo } from "./framework/pod-info.js";
import { Algorithm, ErrNoNodesAvailable } from "./framework/schedule.js";
import { Status, type MaybeStatus } from "./framework/status.js";
import type { Pod } from "./framework/types.js";
import { truncateMessage } from "./events.js";
import type { SchedulingQueue } from "./queue/scheduling-queue.js";

export interface SchedulerStats {
  /** Scheduling cycles run. */
  attempts: number;
  /** Pods assumed on a node (binding started). */
  scheduled: number;
  /** Bindings the API server acknowledged. */
  bound: number;
  /** Cycles that found no node. */
  unschedulable: number;
  /** Cycles or bindings that failed on an error. */
  errors: number;
  /** Preemptions that nominated a node. */
  preemptions: number;
}

export interface SchedulerLoopOptions {
  fwk: Framework;
  cache: Cache;
  queue: SchedulingQueue;
  algorithm?: Algorithm;
  api: ClusterApi;
  recorder: EventRecorder;
  /** The informer's current version of a pod (undefined when deleted). */
  getPod(namespace: string, name: string): Pod | undefined;
  /** Bindings in flight beyond which the loop waits (default 256). */
  maxInFlightBinds?: number;
  log?: (msg: string) => void;
}

const yieldEveryMs = 8;

export class SchedulerLoop {
  readonly stats: SchedulerStats = { attempts: 0, scheduled: 0, bound: 0, unschedulable: 0, errors: 0, preemptions: 0 };
  private readonly algorithm: Algorithm;
  private readonly inFlight = new Set<Promise<void>>();
  private slotWaiter: (() => void) | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  private readonly maxInFlight: number;
  private readonly log: (msg: string) => void;

  constructor(private readonly o: SchedulerLoopOptions) {
    this.algorithm = o.algorithm ?? new Algorithm(o.fwk.profile.percentageOfNodesToScore ?? 0);
    this.maxInFlight = o.maxInFlightBinds ?? 256;
    this.log = o.log ?? (() => {});
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Stops taking pods and waits for the bindings in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.o.queue.close();
    this.o.fwk.rejectWaitingPods("scheduler stopped");
    this.slotWaiter?.();
    await this.running;
    await Promise.allSettled([...this.inFlight]);
  }

  private async run(): Promise<void> {
    let last = performance.now();
    while (!this.stopped) {
      const q = await this.o.queue.pop();
      if (!q || this.stopped) break;
      try {
        this.scheduleOne(q);
      } catch (err) {
        this.log(`scheduling ${q.pi.key}: ${(err as Error).stack ?? String(err)}`);
        this.o.queue.done(q.pi.uid);
      }
      // Let informer events and binding replies in between pods.
      const now = performance.now();
      if (now - last > yieldEveryMs) {
        await yieldToIO();
        last = performance.now();
      }
      while (this.inFlight.size >= this.maxInFlight && !this.stopped) await new Promise<void>((r) => (this.slotWaiter = r));
    }
  }

  /** One scheduling cycle; synchronous, so the cache cannot change under it. */
  scheduleOne(q: QueuedPodInfo): void {
    const { fwk, cache, queue } = this.o;
    const pi = q.pi;
    const pod = pi.pod;
    if (pod.metadata.deletionTimestamp || cache.isAssumed(pi.uid)) {
      queue.done(pi.uid);
      return;
    }
    this.stats.attempts++;
    fwk.setSnapshot(cache.updateSnapshot());
    const state = new CycleState();
    const nominated = queue.nominator.nominatedNodeOf(pi.uid) ?? pod.status?.nominatedNodeName ?? "";
    let host: string;
    try {
      host = this.algorithm.schedulePod(fwk, state, pi, cache, nominated).suggestedHost;
    } catch (err) {
      if (err instanceof FitError) {
        this.stats.unschedulable++;
        let nominating: string | undefined;
        if (fwk.hasPostFilterPlugins()) {
          const pf = fwk.runPostFilterPlugins(state, pi, err.diagnosis.nodeToStatus);
          err.diagnosis.postFilterMsg = pf.status.message();
          if (pf.status.code === "Error") this.log(`PostFilter for ${pi.key}: ${pf.status.message()}`);
          nominating = pf.result?.nominatedNodeName;
          if (nominating) this.stats.preemptions++;
        }
        this.handleFailure(q, err.diagnosis.unschedulablePlugins, "Unschedulable", err.describe(), nominating);
        return;
      }
      if (err instanceof ErrNoNodesAvailable) {
        this.stats.unschedulable++;
        this.handleFailure(q, new Set(), "Unschedulable", err.message, "");
        return;
      }
      this.stats.errors++;
      this.log(`scheduling ${pi.key}: ${(err as Error).message}`);
      this.handleFailure(q, new Set(), "SchedulerError", (err as Error).message, "");
      return;
    }
    const assumed = pi.withNodeName(host);
    cache.assumePod(assumed);
    queue.nominator.delete(pi.uid);
    const reserve = fwk.runReservePluginsReserve(state, assumed, host);
    if (reserve) {
      fwk.runReservePluginsUnreserve(state, assumed, host);
      cache.forgetPod(assumed);
      this.failCycle(q, reserve);
      return;
    }
    const permit = fwk.runPermitPlugins(state, assumed, host);
    if (permit && permit.code !== "Wait") {
      fwk.runReservePluginsUnreserve(state, assumed, host);
      cache.forgetPod(assumed);
      this.failCycle(q, permit);
      return;
    }
    this.stats.scheduled++;
    const p = this.bindingCycle(q, state, assumed, host).finally(() => {
      this.inFlight.delete(p);
      if (this.inFlight.size < this.maxInFlight) {
        const w = this.slotWaiter;
        this.slotWaiter = undefined;
        w?.();
      }
    });
    this.inFlight.add(p);
  }

  private failCycle(q: QueuedPodInfo, s: Status): void {
    if (s.isRejected()) {
      this.stats.unschedulable++;
      this.handleFailure(q, new Set(s.plugin ? [s.plugin] : []), "Unschedulable", s.message());
    } else {
      this.stats.errors++;
      this.handleFailure(q, new Set(), "SchedulerError", s.message());
    }
  }

  private async bindingCycle(q: QueuedPodInfo, state: CycleState, assumed: PodInfo, host: string): Promise<void> {
    const { fwk, cache, queue } = this.o;
    let s: MaybeStatus = await fwk.waitOnPermit(assumed);
    if (!s) s = await fwk.runPreBindPlugins(state, assumed, host);
    if (!s) {
      s = await fwk.runBindPlugins(state, assumed, host);
      if (s?.code === "Skip") s = Status.error(new Error("no bind plugin bound the pod"));
    }
    if (s && !s.isSuccess()) {
      fwk.runReservePluginsUnreserve(state, assumed, host);
      cache.forgetPod(assumed);
      // The room it held is free again.
      queue.moveAllToActiveOrBackoffQueue({ resource: "Pod", action: 2, label: "AssignedPodDelete" }, assumed.pod, undefined);
      this.failCycle(q, s);
      return;
    }
    cache.finishBinding(assumed);
    this.stats.bound++;
    const pod = assumed.pod;
    this.o.recorder(pod, "Normal", "Scheduled", "Binding", `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${host}`);
    fwk.runPostBindPlugins(state, assumed, host);
    queue.done(assumed.uid);
  }

  /**
   * Reports a failed attempt (event, pod condition, nomination) and hands the pod back to the
   * queue — unless it was deleted or bound meanwhile. `nominating`: undefined keeps the
   * current nomination, "" clears it, a name sets it.
   */
  private handleFailure(q: QueuedPodInfo, plugins: Set<string>, reason: "Unschedulable" | "SchedulerError", message: string, nominating?: string): void {
    const { queue, fwk } = this.o;
    const pod = q.pi.pod;
    q.unschedulablePlugins = plugins;
    this.o.recorder(pod, "Warning", "FailedScheduling", "Scheduling", truncateMessage(message));
    const current = this.o.getPod(pod.metadata.namespace ?? "", pod.metadata.name ?? "");
    if (!current || current.metadata.uid !== pod.metadata.uid || current.spec?.nodeName) {
      queue.done(q.pi.uid);
      return;
    }
    // Keep a nomination this scheduler made whose status write may not have landed yet.
    const keep = nominating ?? queue.nominator.nominatedNodeOf(q.pi.uid);
    q.pi = q.pi.withPod(current, fwk.priorityOf(current));
    queue.nominator.add(q.pi, keep);
    queue.addUnschedulableIfNotPresent(q);
    void this.updatePodStatus(current, reason, message, nominating);
  }

  private async updatePodStatus(pod: Pod, reason: string, message: string, nominating: string | undefined): Promise<void> {
    const conds = pod.status?.conditions ?? [];
    const cur = conds.find((c) => c.type === "PodScheduled");
    const nnnChange = nominating !== undefined && (pod.status?.nominatedNodeName ?? "") !== nominating;
    const condChange = !cur || cur.status !== "False" || cur.reason !== reason || cur.message !== message;
    if (!condChange && !nnnChange) return;
    const status: Record<string, unknown> = {};
    if (condChange) {
      const lastTransitionTime = cur && cur.status === "False" && cur.lastTransitionTime ? cur.lastTransitionTime : new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
      status.conditions = [{ type: "PodScheduled", status: "False", reason, message, lastProbeTime: null, lastTransitionTime }];
    }
    if (nnnChange) status.nominatedNodeName = nominating || null;
    try {
      await this.o.api.patchPodStatus(pod, status);
    } catch (err) {
      if ((err as { code?: number }).code !== 404) this.log(`updating status of ${pod.metadata.namespace}/${pod.metadata.name}: ${(err as Error).message}`);
    }
  }

  get bindingsInFlight(): number {
    return this.inFlight.size;
  }
}
