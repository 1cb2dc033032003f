/** rbac.authorization.k8s.io/v1 Role and ClusterRole: policy rules, validated as upstream. */
import type { ClusterRole as ClusterRoleT, Role as RoleT } from "kubernetes-types/rbac/v1.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { isPlainObject } from "../../../machinery/object.js";
import { validateLabelSelector } from "../../common/selector.js";
import { defaultColumns, defaultRow, defineResource, type Obj } from "../../common/define.js";

export type Role = Obj<RoleT>;
export type ClusterRole = Obj<ClusterRoleT>;

export const rbacGroup = "rbac.authorization.k8s.io";

const len = (v: unknown): number => (Array.isArray(v) ? v.length : 0);

export function validatePolicyRule(raw: unknown, namespaced: boolean, path: string): FieldError[] {
  const rule = isPlainObject(raw) ? raw : {};
  const errs: FieldError[] = [];
  if (len(rule.verbs) === 0) errs.push(field.required(`${path}.verbs`, "verbs must contain at least one value"));
  if (len(rule.nonResourceURLs) > 0) {
    if (namespaced) errs.push(field.invalid(`${path}.nonResourceURLs`, rule.nonResourceURLs, "namespaced rules cannot apply to non-resource URLs"));
    if (len(rule.apiGroups) > 0 || len(rule.resources) > 0 || len(rule.resourceNames) > 0) {
      errs.push(field.invalid(`${path}.nonResourceURLs`, rule.nonResourceURLs, "rules cannot apply to both regular resources and non-resource URLs"));
    }
    return errs;
  }
  if (len(rule.apiGroups) === 0) errs.push(field.required(`${path}.apiGroups`, "resource rules must supply at least one api group"));
  if (len(rule.resources) === 0) errs.push(field.required(`${path}.resources`, "resource rules must supply at least one resource"));
  return errs;
}

function validateRules(rules: unknown, namespaced: boolean): FieldError[] {
  return (Array.isArray(rules) ? rules : []).flatMap((r, i) => validatePolicyRule(r, namespaced, `rules[${i}]`));
}

export const roleResource = defineResource<Role>({
  group: rbacGroup,
  version: "v1",
  kind: "Role",
  plural: "roles",
  singular: "role",
  namespaced: true,
  schema: "io.k8s.api.rbac.v1.Role",
  nameValidation: "pathSegment",
  columns: defaultColumns,
  row: defaultRow,
  validate: (role) => validateRules(role.rules, true),
});

export const clusterRoleResource = defineResource<ClusterRole>({
  group: rbacGroup,
  version: "v1",
  kind: "ClusterRole",
  plural: "clusterroles",
  singular: "clusterrole",
  namespaced: false,
  schema: "io.k8s.api.rbac.v1.ClusterRole",
  nameValidation: "pathSegment",
  columns: defaultColumns,
  row: defaultRow,
  validate(cr) {
    const errs = validateRules(cr.rules, false);
    if (cr.aggregationRule != null) {
      const ar = isPlainObject(cr.aggregationRule) ? cr.aggregationRule : {};
      const selectors = Array.isArray(ar.clusterRoleSelectors) ? ar.clusterRoleSelectors : [];
      if (selectors.length === 0) errs.push(field.required("aggregationRule.clusterRoleSelectors", "at least one clusterRoleSelector required if aggregationRule is non-nil"));
      selectors.forEach((s, i) => errs.push(...validateLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`)));
    }
    return errs;
  },
});
