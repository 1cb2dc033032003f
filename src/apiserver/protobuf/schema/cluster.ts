/**
 * Wire definitions for networking/v1 Ingress, scheduling/v1 PriorityClass and policy/v1
 * PodDisruptionBudget and Eviction. Conventions as in ./apimachinery.ts.
 */
import { INTSTR, META } from "./apimachinery.js";
import { CORE } from "./core.js";

const meta = `.${META}`;
const core = `.${CORE}`;
const intOrString = `.${INTSTR}.IntOrString`;

export const networkingProto = `
syntax = "proto2";
package k8s.io.api.networking.v1;

message Ingress {
  optional ${meta}.ObjectMeta metadata = 1;
  optional IngressSpec spec = 2;
  optional IngressStatus status = 3;
}

message IngressSpec {
  optional IngressBackend defaultBackend = 1;
  repeated IngressTLS tls = 2;
  repeated IngressRule rules = 3;
  optional string ingressClassName = 4 [(keep) = true];
}

message IngressBackend {
  optional ${core}.TypedLocalObjectReference resource = 3;
  optional IngressServiceBackend service = 4;
}

message IngressServiceBackend {
  optional string name = 1 [(keep) = true];
  optional ServiceBackendPort port = 2;
}

message ServiceBackendPort {
  optional string name = 1;
  optional int32 number = 2;
}

message IngressTLS {
  repeated string hosts = 1;
  optional string secretName = 2;
}

message IngressRule {
  optional string host = 1;
  optional IngressRuleValue ingressRuleValue = 2 [(inline) = true];
}

message IngressRuleValue {
  optional HTTPIngressRuleValue http = 1;
}

message HTTPIngressRuleValue {
  repeated HTTPIngressPath paths = 1;
}

message HTTPIngressPath {
  optional string path = 1;
  optional IngressBackend backend = 2;
  optional string pathType = 3 [(keep) = true];
}

message IngressStatus {
  optional IngressLoadBalancerStatus loadBalancer = 1;
}

message IngressLoadBalancerStatus {
  repeated IngressLoadBalancerIngress ingress = 1;
}

message IngressLoadBalancerIngress {
  optional string ip = 1;
  optional string hostname = 2;
  repeated IngressPortStatus ports = 4;
}

message IngressPortStatus {
  optional int32 port = 1 [(keep) = true];
  optional string protocol = 2 [(keep) = true];
  optional string error = 3 [(keep) = true];
}
`;

export const schedulingProto = `
syntax = "proto2";
package k8s.io.api.scheduling.v1;

message PriorityClass {
  optional ${meta}.ObjectMeta metadata = 1;
  optional int32 value = 2 [(keep) = true];
  optional bool globalDefault = 3;
  optional string description = 4;
  optional string preemptionPolicy = 5 [(keep) = true];
}
`;

export const policyProto = `
syntax = "proto2";
package k8s.io.api.policy.v1;

message PodDisruptionBudget {
  optional ${meta}.ObjectMeta metadata = 1;
  optional PodDisruptionBudgetSpec spec = 2;
  optional PodDisruptionBudgetStatus status = 3;
}

message PodDisruptionBudgetSpec {
  optional ${intOrString} minAvailable = 1 [(keep) = true];
  optional ${meta}.LabelSelector selector = 2;
  optional ${intOrString} maxUnavailable = 3 [(keep) = true];
  optional string unhealthyPodEvictionPolicy = 4 [(keep) = true];
}

message PodDisruptionBudgetStatus {
  optional int64 observedGeneration = 1;
  map<string, ${meta}.Time> disruptedPods = 2;
  optional int32 disruptionsAllowed = 3 [(keep) = true];
  optional int32 currentHealthy = 4 [(keep) = true];
  optional int32 desiredHealthy = 5 [(keep) = true];
  optional int32 expectedPods = 6 [(keep) = true];
  repeated ${meta}.Condition conditions = 7;
}

message Eviction {
  optional ${meta}.ObjectMeta metadata = 1;
  optional ${meta}.DeleteOptions deleteOptions = 2;
}
`;
