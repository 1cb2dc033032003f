/**
 * SelfSubjectAccessReview (what `kubectl auth can-i` asks). The answer comes from the
 * authorizer; until RBAC lands every authenticated request is allowed, as upstream's
 * AlwaysAllow authorizer answers.
 */
import { errors } from "../../machinery/errors.js";
import { isPlainObject, type KubeObject } from "../../machinery/object.js";
import type { HandlerContext } from "../handlers/context.js";

/** The authorization seam: RBAC implements it later. */
export interface Authorizer {
  authorize(user: { username: string; groups: string[] }, attrs: Record<string, unknown>): { allowed: boolean; reason?: string; denied?: boolean };
}

export const alwaysAllow: Authorizer = {
  authorize: () => ({ allowed: true }),
};

export function selfSubjectAccessReview(authorizer: Authorizer) {
  return (ctx: HandlerContext, obj: KubeObject): KubeObject => {
    const spec = obj.spec;
    if (!isPlainObject(spec) || (!isPlainObject(spec.resourceAttributes) && !isPlainObject(spec.nonResourceAttributes))) {
      throw errors.invalid("SelfSubjectAccessReview", "authorization.k8s.io", "", [
        { type: "FieldValueRequired", field: "spec.resourceAttributes", detail: "exactly one of nonResourceAttributes or resourceAttributes must be specified" },
      ]);
    }
    const user = ctx.req.user ?? { username: "system:anonymous", groups: ["system:unauthenticated"] };
    const attrs = (spec.resourceAttributes ?? spec.nonResourceAttributes) as Record<string, unknown>;
    const decision = authorizer.authorize(user, attrs);
    const status: Record<string, unknown> = { allowed: decision.allowed };
    if (decision.denied) status.denied = true;
    if (decision.reason) status.reason = decision.reason;
    return {
      kind: "SelfSubjectAccessReview",
      apiVersion: "authorization.k8s.io/v1",
      metadata: { creationTimestamp: null },
      spec,
      status,
    };
  };
}
