/**
 * Type errors a Go decoder would report: a string where an int32 belongs, an object where a
 * list belongs. Upstream fails such bodies while decoding (400 BadRequest, whatever the
 * fieldValidation mode), with encoding/json's message, e.g.
 * `json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`.
 */
import type { SchemaNode, SchemaSet } from "../../machinery/schema.js";

const refPrefix = "#/components/schemas/";

function refName(node: SchemaNode): string | undefined {
  const ref = node.$ref ?? (node as { allOf?: SchemaNode[] }).allOf?.[0]?.$ref;
  return ref?.startsWith(refPrefix) ? ref.slice(refPrefix.length) : ref;
}

const goNames = new Map<string, string>();

/** Go's name for a definition: `io.k8s.api.core.v1.PodSpec` → `v1.PodSpec` (memoised: every write walks these). */
function goStructName(name: string): string {
  let n = goNames.get(name);
  if (n === undefined) {
    n = name.split(".").slice(-2).join(".");
    goNames.set(name, n);
  }
  return n;
}

function jsonKind(v: unknown, intTarget = false): string {
  if (typeof v === "number") return intTarget ? `number ${String(v)}` : "number";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") return "object";
  return "string";
}

function goType(node: SchemaNode | undefined, schemas: SchemaSet): string {
  if (!node) return "interface {}";
  const ref = refName(node);
  if (ref) {
    const def = schemas.get(ref);
    if (def && def.type && def.type !== "object") return goType(def, schemas);
    return goStructName(ref);
  }
  switch (node.type) {
    case "integer": return node.format === "int64" ? "int64" : "int32";
    case "number": return "float64";
    case "boolean": return "bool";
    case "string": return "string";
    case "array": return `[]${goType(node.items, schemas)}`;
    case "object":
      if (typeof node.additionalProperties === "object") return `map[string]${goType(node.additionalProperties, schemas)}`;
      return "map[string]interface {}";
    default: return "interface {}";
  }
}

/** The first type error in `value` against definition `schemaName`, as Go's decoder words it. */
export function firstTypeError(value: unknown, schemaName: string, schemas: SchemaSet): string | undefined {
  const root = schemas.get(schemaName);
  if (!root) return undefined;
  // Nearly every body is well typed: a walk without paths or names says so; only a body that
  // fails it is walked again to word the error.
  if (wellTyped(value, root, schemas)) return undefined;
  return check(value, root, schemas, goStructName(schemaName), "");
}

/** What `check` needs of a schema node, worked out once per node and schema set. */
interface Resolved {
  /** Undefined: nothing to check (no schema, int-or-string, preserve-unknown-fields, no type). */
  type?: string;
  quantity: boolean;
  node?: SchemaNode;
}

const resolvedBySet = new WeakMap<SchemaSet, WeakMap<SchemaNode, Resolved>>();

function resolve(node: SchemaNode, schemas: SchemaSet): Resolved {
  let cache = resolvedBySet.get(schemas);
  if (!cache) resolvedBySet.set(schemas, (cache = new WeakMap()));
  let r = cache.get(node);
  if (r) return r;
  const ref = refName(node);
  const n = ref ? schemas.get(ref) : node;
  if (!n || n["x-kubernetes-int-or-string"] || n["x-kubernetes-preserve-unknown-fields"]) r = { quantity: false };
  else if (ref === "io.k8s.apimachinery.pkg.api.resource.Quantity") r = { quantity: true, node: n };
  else r = { type: n.type, quantity: false, node: n };
  // A schema set's definitions do not change (Shapes caches its resolutions the same way).
  cache.set(node, r);
  return r;
}

/** The same judgement as `check`, without building paths or Go names. */
function wellTyped(value: unknown, node: SchemaNode, schemas: SchemaSet): boolean {
  if (value === null || value === undefined) return true;
  const r = resolve(node, schemas);
  if (r.quantity) return typeof value === "string" || typeof value === "number";
  switch (r.type) {
    case "string": return typeof value === "string";
    case "boolean": return typeof value === "boolean";
    case "integer": return typeof value === "number" && Number.isInteger(value);
    case "number": return typeof value === "number";
    case "array": {
      if (!Array.isArray(value)) return false;
      const items = r.node!.items;
      if (!items) return true;
      for (let i = 0; i < value.length; i++) if (!wellTyped(value[i], items, schemas)) return false;
      return true;
    }
    case "object": {
      if (typeof value !== "object" || Array.isArray(value)) return false;
      const n = r.node!;
      const props = n.properties;
      const ap = typeof n.additionalProperties === "object" ? n.additionalProperties : undefined;
      for (const k in value as Record<string, unknown>) {
        const prop = props?.[k] ?? ap;
        if (prop && !wellTyped((value as Record<string, unknown>)[k], prop, schemas)) return false;
      }
      return true;
    }
    default:
      return true;
  }
}

function check(value: unknown, node: SchemaNode, schemas: SchemaSet, struct: string, path: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  const ref = refName(node);
  const resolved = ref ? schemas.get(ref) : node;
  if (!resolved) return undefined;
  if (resolved["x-kubernetes-int-or-string"] || resolved["x-kubernetes-preserve-unknown-fields"]) return undefined;
  if (ref === "io.k8s.apimachinery.pkg.api.resource.Quantity") {
    return typeof value === "string" || typeof value === "number" ? undefined : fail(value, resolved, schemas, struct, path, "resource.Quantity");
  }
  const type = resolved.type;
  if (!type) return undefined;
  switch (type) {
    case "string":
      return typeof value === "string" ? undefined : fail(value, resolved, schemas, struct, path);
    case "boolean":
      return typeof value === "boolean" ? undefined : fail(value, resolved, schemas, struct, path);
    case "integer":
      return typeof value === "number" && Number.isInteger(value) ? undefined : fail(value, resolved, schemas, struct, path);
    case "number":
      return typeof value === "number" ? undefined : fail(value, resolved, schemas, struct, path);
    case "array": {
      if (!Array.isArray(value)) return fail(value, resolved, schemas, struct, path);
      if (!resolved.items) return undefined;
      for (const item of value) {
        const e = check(item, resolved.items, schemas, struct, path);
        if (e) return e;
      }
      return undefined;
    }
    case "object": {
      if (typeof value !== "object" || Array.isArray(value)) {
        return fail(value, resolved, schemas, struct, path, ref ? goStructName(ref) : undefined);
      }
      const inner = ref ? goStructName(ref) : struct;
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const prop = resolved.properties?.[k] ?? (typeof resolved.additionalProperties === "object" ? resolved.additionalProperties : undefined);
        if (!prop) continue;
        const e = check(v, prop, schemas, resolved.properties?.[k] ? inner.slice(inner.lastIndexOf(".") + 1) : struct, path ? `${path}.${k}` : k);
        if (e) return e;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

function fail(value: unknown, node: SchemaNode, schemas: SchemaSet, struct: string, path: string, typeName?: string): string {
  const where = path ? ` into Go struct field ${struct}.${path}` : " into Go value";
  return `json: cannot unmarshal ${jsonKind(value, node.type === "integer")}${where} of type ${typeName ?? goType(node, schemas)}`;
}
