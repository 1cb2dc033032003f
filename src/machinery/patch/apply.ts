/**
 * Server-side apply (`application/apply-patch+yaml`), after upstream's structured-merge-diff.
 * The applied configuration is merged into the live object by the schema (associative lists
 * by their keys); its field set becomes the manager's Apply entry; fields the manager applied
 * before but no longer does are removed unless someone else owns them; and changing a field
 * another manager owns is a 409 conflict unless `force` moves the ownership to the applier.
 */
import type { SchemaSet } from "../schema.js";
import { StatusError, errors } from "../errors.js";
import { isPlainObject, nowRFC3339, type KubeObject } from "../object.js";
import { FieldSet, fieldElement, pathToString, type FieldPath } from "./fieldpath.js";
import {
  decodeManagedFields, encodeManagedFields, managerIdentity, printManager, setManagedFields, stripMeta, withoutManagedFields,
  type ManagedEntry,
} from "./managed-fields.js";
import { SchemaRef } from "./schema-ref.js";
import { compare, ensureNamedFieldsAreMembers, merge, removeItems, toFieldSet, withoutFields } from "./typed.js";
import { deepEqual } from "./util.js";

export interface ServerSideApplyOptions {
  /** The stored object; absent when the apply creates it. */
  live?: KubeObject;
  /** The configuration sent by the client (the parsed YAML body). */
  applied: KubeObject;
  manager: string;
  force: boolean;
  /** The API version of the request; the configuration must carry the same. */
  apiVersion: string;
  subresource?: string;
  now: Date;
  schemas: SchemaSet;
  typeName: string;
  /** Dotted paths this endpoint does not let anyone own (upstream's reset fields, e.g. `status`). */
  ignoreFields?: readonly string[];
}

export const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

/** Returns the object to store (not yet defaulted or validated), with its managedFields. */
export function serverSideApply(o: ServerSideApplyOptions): KubeObject {
  if (!isPlainObject(o.applied)) throw errors.badRequest("error decoding YAML: the apply configuration must be an object");
  const meta: unknown = o.applied.metadata;
  if (isPlainObject(meta) && Array.isArray(meta.managedFields)) throw errors.badRequest("metadata.managedFields must be nil");
  if (o.applied.apiVersion !== o.apiVersion) {
    throw errors.badRequest(`Incorrect version specified in apply patch. Specified patch version: ${o.applied.apiVersion ?? ""}, expected: ${o.apiVersion}`);
  }
  const ref = SchemaRef.root(o.schemas, o.typeName);
  const expectedKind = ref.node?.["x-kubernetes-group-version-kind"]?.[0]?.kind ?? o.live?.kind;
  if (expectedKind && o.applied.kind !== expectedKind) {
    throw errors.badRequest(`Incorrect kind specified in apply patch. Specified patch kind: ${o.applied.kind ?? ""}, expected: ${expectedKind}`);
  }

  const managers = decodeManagedFields(o.live?.metadata?.managedFields);
  const live = o.live ? withoutManagedFields(o.live) : {};
  const config = structuredClone(o.applied);
  if (isPlainObject(config.metadata)) delete config.metadata.managedFields;
  const configSet = withoutFields(toFieldSet(config, ref), o.ignoreFields);

  const id = managerIdentity({ manager: o.manager, operation: "Apply", subresource: o.subresource });
  const previous = managers.find((e) => managerIdentity(e) === id);
  const others = managers.filter((e) => e !== previous);

  let merged = merge(live, config, ref);
  if (previous && !previous.set.empty) {
    let owned = configSet;
    for (const e of others) owned = owned.union(e.set);
    const gone = ensureNamedFieldsAreMembers(previous.set, ref).difference(ensureNamedFieldsAreMembers(owned, ref));
    // Whatever the configuration omits, the object keeps its type and its metadata as such.
    for (const f of ["apiVersion", "kind", "metadata"]) gone.members.delete(fieldElement(f));
    merged = removeItems(merged, gone, ref);
  }

  const c = compare(live, merged, ref);
  const changed = withoutFields(c.modified.union(c.added), o.ignoreFields);
  const removed = withoutFields(c.removed, o.ignoreFields);
  const conflicts: { entry: ManagedEntry; set: FieldSet }[] = [];
  for (const e of others) {
    const clash = e.set.intersection(changed);
    if (!clash.empty) conflicts.push({ entry: e, set: clash });
  }
  if (conflicts.length && !o.force) throw conflictError(conflicts);
  for (const e of others) e.set = e.set.difference(changed).difference(removed);

  const changedObject = !deepEqual(live, merged);
  const mine: ManagedEntry = {
    manager: o.manager,
    operation: "Apply",
    apiVersion: o.apiVersion,
    set: stripMeta(configSet),
  };
  if (o.subresource) mine.subresource = o.subresource;
  const time = changedObject || !previous?.time ? nowRFC3339(o.now) : previous.time;
  if (time) mine.time = time;

  const result = (isPlainObject(merged) ? merged : {}) as KubeObject;
  if (!isPlainObject(result.metadata)) result.metadata = {};
  if (o.manager === "kubectl") syncLastApplied(result, config);
  setManagedFields(result, encodeManagedFields([...others, mine]));
  return result;
}

/**
 * Upstream keeps a client-side-apply annotation in step when kubectl applies server-side:
 * if the object has one, it becomes the applied configuration without the annotation.
 */
function syncLastApplied(result: KubeObject, config: KubeObject): void {
  const annotations = result.metadata.annotations;
  if (!annotations || !Object.hasOwn(annotations, lastAppliedAnnotation)) return;
  const c = structuredClone(config);
  if (isPlainObject(c.metadata) && isPlainObject(c.metadata.annotations)) {
    delete (c.metadata.annotations as Record<string, string>)[lastAppliedAnnotation];
  }
  annotations[lastAppliedAnnotation] = JSON.stringify(sortKeys(c)) + "\n";
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]);
  return out;
}

/** 409 in upstream's words: one line per conflict, grouped by manager when there are several. */
export function conflictError(conflicts: { entry: ManagedEntry; set: FieldSet }[]): StatusError {
  const sorted = [...conflicts].sort((a, b) => (managerIdentity(a.entry) < managerIdentity(b.entry) ? -1 : 1));
  const rows: { who: string; path: FieldPath }[] = [];
  for (const c of sorted) for (const p of c.set.paths()) rows.push({ who: printManager(c.entry), path: p });
  const causes = rows.map((r) => ({ reason: "FieldManagerConflict", message: `conflict with ${r.who}`, field: pathToString(r.path) }));
  let message: string;
  if (rows.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${rows[0]!.who}: ${pathToString(rows[0]!.path)}`;
  } else {
    const lines: string[] = [];
    for (const c of sorted) {
      lines.push(`conflicts with ${printManager(c.entry)}:`);
      for (const p of c.set.paths()) lines.push(`- ${pathToString(p)}`);
    }
    message = `Apply failed with ${rows.length} conflicts: ${lines.join("\n")}`;
  }
  return new StatusError(409, "Conflict", message, { causes });
}
