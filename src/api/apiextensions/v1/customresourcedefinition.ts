/**
 * apiextensions.k8s.io/v1 CustomResourceDefinition, stored and validated for its basic
 * structure (names, group, scope, versions, schemas). Establishing the names (the
 * NamesAccepted/Established conditions) is a controller's job; serving the custom resources
 * comes later.
 */
import type { CustomResourceDefinition as CRDT } from "kubernetes-types/apiextensions/v1.js";
import type { ResourceDef } from "../../../machinery/resource.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { isPlainObject } from "../../../machinery/object.js";
import { isDNS1035Label, isDNS1123Subdomain } from "../../../machinery/validation.js";
import { defaultColumns, defaultRow, defineResource, ensureSpec, specOf, type Obj } from "../../common/define.js";

export type CustomResourceDefinition = Obj<CRDT>;

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (isPlainObject(v) ? v : {});
const str = (v: unknown): string => (typeof v === "string" ? v : "");

export function defaultCRD(crd: CustomResourceDefinition): void {
  const spec = ensureSpec(crd);
  if (!spec) return;
  if (isPlainObject(spec.names)) {
    const names = spec.names;
    if (!names.singular && typeof names.kind === "string") names.singular = names.kind.toLowerCase();
    if (!names.listKind && typeof names.kind === "string" && names.kind) names.listKind = `${names.kind}List`;
  }
  spec.conversion ??= { strategy: "None" };
  if (isPlainObject(spec.conversion) && spec.conversion.strategy === "Webhook" && isPlainObject(spec.conversion.webhook)) {
    const svc = spec.conversion.webhook.clientConfig?.service;
    if (isPlainObject(svc)) svc.port ??= 443;
  }
}

function validateNames(names: Rec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const label = (key: string, v: string, prefix = ""): void => {
    const problems = isDNS1035Label(key === "kind" || key === "listKind" ? v.toLowerCase() : v);
    if (v && problems.length) errs.push(field.invalid(`${path}.${key}`, v, prefix + problems.join(",")));
  };
  for (const k of ["plural", "singular", "kind", "listKind"]) {
    const v = str(names[k]);
    if (!v) errs.push(field.required(`${path}.${k}`));
    label(k, v, k === "kind" || k === "listKind" ? "may have mixed case, but should otherwise match: " : "");
  }
  (Array.isArray(names.shortNames) ? names.shortNames : []).forEach((s, i) => {
    const problems = isDNS1035Label(String(s));
    if (problems.length) errs.push(field.invalid(`${path}.shortNames[${i}]`, s, problems.join(",")));
  });
  if (names.kind && names.kind === names.listKind) errs.push(field.invalid(`${path}.listKind`, names.listKind, "kind and listKind may not be the same"));
  (Array.isArray(names.categories) ? names.categories : []).forEach((c, i) => {
    const problems = isDNS1035Label(String(c));
    if (problems.length) errs.push(field.invalid(`${path}.categories[${i}]`, c, problems.join(",")));
  });
  return errs;
}

export function validateCRD(crd: CustomResourceDefinition): FieldError[] {
  const spec = specOf(crd) ?? {};
  const names = rec(spec.names);
  const group = str(spec.group);
  const errs: FieldError[] = [];
  const name = crd.metadata.name ?? "";
  if (name !== `${str(names.plural)}.${group}`) errs.push(field.invalid("metadata.name", name, 'must be spec.names.plural+"."+spec.group'));
  if (!group) errs.push(field.required("spec.group"));
  else if (isDNS1123Subdomain(group).length) errs.push(field.invalid("spec.group", group, isDNS1123Subdomain(group).join(",")));
  else if (group.split(".").length < 2) errs.push(field.invalid("spec.group", group, "should be a domain with at least one dot"));
  if (spec.scope !== "Cluster" && spec.scope !== "Namespaced") {
    errs.push(spec.scope ? field.notSupported("spec.scope", spec.scope, ["Cluster", "Namespaced"]) : field.required("spec.scope"));
  }
  const versions = Array.isArray(spec.versions) ? spec.versions.map(rec) : [];
  if (versions.length === 0) errs.push(field.invalid("spec.versions", spec.versions ?? null, "must have at least one version"));
  const seen = new Set<string>();
  let unique = true;
  let storage = 0;
  versions.forEach((v, i) => {
    const vp = `spec.versions[${i}]`;
    const vn = str(v.name);
    if (seen.has(vn)) unique = false;
    seen.add(vn);
    if (v.storage === true) storage++;
    const problems = isDNS1035Label(vn);
    if (problems.length) errs.push(field.invalid(`${vp}.name`, vn, problems.join(",")));
    if (!isPlainObject(rec(v.schema).openAPIV3Schema)) errs.push(field.required(`${vp}.schema.openAPIV3Schema`, "schemas are required"));
  });
  if (versions.length > 0) {
    if (!unique) errs.push(field.invalid("spec.versions", spec.versions, "must contain unique version names"));
    if (storage !== 1) errs.push(field.invalid("spec.versions", spec.versions, "must have exactly one version marked as storage version"));
  }
  errs.push(...validateNames(names, "spec.names"));
  const strategy = rec(spec.conversion).strategy;
  if (strategy !== undefined && strategy !== "None" && strategy !== "Webhook") errs.push(field.notSupported("spec.conversion.strategy", strategy, ["None", "Webhook"]));
  return errs;
}

export function validateCRDUpdate(crd: CustomResourceDefinition, old: CustomResourceDefinition): FieldError[] {
  const errs: FieldError[] = [];
  if (crd.spec?.group !== old.spec?.group) errs.push(field.invalid("spec.group", crd.spec?.group ?? "", "field is immutable"));
  if (crd.spec?.scope !== old.spec?.scope) errs.push(field.invalid("spec.scope", crd.spec?.scope ?? "", "field is immutable"));
  return errs;
}

export const customResourceDefinitionResource = defineResource<CustomResourceDefinition>({
  group: "apiextensions.k8s.io",
  version: "v1",
  kind: "CustomResourceDefinition",
  plural: "customresourcedefinitions",
  singular: "customresourcedefinition",
  shortNames: ["crd", "crds"],
  categories: ["api-extensions"],
  namespaced: false,
  schema: "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition",
  subresources: { status: true },
  tracksGeneration: true,
  columns: defaultColumns,
  row: defaultRow,
  defaults: defaultCRD,
  validate: validateCRD,
  validateUpdate: validateCRDUpdate,
  prepareForCreate(crd) {
    // The storage version is recorded as stored from the start; the naming controller fills acceptedNames.
    const versions = Array.isArray(crd.spec?.versions) ? crd.spec.versions : [];
    const storageVersion = versions.find((v) => v?.storage === true)?.name;
    crd.status = { acceptedNames: { kind: "", plural: "" }, storedVersions: storageVersion ? [storageVersion] : [] };
  },
  prepareForUpdate(crd, old) {
    if (old.status !== undefined) crd.status = structuredClone(old.status);
    else delete crd.status;
  },
});

export const apiextensionsV1Resources: ResourceDef[] = [customResourceDefinitionResource];
