/** core/v1 Event: legacy validation, the LAST SEEN / OBJECT printer and involvedObject selectors. */
import type { Event } from "kubernetes-types/core/v1.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { isDNS1123Subdomain } from "../../../machinery/validation.js";
import { age } from "../../printers.js";
import { col, defineResource, nameColumn, type Obj, validateQualifiedName } from "./common.js";

export type EventObj = Obj<Event>;

/** legacyValidateEvent as applied to requests through core/v1. */
export function validateEvent(ev: EventObj): FieldError[] {
  const out: FieldError[] = [];
  const ns = ev.metadata.namespace ?? "";
  const invNs = ev.involvedObject?.namespace ?? "";
  if (!ev.eventTime) {
    if (!invNs) {
      if (ns !== "" && ns !== "default") out.push(field.invalid("involvedObject.namespace", invNs, "does not match event.namespace"));
    } else if (ns !== invNs) {
      out.push(field.invalid("involvedObject.namespace", invNs, "does not match event.namespace"));
    }
  } else {
    if (!invNs && ns !== "default" && ns !== "kube-system") out.push(field.invalid("involvedObject.namespace", invNs, "does not match event.namespace"));
    const rc = ev.reportingComponent ?? "";
    if (!rc) out.push(field.required("reportingComponent"));
    out.push(...validateQualifiedName(rc, "reportingComponent"));
    const ri = ev.reportingInstance ?? "";
    if (!ri) out.push(field.required("reportingInstance"));
    if (ri.length > 128) out.push(field.invalid("reportingInstance", "", "can have at most 128 characters"));
    const action = ev.action ?? "";
    if (!action) out.push(field.required("action"));
    if (action.length > 128) out.push(field.invalid("action", "", "can have at most 128 characters"));
  }
  for (const m of isDNS1123Subdomain(ns)) out.push(field.invalid("namespace", ns, m));
  return out;
}

function eventRow(ev: EventObj, now: number = Date.now()): unknown[] {
  const first = ev.firstTimestamp ? age(ev.firstTimestamp, now) : age(ev.eventTime, now);
  let last = ev.lastTimestamp ? age(ev.lastTimestamp, now) : first;
  let count = ev.count ?? 0;
  if (ev.series) {
    last = age(ev.series.lastObservedTime, now);
    count = ev.series.count ?? 0;
  } else if (count === 0) {
    count = 1;
  }
  const inv = ev.involvedObject ?? {};
  const kind = (inv.kind ?? "").toLowerCase();
  const target = inv.name ? `${kind}/${inv.name}` : kind;
  const component = ev.source?.component || ev.reportingComponent || "";
  const instance = ev.source?.host || ev.reportingInstance || "";
  const source = instance ? `${component}, ${instance}` : component;
  return [last, ev.type ?? "", ev.reason ?? "", target, inv.fieldPath ?? "", source, (ev.message ?? "").trim(), first, count, ev.metadata.name ?? ""];
}

export const eventResource = defineResource<EventObj>({
  group: "", version: "v1", kind: "Event",
  plural: "events", singular: "event", shortNames: ["ev"],
  namespaced: true,
  schema: "io.k8s.api.core.v1.Event",
  columns: [
    col("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
    col("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future"),
    col("Reason", "string", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    col("Object", "string", "The object that this event is about."),
    col("Subobject", "string", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: \"spec.containers{name}\" (where \"name\" refers to the name of the container that triggered the event) or if no container name is specified \"spec.containers[2]\" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.", 1),
    col("Source", "string", "The component reporting this event. Should be a short machine understandable string.", 1),
    col("Message", "string", "A human-readable description of the status of this operation."),
    col("First Seen", "string", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", 1),
    col("Count", "string", "The number of times this event has occurred.", 1),
    { ...nameColumn, priority: 1 },
  ],
  row: (ev) => eventRow(ev),
  validate: validateEvent,
  validateUpdate: (ev) => validateEvent(ev),
  fieldSelectors: {
    "involvedObject.kind": (ev) => ev.involvedObject?.kind ?? "",
    "involvedObject.namespace": (ev) => ev.involvedObject?.namespace ?? "",
    "involvedObject.name": (ev) => ev.involvedObject?.name ?? "",
    "involvedObject.uid": (ev) => ev.involvedObject?.uid ?? "",
    "involvedObject.apiVersion": (ev) => ev.involvedObject?.apiVersion ?? "",
    "involvedObject.resourceVersion": (ev) => ev.involvedObject?.resourceVersion ?? "",
    "involvedObject.fieldPath": (ev) => ev.involvedObject?.fieldPath ?? "",
    reason: (ev) => ev.reason ?? "",
    reportingComponent: (ev) => ev.reportingComponent ?? "",
    source: (ev) => ev.source?.component || ev.reportingComponent || "",
    type: (ev) => ev.type ?? "",
  },
});

export { eventRow };
