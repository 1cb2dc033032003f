/**
 * Wire definitions for the access-control groups: rbac/v1, authorization/v1
 * SelfSubjectAccessReview and authentication/v1 TokenRequest. Conventions as in
 * ./apimachinery.ts.
 */
import { META } from "./apimachinery.js";

const meta = `.${META}`;

export const rbacProto = `
syntax = "proto2";
package k8s.io.api.rbac.v1;

message Role {
  optional ${meta}.ObjectMeta metadata = 1;
  repeated PolicyRule rules = 2;
}

message ClusterRole {
  optional ${meta}.ObjectMeta metadata = 1;
  repeated PolicyRule rules = 2;
  optional AggregationRule aggregationRule = 3;
}

message PolicyRule {
  repeated string verbs = 1;
  repeated string apiGroups = 2;
  repeated string resources = 3;
  repeated string resourceNames = 4;
  repeated string nonResourceURLs = 5;
}

message AggregationRule {
  repeated ${meta}.LabelSelector clusterRoleSelectors = 1;
}

message RoleBinding {
  optional ${meta}.ObjectMeta metadata = 1;
  repeated Subject subjects = 2;
  optional RoleRef roleRef = 3;
}

message ClusterRoleBinding {
  optional ${meta}.ObjectMeta metadata = 1;
  repeated Subject subjects = 2;
  optional RoleRef roleRef = 3;
}

message Subject {
  optional string kind = 1 [(keep) = true];
  optional string apiGroup = 2;
  optional string name = 3 [(keep) = true];
  optional string namespace = 4;
}

message RoleRef {
  optional string apiGroup = 1 [(keep) = true];
  optional string kind = 2 [(keep) = true];
  optional string name = 3 [(keep) = true];
}
`;

export const authorizationProto = `
syntax = "proto2";
package k8s.io.api.authorization.v1;

message SelfSubjectAccessReview {
  optional ${meta}.ObjectMeta metadata = 1;
  optional SelfSubjectAccessReviewSpec spec = 2;
  optional SubjectAccessReviewStatus status = 3;
}

message SelfSubjectAccessReviewSpec {
  optional ResourceAttributes resourceAttributes = 1;
  optional NonResourceAttributes nonResourceAttributes = 2;
}

message ResourceAttributes {
  optional string namespace = 1;
  optional string verb = 2;
  optional string group = 3;
  optional string version = 4;
  optional string resource = 5;
  optional string subresource = 6;
  optional string name = 7;
  optional FieldSelectorAttributes fieldSelector = 8;
  optional LabelSelectorAttributes labelSelector = 9;
}

message FieldSelectorAttributes {
  optional string rawSelector = 1;
  repeated ${meta}.FieldSelectorRequirement requirements = 2;
}

message LabelSelectorAttributes {
  optional string rawSelector = 1;
  repeated ${meta}.LabelSelectorRequirement requirements = 2;
}

message NonResourceAttributes {
  optional string path = 1;
  optional string verb = 2;
}

message SubjectAccessReviewStatus {
  optional bool allowed = 1 [(keep) = true];
  optional string reason = 2;
  optional string evaluationError = 3;
  optional bool denied = 4;
}
`;

export const authenticationProto = `
syntax = "proto2";
package k8s.io.api.authentication.v1;

message TokenRequest {
  optional ${meta}.ObjectMeta metadata = 1;
  optional TokenRequestSpec spec = 2;
  optional TokenRequestStatus status = 3;
}

message TokenRequestSpec {
  repeated string audiences = 1;
  optional BoundObjectReference boundObjectRef = 3;
  optional int64 expirationSeconds = 4 [(keep) = true];
}

message BoundObjectReference {
  optional string kind = 1;
  optional string apiVersion = 2;
  optional string name = 3;
  // The only field whose wire name differs from its JSON name.
  optional string uID = 4 [(json) = "uid"];
}

message TokenRequestStatus {
  optional string token = 1 [(keep) = true];
  optional ${meta}.Time expirationTimestamp = 2 [(keep) = true];
}
`;
