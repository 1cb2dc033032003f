/**
 * The pod-template hash that names a Deployment's ReplicaSets (`<deploy>-<hash>`) and labels
 * their pods (`pod-template-hash`), after upstream's controller.ComputeHash:
 *
 * - FNV-32a over a deterministic rendering of the pod template;
 * - when the Deployment has a `status.collisionCount`, 8 more bytes: the count as a
 *   little-endian uint32 followed by four zero bytes (upstream writes a uint32 into an
 *   8-byte buffer);
 * - the 32-bit sum printed in decimal, each digit then mapped through the "safe" alphabet
 *   `bcdfghjklmnpqrstvwxz2456789` (upstream's rand.SafeEncodeString), so the name never
 *   spells words or holds vowels.
 *
 * The one difference: upstream renders the Go struct with spew's `%#v` (field order and Go
 * types of PodTemplateSpec), which a JSON object does not carry. We render canonical JSON:
 * keys sorted, and every zero value (absent, null, "", 0, false, empty list or map) dropped,
 * so that two templates that are semantically equal (apiequality.Semantic.DeepEqual, which
 * is how the controller matches a template to a ReplicaSet) always hash alike. Hash values
 * therefore differ from a real cluster's for the same template; their shape does not.
 */
import { isPlainObject } from "../../machinery/object.js";

const safeAlphabet = "bcdfghjklmnpqrstvwxz2456789";

const fnvOffset32 = 0x811c9dc5;
const fnvPrime32 = 0x01000193;

/** FNV-1a, 32 bits, continuing from `hash` (the offset basis by default). */
export function fnv32a(bytes: Uint8Array, hash = fnvOffset32): number {
  let h = hash >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, fnvPrime32) >>> 0;
  }
  return h;
}

/** rand.SafeEncodeString: each character's code point modulo the alphabet's length. */
export function safeEncodeString(s: string): string {
  let out = "";
  for (const ch of s) out += safeAlphabet[ch.codePointAt(0)! % safeAlphabet.length];
  return out;
}

function isZero(v: unknown): boolean {
  return v === undefined || v === null || v === "" || v === 0 || v === false;
}

/** The value with zero fields dropped; undefined when the whole value is zero. */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) {
    if (v.length === 0) return undefined;
    // Positions matter in a list: a zero element stays, as null.
    return v.map((x) => normalize(x) ?? null);
  }
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const n = normalize(v[k]);
      if (n !== undefined) out[k] = n;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return isZero(v) ? undefined : v;
}

/** The deterministic rendering the hash is taken over. */
export function canonicalTemplate(template: unknown): string {
  return JSON.stringify(normalize(template) ?? {});
}

/** controller.ComputeHash(template, collisionCount). */
export function computeHash(template: unknown, collisionCount?: number | null): string {
  let h = fnv32a(new TextEncoder().encode(canonicalTemplate(template)));
  if (collisionCount !== undefined && collisionCount !== null) {
    const buf = new Uint8Array(8);
    new DataView(buf.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(buf, h);
  }
  return safeEncodeString(String(h));
}
