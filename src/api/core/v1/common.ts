/**
 * Small pieces every core/v1 kind shares: the object type adapter over `kubernetes-types`,
 * the NAME/AGE column definitions, field-path helpers and upstream's common field checks.
 */
import type { KubeObject } from "../../../machinery/object.js";
import type { PrinterColumn, ResourceDef } from "../../../machinery/resource.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from "../../../machinery/validation.js";

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A `kubernetes-types` object made to fit the registry: `status` writable (the types mark it
 * read-only) and `metadata` our ObjectMeta.
 */
export type Obj<T> = Omit<Writable<T>, "metadata" | "apiVersion" | "kind"> & KubeObject;

/**
 * Widens a typed definition to the registry's `ResourceDef`. The hooks take the narrow type,
 * which holds for well-formed bodies; a body whose fields have the wrong JSON types can still
 * make a hook throw a TypeError, so each hook is wrapped: validation reports such a body as
 * Invalid, defaulting and printing degrade instead of failing the request.
 */
export function defineResource<T extends KubeObject>(def: ResourceDef<T>): ResourceDef {
  const wrapped: ResourceDef<T> = { ...def };
  const malformed = (err: unknown): FieldError[] => {
    if (!(err instanceof TypeError)) throw err;
    return [field.invalid(def.kind.toLowerCase(), "<malformed>", `could not be validated: ${err.message}`)];
  };
  const tolerate = (err: unknown): void => {
    if (!(err instanceof TypeError)) throw err;
  };
  const { defaults, validate, validateUpdate, prepareForCreate, prepareForUpdate, row } = def;
  if (defaults) wrapped.defaults = (o) => { try { defaults(o); } catch (e) { tolerate(e); } };
  if (prepareForCreate) wrapped.prepareForCreate = (o, c) => { try { prepareForCreate(o, c); } catch (e) { tolerate(e); } };
  if (prepareForUpdate) wrapped.prepareForUpdate = (o, old, c) => { try { prepareForUpdate(o, old, c); } catch (e) { tolerate(e); } };
  if (validate) wrapped.validate = (o) => { try { return validate(o); } catch (e) { return malformed(e); } };
  if (validateUpdate) wrapped.validateUpdate = (o, old) => { try { return validateUpdate(o, old); } catch (e) { return malformed(e); } };
  wrapped.row = (o) => {
    try {
      return row(o);
    } catch (e) {
      tolerate(e);
      return def.columns.map((c) => (c.format === "name" ? o.metadata.name ?? "" : "<unknown>"));
    }
  };
  return wrapped as unknown as ResourceDef;
}

export const nameColumn: PrinterColumn = {
  name: "Name", type: "string", format: "name",
  description: "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
};

export const ageColumn: PrinterColumn = {
  name: "Age", type: "string",
  description: "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
};

export function col(name: string, type: PrinterColumn["type"], description: string, priority = 0): PrinterColumn {
  return priority ? { name, type, description, priority } : { name, type, description };
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** field.Path.Key: `data[key]`. */
export function keyPath(path: string, key: string): string {
  return `${path}[${key}]`;
}

export function child(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/** A `Not found` cause; errors.ts has no constructor for it. */
export function notFound(path: string, value: unknown): FieldError {
  return { type: "FieldValueNotFound", field: path, value };
}

export const isNegativeErrorMsg = "must be greater than or equal to 0";

/** Structural equality for JSON data; absent and `undefined` members are the same. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

export function validateDNS1123Label(v: string, path: string): FieldError[] {
  return isDNS1123Label(v).map((m) => field.invalid(path, v, m));
}

export function validateDNS1123Subdomain(v: string, path: string): FieldError[] {
  return isDNS1123Subdomain(v).map((m) => field.invalid(path, v, m));
}

export function validateQualifiedName(v: string, path: string): FieldError[] {
  return isQualifiedName(v).map((m) => field.invalid(path, v, m));
}

export function validateNonnegative(v: number | undefined, path: string): FieldError[] {
  return v !== undefined && v < 0 ? [field.invalid(path, v, isNegativeErrorMsg)] : [];
}

export function isValidPortNum(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : ["must be between 1 and 65535, inclusive"];
}

/** IANA_SVC_NAME, as validation.IsValidPortName. */
export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (port.length > 15) errs.push("must be no more than 15 characters");
  if (!/^[-a-z0-9]+$/.test(port)) errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (!/[a-z]/.test(port)) errs.push("must contain at least one letter (a-z)");
  if (port.includes("--")) errs.push("must not contain consecutive hyphens");
  if (port.length > 0 && (port.startsWith("-") || port.endsWith("-"))) errs.push("must not begin or end with a hyphen");
  return errs;
}

/** ValidatePortNumOrName for an IntOrString port. */
export function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === "number") return isValidPortNum(port).map((m) => field.invalid(path, port, m));
  if (typeof port === "string") return isValidPortName(port).map((m) => field.invalid(path, port, m));
  return [field.invalid(path, port, "must be an integer or a string")];
}

/** validation.IsConfigMapKey: keys of ConfigMap and Secret data. */
export function isConfigMapKey(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push("must be no more than 253 characters");
  if (!/^[-._a-zA-Z0-9]+$/.test(v)) {
    errs.push("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
  }
  if (v === ".") errs.push("must not be '.'");
  else if (v === "..") errs.push("must not be '..'");
  else if (v.startsWith("..")) errs.push("must not start with '..'");
  return errs;
}

/** net.ParseIP-style check used for clusterIP, podIP and node addresses. */
export function isIP(v: string): boolean {
  const v4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
  if (v4.test(v)) return true;
  if (!v.includes(":")) return false;
  // IPv6: at most one "::", hex groups of 1-4 digits, optional trailing dotted quad.
  const parts = v.split("::");
  if (parts.length > 2) return false;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const all = [...groups(parts[0]!), ...(parts.length === 2 ? groups(parts[1]!) : [])];
  let count = 0;
  for (let i = 0; i < all.length; i++) {
    const g = all[i]!;
    if (i === all.length - 1 && v4.test(g)) { count += 2; continue; }
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
    count++;
  }
  return parts.length === 2 ? count < 8 : count === 8;
}

