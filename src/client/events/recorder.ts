/**
 * The event recorder (client-go's EventRecorder + EventBroadcaster to an API sink): `event()`
 * builds a core/v1 Event, runs it through the EventCorrelator (count aggregation, folding of
 * similar events, spam filter) and queues the write. Writes are asynchronous, so recording
 * never blocks a reconcile; writes for one correlation key stay in order (the create before
 * the patches that bump it); a few concurrent writes at most. A write that fails on a network
 * error or an overloaded server is retried a few times, then dropped; one the server rejects
 * is dropped at once (as upstream), except a patch of an Event that vanished, which creates
 * it again.
 */
import os from "node:os";
import type { EventObj } from "../../api/core/v1/event.js";
import type { ApiClient } from "../client.js";
import { StatusError } from "../../machinery/errors.js";
import { nowRFC3339, type KubeObject } from "../../machinery/object.js";
import { EventCorrelator, type CorrelatorOptions, type EventPatch } from "./correlator.js";

/** Records Events about an object (controllers' and the node agent's recorder interfaces have this shape). */
export interface EventRecorder {
  event(obj: KubeObject, type: "Normal" | "Warning", reason: string, message: string): void;
  /** Resolves when queued writes are done (tests). */
  flush(): Promise<void>;
}

export interface EventRecorderOptions {
  /** source.host and reportingInstance; default the machine's hostname. */
  host?: string;
  /** Wall clock in ms (tests). */
  now?: () => number;
  /** Retries after the first failed attempt (default 3), `retryDelayMs` apart, doubling (default 500). */
  maxRetries?: number;
  retryDelayMs?: number;
  /** Writes in flight at once (default 4). */
  concurrency?: number;
  /** Where dropped events are reported (default console.warn). */
  log?: (message: string) => void;
  /** Overrides of the correlator's limits (window, similar-event limit, spam burst and refill). */
  correlator?: Omit<CorrelatorOptions, "now">;
}

interface Write {
  key: string;
  event: EventObj;
  patch?: EventPatch;
}

/** A recorder that can also be told to stop (the manager closes the ones it made). */
export interface ClosableEventRecorder extends EventRecorder {
  /** Drops what is still queued and stops retrying. */
  close(): void;
}

export function newEventRecorder(client: ApiClient, component: string, opts: EventRecorderOptions = {}): ClosableEventRecorder {
  return new Recorder(client, component, opts);
}

class Recorder implements ClosableEventRecorder {
  private readonly host: string;
  private readonly now: () => number;
  private readonly correlator: EventCorrelator;
  private readonly log: (m: string) => void;
  /** The tail of each key's chain of writes. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();
  private active = 0;
  private readonly slots: (() => void)[] = [];
  private lastNanos = 0n;
  private closed = false;
  private readonly sleepers = new Map<NodeJS.Timeout, () => void>();

  constructor(private readonly client: ApiClient, private readonly component: string, private readonly opts: EventRecorderOptions) {
    this.host = opts.host ?? os.hostname();
    this.now = opts.now ?? Date.now;
    this.correlator = new EventCorrelator({ ...opts.correlator, now: this.now });
    this.log = opts.log ?? ((m) => console.warn(m));
  }

  event(obj: KubeObject, type: "Normal" | "Warning", reason: string, message: string): void {
    if (this.closed) return;
    const ev = this.makeEvent(obj, type, reason, message);
    if (!ev) return;
    const res = this.correlator.correlate(ev);
    if (res.skip) return;
    this.enqueue({ key: res.key, event: res.event, patch: res.patch });
  }

  async flush(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  close(): void {
    this.closed = true;
    for (const [t, wake] of this.sleepers) {
      clearTimeout(t);
      wake();
    }
    this.sleepers.clear();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.sleepers.delete(t);
        resolve();
      }, ms);
      this.sleepers.set(t, resolve);
    });
  }

  private makeEvent(obj: KubeObject, type: string, reason: string, message: string): EventObj | undefined {
    const { kind, apiVersion } = obj;
    const { name, namespace, uid, resourceVersion } = obj.metadata;
    if (!kind || !apiVersion || !name) {
      // Upstream's GetReference fails the same way: an event about an unknown object is dropped.
      this.log(`event recorder ${this.component}: cannot reference ${apiVersion ?? "?"}/${kind ?? "?"} ${name ?? "?"}; dropping event ${reason}: ${message}`);
      return undefined;
    }
    const nowMs = this.now();
    const ts = nowRFC3339(new Date(nowMs));
    return {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `${name}.${this.nanos(nowMs).toString(16)}`, namespace: namespace || "default" },
      involvedObject: { kind, namespace: namespace || undefined, name, uid, apiVersion, resourceVersion },
      reason,
      message,
      source: { component: this.component, host: this.host },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      type,
      reportingComponent: this.component,
      reportingInstance: this.host,
    };
  }

  /** Unix nanoseconds, strictly increasing, so two events of one object never share a name. */
  private nanos(nowMs: number): bigint {
    let n = BigInt(Math.floor(nowMs)) * 1_000_000n + process.hrtime.bigint() % 1_000_000n;
    if (n <= this.lastNanos) n = this.lastNanos + 1n;
    this.lastNanos = n;
    return n;
  }

  private enqueue(w: Write): void {
    const prev = this.chains.get(w.key) ?? Promise.resolve();
    const p = prev.then(() => this.withSlot(() => this.write(w)));
    this.chains.set(w.key, p);
    this.inFlight.add(p);
    void p.finally(() => {
      this.inFlight.delete(p);
      if (this.chains.get(w.key) === p) this.chains.delete(w.key);
    });
  }

  private async withSlot(fn: () => Promise<void>): Promise<void> {
    const limit = this.opts.concurrency ?? 4;
    if (this.active >= limit) await new Promise<void>((r) => this.slots.push(r));
    this.active++;
    try {
      await fn();
    } finally {
      this.active--;
      this.slots.shift()?.();
    }
  }

  private async write(w: Write): Promise<void> {
    const retries = this.opts.maxRetries ?? 3;
    let delay = this.opts.retryDelayMs ?? 500;
    let patch = w.patch;
    for (let attempt = 0; ; attempt++) {
      if (this.closed) return;
      try {
        if (patch) {
          await this.client.events.patch(w.event.metadata.namespace, w.event.metadata.name!, "merge", patch);
        } else {
          await this.client.events.create(w.event.metadata.namespace, w.event);
        }
        return;
      } catch (err) {
        if (patch && err instanceof StatusError && err.code === 404) {
          // The Event expired (TTL) or its create was dropped: write it whole again.
          patch = undefined;
          attempt--;
          continue;
        }
        if (err instanceof StatusError && err.code === 409 && err.reason === "AlreadyExists") return;
        const retriable = !(err instanceof StatusError) || err.code === 429 || err.code >= 500;
        if (!retriable || attempt >= retries) {
          if (!patch) this.correlator.forget(w.key);
          this.log(`event recorder ${this.component}: dropping event ${w.event.reason} about ${w.event.involvedObject.kind}/${w.event.involvedObject.name}: ${(err as Error).message}`);
          return;
        }
      }
      await this.sleep(delay);
      delay *= 2;
    }
  }
}

