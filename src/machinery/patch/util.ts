/** Small JSON helpers and the error shapes the patch code shares. */
import { StatusError } from "../errors.js";
import { isPlainObject } from "../object.js";

export type JsonObject = Record<string, unknown>;

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Drops `null` members of objects, recursively (arrays keep their null elements). */
export function pruneNulls<T>(v: T): T {
  if (Array.isArray(v)) {
    for (const x of v) pruneNulls(x);
  } else if (isPlainObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (x === null) delete v[k];
      else pruneNulls(x);
    }
  }
  return v;
}

/** Go's `%v` rendering of decoded JSON, used in upstream's error messages. */
export function goString(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (Array.isArray(v)) return `[${v.map(goString).join(" ")}]`;
  if (isPlainObject(v)) {
    return `map[${Object.keys(v).sort().map((k) => `${k}:${goString(v[k])}`).join(" ")}]`;
  }
  return String(v);
}

/** Go's reflect kind name of a decoded JSON value. */
export function goKind(v: unknown): string {
  if (v === null || v === undefined) return "nil";
  if (Array.isArray(v)) return "slice";
  if (isPlainObject(v)) return "map";
  if (typeof v === "number") return "float64";
  return typeof v;
}

/**
 * 422 as upstream's NewGenericServerResponse builds it for a patch that does not apply: a
 * fixed message and the real reason as an UnexpectedServerResponse cause.
 */
export function rejected(detail: string): StatusError {
  return new StatusError(422, "Invalid", "the server rejected our request due to an error in our request", {
    causes: [{ reason: "UnexpectedServerResponse", message: detail }],
  });
}
