/**
 * Converts a decoded protobuf message into the JSON object upstream's Go types would
 * produce, driven by the schema's field options (see schema/apimachinery.ts):
 *
 * - A field absent from the wire is absent from the JSON.
 * - Go writes every non-pointer scalar, so a zero string/number/false on the wire is
 *   dropped unless the field is marked `(keep)` (a pointer, or a JSON tag without omitempty).
 * - Nested messages present on the wire are always emitted, even when empty: Go's
 *   omitempty never drops a struct (hence `strategy: {}` and `status: {}`).
 * - Empty lists and maps are dropped (the wire cannot tell nil from empty).
 * - Well-known types: Time/MicroTime become RFC 3339 strings (a zero time is omitted; Go
 *   would write null), Duration a Go duration string, IntOrString a number or string,
 *   Quantity its string, FieldsV1 the JSON document it carries, bytes base64.
 */
import protobuf from "protobufjs";
import type { Field, Message, Type } from "protobufjs";
import { INTSTR, META, RESOURCE } from "./schema/apimachinery.js";
import { errors } from "../../machinery/errors.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A decoded message seen as what it is at run time: its fields by name. */
type Fields = Record<string, unknown>;

const TIME = `${META}.Time`;
const MICRO_TIME = `${META}.MicroTime`;
const DURATION = `${META}.Duration`;
const FIELDS_V1 = `${META}.FieldsV1`;
const INT_OR_STRING = `${INTSTR}.IntOrString`;
const QUANTITY = `${RESOURCE}.Quantity`;

export function messageToJson(type: Type, message: Message): JsonObject {
  const fields = message as unknown as Fields;
  const out: JsonObject = {};
  for (const field of type.fieldsArray) {
    const value = fields[field.name];
    const key = jsonName(field);
    if (field.map) {
      const entries = Object.entries((value ?? {}) as Record<string, unknown>);
      if (entries.length > 0) {
        out[key] = Object.fromEntries(entries.map(([k, v]) => [k, valueToJson(field, v, true) ?? null]));
      }
      continue;
    }
    if (field.repeated) {
      const items = (value ?? []) as unknown[];
      if (items.length > 0) out[key] = items.map((v) => valueToJson(field, v, true) ?? null);
      continue;
    }
    if (!Object.prototype.hasOwnProperty.call(fields, field.name)) continue;
    const json = valueToJson(field, value, field.options?.["(keep)"] === true);
    if (json === undefined) continue;
    if (field.options?.["(inline)"] === true) {
      if (json !== null && typeof json === "object" && !Array.isArray(json)) Object.assign(out, json);
    } else {
      out[key] = json;
    }
  }
  return out;
}

function jsonName(field: Field): string {
  const name = field.options?.["(json)"];
  return typeof name === "string" ? name : field.name;
}

/** One value of `field`; undefined means "leave the field out". */
function valueToJson(field: Field, value: unknown, keep: boolean): JsonValue | undefined {
  const resolved = field.resolvedType;
  // A map entry may omit its value; Go then holds the zero value.
  if (resolved instanceof protobuf.Type) return messageValueToJson(resolved, (value ?? resolved.create()) as Message, keep);
  if (field.type === "bytes") {
    const bytes = value instanceof Uint8Array ? value : new Uint8Array();
    if (bytes.length === 0 && !keep) return undefined;
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("base64");
  }
  const scalar = isLong(value) ? value.toNumber() : ((value ?? "") as string | number | boolean);
  if (!keep && (scalar === "" || scalar === 0 || scalar === false)) return undefined;
  return scalar;
}

function messageValueToJson(type: Type, message: Message, keep: boolean): JsonValue | undefined {
  const m = message as unknown as Fields;
  switch (type.fullName.slice(1)) {
    case TIME: return timeToJson(m, false);
    case MICRO_TIME: return timeToJson(m, true);
    case DURATION: return goDuration(num(m.duration));
    case QUANTITY: return typeof m.string === "string" && m.string !== "" ? m.string : "0";
    case FIELDS_V1: return fieldsV1ToJson(m.Raw);
    case INT_OR_STRING: {
      const isString = num(m.type) === 1;
      const v = isString ? String(m.strVal ?? "") : num(m.intVal);
      if (!keep && (v === "" || v === 0)) return undefined;
      return v;
    }
    default: return messageToJson(type, message);
  }
}

interface LongLike { toNumber(): number }

function isLong(v: unknown): v is LongLike {
  return typeof v === "object" && v !== null && typeof (v as Partial<LongLike>).toNumber === "function";
}

function num(v: unknown): number {
  if (isLong(v)) return v.toNumber();
  return typeof v === "number" ? v : 0;
}

/** An empty Time message is Go's zero time; anything else is a Unix instant. */
function timeToJson(m: Fields, micro: boolean): string | undefined {
  const has = (k: string) => Object.prototype.hasOwnProperty.call(m, k);
  if (!has("seconds") && !has("nanos")) return undefined;
  const seconds = num(m.seconds);
  const nanos = num(m.nanos);
  const iso = new Date(seconds * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const base = iso.slice(0, 19);
  if (!micro) return `${base}Z`;
  return `${base}.${String(Math.floor(nanos / 1000)).padStart(6, "0")}Z`;
}

function fieldsV1ToJson(raw: unknown): JsonValue {
  const bytes = raw instanceof Uint8Array ? raw : new Uint8Array();
  if (bytes.length === 0) return {};
  try {
    return JSON.parse(Buffer.from(bytes).toString("utf8")) as JsonValue;
  } catch (e) {
    throw errors.badRequest(`managedFields: fieldsV1 is not valid JSON: ${(e as Error).message}`);
  }
}

/** Go's time.Duration.String(): "1h2m3.5s", "1.5ms", "0s". */
export function goDuration(ns: number): string {
  if (ns === 0) return "0s";
  const sign = ns < 0 ? "-" : "";
  let n = Math.abs(ns);
  if (n < 1e9) {
    const [unit, div] = n < 1e3 ? ["ns", 1] : n < 1e6 ? ["µs", 1e3] : ["ms", 1e6];
    return `${sign}${trimFraction(n / div)}${unit}`;
  }
  const hours = Math.floor(n / 3.6e12);
  n -= hours * 3.6e12;
  const minutes = Math.floor(n / 6e10);
  n -= minutes * 6e10;
  const secs = `${trimFraction(n / 1e9)}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${secs}`;
  if (minutes > 0) return `${sign}${minutes}m${secs}`;
  return `${sign}${secs}`;
}

function trimFraction(v: number): string {
  return v.toFixed(9).replace(/\.?0+$/, "");
}
