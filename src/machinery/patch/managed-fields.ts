/**
 * `metadata.managedFields`: decoding and encoding entries (FieldsV1), the identity of a
 * manager, and the bookkeeping upstream does for writes that are not apply (create,
 * update, JSON/merge/strategic patches): the fields a write changes move to the writer's
 * `Update` entry and out of everyone else's.
 */
import type { SchemaSet } from "../schema.js";
import { isPlainObject, nowRFC3339, type KubeObject, type ManagedFieldsEntry } from "../object.js";
import { FieldSet, fieldElement } from "./fieldpath.js";
import { SchemaRef } from "./schema-ref.js";
import { compare, withoutFields, zeroSkeleton } from "./typed.js";
import { createdFieldsV1 } from "./created-fields.js";

export interface ManagedEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
}

/**
 * The key that tells entries apart, as upstream's BuildManagerIdentifier: appliers are one
 * entry whatever version they use; updaters get an entry per API version.
 */
export function managerIdentity(e: { manager: string; operation: string; apiVersion?: string; subresource?: string }): string {
  const id: Record<string, string> = { manager: e.manager, operation: e.operation };
  if (e.operation !== "Apply" && e.apiVersion) id.apiVersion = e.apiVersion;
  if (e.subresource) id.subresource = e.subresource;
  return JSON.stringify(id);
}

/** How upstream names a manager in conflict messages: `"kubectl-client-side-apply" using apps/v1`. */
export function printManager(e: { manager: string; operation: string; apiVersion?: string; subresource?: string }): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === "Update") s += ` using ${e.apiVersion ?? ""}`;
  return s;
}

/** Entries whose fields cannot be read are dropped (upstream resets what it cannot decode). */
export function decodeManagedFields(list: readonly ManagedFieldsEntry[] | undefined): ManagedEntry[] {
  const out: ManagedEntry[] = [];
  for (const e of list ?? []) {
    if (typeof e !== "object" || e === null || Array.isArray(e)) continue;
    let set: FieldSet;
    try {
      set = e.fieldsV1 === undefined ? new FieldSet() : FieldSet.fromFieldsV1(e.fieldsV1);
    } catch {
      continue;
    }
    const entry: ManagedEntry = {
      manager: e.manager ?? "",
      operation: e.operation === "Apply" ? "Apply" : "Update",
      apiVersion: e.apiVersion ?? "",
      set,
    };
    if (e.subresource) entry.subresource = e.subresource;
    if (e.time) entry.time = e.time;
    out.push(entry);
  }
  return out;
}

/** Encodes in upstream's order: Apply before Update, then by time, manager, version, subresource. */
export function encodeManagedFields(entries: readonly ManagedEntry[]): ManagedFieldsEntry[] {
  const live = entries.filter((e) => !e.set.empty);
  const seconds = (t?: string) => (t ? Math.floor(Date.parse(t) / 1000) || 0 : 0);
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  live.sort((p, q) =>
    cmp(p.operation, q.operation) || seconds(p.time) - seconds(q.time) || cmp(p.manager, q.manager) ||
    cmp(p.apiVersion, q.apiVersion) || cmp(p.subresource ?? "", q.subresource ?? ""));
  return live.map((e) => {
    const out: ManagedFieldsEntry = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion };
    if (e.time) out.time = e.time;
    out.fieldsType = "FieldsV1";
    out.fieldsV1 = e.set.toFieldsV1();
    if (e.subresource) out.subresource = e.subresource;
    return out;
  });
}

/** Paths nobody owns: type meta and the metadata the server maintains (upstream's stripMeta). */
const stripSet = FieldSet.of(
  [fieldElement("apiVersion")], [fieldElement("kind")], [fieldElement("metadata")],
  ...["name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName", "generation", "managedFields", "resourceVersion"]
    .map((f) => [fieldElement("metadata"), fieldElement(f)]),
);

export function stripMeta(set: FieldSet): FieldSet {
  return set.difference(stripSet);
}

/** A copy of the object without `metadata.managedFields`, the form fields are compared in. */
export function withoutManagedFields(obj: KubeObject): KubeObject {
  const c = structuredClone(obj);
  if (isPlainObject(c.metadata)) delete c.metadata.managedFields;
  return c;
}

/** A read-only view without managedFields: shares everything else with `obj` (no copy). */
function viewWithoutManagedFields(obj: KubeObject): KubeObject {
  if (!isPlainObject(obj.metadata) || obj.metadata.managedFields === undefined) return obj;
  const { managedFields: _mf, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

export const maxUpdateManagers = 10;
const ancientChanges = "ancient-changes";

/** Past ten Update entries, the oldest merge into `ancient-changes` buckets per version (upstream's cap). */
function capUpdateManagers(entries: ManagedEntry[]): ManagedEntry[] {
  const updaters = entries.filter((e) => e.operation === "Update");
  if (updaters.length <= maxUpdateManagers) return entries;
  const seconds = (t?: string) => (t ? Math.floor(Date.parse(t) / 1000) || 0 : 0);
  updaters.sort((a, b) => seconds(a.time) - seconds(b.time) || (managerIdentity(a) < managerIdentity(b) ? -1 : 1));
  let out = entries.slice();
  const firstByVersion = new Map<string, ManagedEntry>();
  let count = updaters.length;
  for (const e of updaters) {
    if (count <= maxUpdateManagers) break;
    const first = firstByVersion.get(e.apiVersion);
    if (!first) {
      firstByVersion.set(e.apiVersion, e);
      continue;
    }
    let bucket = out.find((x) => x.manager === ancientChanges && x.operation === "Update" && x.apiVersion === e.apiVersion && !x.subresource);
    if (!bucket) {
      bucket = { ...first, manager: ancientChanges };
      delete bucket.subresource;
      out = out.filter((x) => x !== first);
      out.push(bucket);
    }
    bucket.set = e.set.union(bucket.set);
    bucket.time = e.time;
    out = out.filter((x) => x !== e);
    count--;
  }
  return out;
}

export interface UpdateManagedFieldsOptions {
  /** The stored object; absent on create. */
  live?: KubeObject;
  /** The object about to be stored; its managedFields are rewritten in place. */
  updated: KubeObject;
  manager: string;
  operation: "Update";
  apiVersion: string;
  subresource?: string;
  now: Date;
  schemas: SchemaSet;
  typeName: string;
  /** Dotted paths nobody may own through this endpoint (upstream's reset fields, e.g. `status`). */
  ignoreFields?: readonly string[];
}

/**
 * Records a non-apply write in `updated.metadata.managedFields`. The fields that differ
 * between `live` and `updated` join this manager's Update entry (its time set to `now`) and
 * leave every other entry; entries left empty are dropped. Managed fields sent by the client
 * on a main-resource write replace the stored ones, as upstream allows.
 */
export function updateManagedFields(o: UpdateManagedFieldsOptions): void {
  const ref = SchemaRef.root(o.schemas, o.typeName);
  const sent = o.updated.metadata?.managedFields;
  let entries = decodeManagedFields(!o.subresource && Array.isArray(sent) && sent.length ? sent : o.live?.metadata?.managedFields);
  if (!o.live && entries.length === 0 && recordCreate(o, ref)) return;
  // Compared only, never changed: views are enough (this runs on every write).
  const after = viewWithoutManagedFields(o.updated);
  const before = o.live ? viewWithoutManagedFields(o.live) : zeroSkeleton(after, ref);
  const c = compare(before, after, ref);
  const changed = withoutFields(c.modified.union(c.added), o.ignoreFields);
  const touched = changed.union(withoutFields(c.removed, o.ignoreFields));
  for (const e of entries) e.set = e.set.difference(touched);

  const mine = stripMeta(changed);
  if (!mine.empty) {
    const id = managerIdentity({ manager: o.manager, operation: "Update", apiVersion: o.apiVersion, subresource: o.subresource });
    const existing = entries.find((e) => managerIdentity(e) === id);
    const time = nowRFC3339(o.now);
    if (existing) {
      existing.set = existing.set.union(mine);
      existing.time = time;
    } else {
      const e: ManagedEntry = { manager: o.manager, operation: "Update", apiVersion: o.apiVersion, time, set: mine };
      if (o.subresource) e.subresource = o.subresource;
      entries.push(e);
    }
  }
  entries = capUpdateManagers(entries.filter((e) => !e.set.empty));
  setManagedFields(o.updated, encodeManagedFields(entries));
}

/**
 * A create with no managed fields to carry: the writer owns every field it set. The same
 * set as comparing against the kind's zero value, written as FieldsV1 in one walk of the
 * object (see created-fields.ts). False when the reset fields are nested paths, which only
 * the general bookkeeping handles.
 */
function recordCreate(o: UpdateManagedFieldsOptions, ref: SchemaRef): boolean {
  const ignore = o.ignoreFields ?? [];
  if (ignore.some((f) => f.includes("."))) return false;
  const fieldsV1 = createdFieldsV1(viewWithoutManagedFields(o.updated), ref, new Set(ignore));
  if (!fieldsV1) {
    setManagedFields(o.updated, []);
    return true;
  }
  const entry: ManagedFieldsEntry = { manager: o.manager, operation: "Update", apiVersion: o.apiVersion, time: nowRFC3339(o.now), fieldsType: "FieldsV1", fieldsV1 };
  if (o.subresource) entry.subresource = o.subresource;
  setManagedFields(o.updated, [entry]);
  return true;
}

export function setManagedFields(obj: KubeObject, list: ManagedFieldsEntry[]): void {
  if (!isPlainObject(obj.metadata)) obj.metadata = {};
  if (list.length) obj.metadata.managedFields = list;
  else delete obj.metadata.managedFields;
}
