/**
 * JSON merge patch (RFC 7386, `application/merge-patch+json`) with upstream's edge cases
 * (evanphx/json-patch as the API server uses it): `null` deletes a member, objects merge,
 * anything else replaces, and nulls inside newly added subtrees are dropped.
 */
import { errors } from "../errors.js";
import { isPlainObject } from "../object.js";
import { pruneNulls, type JsonObject } from "./util.js";

/**
 * Applies `patch` to `doc` and returns the result; neither input is modified. A patch that
 * is not an object or array (or is null) is rejected with 400, as upstream does.
 */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (Array.isArray(patch)) return pruneArray(structuredClone(patch));
  if (!isPlainObject(patch)) throw errors.badRequest("Invalid JSON Patch");
  const target: JsonObject = isPlainObject(doc) ? structuredClone(doc) : {};
  mergeInto(target, structuredClone(patch));
  return target;
}

function mergeInto(target: JsonObject, patch: JsonObject): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete target[k];
      continue;
    }
    const cur = target[k];
    if (isPlainObject(cur) && isPlainObject(v)) mergeInto(cur, v);
    else target[k] = Array.isArray(v) ? pruneArray(v) : pruneNulls(v);
  }
}

function pruneArray(a: unknown[]): unknown[] {
  for (const x of a) pruneNulls(x);
  return a;
}
