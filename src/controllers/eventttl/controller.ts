/**
 * The Event TTL controller: core/v1 Events expire a TTL (1 h by default, kube-apiserver's
 * --event-ttl) after they were last seen. Upstream gives each Event an etcd lease; here a
 * controller watches Events, requeues each key until its expiry, then deletes it with a
 * resourceVersion precondition, so an Event bumped meanwhile (count+1) is kept and requeued
 * by its update.
 */
import type { EventObj } from "../../api/core/v1/event.js";
import { objectKey, splitKey } from "../../client/index.js";
import { StatusError } from "../../machinery/errors.js";
import type { ControllerFactory, ReconcileResult } from "../runtime/index.js";

export const defaultEventTTLMs = 60 * 60 * 1000;

export interface EventTTLOptions {
  ttlMs?: number;
  /** Wall clock in ms (tests). */
  now?: () => number;
  workers?: number;
}

/** When the Event was last seen: the latest of its timestamps, else its creation. */
export function lastSeenMs(ev: EventObj): number | undefined {
  const times = [ev.lastTimestamp, ev.series?.lastObservedTime, ev.eventTime]
    .filter((t): t is string => typeof t === "string" && t !== "")
    .map((t) => Date.parse(t))
    .filter((t) => Number.isFinite(t));
  if (times.length) return Math.max(...times);
  const created = ev.metadata.creationTimestamp ? Date.parse(ev.metadata.creationTimestamp) : NaN;
  return Number.isFinite(created) ? created : undefined;
}

export function eventTTLController(opts: EventTTLOptions = {}): ControllerFactory {
  const ttlMs = opts.ttlMs ?? defaultEventTTLMs;
  const now = opts.now ?? Date.now;
  return (deps) => {
    const informer = deps.informers.forKind<EventObj>("v1", "Event");
    return {
      name: "eventttl",
      workers: opts.workers ?? 2,
      waitFor: [informer],
      setup(q) {
        informer.addHandler({
          onAdd: (ev) => q.add(objectKey(ev)),
          onUpdate: (_old, ev) => q.add(objectKey(ev)),
        });
      },
      async reconcile(key): Promise<ReconcileResult | void> {
        const ev = informer.get(key);
        if (!ev) return;
        const seen = lastSeenMs(ev);
        if (seen !== undefined) {
          const left = seen + ttlMs - now();
          if (left > 0) return { requeueAfterMs: left };
        }
        const { namespace, name } = splitKey(key);
        try {
          await deps.client.events.delete(namespace, name, {
            preconditions: { uid: ev.metadata.uid, resourceVersion: ev.metadata.resourceVersion },
          });
        } catch (err) {
          // Gone already, or changed since the cache saw it (its update requeues it).
          if (err instanceof StatusError && (err.code === 404 || err.code === 409)) return;
          throw err;
        }
      },
    };
  };
}
