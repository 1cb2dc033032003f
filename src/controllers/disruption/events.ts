/**
 * A small core/v1 Event recorder for the disruption controller (client-go's legacy recorder,
 * trimmed): one Event per involved object, reason and message, created in the background.
 * A repeat of the same event for the same object is dropped instead of counted, which keeps a
 * budget that syncs often from flooding the API. A shared controller runtime may replace it.
 */
import { nowRFC3339, type KubeObject } from "../../machinery/object.js";
import type { ResourceOps } from "../../client/interfaces.js";

export type EventType = "Normal" | "Warning";

export interface EventRecorder {
  /** `obj` must carry apiVersion and kind (list items may not: set them first). */
  event(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

/** Upstream names events `<object>.<unix nanoseconds in hex>`. */
function eventName(objectName: string): string {
  const ns = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  return `${objectName}.${ns.toString(16)}`;
}

/** How many (object, reason) pairs the recorder remembers for its dedup. */
const rememberedMax = 10_000;

export function eventRecorder(events: ResourceOps<KubeObject>, component: string, onError?: (err: Error) => void): EventRecorder {
  const last = new Map<string, string>();
  return {
    event(obj, type, reason, message) {
      const key = `${obj.metadata.uid ?? ""}/${reason}`;
      if (last.get(key) === message) return;
      last.delete(key);
      last.set(key, message);
      if (last.size > rememberedMax) last.delete(last.keys().next().value!);
      const now = nowRFC3339();
      const ns = obj.metadata.namespace || "default";
      const ev: KubeObject = {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name: eventName(obj.metadata.name ?? "object"), namespace: ns },
        involvedObject: {
          kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name, uid: obj.metadata.uid,
          apiVersion: obj.apiVersion, resourceVersion: obj.metadata.resourceVersion,
        },
        reason,
        message,
        source: { component },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        type,
        eventTime: null,
        reportingComponent: component,
        reportingInstance: "",
      };
      events.create(ns, ev).catch((err: unknown) => onError?.(err instanceof Error ? err : new Error(String(err))));
    },
  };
}
