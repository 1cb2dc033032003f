/**
 * How strict decoding treats a value of a given schema: which keys an object declares, and
 * where decoding stops looking (upstream's custom unmarshalers: RawExtension, FieldsV1,
 * apiextensions JSON, IntOrString, Quantity...). Classifications are cached per schema node.
 */
import type { SchemaNode, SchemaSet } from "../../machinery/schema.js";

export const objectMetaName = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

export type Shape =
  /** A struct: declared keys are known, others are unknown unless `rest` says otherwise. */
  | { kind: "object"; props: Map<string, SchemaNode | undefined>; rest: SchemaNode | "any" | "unknown" }
  /** map[string]T: every key is known, values are of `value`. */
  | { kind: "map"; value: SchemaNode }
  | { kind: "array"; items: SchemaNode | undefined }
  /** Free-form JSON kept as is (preserve-unknown-fields): no unknown fields, but still decoded. */
  | { kind: "free" }
  /** Decoded by a custom unmarshaler upstream, or a scalar: nothing inside is looked at. */
  | { kind: "opaque" };

const opaque: Shape = { kind: "opaque" };
const free: Shape = { kind: "free" };

/** Keys every object that is a whole resource has, declared or not. */
function withResourceKeys(props: Map<string, SchemaNode | undefined>, schemas: SchemaSet): Map<string, SchemaNode | undefined> {
  const out = new Map(props);
  if (!out.has("apiVersion")) out.set("apiVersion", undefined);
  if (!out.has("kind")) out.set("kind", undefined);
  if (!out.has("metadata")) out.set("metadata", schemas.get(objectMetaName));
  return out;
}

export class Shapes {
  private readonly cache = new WeakMap<SchemaNode, Shape>();
  private readonly rootCache = new WeakMap<SchemaNode, Shape>();

  constructor(readonly schemas: SchemaSet) {}

  /** The shape of a value of `node`; `undefined` (no schema) means free-form JSON. */
  of(node: SchemaNode | undefined): Shape {
    if (!node) return free;
    let s = this.cache.get(node);
    if (!s) {
      s = this.classify(node, false);
      this.cache.set(node, s);
    }
    return s;
  }

  /** The shape of a whole resource: apiVersion, kind and metadata are always known. */
  ofResource(node: SchemaNode | undefined): Shape {
    if (!node) return free;
    let s = this.rootCache.get(node);
    if (!s) {
      s = this.classify(node, true);
      this.rootCache.set(node, s);
    }
    return s;
  }

  private classify(node: SchemaNode, resource: boolean): Shape {
    const n = this.schemas.resolve(node);
    if (!n) return free;
    if (n["x-kubernetes-int-or-string"]) return opaque;
    const preserve = n["x-kubernetes-preserve-unknown-fields"] === true;
    const embedded = resource || n["x-kubernetes-embedded-resource"] === true;
    if (n.properties) {
      let props = new Map<string, SchemaNode | undefined>(Object.entries(n.properties));
      if (embedded) props = withResourceKeys(props, this.schemas);
      const ap = n.additionalProperties;
      const rest = typeof ap === "object" ? ap : ap === true || preserve ? "any" : "unknown";
      return { kind: "object", props, rest };
    }
    if (typeof n.additionalProperties === "object") return { kind: "map", value: n.additionalProperties };
    if (n.type === "array" || n.items) return { kind: "array", items: n.items };
    if (embedded) return { kind: "object", props: withResourceKeys(new Map(), this.schemas), rest: preserve ? "any" : "unknown" };
    if (preserve || n.additionalProperties === true) return free;
    // An object with nothing declared (RawExtension, FieldsV1), a typeless value (apiextensions
    // JSON), or a scalar: upstream decodes these without looking for unknown fields.
    return opaque;
  }
}

/** `a.b`, as upstream's strict errors join field names. */
export function joinPath(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

export function indexPath(prefix: string, i: number): string {
  return `${prefix}[${i}]`;
}
