/**
 * Server-side field validation (`fieldValidation=Strict|Warn`): unknown and duplicate fields
 * of request bodies, reported with upstream's strict decoding texts. It runs on every write
 * that asks for it, so it walks the schema once per value and caches what it learns per node.
 */
import type { ResourceDef } from "../../machinery/resource.js";
import type { SchemaSet } from "../../machinery/schema.js";
import { scanStrict } from "./scan.js";
import { Shapes } from "./shape.js";
import { collectUnknown } from "./unknown.js";

export {
  cannotBeHandledMessage,
  duplicateFieldMessage,
  strictDecodingMessage,
  unknownFieldMessage,
  unrecognizedObjectMessage,
  warningHeaderValue,
} from "./messages.js";

const shapesBySet = new WeakMap<SchemaSet, Shapes>();

function shapesFor(schemas: SchemaSet): Shapes {
  let s = shapesBySet.get(schemas);
  if (!s) {
    s = new Shapes(schemas);
    shapesBySet.set(schemas, s);
  }
  return s;
}

/**
 * Fields of `obj` that the definition `schemaName` does not declare, as upstream's strict
 * decoding names them: `unknown field "spec.template.spec.containers[0].imagex"`.
 * Maps (additionalProperties), int-or-string, RawExtension-like values and
 * preserve-unknown-fields subtrees accept anything; apiVersion, kind and metadata (ObjectMeta)
 * are known on every resource and embedded resource. An unknown `schemaName` reports nothing.
 */
export function unknownFields(obj: unknown, schemaName: string, schemas: SchemaSet): string[] {
  const root = schemas.get(schemaName);
  if (!root) return [];
  return collectUnknown(shapesFor(schemas), root, obj);
}

/**
 * The bare paths of the fields `unknownFields` reports (`spec.replica`), for callers that word
 * the problem themselves (server-side apply says `.spec.replica: field not declared in schema`).
 */
export function unknownFieldPaths(obj: unknown, schemaName: string, schemas: SchemaSet): string[] {
  const root = schemas.get(schemaName);
  if (!root) return [];
  return collectUnknown(shapesFor(schemas), root, obj, (path) => path);
}

/**
 * Duplicate keys anywhere in a JSON text, e.g. `duplicate field "spec.replicas"`, as decoding
 * into free-form JSON reports them. Stops quietly at a syntax error.
 */
export function duplicateFields(raw: string): string[] {
  return scanStrict(raw, undefined, undefined);
}

/**
 * Everything strict decoding of a JSON body into `schemaName` reports, in document order,
 * duplicates and unknown fields interleaved as upstream lists them:
 * `duplicate field "metadata.name", unknown field "spec.replica"`. Duplicates of undeclared
 * fields are reported once as unknown, and values decoded opaquely upstream are skipped.
 * This is what create and update should use for JSON bodies.
 */
export function strictFieldProblems(raw: string, schemaName: string, schemas: SchemaSet): string[] {
  const root = schemas.get(schemaName);
  return root ? scanStrict(raw, shapesFor(schemas), root) : scanStrict(raw, undefined, undefined);
}

/** The API server's field validator seam, over one schema set. */
export function createFieldValidator(schemas: SchemaSet): {
  unknownFields(obj: unknown, def: ResourceDef): string[];
  duplicateFields(raw: string): string[];
  strictFieldProblems(raw: string, def: ResourceDef): string[];
} {
  return {
    unknownFields: (obj, def) => unknownFields(obj, def.schema, schemas),
    duplicateFields: (raw) => duplicateFields(raw),
    strictFieldProblems: (raw, def) => strictFieldProblems(raw, def.schema, schemas),
  };
}
