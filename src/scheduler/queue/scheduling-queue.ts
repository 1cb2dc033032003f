/**
 * The scheduling queue (upstream's PriorityQueue, simplified):
 * - activeQ: pods ready to be tried, by the QueueSort plugin's order (priority, then time);
 * - backoffQ: pods that failed recently, by backoff expiry (1 s doubling per attempt to 10 s);
 * - unschedulablePods: pods that did not fit, parked until a cluster event that one of the
 *   plugins that rejected them registered (and whose hint says Queue) moves them back, or
 *   until they have waited 5 minutes.
 * Events that arrive while a pod is being scheduled are remembered, so that a pod failing
 * just after the event that would have helped it is not parked.
 */
import type { KubeObject } from "../../machinery/object.js";
import type { ClusterEvent, ClusterEventWithHint, QueuedPodInfo } from "../framework/interfaces.js";
import { PodInfo, specPriority, type PriorityResolver } from "../framework/pod-info.js";
import type { MaybeStatus } from "../framework/status.js";
import { podUid, type Pod } from "../framework/types.js";
import { KeyedHeap } from "./heap.js";
import { PodNominator } from "./nominator.js";

export interface QueueOptions {
  /** The QueueSort plugin's order (default: higher priority first, then older). */
  less?: (a: QueuedPodInfo, b: QueuedPodInfo) => boolean;
  /** PreEnqueue plugins: a non-success status keeps the pod out of activeQ (gated). */
  preEnqueue?: (pod: Pod) => MaybeStatus;
  /** Events each plugin registered, by plugin name. */
  events?: Map<string, ClusterEventWithHint[]>;
  priorityOf?: PriorityResolver;
  nominator?: PodNominator;
  now?: () => number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  maxInUnschedulableMs?: number;
}

interface LoggedEvent {
  event: ClusterEvent;
  oldObj: KubeObject | undefined;
  newObj: KubeObject | undefined;
}

const maxEventLog = 50_000;

export const defaultLess = (a: QueuedPodInfo, b: QueuedPodInfo): boolean =>
  a.pi.priority > b.pi.priority || (a.pi.priority === b.pi.priority && a.timestamp < b.timestamp);

/** Events that move every parked pod (upstream's wildcard events). */
export const unschedulableTimeout: ClusterEvent = { resource: "Pod", action: -1, label: "UnschedulableTimeout" };
export const forceActivate: ClusterEvent = { resource: "Pod", action: -1, label: "ForceActivate" };

export class SchedulingQueue {
  readonly nominator: PodNominator;
  /** Bumped on every pop. */
  schedulingCycle = 0;
  private readonly activeQ: KeyedHeap<QueuedPodInfo>;
  private readonly backoffQ: KeyedHeap<QueuedPodInfo>;
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  /** Pods popped and not yet done → the event-log position at pop time. */
  private readonly inFlight = new Map<string, number>();
  private eventLog: LoggedEvent[] = [];
  private eventBase = 0;
  private waiters: ((q: QueuedPodInfo | undefined) => void)[] = [];
  private closed = false;
  private timers: NodeJS.Timeout[] = [];
  private readonly now: () => number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxInUnschedulableMs: number;
  private readonly priorityOf: PriorityResolver;
  private readonly events: Map<string, ClusterEventWithHint[]>;
  private readonly preEnqueue: ((pod: Pod) => MaybeStatus) | undefined;

  constructor(opts: QueueOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxInUnschedulableMs = opts.maxInUnschedulableMs ?? 5 * 60_000;
    this.priorityOf = opts.priorityOf ?? specPriority;
    this.events = opts.events ?? new Map();
    this.preEnqueue = opts.preEnqueue;
    this.nominator = opts.nominator ?? new PodNominator();
    const key = (q: QueuedPodInfo): string => q.pi.uid;
    this.activeQ = new KeyedHeap(key, opts.less ?? defaultLess);
    this.backoffQ = new KeyedHeap(key, (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b));
  }

  /**
   * Starts the flushes: backoffQ when its first pod's backoff expires (upstream polls every
   * second; a timer at the expiry is as cheap and does not add up to a second of delay),
   * unschedulable pods every 30 s.
   */
  run(): void {
    this.running = true;
    this.timers.push(setInterval(() => this.flushUnschedulablePodsLeftover(), 30_000));
    for (const t of this.timers) t.unref?.();
    this.armBackoffTimer();
  }

  close(): void {
    this.closed = true;
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  private running = false;
  private backoffTimer: NodeJS.Timeout | undefined;
  private backoffTimerAt = Infinity;

  private addToBackoff(q: QueuedPodInfo): void {
    this.backoffQ.addOrUpdate(q);
    this.armBackoffTimer();
  }

  private armBackoffTimer(): void {
    if (!this.running) return;
    const top = this.backoffQ.peek();
    if (!top) return;
    const at = this.backoffExpiry(top);
    if (this.backoffTimer && at >= this.backoffTimerAt) return;
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.backoffTimerAt = at;
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      this.backoffTimerAt = Infinity;
      this.flushBackoffQCompleted();
    }, Math.max(0, at - this.now()) + 1);
  }

  // Backoff.

  backoffDuration(attempts: number): number {
    if (attempts === 0) return 0;
    let d = this.initialBackoffMs;
    for (let i = 1; i < attempts; i++) {
      if (d > this.maxBackoffMs - d) return this.maxBackoffMs;
      d += d;
    }
    return d;
  }

  backoffExpiry(q: QueuedPodInfo): number {
    return q.timestamp + this.backoffDuration(q.attempts);
  }

  isBackingOff(q: QueuedPodInfo): boolean {
    return this.backoffExpiry(q) > this.now();
  }

  // Pods from the informer.

  add(pod: Pod): void {
    const pi = new PodInfo(pod, this.priorityOf(pod));
    const q: QueuedPodInfo = { pi, timestamp: this.now(), attempts: 0, initialAttemptTimestamp: undefined, unschedulablePlugins: new Set(), gated: false };
    this.backoffQ.delete(pi.uid);
    this.unschedulable.delete(pi.uid);
    this.nominator.add(pi);
    this.moveToActive(q);
  }

  update(oldPod: Pod, newPod: Pod): void {
    const uid = podUid(newPod);
    const found = this.activeQ.get(uid) ?? this.backoffQ.get(uid) ?? this.unschedulable.get(uid);
    if (!found) {
      if (!this.inFlight.has(uid)) this.add(newPod);
      return;
    }
    const pi = found.pi.withPod(newPod, this.priorityOf(newPod));
    this.nominator.update(found.pi, pi);
    const q: QueuedPodInfo = { ...found, pi };
    if (this.activeQ.has(uid)) return this.activeQ.addOrUpdate(q);
    if (this.backoffQ.has(uid)) return this.addToBackoff(q);
    if (!isPodUpdated(oldPod, newPod)) {
      this.unschedulable.set(uid, q);
      return;
    }
    // The pod itself changed: it may fit now.
    this.unschedulable.delete(uid);
    if (q.gated || !this.isBackingOff(q)) this.moveToActive(q);
    else this.addToBackoff(q);
  }

  delete(pod: Pod): void {
    const uid = podUid(pod);
    this.activeQ.delete(uid);
    this.backoffQ.delete(uid);
    this.unschedulable.delete(uid);
    this.nominator.delete(uid);
  }

  /** Puts a pod in activeQ, unless a PreEnqueue plugin holds it back. */
  private moveToActive(q: QueuedPodInfo): void {
    const s = this.preEnqueue?.(q.pi.pod);
    if (s && !s.isSuccess()) {
      q.gated = true;
      this.unschedulable.set(q.pi.uid, q);
      return;
    }
    q.gated = false;
    this.activeQ.addOrUpdate(q);
    this.wake();
  }

  // The scheduling loop.

  pop(): Promise<QueuedPodInfo | undefined> {
    const q = this.activeQ.pop();
    if (q) return Promise.resolve(this.popped(q));
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((r) => this.waiters.push(r));
  }

  private wake(): void {
    while (this.waiters.length && this.activeQ.size) this.waiters.shift()!(this.popped(this.activeQ.pop()!));
  }

  private popped(q: QueuedPodInfo): QueuedPodInfo {
    q.attempts++;
    q.initialAttemptTimestamp ??= this.now();
    this.schedulingCycle++;
    this.inFlight.set(q.pi.uid, this.eventBase + this.eventLog.length);
    return q;
  }

  /** The pod's attempt is over (bound, or handed back with addUnschedulableIfNotPresent). */
  done(uid: string): void {
    if (!this.inFlight.delete(uid)) return;
    this.pruneEventLog();
  }

  /**
   * A pod that failed: parked in unschedulablePods, unless an event that happened during its
   * attempt could help it, or it failed on an error (then it just backs off).
   */
  addUnschedulableIfNotPresent(q: QueuedPodInfo): void {
    const uid = q.pi.uid;
    const since = this.inFlight.get(uid);
    this.inFlight.delete(uid);
    if (this.activeQ.has(uid) || this.backoffQ.has(uid) || this.unschedulable.has(uid)) return this.pruneEventLog();
    q.timestamp = this.now();
    // A log trimmed past this pod's start (overflow) lost events: requeue to be safe.
    let requeue = q.unschedulablePlugins.size === 0 || (since !== undefined && since < this.eventBase);
    if (!requeue && since !== undefined) {
      for (let i = Math.max(0, since - this.eventBase); i < this.eventLog.length; i++) {
        const e = this.eventLog[i]!;
        if (this.worthRequeuing(q, e.event, e.oldObj, e.newObj)) {
          requeue = true;
          break;
        }
      }
    }
    this.pruneEventLog();
    if (requeue) this.addToBackoff(q);
    else this.unschedulable.set(uid, q);
  }

  private pruneEventLog(): void {
    if (this.inFlight.size === 0) {
      this.eventBase += this.eventLog.length;
      this.eventLog = [];
      return;
    }
    const oldest = this.inFlight.values().next().value as number;
    const drop = oldest - this.eventBase;
    if (drop > 1024 && drop > this.eventLog.length / 2) {
      this.eventLog = this.eventLog.slice(drop);
      this.eventBase = oldest;
    }
  }

  // Cluster events.

  private worthRequeuing(q: QueuedPodInfo, event: ClusterEvent, oldObj: KubeObject | undefined, newObj: KubeObject | undefined): boolean {
    if (event.action === -1) return true;
    if (q.unschedulablePlugins.size === 0) return true;
    for (const plugin of q.unschedulablePlugins) {
      for (const reg of this.events.get(plugin) ?? []) {
        if (reg.resource !== event.resource || (reg.action & event.action) === 0) continue;
        if (!reg.hint) return true;
        try {
          if (reg.hint(q.pi.pod, oldObj, newObj) === "Queue") return true;
        } catch {
          return true;
        }
      }
    }
    return false;
  }

  /** Moves the parked pods this event could help to activeQ (or backoffQ while backing off). */
  moveAllToActiveOrBackoffQueue(event: ClusterEvent, oldObj?: KubeObject, newObj?: KubeObject): void {
    if (this.inFlight.size) {
      this.eventLog.push({ event, oldObj, newObj });
      if (this.eventLog.length > maxEventLog) {
        const drop = this.eventLog.length >> 1;
        this.eventLog = this.eventLog.slice(drop);
        this.eventBase += drop;
      }
    }
    if (this.unschedulable.size === 0) return;
    for (const [uid, q] of [...this.unschedulable]) {
      if (q.gated || !this.worthRequeuing(q, event, oldObj, newObj)) continue;
      this.unschedulable.delete(uid);
      if (this.isBackingOff(q)) this.addToBackoff(q);
      else this.moveToActive(q);
    }
  }

  flushBackoffQCompleted(): void {
    const now = this.now();
    for (let q = this.backoffQ.peek(); q && this.backoffExpiry(q) <= now; q = this.backoffQ.peek()) {
      this.backoffQ.pop();
      this.moveToActive(q);
    }
    this.armBackoffTimer();
  }

  flushUnschedulablePodsLeftover(): void {
    const now = this.now();
    for (const [uid, q] of [...this.unschedulable]) {
      if (q.gated || now - q.timestamp < this.maxInUnschedulableMs) continue;
      this.unschedulable.delete(uid);
      if (this.isBackingOff(q)) this.addToBackoff(q);
      else this.moveToActive(q);
    }
  }

  // Introspection.

  has(uid: string): boolean {
    return this.activeQ.has(uid) || this.backoffQ.has(uid) || this.unschedulable.has(uid);
  }

  where(uid: string): "active" | "backoff" | "unschedulable" | "gated" | "inFlight" | undefined {
    if (this.activeQ.has(uid)) return "active";
    if (this.backoffQ.has(uid)) return "backoff";
    const u = this.unschedulable.get(uid);
    if (u) return u.gated ? "gated" : "unschedulable";
    return this.inFlight.has(uid) ? "inFlight" : undefined;
  }

  pending(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return { active: this.activeQ.size, backoff: this.backoffQ.size, unschedulable: this.unschedulable.size, inFlight: this.inFlight.size };
  }
}

/** Whether anything but status and bookkeeping metadata changed. */
export function isPodUpdated(oldPod: Pod, newPod: Pod): boolean {
  const strip = (p: Pod): string => {
    const { resourceVersion: _rv, generation: _g, managedFields: _mf, ...meta } = p.metadata;
    return JSON.stringify([meta, p.spec]);
  };
  return strip(oldPod) !== strip(newPod);
}
