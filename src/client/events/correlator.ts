/**
 * client-go's EventCorrelator, in memory and synchronous: it decides, for each event a
 * component records, whether it becomes a new Event object, bumps the count of an existing
 * one, or is dropped as spam.
 *
 * - Similar events (same source, object, type and reason) with many different messages are
 *   folded: once 10 distinct messages were seen within 10 minutes, further ones become one
 *   "(combined from similar events): <msg>" Event.
 * - The same event again within 10 minutes of its last occurrence bumps `count` and
 *   `lastTimestamp` of the Event it created (a merge patch) instead of creating another.
 * - A token bucket per source and object (burst 25, one more every 5 minutes) drops the rest.
 */
import type { EventObj } from "../../api/core/v1/event.js";

export const maxLruEntries = 4096;
export const aggregateWindowMs = 10 * 60 * 1000;
export const aggregateMaxEvents = 10;
export const spamBurst = 25;
export const spamRefillMs = 5 * 60 * 1000;
export const combinedPrefix = "(combined from similar events): ";

export interface CorrelatorOptions {
  /** Wall clock in ms. */
  now?: () => number;
  windowMs?: number;
  maxSimilar?: number;
  burst?: number;
  refillMs?: number;
}

/** The merge patch that bumps an existing Event. */
export interface EventPatch {
  count: number;
  lastTimestamp: string;
  message: string;
}

export type CorrelateResult =
  | { skip: true }
  | { skip: false; key: string; event: EventObj; patch?: EventPatch };

/** A Map bounded to its most recently used entries, as upstream's LRU caches. */
class Lru<V> {
  private readonly m = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    const v = this.m.get(k);
    if (v !== undefined) {
      this.m.delete(k);
      this.m.set(k, v);
    }
    return v;
  }
  set(k: string, v: V): void {
    this.m.delete(k);
    this.m.set(k, v);
    if (this.m.size > this.max) this.m.delete(this.m.keys().next().value!);
  }
  delete(k: string): void {
    this.m.delete(k);
  }
}

interface AggregateRecord {
  messages: Set<string>;
  lastMs: number;
}

interface ObservedRecord {
  name: string;
  count: number;
  firstTimestamp: string;
  lastMs: number;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

export class EventCorrelator {
  private readonly now: () => number;
  private readonly windowMs: number;
  private readonly maxSimilar: number;
  private readonly burst: number;
  private readonly refillMs: number;
  private readonly aggregates = new Lru<AggregateRecord>(maxLruEntries);
  private readonly observed = new Lru<ObservedRecord>(maxLruEntries);
  private readonly buckets = new Lru<Bucket>(maxLruEntries);

  constructor(opts: CorrelatorOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.windowMs = opts.windowMs ?? aggregateWindowMs;
    this.maxSimilar = opts.maxSimilar ?? aggregateMaxEvents;
    this.burst = opts.burst ?? spamBurst;
    this.refillMs = opts.refillMs ?? spamRefillMs;
  }

  /** `event` is a fresh Event (count 1, first = last = now); it is not modified. */
  correlate(event: EventObj): CorrelateResult {
    const nowMs = this.now();
    const { event: aggregated, key } = this.aggregate(event, nowMs);
    const { event: out, patch } = this.observe(aggregated, key, nowMs);
    if (!this.allow(spamKey(event), nowMs)) return { skip: true };
    return { skip: false, key, event: out, patch };
  }

  /** The Event a key refers to is gone (deleted or never written): the next occurrence creates one. */
  forget(key: string): void {
    this.observed.delete(key);
  }

  private aggregate(event: EventObj, nowMs: number): { event: EventObj; key: string } {
    const aggKey = aggregateKey(event);
    const message = event.message ?? "";
    let rec = this.aggregates.get(aggKey);
    if (!rec || nowMs - rec.lastMs > this.windowMs) rec = { messages: new Set(), lastMs: nowMs };
    rec.messages.add(message);
    rec.lastMs = nowMs;
    this.aggregates.set(aggKey, rec);
    if (rec.messages.size < this.maxSimilar) return { event, key: `${aggKey}\u0000${message}` };
    // Keep the set just under the limit, so every further distinct message is folded too.
    rec.messages.delete(rec.messages.values().next().value!);
    return { event: { ...event, message: combinedPrefix + message }, key: aggKey };
  }

  private observe(event: EventObj, key: string, nowMs: number): { event: EventObj; patch?: EventPatch } {
    const prev = this.observed.get(key);
    const lastTimestamp = event.lastTimestamp ?? new Date(nowMs).toISOString();
    if (!prev || nowMs - prev.lastMs > this.windowMs) {
      this.observed.set(key, { name: event.metadata.name!, count: event.count ?? 1, firstTimestamp: event.firstTimestamp ?? lastTimestamp, lastMs: nowMs });
      return { event };
    }
    const count = prev.count + 1;
    this.observed.set(key, { ...prev, count, lastMs: nowMs });
    const out: EventObj = {
      ...event,
      metadata: { ...event.metadata, name: prev.name },
      count,
      firstTimestamp: prev.firstTimestamp,
    };
    return { event: out, patch: { count, lastTimestamp, message: event.message ?? "" } };
  }

  private allow(key: string, nowMs: number): boolean {
    const b = this.buckets.get(key) ?? { tokens: this.burst, atMs: nowMs };
    // Continuous refill, as golang.org/x/time/rate.
    b.tokens = Math.min(this.burst, b.tokens + Math.max(0, nowMs - b.atMs) / this.refillMs);
    b.atMs = nowMs;
    const ok = b.tokens >= 1;
    if (ok) b.tokens--;
    this.buckets.set(key, b);
    return ok;
  }
}

function objectParts(ev: EventObj): string[] {
  const o = ev.involvedObject ?? {};
  return [ev.source?.component ?? "", ev.source?.host ?? "", o.kind ?? "", o.namespace ?? "", o.name ?? "", o.uid ?? "", o.apiVersion ?? ""];
}

/** Upstream's EventAggregatorByReasonFunc key: everything but the message. */
export function aggregateKey(ev: EventObj): string {
  return [...objectParts(ev), ev.type ?? "", ev.reason ?? "", ev.reportingComponent ?? "", ev.reportingInstance ?? ""].join("\u0000");
}

/** Upstream's getSpamKey: the source and the object. */
export function spamKey(ev: EventObj): string {
  return objectParts(ev).join("\u0000");
}
