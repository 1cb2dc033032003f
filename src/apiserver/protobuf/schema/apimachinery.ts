/**
 * Wire definitions for k8s.io/apimachinery: meta/v1, intstr, resource and the runtime
 * envelope. Field numbers are the protobuf wire facts of upstream's types; the field names
 * are the JSON names, so the JSON conversion can be name based.
 *
 * Field options understood by ../to-json.ts:
 *   (keep)   emit the value even when it is the zero value: the Go field is a pointer, or
 *            its JSON tag has no `omitempty`.
 *   (inline) an embedded Go struct (`json:",inline"`): its fields merge into the parent.
 *   (json)   the JSON name, where it differs from the wire name.
 */

export const META = "k8s.io.apimachinery.pkg.apis.meta.v1";
export const INTSTR = "k8s.io.apimachinery.pkg.util.intstr";
export const RESOURCE = "k8s.io.apimachinery.pkg.api.resource";
export const RUNTIME = "k8s.io.apimachinery.pkg.runtime";

export const runtimeProto = `
syntax = "proto2";
package ${RUNTIME};

message TypeMeta {
  optional string apiVersion = 1;
  optional string kind = 2;
}

// The envelope after the "k8s\\0" magic: the object's type plus its encoded message.
message Unknown {
  optional TypeMeta typeMeta = 1;
  optional bytes raw = 2;
  optional string contentEncoding = 3;
  optional string contentType = 4;
}
`;

export const intstrProto = `
syntax = "proto2";
package ${INTSTR};

// type 0 = int (intVal), 1 = string (strVal).
message IntOrString {
  optional int64 type = 1;
  optional int32 intVal = 2;
  optional string strVal = 3;
}
`;

export const resourceProto = `
syntax = "proto2";
package ${RESOURCE};

message Quantity {
  optional string string = 1;
}
`;

export const metaProto = `
syntax = "proto2";
package ${META};

message Time {
  optional int64 seconds = 1;
  optional int32 nanos = 2;
}

message MicroTime {
  optional int64 seconds = 1;
  optional int32 nanos = 2;
}

message Duration {
  optional int64 duration = 1;
}

// Raw holds the JSON document of the field set.
message FieldsV1 {
  optional bytes Raw = 1;
}

message ObjectMeta {
  optional string name = 1;
  optional string generateName = 2;
  optional string namespace = 3;
  optional string selfLink = 4;
  optional string uid = 5;
  optional string resourceVersion = 6;
  optional int64 generation = 7;
  optional Time creationTimestamp = 8;
  optional Time deletionTimestamp = 9;
  optional int64 deletionGracePeriodSeconds = 10 [(keep) = true];
  map<string, string> labels = 11;
  map<string, string> annotations = 12;
  repeated OwnerReference ownerReferences = 13;
  repeated string finalizers = 14;
  repeated ManagedFieldsEntry managedFields = 17;
}

message OwnerReference {
  optional string kind = 1 [(keep) = true];
  optional string name = 3 [(keep) = true];
  optional string uid = 4 [(keep) = true];
  optional string apiVersion = 5 [(keep) = true];
  optional bool controller = 6 [(keep) = true];
  optional bool blockOwnerDeletion = 7 [(keep) = true];
}

message ManagedFieldsEntry {
  optional string manager = 1;
  optional string operation = 2;
  optional string apiVersion = 3;
  optional Time time = 4;
  optional string fieldsType = 6;
  optional FieldsV1 fieldsV1 = 7;
  optional string subresource = 8;
}

message LabelSelector {
  map<string, string> matchLabels = 1;
  repeated LabelSelectorRequirement matchExpressions = 2;
}

message LabelSelectorRequirement {
  optional string key = 1 [(keep) = true];
  optional string operator = 2 [(keep) = true];
  repeated string values = 3;
}

message FieldSelectorRequirement {
  optional string key = 1 [(keep) = true];
  optional string operator = 2 [(keep) = true];
  repeated string values = 3;
}

message Condition {
  optional string type = 1 [(keep) = true];
  optional string status = 2 [(keep) = true];
  optional int64 observedGeneration = 3;
  optional Time lastTransitionTime = 4 [(keep) = true];
  optional string reason = 5 [(keep) = true];
  optional string message = 6 [(keep) = true];
}

message DeleteOptions {
  optional int64 gracePeriodSeconds = 1 [(keep) = true];
  optional Preconditions preconditions = 2;
  optional bool orphanDependents = 3 [(keep) = true];
  optional string propagationPolicy = 4 [(keep) = true];
  repeated string dryRun = 5;
  optional bool ignoreStoreReadErrorWithClusterBreakingPotential = 6 [(keep) = true];
}

message Preconditions {
  optional string uid = 1 [(keep) = true];
  optional string resourceVersion = 2 [(keep) = true];
}
`;
