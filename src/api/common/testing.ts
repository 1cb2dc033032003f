/**
 * Test helpers: run a definition's hooks in the order the API server's store does (create:
 * prepareForCreate, defaults, validate; update: prepareForUpdate, defaults, validate,
 * validateUpdate), without storage.
 */
import { fieldErrorMessage, type FieldError } from "../../machinery/errors.js";
import { deepCopy, type KubeObject } from "../../machinery/object.js";
import type { ResourceDef } from "../../machinery/resource.js";

export interface Outcome {
  obj: KubeObject;
  errs: FieldError[];
  /** `field: detail` as kubectl prints each cause. */
  messages: string[];
}

const now = new Date("2025-01-01T00:00:00Z");

export function simulateCreate(def: ResourceDef, input: object): Outcome {
  const obj = deepCopy(input) as KubeObject;
  obj.metadata ??= {};
  if (def.namespaced) obj.metadata.namespace ??= "default";
  obj.metadata.uid ??= "11111111-2222-3333-4444-555555555555";
  obj.metadata.creationTimestamp ??= "2025-01-01T00:00:00Z";
  delete obj.metadata.resourceVersion;
  if (def.tracksGeneration) obj.metadata.generation = 1;
  def.prepareForCreate?.(obj, { now });
  def.defaults?.(obj);
  const errs = def.validate?.(obj) ?? [];
  return { obj, errs, messages: errs.map(fieldErrorMessage) };
}

export function simulateUpdate(def: ResourceDef, old: KubeObject, input: object): Outcome {
  const obj = deepCopy(input) as KubeObject;
  obj.metadata = { ...old.metadata, ...obj.metadata, resourceVersion: old.metadata.resourceVersion ?? "2" };
  def.prepareForUpdate?.(obj, old, { now });
  def.defaults?.(obj);
  const errs = [...(def.validate?.(obj) ?? []), ...(def.validateUpdate?.(obj, old) ?? [])];
  return { obj, errs, messages: errs.map(fieldErrorMessage) };
}

/** A row as a column-name → cell map, for readable assertions. */
export function rowByName(def: ResourceDef, obj: KubeObject): Record<string, unknown> {
  const cells = def.row(obj);
  return Object.fromEntries(def.columns.map((c, i) => [c.name, cells[i]]));
}

/** A creationTimestamp `ms` milliseconds ago, for AGE cells. */
export function ago(ms: number): string {
  return new Date(Date.now() - ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
