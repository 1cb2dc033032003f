/** Generic ObjectMeta validation (upstream's ValidateObjectMeta), run for every kind. */
import { field, type FieldError } from "../machinery/errors.js";
import type { KubeObject } from "../machinery/object.js";
import type { ResourceDef } from "../machinery/resource.js";
import {
  isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isPathSegmentName, isQualifiedName, validateAnnotations, validateLabels,
} from "../machinery/validation.js";

export function validateObjectMeta(def: ResourceDef, obj: KubeObject): FieldError[] {
  const out: FieldError[] = [];
  const meta = obj.metadata;
  const name = meta.name ?? "";
  if (!name) out.push(field.required("metadata.name", "name or generateName is required"));
  else {
    const check = def.nameValidation === "pathSegment" ? isPathSegmentName
      : def.nameValidation === "dns1123Label" ? isDNS1123Label
      : def.nameValidation === "dns1035Label" ? isDNS1035Label : isDNS1123Subdomain;
    for (const e of check(name)) out.push(field.invalid("metadata.name", name, e));
  }
  if (def.namespaced) {
    if (!meta.namespace) out.push(field.required("metadata.namespace"));
    else for (const e of isDNS1123Label(meta.namespace)) out.push(field.invalid("metadata.namespace", meta.namespace, e));
  } else if (meta.namespace) {
    out.push(field.forbidden("metadata.namespace", "not allowed on this type"));
  }
  out.push(...validateLabels(meta.labels, "metadata.labels"));
  out.push(...validateAnnotations(meta.annotations, "metadata.annotations"));
  if (meta.generation !== undefined && meta.generation < 0) out.push(field.invalid("metadata.generation", meta.generation, "must be greater than or equal to 0"));
  (meta.ownerReferences ?? []).forEach((ref, i) => {
    const p = `metadata.ownerReferences[${i}]`;
    if (!ref.apiVersion) out.push(field.invalid(`${p}.apiVersion`, ref.apiVersion ?? "", "version must not be empty"));
    if (!ref.kind) out.push(field.invalid(`${p}.kind`, ref.kind ?? "", "kind must not be empty"));
    if (!ref.name) out.push(field.invalid(`${p}.name`, ref.name ?? "", "name must not be empty"));
    if (!ref.uid) out.push(field.invalid(`${p}.uid`, ref.uid ?? "", "uid must not be empty"));
  });
  if ((meta.ownerReferences ?? []).filter((r) => r.controller).length > 1) {
    out.push(field.invalid("metadata.ownerReferences", meta.ownerReferences, "Only one reference can have Controller set to true"));
  }
  (meta.finalizers ?? []).forEach((f, i) => {
    for (const e of isQualifiedName(f)) out.push(field.invalid(`metadata.finalizers[${i}]`, f, e));
  });
  return out;
}

export function validateObjectMetaUpdate(next: KubeObject, old: KubeObject): FieldError[] {
  const out: FieldError[] = [];
  if (next.metadata.name !== old.metadata.name) out.push(field.invalid("metadata.name", next.metadata.name, "field is immutable"));
  if ((next.metadata.namespace ?? "") !== (old.metadata.namespace ?? "")) out.push(field.invalid("metadata.namespace", next.metadata.namespace, "field is immutable"));
  return out;
}
