/** rbac.authorization.k8s.io/v1 RoleBinding and ClusterRoleBinding: defaults, validation and printers as upstream's. */
import type { ClusterRoleBinding as ClusterRoleBindingT, RoleBinding as RoleBindingT, RoleRef, Subject } from "kubernetes-types/rbac/v1.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { isPlainObject, type KubeObject } from "../../../machinery/object.js";
import { isDNS1123Subdomain, isPathSegmentName } from "../../../machinery/validation.js";
import { age } from "../../printers.js";
import { goStringStruct } from "../../common/govalue.js";
import { ageColumn, column, defineResource, nameColumn, type Obj } from "../../common/define.js";
import { rbacGroup } from "./role.js";

export type RoleBinding = Obj<RoleBindingT>;
export type ClusterRoleBinding = Obj<ClusterRoleBindingT>;
type Binding = RoleBinding | ClusterRoleBinding;

export function defaultBinding(b: Binding): void {
  // roleRef is a struct upstream, so its apiGroup is defaulted even when the client sent none.
  b.roleRef ??= { apiGroup: "", kind: "", name: "" };
  if (isPlainObject(b.roleRef)) b.roleRef.apiGroup ||= rbacGroup;
  for (const s of Array.isArray(b.subjects) ? b.subjects : []) {
    if (isPlainObject(s) && !s.apiGroup && (s.kind === "User" || s.kind === "Group")) s.apiGroup = rbacGroup;
  }
}

function validateSubject(raw: unknown, namespaced: boolean, path: string): FieldError[] {
  const s: Partial<Subject> = isPlainObject(raw) ? raw : {};
  const errs: FieldError[] = [];
  const name = s.name ?? "";
  if (!name) errs.push(field.required(`${path}.name`));
  switch (s.kind) {
    case "ServiceAccount":
      if (name) for (const m of isDNS1123Subdomain(name)) errs.push(field.invalid(`${path}.name`, name, m));
      if (s.apiGroup) errs.push(field.notSupported(`${path}.apiGroup`, s.apiGroup, [""]));
      if (!namespaced && !s.namespace) errs.push(field.required(`${path}.namespace`));
      break;
    case "User":
    case "Group":
      if (s.apiGroup !== rbacGroup) errs.push(field.notSupported(`${path}.apiGroup`, s.apiGroup ?? "", [rbacGroup]));
      break;
    default:
      errs.push(field.notSupported(`${path}.kind`, s.kind ?? "", ["ServiceAccount", "User", "Group"]));
  }
  return errs;
}

function validateBinding(b: Binding, namespaced: boolean): FieldError[] {
  const ref: Partial<RoleRef> = isPlainObject(b.roleRef) ? b.roleRef : {};
  const errs: FieldError[] = [];
  if (ref.apiGroup !== rbacGroup) errs.push(field.notSupported("roleRef.apiGroup", ref.apiGroup ?? "", [rbacGroup]));
  const kinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"];
  if (!kinds.includes(String(ref.kind ?? ""))) errs.push(field.notSupported("roleRef.kind", ref.kind ?? "", kinds));
  const name = typeof ref.name === "string" ? ref.name : "";
  if (!name) errs.push(field.required("roleRef.name"));
  else for (const m of isPathSegmentName(name)) errs.push(field.invalid("roleRef.name", name, m));
  (Array.isArray(b.subjects) ? b.subjects : []).forEach((s, i) => errs.push(...validateSubject(s, namespaced, `subjects[${i}]`)));
  return errs;
}

function validateBindingUpdate(b: Binding, old: Binding): FieldError[] {
  const ref: Partial<RoleRef> = isPlainObject(b.roleRef) ? b.roleRef : {};
  const oldRef: Partial<RoleRef> = isPlainObject(old.roleRef) ? old.roleRef : {};
  if (ref.apiGroup === oldRef.apiGroup && ref.kind === oldRef.kind && ref.name === oldRef.name) return [];
  const value = goStringStruct("rbac.RoleRef", [["APIGroup", ref.apiGroup], ["Kind", ref.kind], ["Name", ref.name]], b.roleRef ?? null);
  return [field.invalid("roleRef", value, "cannot change roleRef")];
}

/** rbac.SubjectsStrings: users, groups and `namespace/name` service accounts, each ", "-joined. */
function subjectCells(b: Binding): string[] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of Array.isArray(b.subjects) ? b.subjects : []) {
    if (s?.kind === "ServiceAccount") sas.push(`${s.namespace ?? ""}/${s.name}`);
    else if (s?.kind === "User") users.push(s.name);
    else if (s?.kind === "Group") groups.push(s.name);
  }
  return [users.join(", "), groups.join(", "), sas.join(", ")];
}

function bindingColumns(kindWord: string) {
  return [
    nameColumn,
    column("Role", "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable."),
    ageColumn,
    column("Users", `Users in the ${kindWord}`, "string", 1),
    column("Groups", `Groups in the ${kindWord}`, "string", 1),
    column("ServiceAccounts", `ServiceAccounts in the ${kindWord}`, "string", 1),
  ];
}

function bindingRow(b: Binding & KubeObject): unknown[] {
  return [b.metadata.name, `${b.roleRef?.kind ?? ""}/${b.roleRef?.name ?? ""}`, age(b.metadata.creationTimestamp), ...subjectCells(b)];
}

export const roleBindingResource = defineResource<RoleBinding>({
  group: rbacGroup,
  version: "v1",
  kind: "RoleBinding",
  plural: "rolebindings",
  singular: "rolebinding",
  namespaced: true,
  schema: "io.k8s.api.rbac.v1.RoleBinding",
  nameValidation: "pathSegment",
  columns: bindingColumns("roleBinding"),
  row: bindingRow,
  defaults: defaultBinding,
  validate: (b) => validateBinding(b, true),
  validateUpdate: validateBindingUpdate,
});

export const clusterRoleBindingResource = defineResource<ClusterRoleBinding>({
  group: rbacGroup,
  version: "v1",
  kind: "ClusterRoleBinding",
  plural: "clusterrolebindings",
  singular: "clusterrolebinding",
  namespaced: false,
  schema: "io.k8s.api.rbac.v1.ClusterRoleBinding",
  nameValidation: "pathSegment",
  columns: bindingColumns("clusterRoleBinding"),
  row: bindingRow,
  defaults: defaultBinding,
  validate: (b) => validateBinding(b, false),
  validateUpdate: validateBindingUpdate,
});
