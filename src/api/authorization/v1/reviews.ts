/**
 * authorization.k8s.io/v1 access reviews. They are questions, not objects: create is the only
 * verb, nothing is stored, and the API server answers from its authorizer. The definitions
 * let discovery, routing and decoding know them, and validate the question as upstream does.
 */
import type { ResourceDef } from "../../../machinery/resource.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { isPlainObject, type KubeObject } from "../../../machinery/object.js";
import { defaultColumns, defaultRow, defineResource } from "../../common/define.js";

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (isPlainObject(v) ? v : {});

/** Exactly one of resourceAttributes and nonResourceAttributes. */
function validateAttributes(spec: Rec): FieldError[] {
  const hasRes = spec.resourceAttributes != null;
  const hasNonRes = spec.nonResourceAttributes != null;
  if (hasRes && hasNonRes) return [field.invalid("spec.nonResourceAttributes", spec.nonResourceAttributes, "cannot be specified in combination with resourceAttributes")];
  if (!hasRes && !hasNonRes) return [field.invalid("spec.resourceAttributes", null, "exactly one of nonResourceAttributes or resourceAttributes must be specified")];
  return [];
}

function validateUserOrGroups(spec: Rec): FieldError[] {
  const groups = Array.isArray(spec.groups) ? spec.groups : [];
  return !spec.user && groups.length === 0 ? [field.invalid("spec.user", spec.user ?? "", "at least one of user or group must be specified")] : [];
}

function review(kind: string, plural: string, namespaced: boolean, validate: (o: KubeObject) => FieldError[]): ResourceDef {
  return defineResource<KubeObject>({
    group: "authorization.k8s.io",
    version: "v1",
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    verbs: ["create"],
    schema: `io.k8s.api.authorization.v1.${kind}`,
    columns: defaultColumns,
    row: defaultRow,
    validate,
  });
}

export const localSubjectAccessReviewResource = review("LocalSubjectAccessReview", "localsubjectaccessreviews", true, (o) => {
  const spec = rec(o.spec);
  const errs = [...validateAttributes(spec), ...validateUserOrGroups(spec)];
  if (spec.nonResourceAttributes != null) errs.push(field.invalid("spec.nonResourceAttributes", spec.nonResourceAttributes, "disallowed on this kind of request"));
  const ns = rec(spec.resourceAttributes).namespace;
  if (spec.resourceAttributes != null && ns && ns !== o.metadata.namespace) errs.push(field.invalid("spec.resourceAttributes.namespace", ns, "must match metadata.namespace"));
  return errs;
});

export const selfSubjectAccessReviewResource = review("SelfSubjectAccessReview", "selfsubjectaccessreviews", false, (o) => validateAttributes(rec(o.spec)));

export const selfSubjectRulesReviewResource = review("SelfSubjectRulesReview", "selfsubjectrulesreviews", false, () => []);

export const subjectAccessReviewResource = review("SubjectAccessReview", "subjectaccessreviews", false, (o) => {
  const spec = rec(o.spec);
  return [...validateAttributes(spec), ...validateUserOrGroups(spec)];
});

/**
 * Registered now: the API server answers SelfSubjectAccessReview (a "virtual create").
 * Creates of a registered kind without such a handler would go to storage, so the other
 * reviews join the registry once the API server answers them.
 */
export const authorizationV1Resources: ResourceDef[] = [selfSubjectAccessReviewResource];

/** Declared, not yet registered: they need their own answers in the API server first. */
export const pendingAuthorizationV1Resources: ResourceDef[] = [localSubjectAccessReviewResource, selfSubjectRulesReviewResource, subjectAccessReviewResource];
