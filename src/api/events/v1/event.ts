/**
 * events.k8s.io/v1 Event, served from core/v1 Event storage as upstream does: the two shapes
 * convert field by field (note ↔ message, regarding ↔ involvedObject, reportingController ↔
 * reportingComponent, deprecated* ↔ source/firstTimestamp/lastTimestamp/count) and print
 * with the core Event printer.
 */
import type { Event as EventT } from "kubernetes-types/events/v1.js";
import type { ResourceDef } from "../../../machinery/resource.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { isPlainObject, type KubeObject } from "../../../machinery/object.js";
import { isDNS1123Subdomain, isQualifiedName } from "../../../machinery/validation.js";
import { age } from "../../printers.js";
import { semanticEqual } from "../../common/equality.js";
import { column, defineResource, isCreate, nameColumn, type Obj } from "../../common/define.js";

export type EventsEvent = Obj<EventT>;

type Rec = Record<string, unknown>;

const rec = (v: unknown): Rec => (isPlainObject(v) ? v : {});
const str = (v: unknown): string => (typeof v === "string" ? v : "");
const zeroTime = (v: unknown): boolean => v === undefined || v === null || v === "";

/** Copies `from[a]` to `to[b]` when set. */
function copy(from: Rec, to: Rec, pairs: [string, string][]): void {
  for (const [a, b] of pairs) if (from[a] !== undefined) to[b] = from[a];
}

const renamed: [events: string, core: string][] = [
  ["note", "message"],
  ["regarding", "involvedObject"],
  ["reportingController", "reportingComponent"],
  ["deprecatedSource", "source"],
  ["deprecatedFirstTimestamp", "firstTimestamp"],
  ["deprecatedLastTimestamp", "lastTimestamp"],
  ["deprecatedCount", "count"],
];
const same = ["eventTime", "series", "action", "reason", "related", "type", "reportingInstance"].map((k): [string, string] => [k, k]);

/** events.k8s.io/v1 → core/v1, with the zero values Go writes for the core struct. */
export function eventToCore(ev: EventsEvent): KubeObject {
  const out: KubeObject = { apiVersion: "v1", kind: "Event", metadata: ev.metadata };
  copy(ev, out, [...same, ...renamed]);
  out.involvedObject ??= {};
  out.source ??= {};
  out.firstTimestamp ??= null;
  out.lastTimestamp ??= null;
  out.eventTime ??= null;
  out.reportingComponent ??= "";
  out.reportingInstance ??= "";
  if (out.count === 0) delete out.count;
  return out;
}

/** core/v1 → events.k8s.io/v1. */
export function eventFromCore(core: KubeObject): EventsEvent {
  const out: EventsEvent = { apiVersion: "events.k8s.io/v1", kind: "Event", metadata: core.metadata };
  const flipped = renamed.map(([a, b]): [string, string] => [b, a]);
  copy(core, out, [...same, ...flipped]);
  out.eventTime ??= null as unknown as string;
  out.regarding ??= {};
  out.deprecatedSource ??= {};
  out.deprecatedFirstTimestamp ??= null as unknown as string;
  out.deprecatedLastTimestamp ??= null as unknown as string;
  if (!out.reportingController) delete out.reportingController;
  if (!out.reportingInstance) delete out.reportingInstance;
  if (!out.deprecatedCount) delete out.deprecatedCount;
  return out;
}

const reportingInstanceLimit = 128;
const actionLimit = 128;
const reasonLimit = 128;
const noteLimit = 1024;

/** legacyValidateEvent for a new-style event (eventTime set), with upstream's internal field paths. */
function validateLegacy(ev: EventsEvent): FieldError[] {
  const errs: FieldError[] = [];
  const ns = ev.metadata.namespace ?? "";
  const regarding = rec(ev.regarding);
  if (zeroTime(ev.eventTime)) {
    const ro = str(regarding.namespace);
    if (ro ? ns !== ro : ns !== "" && ns !== "default") errs.push(field.invalid("involvedObject.namespace", ro, "does not match event.namespace"));
  } else {
    if (!str(regarding.namespace) && ns !== "default" && ns !== "kube-system") {
      errs.push(field.invalid("involvedObject.namespace", str(regarding.namespace), "does not match event.namespace"));
    }
    const rc = str(ev.reportingController);
    if (!rc) errs.push(field.required("reportingController"));
    for (const m of isQualifiedName(rc)) errs.push(field.invalid("reportingController", rc, m));
    const ri = str(ev.reportingInstance);
    if (!ri) errs.push(field.required("reportingInstance"));
    if (ri.length > reportingInstanceLimit) errs.push(field.invalid("reportingInstance", "", `can have at most ${reportingInstanceLimit} characters`));
    const action = str(ev.action);
    if (!action) errs.push(field.required("action"));
    if (action.length > actionLimit) errs.push(field.invalid("action", "", `can have at most ${actionLimit} characters`));
    const reason = str(ev.reason);
    if (!reason) errs.push(field.required("reason"));
    if (reason.length > reasonLimit) errs.push(field.invalid("reason", "", `can have at most ${reasonLimit} characters`));
    if (str(ev.note).length > noteLimit) errs.push(field.invalid("message", "", `can have at most ${noteLimit} characters`));
  }
  for (const m of isDNS1123Subdomain(ns)) errs.push(field.invalid("namespace", ns, m));
  return errs;
}

function validateSeries(ev: EventsEvent): FieldError[] {
  if (ev.series == null) return [];
  const s = rec(ev.series);
  const errs: FieldError[] = [];
  if (typeof s.count !== "number" || s.count < 2) errs.push(field.invalid("series.count", "", "should be at least 2"));
  if (zeroTime(s.lastObservedTime)) errs.push(field.required("series.lastObservedTime"));
  return errs;
}

export function validateEvent(ev: EventsEvent): FieldError[] {
  const errs = validateLegacy(ev);
  // The strict checks apply to creates; an update re-checks only a changed series (validateEventUpdate).
  if (!isCreate(ev)) return errs;
  errs.push(...validateSeries(ev));
  if (zeroTime(ev.eventTime)) errs.push(field.required("eventTime"));
  if (ev.type !== "Normal" && ev.type !== "Warning") errs.push(field.invalid("type", "", `has invalid value: ${str(ev.type)}`));
  if (!zeroTime(ev.deprecatedFirstTimestamp)) errs.push(field.invalid("deprecatedFirstTimestamp", "", "needs to be unset"));
  if (!zeroTime(ev.deprecatedLastTimestamp)) errs.push(field.invalid("deprecatedLastTimestamp", "", "needs to be unset"));
  if (ev.deprecatedCount) errs.push(field.invalid("deprecatedCount", "", "needs to be unset"));
  const src = rec(ev.deprecatedSource);
  if (src.component || src.host) errs.push(field.invalid("deprecatedSource", "", "needs to be unset"));
  return errs;
}

/** Everything but the series is fixed once written; the paths are upstream's internal ones. */
const immutable: [events: string, path: string][] = [
  ["regarding", "involvedObject"],
  ["reason", "reason"],
  ["note", "message"],
  ["deprecatedSource", "source"],
  ["deprecatedFirstTimestamp", "firstTimestamp"],
  ["deprecatedLastTimestamp", "lastTimestamp"],
  ["deprecatedCount", "count"],
  ["type", "type"],
  ["eventTime", "eventTime"],
  ["action", "action"],
  ["related", "related"],
  ["reportingController", "reportingController"],
  ["reportingInstance", "reportingInstance"],
];

export function validateEventUpdate(ev: EventsEvent, old: EventsEvent): FieldError[] {
  const errs = semanticEqual(ev.series, old.series) ? [] : validateSeries(ev);
  for (const [k, path] of immutable) {
    if (!semanticEqual(ev[k], old[k])) errs.push(field.invalid(path, ev[k] ?? null, "field is immutable"));
  }
  return errs;
}

/** printEvent over the core shape. */
export function coreEventRow(e: KubeObject): unknown[] {
  const firstTs = e.firstTimestamp as string | null | undefined;
  const eventTime = e.eventTime as string | null | undefined;
  const first = !zeroTime(firstTs) ? age(firstTs) : !zeroTime(eventTime) ? age(eventTime) : "<unknown>";
  let last = !zeroTime(e.lastTimestamp) ? age(e.lastTimestamp as string) : first;
  let count = typeof e.count === "number" ? e.count : 0;
  const series = isPlainObject(e.series) ? e.series : undefined;
  if (series) {
    last = zeroTime(series.lastObservedTime) ? "<unknown>" : age(series.lastObservedTime as string);
    count = typeof series.count === "number" ? series.count : 0;
  } else if (count === 0) {
    count = 1;
  }
  const io = rec(e.involvedObject);
  const kind = str(io.kind).toLowerCase();
  const target = str(io.name) ? `${kind}/${str(io.name)}` : kind;
  const src = rec(e.source);
  const component = str(src.component) || str(e.reportingComponent);
  const instance = str(src.host) || str(e.reportingInstance);
  const source = instance ? `${component}, ${instance}` : component;
  return [last, str(e.type), str(e.reason), target, str(io.fieldPath), source, str(e.message).trim(), first, count, e.metadata.name];
}

export const eventColumns = [
  column("Last Seen", "The time at which the most recent occurrence of this event was recorded."),
  column("Type", "Type of this event (Normal, Warning), new types could be added in the future"),
  column("Reason", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
  column("Object", "The object that this event is about."),
  column("Subobject", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: \"spec.containers{name}\" (where \"name\" refers to the name of the container that triggered the event) or if no container name is specified \"spec.containers[2]\" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.", "string", 1),
  column("Source", "The component reporting this event. Should be a short machine understandable string.", "string", 1),
  column("Message", "A human-readable description of the status of this operation."),
  column("First Seen", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", "string", 1),
  column("Count", "The number of times this event has occurred.", "string", 1),
  { ...nameColumn, priority: 1 },
];

const regardingField = (k: string) => (ev: EventsEvent): string => str(rec(ev.regarding)[k]);

export const eventsEventResource = defineResource<EventsEvent>({
  group: "events.k8s.io",
  version: "v1",
  kind: "Event",
  plural: "events",
  singular: "event",
  shortNames: ["ev"],
  namespaced: true,
  schema: "io.k8s.api.events.v1.Event",
  columns: eventColumns,
  row: (ev) => coreEventRow(eventToCore(ev)),
  validate: validateEvent,
  validateUpdate: validateEventUpdate,
  storedAs: { group: "", version: "v1", toStored: eventToCore, fromStored: eventFromCore },
  fieldSelectors: {
    reason: (ev) => str(ev.reason),
    reportingController: (ev) => str(ev.reportingController),
    type: (ev) => str(ev.type),
    "regarding.kind": regardingField("kind"),
    "regarding.namespace": regardingField("namespace"),
    "regarding.name": regardingField("name"),
    "regarding.uid": regardingField("uid"),
    "regarding.apiVersion": regardingField("apiVersion"),
    "regarding.resourceVersion": regardingField("resourceVersion"),
    "regarding.fieldPath": regardingField("fieldPath"),
  },
});

export const eventsV1Resources: ResourceDef[] = [eventsEventResource];
