/**
 * The structural schema of built-in kinds, in OpenAPI v3 form. It is generated at build time
 * (scripts/gen-schemas.mjs) from the types and doc comments of the `kubernetes-types` package,
 * plus the patch merge keys and list types of upstream's Go struct tags, which are facts we
 * record ourselves. OpenAPI documents, `kubectl explain`, strategic merge patch, server-side
 * apply and fieldValidation all read the same schema.
 */

export interface SchemaNode {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  format?: string;
  description?: string;
  /** `#/components/schemas/<name>` */
  $ref?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  enum?: unknown[];
  default?: unknown;
  "x-kubernetes-group-version-kind"?: { group: string; version: string; kind: string }[];
  "x-kubernetes-patch-merge-key"?: string;
  /** "merge", "replace", "retainKeys" or "merge,retainKeys" */
  "x-kubernetes-patch-strategy"?: string;
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: "atomic" | "granular";
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
}

/** Definitions by OpenAPI name, e.g. `io.k8s.api.core.v1.Pod`. */
export type SchemaDefinitions = Record<string, SchemaNode>;

const refPrefix = "#/components/schemas/";

/** Read access to the definitions, with `$ref` resolution. */
export class SchemaSet {
  constructor(readonly definitions: SchemaDefinitions) {}

  get(name: string): SchemaNode | undefined {
    return this.definitions[name];
  }

  /** Follows `$ref` (also inside a one-element `allOf`) to the definition it names. */
  resolve(node: SchemaNode | undefined): SchemaNode | undefined {
    let n = node;
    for (let i = 0; n && i < 8; i++) {
      const ref = n.$ref ?? (n as { allOf?: SchemaNode[] }).allOf?.[0]?.$ref;
      if (!ref) return n;
      n = this.definitions[ref.startsWith(refPrefix) ? ref.slice(refPrefix.length) : ref];
    }
    return n;
  }

  /** The schema of a property of an object schema, resolved. */
  property(node: SchemaNode | undefined, name: string): SchemaNode | undefined {
    const r = this.resolve(node);
    if (!r) return undefined;
    const p = r.properties?.[name];
    if (p) return p;
    return typeof r.additionalProperties === "object" ? r.additionalProperties : undefined;
  }
}

export function refTo(name: string): string {
  return refPrefix + name;
}
