/**
 * The FieldsV1 a create records for its writer, built in one walk of the object. It is what
 * the general bookkeeping computes for a create (`compare(zeroSkeleton(obj), obj)`: the
 * added and modified paths, less the reset fields and the server-maintained metadata) but
 * without path arrays, a skeleton, field sets or their set algebra: each level's entries are
 * collected, sorted in upstream's element order and written out.
 */
import { isPlainObject } from "../object.js";
import { fieldElement, hasKeys, sortEntries, type PathElement } from "./fieldpath.js";
import { itemElement } from "./typed.js";
import type { SchemaRef } from "./schema-ref.js";

type Fields = Record<string, unknown>;

/**
 * What the skeleton (Go's zero value shaped after the object) holds where a value sits: nothing,
 * a zero struct (whose own fields follow zeroSkeleton's rule), or null (a required list or map).
 */
const SKEL_NONE = 0;
const SKEL_STRUCT = 1;
const SKEL_NULL = 2;
type Skel = typeof SKEL_NONE | typeof SKEL_STRUCT | typeof SKEL_NULL;

/** Metadata the server maintains: nobody owns it (upstream's stripMeta). */
const serverMeta = new Set(["name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName", "generation", "managedFields", "resourceVersion"]
  .map(fieldElement));
const typeMeta = new Set(["apiVersion", "kind", "metadata"].map(fieldElement));

/**
 * The FieldsV1 of a created object (`obj` without managedFields), or undefined when it owns
 * nothing. `ignore`: top-level fields nobody may own through this endpoint (e.g. status).
 */
export function createdFieldsV1(obj: unknown, ref: SchemaRef, ignore: ReadonlySet<string>): Fields | undefined {
  // An atomic root is one leaf at the empty path, which is never recorded.
  if (!isPlainObject(obj) || ref.atomicMap) return undefined;
  const entries: [PathElement, Fields][] = [];
  const structSkel = ref.isStruct;
  const required = structSkel ? ref.node?.required : undefined;
  for (const k in obj) {
    const x = obj[k];
    if (x === undefined || ignore.has(k)) continue;
    const c = ref.child(k);
    walk(x, c, structSkel ? childSkel(k, x, c, required) : SKEL_NONE, fieldElement(k), entries);
  }
  for (let i = entries.length - 1; i >= 0; i--) {
    const [pe, body] = entries[i]!;
    if (!typeMeta.has(pe)) continue;
    if (pe === "f:metadata") stripMembers(body, serverMeta);
    // The type meta and metadata themselves are nobody's; what lies below them stays.
    delete body["."];
    if (!hasKeys(body)) entries.splice(i, 1);
  }
  return entries.length ? toObject(entries) : undefined;
}

/** zeroSkeleton's rule for the field `k` of a zero struct. */
function childSkel(k: string, x: unknown, c: SchemaRef, required: readonly string[] | undefined): Skel {
  if (isPlainObject(x) && c.isStruct && !c.atomicMap && (k === "status" || hasKeys(x))) return SKEL_STRUCT;
  if (required !== undefined && required.includes(k) && (Array.isArray(x) || isPlainObject(x))) return SKEL_NULL;
  return SKEL_NONE;
}

/**
 * Adds `[pe, body]` for value `v` (never undefined) when it owns anything. compare()'s rules:
 * a scalar or null is added; a list or map absent from the skeleton is itself added (hook)
 * besides its content; an empty one, or an atomic one, is a leaf: added unless it equals
 * the skeleton's (an empty zero struct equals `{}`).
 */
function walk(v: unknown, ref: SchemaRef, skel: Skel, pe: PathElement, out: [PathElement, Fields][]): void {
  let member: boolean;
  let kids: [PathElement, Fields][] | undefined;
  if (Array.isArray(v)) {
    if (v.length === 0 || ref.listRelation().relation === "atomic") member = true;
    else {
      kids = [];
      const item = ref.item();
      const seen = new Set<PathElement>();
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        const ipe = itemElement(x, i, ref);
        // Items sharing an address: the first one stands for them all.
        if (seen.has(ipe)) continue;
        seen.add(ipe);
        if (x !== undefined) walk(x, item, SKEL_NONE, ipe, kids);
      }
      member = skel === SKEL_NONE;
    }
  } else if (isPlainObject(v)) {
    const any = hasKeys(v);
    if (!any || ref.atomicMap) member = !(skel === SKEL_STRUCT && !any);
    else {
      kids = [];
      const structSkel = skel === SKEL_STRUCT;
      const required = structSkel ? ref.node?.required : undefined;
      for (const k in v) {
        const x = v[k];
        if (x === undefined) continue;
        const c = ref.child(k);
        walk(x, c, structSkel ? childSkel(k, x, c, required) : SKEL_NONE, fieldElement(k), kids);
      }
      member = skel === SKEL_NONE;
    }
  } else {
    member = true;
  }
  if (kids !== undefined && kids.length > 0) {
    const body = toObject(kids, member);
    out.push([pe, body]);
  } else if (member) {
    out.push([pe, {}]);
  }
}

/** The entries as one FieldsV1 level, in upstream's order; `member` adds the `"."` marker first. */
function toObject(entries: [PathElement, Fields][], member = false): Fields {
  sortEntries(entries);
  const o: Fields = member ? { ".": {} } : {};
  for (let i = 0; i < entries.length; i++) {
    const [pe, body] = entries[i]!;
    o[pe] = body;
  }
  return o;
}

/** Takes `names` out of a level's members; a name that owned only itself goes entirely. */
function stripMembers(body: Fields, names: ReadonlySet<string>): void {
  for (const pe of names) {
    const b = body[pe] as Fields | undefined;
    if (b === undefined) continue;
    if (!hasKeys(b)) delete body[pe];
    else delete b["."];
  }
}
