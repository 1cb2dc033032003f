/**
 * Events the scheduler reports (core/v1 Event objects): written in the background with a
 * bounded backlog (dropped beyond it, as upstream's broadcaster drops when its channel is
 * full), and repeated ones (same pod, reason and message within 10 minutes) folded into one
 * Event whose count and lastTimestamp are patched, as upstream's correlator does.
 */
import os from "node:os";
import type { PatchType } from "../client/interfaces.js";
import type { KubeObject } from "../machinery/object.js";
import { nowRFC3339 } from "../machinery/object.js";
import type { EventType } from "./framework/interfaces.js";
import type { Pod } from "./framework/types.js";

/** What the recorder needs of the core/v1 Events client. */
export interface EventWriter {
  create(namespace: string | undefined, obj: KubeObject): Promise<unknown>;
  patch(namespace: string | undefined, name: string, type: PatchType, patch: unknown): Promise<unknown>;
}

export interface EventRecorderOptions {
  component: string;
  /** Events waiting to be written beyond which new ones are dropped. */
  maxQueued?: number;
  /** Concurrent writes. */
  concurrency?: number;
  log?: (msg: string) => void;
}

interface Pending {
  pod: Pod;
  type: EventType;
  reason: string;
  action: string;
  message: string;
  at: Date;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  first: string;
  lastMs: number;
}

const aggregateWindowMs = 10 * 60_000;
const maxSeen = 4096;
const maxMessageLength = 1024;

/** Upstream's truncateMessage: events carry at most 1024 characters. */
export function truncateMessage(msg: string): string {
  const suffix = " ...";
  return msg.length <= maxMessageLength ? msg : msg.slice(0, maxMessageLength - suffix.length) + suffix;
}

export class SchedulerEventRecorder {
  private readonly queue: Pending[] = [];
  private readonly seen = new Map<string, Seen>();
  private active = 0;
  private seq = 0;
  private idle: (() => void)[] = [];
  private readonly instance: string;
  readonly stats = { written: 0, aggregated: 0, dropped: 0, failed: 0 };

  constructor(private readonly events: EventWriter, private readonly opts: EventRecorderOptions) {
    this.instance = `${opts.component}-${os.hostname()}`;
  }

  record = (pod: Pod, type: EventType, reason: string, action: string, message: string): void => {
    if (this.queue.length >= (this.opts.maxQueued ?? 1000)) {
      this.stats.dropped++;
      return;
    }
    this.queue.push({ pod, type, reason, action, message: truncateMessage(message), at: new Date() });
    this.pump();
  };

  /** Resolves once every queued event was written (or failed). */
  flush(): Promise<void> {
    if (this.active === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private pump(): void {
    const max = this.opts.concurrency ?? 8;
    while (this.active < max && this.queue.length) {
      const e = this.queue.shift()!;
      this.active++;
      void this.write(e).catch((err: unknown) => {
        this.stats.failed++;
        this.opts.log?.(`event ${e.reason} for ${e.pod.metadata.namespace}/${e.pod.metadata.name}: ${(err as Error).message}`);
      }).finally(() => {
        this.active--;
        this.pump();
        if (this.active === 0 && this.queue.length === 0) for (const r of this.idle.splice(0)) r();
      });
    }
  }

  private async write(e: Pending): Promise<void> {
    const meta = e.pod.metadata;
    const namespace = meta.namespace || "default";
    const key = `${meta.uid ?? `${namespace}/${meta.name}`}\0${e.type}\0${e.reason}\0${e.message}`;
    const now = nowRFC3339(e.at);
    const prev = this.seen.get(key);
    if (prev && e.at.getTime() - prev.lastMs < aggregateWindowMs) {
      prev.count++;
      prev.lastMs = e.at.getTime();
      try {
        await this.events.patch(prev.namespace, prev.name, "merge", { count: prev.count, lastTimestamp: now });
        this.stats.aggregated++;
        return;
      } catch {
        // The event is gone (expired, deleted): write a new one.
        this.seen.delete(key);
      }
    }
    const name = `${meta.name}.${(BigInt(e.at.getTime()) * 1_000_000n + BigInt(this.seq++ % 1_000_000)).toString(16)}`;
    const ev: KubeObject = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject: { kind: "Pod", namespace, name: meta.name, uid: meta.uid, apiVersion: "v1", resourceVersion: meta.resourceVersion },
      reason: e.reason,
      message: e.message,
      type: e.type,
      action: e.action,
      source: { component: this.opts.component },
      reportingComponent: this.opts.component,
      reportingInstance: this.instance,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    await this.events.create(namespace, ev);
    this.stats.written++;
    if (this.seen.size >= maxSeen) this.seen.delete(this.seen.keys().next().value as string);
    this.seen.set(key, { name, namespace, count: 1, first: now, lastMs: e.at.getTime() });
  }
}
