/** ConfigMap: key validation and the `immutable` rule. */
import type { ConfigMap } from "kubernetes-types/core/v1.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { age } from "../../printers.js";
import { ageColumn, col, deepEqual, defineResource, isConfigMapKey, keyPath, nameColumn, type Obj } from "./common.js";

export type ConfigMapObj = Obj<ConfigMap>;

/** core.MaxSecretSize, shared by ConfigMaps. */
export const maxDataSize = 1024 * 1024;

export function validateConfigMap(cm: ConfigMapObj): FieldError[] {
  const out: FieldError[] = [];
  let total = 0;
  const data = cm.data ?? {};
  const bin = cm.binaryData ?? {};
  for (const [k, v] of Object.entries(data)) {
    out.push(...isConfigMapKey(k).map((m) => field.invalid(keyPath("data", k), k, m)));
    if (k in bin) out.push(field.invalid(keyPath("data", k), k, "duplicate of key present in binaryData"));
    total += typeof v === "string" ? Buffer.byteLength(v) : 0;
  }
  for (const [k, v] of Object.entries(bin)) {
    out.push(...isConfigMapKey(k).map((m) => field.invalid(keyPath("binaryData", k), k, m)));
    if (k in data) out.push(field.invalid(keyPath("binaryData", k), k, "duplicate of key present in data"));
    total += typeof v === "string" ? Buffer.from(v, "base64").length : 0;
  }
  if (total > maxDataSize) out.push(field.tooLong("", maxDataSize));
  return out;
}

export const configMapResource = defineResource<ConfigMapObj>({
  group: "", version: "v1", kind: "ConfigMap",
  plural: "configmaps", singular: "configmap", shortNames: ["cm"],
  namespaced: true,
  schema: "io.k8s.api.core.v1.ConfigMap",
  columns: [
    nameColumn,
    col("Data", "string", "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process."),
    ageColumn,
  ],
  row: (cm) => [cm.metadata.name ?? "", Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, age(cm.metadata.creationTimestamp)],
  validate: validateConfigMap,
  validateUpdate(cm, old) {
    const out = validateConfigMap(cm);
    if (old.immutable === true) {
      if (cm.immutable !== true) out.push(field.forbidden("immutable", "field is immutable when `immutable` is set"));
      if (!deepEqual(cm.data ?? {}, old.data ?? {})) out.push(field.forbidden("data", "field is immutable when `immutable` is set"));
      if (!deepEqual(cm.binaryData ?? {}, old.binaryData ?? {})) out.push(field.forbidden("binaryData", "field is immutable when `immutable` is set"));
    }
    return out;
  },
});
