/** storage.k8s.io/v1 StorageClass: defaults, validation and printer as upstream's. */
import type { StorageClass as StorageClassT } from "kubernetes-types/storage/v1.js";
import type { ResourceDef } from "../../../machinery/resource.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { isPlainObject } from "../../../machinery/object.js";
import { isQualifiedName } from "../../../machinery/validation.js";
import { age } from "../../printers.js";
import { semanticEqual } from "../../common/equality.js";
import { ageColumn, column, defineResource, nameColumn, type Obj } from "../../common/define.js";

export type StorageClass = Obj<StorageClassT>;

export const defaultClassAnnotation = "storageclass.kubernetes.io/is-default-class";
const betaDefaultClassAnnotation = "storageclass.beta.kubernetes.io/is-default-class";
const maxParameters = 512;
const maxParametersSize = 256 * 1024;

export function isDefaultStorageClass(sc: StorageClass): boolean {
  const a = sc.metadata.annotations ?? {};
  return a[defaultClassAnnotation] === "true" || a[betaDefaultClassAnnotation] === "true";
}

export function validateStorageClass(sc: StorageClass): FieldError[] {
  const errs: FieldError[] = [];
  const prov = typeof sc.provisioner === "string" ? sc.provisioner : "";
  if (!prov) errs.push(field.required("provisioner"));
  else for (const m of isQualifiedName(prov.toLowerCase())) errs.push(field.invalid("provisioner", prov.toLowerCase(), m));
  const params = isPlainObject(sc.parameters) ? sc.parameters : {};
  const keys = Object.keys(params);
  if (keys.length > maxParameters) errs.push(field.tooLong("parameters", maxParameters));
  let size = 0;
  for (const k of keys) {
    if (k.length < 1) errs.push(field.invalid("parameters", k, "field can not be empty."));
    size += k.length + String(params[k]).length;
  }
  if (size > maxParametersSize) errs.push(field.tooLong("parameters", maxParametersSize));
  if (sc.reclaimPolicy && sc.reclaimPolicy !== "Delete" && sc.reclaimPolicy !== "Retain") errs.push(field.notSupported("reclaimPolicy", sc.reclaimPolicy, ["Delete", "Retain"]));
  const mode = sc.volumeBindingMode;
  if (mode == null) errs.push(field.required("volumeBindingMode"));
  else if (mode !== "Immediate" && mode !== "WaitForFirstConsumer") errs.push(field.notSupported("volumeBindingMode", mode, ["Immediate", "WaitForFirstConsumer"]));
  return errs;
}

export function validateStorageClassUpdate(sc: StorageClass, old: StorageClass): FieldError[] {
  const errs: FieldError[] = [];
  if (!semanticEqual(sc.parameters, old.parameters)) errs.push(field.forbidden("parameters", "updates to parameters are forbidden."));
  if (sc.provisioner !== old.provisioner) errs.push(field.forbidden("provisioner", "updates to provisioner are forbidden."));
  if (sc.reclaimPolicy !== old.reclaimPolicy) errs.push(field.forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."));
  if (sc.volumeBindingMode !== old.volumeBindingMode) errs.push(field.invalid("volumeBindingMode", sc.volumeBindingMode ?? null, "field is immutable"));
  return errs;
}

export const storageClassResource = defineResource<StorageClass>({
  group: "storage.k8s.io",
  version: "v1",
  kind: "StorageClass",
  plural: "storageclasses",
  singular: "storageclass",
  shortNames: ["sc"],
  namespaced: false,
  schema: "io.k8s.api.storage.v1.StorageClass",
  columns: [
    nameColumn,
    column("Provisioner", "provisioner indicates the type of the provisioner."),
    column("ReclaimPolicy", "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete."),
    column("VolumeBindingMode", "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature."),
    column("AllowVolumeExpansion", "allowVolumeExpansion shows whether the storage class allow volume expand."),
    ageColumn,
  ],
  row: (sc) => [
    isDefaultStorageClass(sc) ? `${sc.metadata.name} (default)` : sc.metadata.name,
    sc.provisioner ?? "",
    sc.reclaimPolicy ?? "Delete",
    sc.volumeBindingMode ?? "Immediate",
    sc.allowVolumeExpansion ?? false,
    age(sc.metadata.creationTimestamp),
  ],
  defaults(sc) {
    sc.reclaimPolicy ??= "Delete";
    sc.volumeBindingMode ??= "Immediate";
  },
  validate: validateStorageClass,
  validateUpdate: validateStorageClassUpdate,
});

export const storageV1Resources: ResourceDef[] = [storageClassResource];
