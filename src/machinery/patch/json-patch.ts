/**
 * JSON patch (RFC 6902, `application/json-patch+json`) on top of fast-json-patch, with the
 * API server's error behaviour: a body that is not a list of operations is a 400, more than
 * 10000 operations a 413, and an operation that does not apply (a failed `test`, a missing
 * path) a 422 whose cause carries the message upstream's evanphx/json-patch would give.
 */
import jsonpatch from "fast-json-patch";
import type { Operation } from "fast-json-patch";
import { StatusError, errors } from "../errors.js";
import { isPlainObject } from "../object.js";
import { rejected } from "./util.js";

export const maxJSONPatchOperations = 10000;

const opKinds = new Set(["add", "remove", "replace", "move", "copy", "test"]);

/** Applies `ops` to a copy of `doc` and returns the copy; `doc` is never modified. */
export function applyJsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) {
    throw errors.badRequest(`json: cannot unmarshal ${jsonKind(ops)} into Go value of type jsonpatch.Patch`);
  }
  if (ops.length > maxJSONPatchOperations) {
    throw new StatusError(413, "RequestEntityTooLarge",
      `Request entity too large: The allowed maximum operations in a JSON patch is ${maxJSONPatchOperations}, got ${ops.length}`);
  }
  for (const op of ops) {
    if (!isPlainObject(op)) throw errors.badRequest(`json: cannot unmarshal ${jsonKind(op)} into Go value of type jsonpatch.Operation`);
  }
  let current: unknown = structuredClone(doc);
  for (const raw of ops as Record<string, unknown>[]) {
    current = applyOne(current, structuredClone(raw));
  }
  return current;
}

function applyOne(doc: unknown, op: Record<string, unknown>): unknown {
  const kind = typeof op.op === "string" ? op.op : "unknown";
  if (!opKinds.has(kind)) throw rejected(`Unexpected kind: ${kind}`);
  if (typeof op.path !== "string") throw rejected(`${kind} operation failed to decode path: missing value`);
  if ((kind === "move" || kind === "copy") && typeof op.from !== "string") {
    throw rejected(`${kind} operation failed to decode from: operation, missing from field: missing value`);
  }
  // Upstream never treats the empty pointer as the whole document.
  if (op.path === "" || ((kind === "move" || kind === "copy") && op.from === "")) throw rejected(notApplicable(doc, op, kind));
  // evanphx/json-patch writes null for an add or replace without a value.
  if ((kind === "add" || kind === "replace") && op.value === undefined) op.value = null;
  try {
    return jsonpatch.applyOperation(doc, op as unknown as Operation, true, true, true).newDocument;
  } catch (e) {
    if (e instanceof StatusError) throw e;
    throw rejected(notApplicable(doc, op, kind));
  }
}

/** Rebuilds evanphx/json-patch's message for an operation fast-json-patch refused. */
function notApplicable(doc: unknown, op: Record<string, unknown>, kind: string): string {
  const path = String(op.path);
  const from = typeof op.from === "string" ? op.from : "";
  switch (kind) {
    case "test": {
      const c = containerOf(doc, path);
      if (!c) return `test operation does not apply: is missing path: ${path}: missing value`;
      if (Array.isArray(c.container) && !has(c.container, c.key)) return `error in test for path: '${path}': ${indexProblem(c.container, c.key, false)}`;
      return `testing value ${path} failed: test failed`;
    }
    case "add": {
      const c = containerOf(doc, path);
      if (!c) return `add operation does not apply: doc is missing path: "${path}": missing value`;
      return `error in add for path: '${path}': ${indexProblem(c.container, c.key, true)}`;
    }
    case "remove": {
      const c = containerOf(doc, path);
      if (!c) return `remove operation does not apply: doc is missing path: "${path}": missing value`;
      return `error in remove for path: '${path}': ${missingIn(c.container, c.key)}`;
    }
    case "replace": {
      const c = containerOf(doc, path);
      if (!c) return `replace operation does not apply: doc is missing path: ${path}: missing value`;
      return `replace operation does not apply: doc is missing key: ${path}: missing value`;
    }
    default: {
      const src = containerOf(doc, from);
      if (!src || !has(src.container, src.key)) return `${kind} operation does not apply: doc is missing from path: ${from}: missing value`;
      const dst = containerOf(doc, path);
      if (!dst) return `${kind} operation does not apply: doc is missing destination path: ${path}: missing value`;
      return `error in ${kind} for path: '${path}': ${indexProblem(dst.container, dst.key, true)}`;
    }
  }
}

function unescape(token: string): string {
  return token.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** The object or array holding the last token of `pointer`, if every parent exists. */
function containerOf(doc: unknown, pointer: string): { container: unknown; key: string } | undefined {
  const parts = pointer.split("/");
  if (parts.length < 2) return undefined;
  let cur: unknown = doc;
  for (const raw of parts.slice(1, -1)) {
    const t = unescape(raw);
    if (Array.isArray(cur)) cur = /^\d+$/.test(t) ? cur[Number(t)] : undefined;
    else if (isPlainObject(cur)) cur = Object.hasOwn(cur, t) ? cur[t] : undefined;
    else return undefined;
    if (cur === undefined || cur === null || typeof cur !== "object") return undefined;
  }
  return { container: cur, key: unescape(parts[parts.length - 1]!) };
}

function has(container: unknown, key: string): boolean {
  if (Array.isArray(container)) return /^\d+$/.test(key) && Number(key) < container.length;
  return isPlainObject(container) && Object.hasOwn(container, key);
}

function missingIn(container: unknown, key: string): string {
  if (Array.isArray(container)) return indexProblem(container, key, false);
  return `Unable to remove nonexistent key: ${key}: missing value`;
}

function indexProblem(container: unknown, key: string, adding: boolean): string {
  if (!Array.isArray(container)) return "missing value";
  if (adding && key === "-") return "missing value";
  if (!/^-?\d+$/.test(key)) return `strconv.Atoi: parsing ${JSON.stringify(key)}: invalid syntax`;
  return `Unable to access invalid index: ${key}: invalid index referenced`;
}

function jsonKind(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return "array";
  if (isPlainObject(v)) return "object";
  return typeof v;
}
