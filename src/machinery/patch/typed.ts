/**
 * Schema-aware walks over objects for managed fields and server-side apply, after upstream's
 * structured-merge-diff: an object's field set, the comparison of two versions (added,
 * modified, removed paths), the apply merge of a configuration into a live object, and the
 * removal of owned items. Maps and structs are granular unless `x-kubernetes-map-type:
 * atomic`; lists are atomic, sets (`v:`) or maps (`k:`) as SchemaRef.listRelation says.
 */
import { isPlainObject } from "../object.js";
import { FieldSet, fieldElement, indexElement, keyElement, valueElement, type FieldPath, type PathElement } from "./fieldpath.js";
import type { SchemaRef } from "./schema-ref.js";
import { deepEqual, type JsonObject } from "./util.js";

/** How a list item is addressed: by its key fields, by its value, or by index as a last resort. */
export function itemElement(item: unknown, index: number, list: SchemaRef): PathElement {
  const { relation, keys } = list.listRelation();
  if (relation === "set") return valueElement(item);
  if (relation === "map" && isPlainObject(item)) {
    const fields: Record<string, unknown> = {};
    const itemRef = list.item();
    for (const k of keys) {
      const v = Object.hasOwn(item, k) ? item[k] : itemRef.defaultOf(k);
      if (v !== undefined) fields[k] = v;
    }
    if (Object.keys(fields).length) return keyElement(fields);
  }
  return indexElement(index);
}

function childRef(ref: SchemaRef, pe: PathElement): SchemaRef {
  return pe.startsWith("f:") ? ref.child(pe.slice(2)) : ref.item();
}

/** The set of paths an object sets: its leaves, atomic values and list items. */
export function toFieldSet(value: unknown, ref: SchemaRef): FieldSet {
  const set = new FieldSet();
  const walk = (v: unknown, r: SchemaRef, path: PathElement[]) => {
    if (Array.isArray(v)) {
      if (r.listRelation().relation === "atomic") {
        set.insert(path);
        return;
      }
      const item = r.item();
      v.forEach((x, i) => {
        const p = [...path, itemElement(x, i, r)];
        walk(x, item, p);
        set.insert(p);
      });
    } else if (isPlainObject(v)) {
      if (r.atomicMap) {
        set.insert(path);
        return;
      }
      for (const [k, x] of Object.entries(v)) walk(x, r.child(k), [...path, fieldElement(k)]);
    } else {
      set.insert(path);
    }
  };
  walk(value, ref, []);
  return set;
}

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

function indexItems(list: unknown[], ref: SchemaRef): Map<PathElement, unknown> {
  const m = new Map<PathElement, unknown>();
  list.forEach((x, i) => {
    const pe = itemElement(x, i, ref);
    if (!m.has(pe)) m.set(pe, x);
  });
  return m;
}

const emptyish = (v: unknown) =>
  v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (isPlainObject(v) && Object.keys(v).length === 0);

/**
 * Compares two versions of an object. `undefined` means absent; `null` is a present value
 * (Go's zero struct serialises nil slices and maps as null). A map or list that appears or
 * disappears as a whole is itself added or removed, besides its content.
 */
export function compare(lhs: unknown, rhs: unknown, ref: SchemaRef): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  const leaf = (l: unknown, r: unknown, path: PathElement[]) => {
    if (path.length === 0) return;
    if (l === undefined && r === undefined) return;
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
    else if (!deepEqual(l, r)) c.modified.insert(path);
  };
  const hook = (l: unknown, r: unknown, path: PathElement[]) => {
    if (path.length === 0) return;
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
  };
  const walk = (l: unknown, r: unknown, ref: SchemaRef, path: PathElement[]) => {
    const isList = Array.isArray(l) || Array.isArray(r);
    const isMap = isPlainObject(l) || isPlainObject(r);
    const mixed = (l !== undefined && l !== null && r !== undefined && r !== null &&
      (Array.isArray(l) !== Array.isArray(r) || isPlainObject(l) !== isPlainObject(r)));
    if (mixed || (!isList && !isMap)) return leaf(l, r, path);
    if (isList) {
      if (ref.listRelation().relation === "atomic" || (emptyish(l) && emptyish(r))) return leaf(l, r, path);
      const lm = indexItems(Array.isArray(l) ? l : [], ref);
      const rm = indexItems(Array.isArray(r) ? r : [], ref);
      const item = ref.item();
      for (const pe of new Set([...lm.keys(), ...rm.keys()])) walk(lm.get(pe), rm.get(pe), item, [...path, pe]);
      return hook(l, r, path);
    }
    if (ref.atomicMap || (emptyish(l) && emptyish(r))) return leaf(l, r, path);
    const lo = isPlainObject(l) ? l : {};
    const ro = isPlainObject(r) ? r : {};
    for (const k of new Set([...Object.keys(lo), ...Object.keys(ro)])) {
      walk(Object.hasOwn(lo, k) ? lo[k] : undefined, Object.hasOwn(ro, k) ? ro[k] : undefined, ref.child(k), [...path, fieldElement(k)]);
    }
    hook(l, r, path);
  };
  walk(lhs, rhs, ref, []);
  return c;
}

/**
 * Server-side apply's merge of a configuration (rhs) into a live object (lhs): rhs values
 * win, maps merge, associative lists merge item by item keeping upstream's order (live
 * items stay in place, configured items follow the configuration's order), atomic values
 * are replaced. A null in the configuration removes the field.
 */
export function merge(lhs: unknown, rhs: unknown, ref: SchemaRef): unknown {
  if (rhs === undefined) return structuredClone(lhs);
  if (lhs === undefined || lhs === null) return structuredClone(rhs);
  if (Array.isArray(lhs) && Array.isArray(rhs)) {
    if (ref.listRelation().relation === "atomic") return structuredClone(rhs);
    return mergeList(lhs, rhs, ref);
  }
  if (isPlainObject(lhs) && isPlainObject(rhs)) {
    if (ref.atomicMap) return structuredClone(rhs);
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(lhs)) {
      if (!Object.hasOwn(rhs, k)) out[k] = structuredClone(v);
      else if (rhs[k] !== null) out[k] = merge(v, rhs[k], ref.child(k));
    }
    for (const [k, v] of Object.entries(rhs)) {
      if (!Object.hasOwn(lhs, k) && v !== null) out[k] = structuredClone(v);
    }
    return out;
  }
  return structuredClone(rhs);
}

function mergeList(lhs: unknown[], rhs: unknown[], ref: SchemaRef): unknown[] {
  const item = ref.item();
  const lpe = lhs.map((x, i) => itemElement(x, i, ref));
  const rpe = rhs.map((x, i) => itemElement(x, i, ref));
  const lmap = new Map<PathElement, unknown>();
  lhs.forEach((x, i) => { if (!lmap.has(lpe[i]!)) lmap.set(lpe[i]!, x); });
  const rmap = new Map<PathElement, unknown>();
  rhs.forEach((x, i) => { if (!rmap.has(rpe[i]!)) rmap.set(rpe[i]!, x); });
  const shared = rpe.filter((pe) => lmap.has(pe));
  let nextShared = 0;
  const emitted = new Set<PathElement>();
  const out: unknown[] = [];
  const emit = (pe: PathElement) => {
    if (emitted.has(pe)) return;
    emitted.add(pe);
    out.push(rmap.has(pe) ? merge(lmap.get(pe), rmap.get(pe), item) : structuredClone(lmap.get(pe)));
  };
  let l = 0;
  let r = 0;
  while (l < lpe.length || r < rpe.length) {
    if (l < lpe.length && emitted.has(lpe[l]!)) {
      l++;
      continue;
    }
    if (l < lpe.length && r < rpe.length) {
      const pe = lpe[l]!;
      if (pe === rpe[r]) {
        emit(pe);
        l++;
        r++;
        if (shared[nextShared] === pe) nextShared++;
        continue;
      }
      // A shared item that the configuration places later: it is emitted in its turn.
      if (rmap.has(pe) && shared[nextShared] !== undefined && shared[nextShared] !== pe) {
        l++;
        continue;
      }
    }
    if (l < lpe.length && !rmap.has(lpe[l]!)) {
      emit(lpe[l]!);
      l++;
      continue;
    }
    if (r < rpe.length) {
      const pe = rpe[r]!;
      emit(pe);
      r++;
      if (shared[nextShared] === pe) nextShared++;
      continue;
    }
    l++;
  }
  // Live items skipped as "shared" but whose configured turn never came stay at the end.
  for (const pe of lpe) if (!emitted.has(pe)) emit(pe);
  return out;
}

/** The value without the items the set names as members (a member removes its whole subtree). */
export function removeItems(value: unknown, set: FieldSet, ref: SchemaRef): unknown {
  if (Array.isArray(value)) {
    if (ref.listRelation().relation === "atomic") return value;
    const item = ref.item();
    const out: unknown[] = [];
    value.forEach((x, i) => {
      const pe = itemElement(x, i, ref);
      if (set.members.has(pe)) return;
      const c = set.child(pe);
      out.push(c ? removeItems(x, c, item) : x);
    });
    return out;
  }
  if (isPlainObject(value)) {
    if (ref.atomicMap) return value;
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(value)) {
      const pe = fieldElement(k);
      if (set.members.has(pe)) continue;
      const c = set.child(pe);
      out[k] = c ? removeItems(x, c, ref.child(k)) : x;
    }
    return out;
  }
  return value;
}

/**
 * Makes every struct field on the way to an owned path a member itself (upstream's
 * EnsureNamedFieldsAreMembers), so that pruning can tell which parents are still wanted.
 */
export function ensureNamedFieldsAreMembers(set: FieldSet, ref: SchemaRef): FieldSet {
  const out = new FieldSet();
  for (const m of set.members) out.members.add(m);
  for (const [pe, c] of set.children) {
    if (pe.startsWith("f:") && ref.isNamedField(pe.slice(2))) out.members.add(pe);
    out.children.set(pe, ensureNamedFieldsAreMembers(c, childRef(ref, pe)));
  }
  return out;
}

/**
 * What Go's zero value of the kind serialises to, shaped after `obj`: struct fields are
 * present (as empty structs), required lists and maps are present as null, the rest absent.
 * Comparing against it on create gives the same ownership markers (`.`) upstream records.
 */
export function zeroSkeleton(obj: unknown, ref: SchemaRef): unknown {
  if (!isPlainObject(obj) || !ref.isStruct) return undefined;
  const required = new Set(ref.node?.required ?? []);
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(obj)) {
    const c = ref.child(k);
    if (isPlainObject(v) && c.isStruct && !c.atomicMap && (Object.keys(v).length > 0 || k === "status")) {
      out[k] = zeroSkeleton(v, c);
    } else if (required.has(k) && (Array.isArray(v) || isPlainObject(v))) {
      out[k] = null;
    }
  }
  return out;
}

/** Drops every path below the given dotted field paths (e.g. `status`). */
export function withoutFields(set: FieldSet, fields: readonly string[] | undefined): FieldSet {
  let s = set;
  for (const f of fields ?? []) s = s.withoutPrefix(f.split(".").map(fieldElement) as FieldPath);
  return s;
}
