/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), following upstream's
 * apimachinery strategicpatch semantics. The schema decides per field: lists with patch
 * strategy `merge` are merged by their merge key (or unioned, for scalars), other lists are
 * replaced, and maps merge unless their strategy is `replace`. The patch may carry the
 * directives `$patch` (replace/delete/merge), `$retainKeys`, `$setElementOrder/<field>` and
 * `$deleteFromPrimitiveList/<field>`. Fields without a schema fall back to merge-patch
 * semantics (maps merge, lists replace), as upstream does for unknown fields.
 */
import type { SchemaSet } from "../schema.js";
import { errors } from "../errors.js";
import { isPlainObject } from "../object.js";
import { SchemaRef } from "./schema-ref.js";
import { goKind, goString, pruneNulls, rejected, type JsonObject } from "./util.js";

export interface StrategicMergeOptions {
  schemas?: SchemaSet;
  /** The OpenAPI definition of the document, e.g. `io.k8s.api.apps.v1.Deployment`. */
  typeName: string;
}

const directive = "$patch";
const retainKeys = "$retainKeys";
const deleteFromPrimitiveList = "$deleteFromPrimitiveList";
const setElementOrder = "$setElementOrder";

/** A patch failure with the HTTP code upstream answers it with. */
class PatchFailure extends Error {
  constructor(readonly kind: "bad" | "invalid", message: string) {
    super(message);
  }
}

const bad = (m: string) => new PatchFailure("bad", m);
const invalid = (m: string) => new PatchFailure("invalid", m);

const msg = {
  primitiveList: "invalid patch format of primitive list",
  retainKeys: "invalid patch format of retainKeys",
  setElementOrder: "invalid patch format of setElementOrder list",
  listOfLists: "lists of lists are not supported",
  noMergeKey: (m: unknown, k: string) => `map: ${goString(m)} does not contain declared merge key: ${k}`,
  badArgType: (expected: string, actual: unknown) => `expected a ${expected}, but received a ${goKind(actual)}`,
  badPatchType: (t: unknown, m: unknown) => `unknown patch type: ${goString(t)} in map: ${goString(m)}`,
};

/**
 * Applies a strategic merge patch to `doc` and returns the result; the inputs are not
 * modified. Malformed directives give 400, lists of lists give 422 (as upstream). Upstream
 * answers its remaining, untyped patch errors with 500; here they are 400, since every one
 * of them is caused by the request body.
 */
export function applyStrategicMergePatch(doc: unknown, patch: unknown, opts: StrategicMergeOptions): JsonObject {
  if (!isPlainObject(patch)) {
    throw errors.badRequest(`json: cannot unmarshal ${Array.isArray(patch) ? "array" : patch === null ? "null" : typeof patch} into Go value of type map[string]interface {}`);
  }
  const original: JsonObject = isPlainObject(doc) ? structuredClone(doc) : {};
  try {
    return mergeMap(original, structuredClone(patch), SchemaRef.root(opts.schemas, opts.typeName));
  } catch (e) {
    if (e instanceof PatchFailure) throw e.kind === "invalid" ? rejected(e.message) : errors.badRequest(e.message);
    throw e;
  }
}

function mergeMap(original: JsonObject | undefined, patch: JsonObject, ref: SchemaRef): JsonObject {
  if (Object.hasOwn(patch, directive)) return mapDirective(patch, ref);
  const out = original ?? {};
  applyRetainKeys(out, patch);
  mergeOrderedLists(out, patch, ref);

  for (const [key, patchV] of Object.entries(patch)) {
    let k = key;
    let isDeleteList = false;
    if (key.startsWith(deleteFromPrimitiveList)) {
      k = extractKey(key, deleteFromPrimitiveList, msg.primitiveList);
      isDeleteList = true;
    }
    if (patchV === null) {
      delete out[k];
      continue;
    }
    const child = ref.child(k);
    if (!Object.hasOwn(out, k) || shapeOf(out[k]) !== shapeOf(patchV)) {
      if (!isDeleteList) out[k] = fresh(patchV, child);
      continue;
    }
    const cur = out[k];
    if (isPlainObject(cur)) {
      out[k] = child.patchStrategy === "replace" ? fresh(patchV, child) : mergeMap(cur, patchV as JsonObject, child);
    } else if (Array.isArray(cur)) {
      out[k] = child.patchStrategy === "merge" || isDeleteList
        ? mergeSlice(cur, patchV as unknown[], child, isDeleteList)
        : freshList(patchV as unknown[], child);
    } else {
      out[k] = patchV;
    }
  }
  return out;
}

/** `$patch` inside a map: replace the whole map with the patch, or delete its content. */
function mapDirective(patch: JsonObject, ref: SchemaRef): JsonObject {
  const d = patch[directive];
  if (d === "replace") {
    const rest = { ...patch };
    delete rest[directive];
    return mergeMap(undefined, rest, ref);
  }
  if (d === "delete") return {};
  throw bad(msg.badPatchType(d, patch));
}

/** A value new to the document: directives are resolved against nothing, nulls dropped. */
function fresh(v: unknown, ref: SchemaRef): unknown {
  if (isPlainObject(v)) return mergeMap(undefined, v, ref);
  if (Array.isArray(v)) return freshList(v, ref);
  return v;
}

function freshList(list: unknown[], ref: SchemaRef): unknown[] {
  const item = ref.item();
  const out: unknown[] = [];
  for (const e of list) {
    if (isPlainObject(e) && Object.hasOwn(e, directive)) {
      const d = e[directive];
      if (d === "delete" || Object.keys(e).length === 1) continue;
      const rest = { ...e };
      delete rest[directive];
      out.push(mergeMap(undefined, rest, item));
    } else {
      out.push(isPlainObject(e) ? mergeMap(undefined, e, item) : Array.isArray(e) ? pruneNulls(e) : e);
    }
  }
  return out;
}

function shapeOf(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  return typeof v;
}

function extractKey(key: string, prefix: string, failure: string): string {
  const i = key.indexOf("/");
  if (i < 0 || key.slice(0, i) !== prefix) throw bad(failure);
  return key.slice(i + 1);
}

function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!Object.hasOwn(patch, retainKeys)) return;
  const list = patch[retainKeys];
  delete patch[retainKeys];
  if (!Array.isArray(list)) throw bad(msg.retainKeys);
  const keep = new Set<unknown>(list);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(deleteFromPrimitiveList) || k.startsWith(setElementOrder)) continue;
    if (!keep.has(k)) throw bad(msg.retainKeys);
  }
  for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
}

type ElementKind = "object" | "string" | "number" | "boolean" | "null";

/** The one type all elements of the lists share; upstream refuses mixed lists and lists of lists. */
function elementKind(...lists: unknown[][]): ElementKind | undefined {
  let kind: ElementKind | undefined;
  for (const list of lists) {
    for (const v of list) {
      if (Array.isArray(v)) {
        if (kind === undefined) throw invalid(msg.listOfLists);
        throw bad(`list element types are not identical: ${goString(lists)}`);
      }
      const k: ElementKind = isPlainObject(v) ? "object" : v === null ? "null" : (typeof v as ElementKind);
      if (kind !== undefined && kind !== k) throw bad(`list element types are not identical: ${goString(lists)}`);
      kind = k;
    }
  }
  return kind;
}

function sameKey(a: unknown, b: unknown, mergeKey: string): boolean {
  return isPlainObject(a) && isPlainObject(b) && Object.hasOwn(a, mergeKey) && a[mergeKey] === b[mergeKey];
}

function mergeSlice(original: unknown[], patch: unknown[], ref: SchemaRef, isDeleteList: boolean): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind(original, patch);
  if (kind === undefined) throw bad("no elements in any of the given slices");
  const mergeKey = ref.patchMergeKey;
  let orig = original;
  let pat = patch;
  let merged: unknown[];
  if (kind !== "object") {
    if (isDeleteList) {
      const gone = new Set(patch);
      return original.filter((v) => !gone.has(v));
    }
    merged = [...new Set([...original, ...patch])];
  } else {
    if (!mergeKey) throw bad(`cannot merge lists without merge key for ${typeLabel(ref)}`);
    [orig, pat] = withoutSpecialElements(original, patch, mergeKey);
    merged = orig.slice();
    const item = ref.item();
    for (const v of pat as JsonObject[]) {
      if (!Object.hasOwn(v, mergeKey)) throw bad(msg.noMergeKey(v, mergeKey));
      const i = merged.findIndex((o) => sameKey(o, v, mergeKey));
      if (i >= 0) merged[i] = mergeMap(merged[i] as JsonObject, v, item);
      else merged.push(fresh(v, item));
    }
  }
  const [patchItems, serverOnly] = partition(merged, pat, mergeKey, kind);
  return normalizeOrder(patchItems, serverOnly, pat, orig, mergeKey, kind);
}

function typeLabel(ref: SchemaRef): string {
  const r = ref.node?.items?.$ref ?? ref.raw?.items?.$ref;
  return r ? r.slice(r.lastIndexOf("/") + 1) : "unknown";
}

/** Handles `{"$patch": "delete"|"replace", ...}` list elements before the merge proper. */
function withoutSpecialElements(original: unknown[], patch: unknown[], mergeKey: string): [unknown[], unknown[]] {
  let orig = original;
  const rest: unknown[] = [];
  let replace = false;
  for (const v of patch as JsonObject[]) {
    if (!Object.hasOwn(v, directive)) {
      rest.push(v);
      continue;
    }
    switch (v[directive]) {
      case "delete":
        if (!Object.hasOwn(v, mergeKey)) throw bad(msg.noMergeKey(v, mergeKey));
        orig = orig.filter((o) => !sameKey(o, v, mergeKey));
        break;
      case "replace":
        replace = true;
        break;
      case "merge":
        throw bad("merging lists cannot yet be specified in the patch");
      default:
        throw bad(msg.badPatchType(v[directive], v));
    }
  }
  return replace ? [rest, []] : [orig, rest];
}

/** Splits `list` into the items present in `by` (by merge key or value) and the rest. */
function partition(list: unknown[], by: unknown[], mergeKey: string, kind: ElementKind): [unknown[], unknown[]] {
  const inBy: unknown[] = [];
  const rest: unknown[] = [];
  if (kind !== "object") {
    const s = new Set(by);
    for (const v of list) (s.has(v) ? inBy : rest).push(v);
    return [inBy, rest];
  }
  for (const v of list) {
    if (!isPlainObject(v)) throw bad(msg.badArgType("map", v));
    if (!Object.hasOwn(v, mergeKey)) throw bad(msg.noMergeKey(v, mergeKey));
    (by.some((b) => sameKey(b, v, mergeKey)) ? inBy : rest).push(v);
  }
  return [inBy, rest];
}

function indexIn(order: unknown[], v: unknown, mergeKey: string, kind: ElementKind): number {
  if (kind === "object") {
    const key = isPlainObject(v) ? v[mergeKey] : undefined;
    return order.findIndex((o) => isPlainObject(o) && o[mergeKey] === key);
  }
  return order.indexOf(v);
}

/**
 * Orders the merged list: patch items by the patch (or `$setElementOrder`) order, server-only
 * items by their live order, then interleaves them so that each server-only item stays
 * before the first patch item that followed it in the live list.
 */
function normalizeOrder(patchItems: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string, kind: ElementKind): unknown[] {
  const right = sortBy(patchItems, patchOrder, mergeKey, kind);
  const left = sortBy(serverOnly, serverOrder, mergeKey, kind);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function sortBy(items: unknown[], order: unknown[], mergeKey: string, kind: ElementKind): unknown[] {
  let toSort = items;
  let deletions: unknown[] = [];
  if (kind === "object") {
    for (const v of [...items, ...order]) {
      if (!isPlainObject(v)) throw bad(msg.badArgType("map", v));
      if (!Object.hasOwn(v, mergeKey)) throw bad(msg.noMergeKey(v, mergeKey));
    }
    toSort = items.filter((v) => (v as JsonObject)[directive] !== "delete");
    deletions = items.filter((v) => (v as JsonObject)[directive] === "delete");
  }
  const keyed = toSort.map((v, pos) => ({ v, pos, at: indexIn(order, v, mergeKey, kind) }));
  keyed.sort((a, b) => (a.at >= 0 && b.at >= 0 ? a.at - b.at : a.pos - b.pos));
  return [...keyed.map((x) => x.v), ...deletions];
}

/** `$setElementOrder/<field>`: merges that list now and orders it as the directive says. */
function mergeOrderedLists(original: JsonObject, patch: JsonObject, ref: SchemaRef): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(setElementOrder)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw bad(msg.badArgType("slice", order));
    const field = extractKey(key, setElementOrder, msg.setElementOrder);
    const foundOriginal = Object.hasOwn(original, field);
    const foundPatch = Object.hasOwn(patch, field);
    let origList: unknown[] = [];
    let patchList: unknown[] = [];
    if (foundOriginal) {
      const v = original[field];
      if (!Array.isArray(v)) throw bad(msg.badArgType("slice", v));
      origList = v;
    }
    if (foundPatch) {
      const v = patch[field];
      if (!Array.isArray(v)) throw bad(msg.badArgType("slice", v));
      patchList = v;
    }
    const child = ref.child(field);
    const mergeKey = child.patchMergeKey;
    validateOrder(patchList, order, mergeKey);

    let merged: unknown[];
    if (foundOriginal && !foundPatch) merged = origList.slice();
    else if (foundPatch) {
      merged = child.patchStrategy === "merge" ? mergeSlice(origList, patchList, child, false) : freshList(patchList, child);
    } else continue;

    const kind = elementKind(origList, patchList);
    if (kind !== undefined && (kind !== "object" || mergeKey)) {
      const [inOrder, serverOnly] = partition(merged, order, mergeKey, kind);
      merged = normalizeOrder(inOrder, serverOnly, order, origList, mergeKey, kind);
    }
    original[field] = merged;
    delete patch[field];
  }
}

/** The patch list must follow the relative order of `$setElementOrder` (deletions aside). */
function validateOrder(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  let items = patchList;
  if (mergeKey) {
    for (const v of patchList) if (!isPlainObject(v)) throw bad(msg.badArgType("map", v));
    items = patchList.filter((v) => (v as JsonObject)[directive] !== "delete");
  }
  let pi = 0;
  let si = 0;
  while (pi < items.length && si < order.length) {
    const p = items[pi];
    if (isPlainObject(p) && Object.hasOwn(p, directive)) {
      pi++;
      continue;
    }
    if (keyEqual(p, order[si], mergeKey)) pi++;
    si++;
  }
  if (pi < items.length && si >= order.length) {
    throw bad(`The order in patch list:\n${goString(patchList)}\n doesn't match ${setElementOrder} list:\n${goString(order)}\n`);
  }
}

function keyEqual(a: unknown, b: unknown, mergeKey: string): boolean {
  if (!mergeKey) return a === b;
  if (!isPlainObject(a)) throw bad(msg.badArgType("map", a));
  if (!isPlainObject(b)) throw bad(msg.badArgType("map", b));
  if (!Object.hasOwn(a, mergeKey)) throw bad(msg.noMergeKey(a, mergeKey));
  if (!Object.hasOwn(b, mergeKey)) throw bad(msg.noMergeKey(b, mergeKey));
  return a[mergeKey] === b[mergeKey];
}
