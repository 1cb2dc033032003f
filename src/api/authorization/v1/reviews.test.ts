import { test } from "node:test";
import assert from "node:assert/strict";
import { simulateCreate } from "../../common/testing.js";
import { localSubjectAccessReviewResource, selfSubjectAccessReviewResource, subjectAccessReviewResource } from "./reviews.js";

test("access reviews: create only, with upstream's checks", () => {
  assert.deepEqual(selfSubjectAccessReviewResource.verbs, ["create"]);
  const ok = simulateCreate(selfSubjectAccessReviewResource, { metadata: {}, spec: { resourceAttributes: { verb: "get", resource: "pods" } } });
  assert.deepEqual(ok.errs, []);
  const none = simulateCreate(selfSubjectAccessReviewResource, { metadata: {}, spec: {} });
  assert.deepEqual(none.messages, ["spec.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified"]);
  const sar = simulateCreate(subjectAccessReviewResource, { metadata: {}, spec: { nonResourceAttributes: { path: "/", verb: "get" } } });
  assert.deepEqual(sar.messages, ['spec.user: Invalid value: "": at least one of user or group must be specified']);
  const lsar = simulateCreate(localSubjectAccessReviewResource, { metadata: { namespace: "a" }, spec: { user: "jane", resourceAttributes: { namespace: "b" } } });
  assert.deepEqual(lsar.messages, ['spec.resourceAttributes.namespace: Invalid value: "b": must match metadata.namespace']);
});
