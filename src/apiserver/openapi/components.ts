/**
 * `components.schemas` of an OpenAPI v3 document: the definitions a group/version reaches, in
 * the form upstream serves them (`$ref` wrapped in `allOf` so that siblings such as
 * `description` are legal, which kubectl explain relies on; IntOrString and Quantity as
 * `oneOf`). Each definition is serialised once per schema node and reused by every document.
 */
import type { SchemaNode, SchemaSet } from "../../machinery/schema.js";

const refPrefix = "#/components/schemas/";
export const intOrStringName = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
export const quantityName = "io.k8s.apimachinery.pkg.api.resource.Quantity";

const servedJson = new WeakMap<SchemaNode, string>();

function refName(ref: string): string {
  return ref.startsWith(refPrefix) ? ref.slice(refPrefix.length) : ref;
}

/** Names of every definition reachable from `roots` (roots included when defined), sorted. */
export function reachable(roots: Iterable<string>, schemas: SchemaSet): string[] {
  const seen = new Set<string>();
  const stack = [...roots];
  const visit = (node: SchemaNode | undefined): void => {
    if (!node || typeof node !== "object") return;
    if (node.$ref) stack.push(refName(node.$ref));
    const allOf = (node as { allOf?: SchemaNode[] }).allOf;
    if (allOf) for (const n of allOf) visit(n);
    if (node.properties) for (const p of Object.values(node.properties)) visit(p);
    if (node.items) visit(node.items);
    if (typeof node.additionalProperties === "object") visit(node.additionalProperties);
  };
  while (stack.length) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    const def = schemas.get(name);
    if (!def) continue;
    seen.add(name);
    visit(def);
  }
  return [...seen].sort();
}

/** One schema node in served form: `{$ref, description}` becomes `{allOf:[{$ref}], description}`. */
export function served(node: SchemaNode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (node.$ref) out.allOf = [{ $ref: node.$ref }];
  for (const [k, v] of Object.entries(node)) {
    if (k === "$ref") continue;
    if (k === "properties" && v && typeof v === "object") {
      const props: Record<string, unknown> = {};
      for (const [name, p] of Object.entries(v as Record<string, SchemaNode>)) props[name] = served(p);
      out.properties = props;
    } else if ((k === "items" || k === "additionalProperties") && v && typeof v === "object") {
      out[k] = served(v as SchemaNode);
    } else out[k] = v;
  }
  return out;
}

function servedDefinition(name: string, def: SchemaNode): Record<string, unknown> {
  const description = def.description ? { description: def.description } : {};
  if (name === intOrStringName) return { ...description, format: "int-or-string", oneOf: [{ type: "integer" }, { type: "string" }] };
  if (name === quantityName) return { ...description, oneOf: [{ type: "string" }, { type: "number" }] };
  return served(def);
}

/** The JSON text of one definition in served form, cached per schema node. */
export function definitionJson(name: string, def: SchemaNode): string {
  let s = servedJson.get(def);
  if (s === undefined) {
    s = JSON.stringify(servedDefinition(name, def));
    servedJson.set(def, s);
  }
  return s;
}

/** `"name":{...},...` for the given definitions, ready to splice into a document. */
export function schemasJson(names: string[], schemas: SchemaSet): string {
  const parts: string[] = [];
  for (const name of names) {
    const def = schemas.get(name);
    if (def) parts.push(`${JSON.stringify(name)}:${definitionJson(name, def)}`);
  }
  return parts.join(",");
}
