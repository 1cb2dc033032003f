/**
 * Patching and field ownership: JSON patch, JSON merge patch, strategic merge patch,
 * server-side apply and `metadata.managedFields`. Pure functions over JSON objects and the
 * structural schema (machinery/schema.ts); they import nothing outside machinery/ and throw
 * only StatusError for bad requests.
 */
export { applyJsonPatch, maxJSONPatchOperations } from "./json-patch.js";
export { applyMergePatch } from "./merge-patch.js";
export { applyStrategicMergePatch, type StrategicMergeOptions } from "./strategic.js";
export { serverSideApply, lastAppliedAnnotation, type ServerSideApplyOptions } from "./apply.js";
export {
  updateManagedFields, decodeManagedFields, encodeManagedFields, managerIdentity, printManager, stripMeta,
  type ManagedEntry, type UpdateManagedFieldsOptions,
} from "./managed-fields.js";
export { FieldSet, pathToString, fieldElement, keyElement, valueElement, indexElement, type FieldPath, type PathElement } from "./fieldpath.js";
export { toFieldSet, compare, type Comparison } from "./typed.js";
export { SchemaRef } from "./schema-ref.js";
