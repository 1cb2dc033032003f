/**
 * Wire definitions for the workload groups: apps/v1 Deployment, batch/v1 Job and CronJob,
 * autoscaling/v1 HorizontalPodAutoscaler. Conventions as in ./apimachinery.ts.
 */
import { INTSTR, META } from "./apimachinery.js";
import { CORE } from "./core.js";

const meta = `.${META}`;
const core = `.${CORE}`;
const intOrString = `.${INTSTR}.IntOrString`;

export const appsProto = `
syntax = "proto2";
package k8s.io.api.apps.v1;

message Deployment {
  optional ${meta}.ObjectMeta metadata = 1;
  optional DeploymentSpec spec = 2;
  optional DeploymentStatus status = 3;
}

message DeploymentSpec {
  optional int32 replicas = 1 [(keep) = true];
  optional ${meta}.LabelSelector selector = 2;
  optional ${core}.PodTemplateSpec template = 3;
  optional DeploymentStrategy strategy = 4;
  optional int32 minReadySeconds = 5;
  optional int32 revisionHistoryLimit = 6 [(keep) = true];
  optional bool paused = 7;
  optional int32 progressDeadlineSeconds = 9 [(keep) = true];
}

message DeploymentStrategy {
  optional string type = 1;
  optional RollingUpdateDeployment rollingUpdate = 2;
}

message RollingUpdateDeployment {
  optional ${intOrString} maxUnavailable = 1 [(keep) = true];
  optional ${intOrString} maxSurge = 2 [(keep) = true];
}

message DeploymentStatus {
  optional int64 observedGeneration = 1;
  optional int32 replicas = 2;
  optional int32 updatedReplicas = 3;
  optional int32 availableReplicas = 4;
  optional int32 unavailableReplicas = 5;
  repeated DeploymentCondition conditions = 6;
  optional int32 readyReplicas = 7;
  optional int32 collisionCount = 8 [(keep) = true];
}

message DeploymentCondition {
  optional string type = 1 [(keep) = true];
  optional string status = 2 [(keep) = true];
  optional string reason = 4;
  optional string message = 5;
  optional ${meta}.Time lastUpdateTime = 6;
  optional ${meta}.Time lastTransitionTime = 7;
}
`;

export const batchProto = `
syntax = "proto2";
package k8s.io.api.batch.v1;

message Job {
  optional ${meta}.ObjectMeta metadata = 1;
  optional JobSpec spec = 2;
  optional JobStatus status = 3;
}

message JobSpec {
  optional int32 parallelism = 1 [(keep) = true];
  optional int32 completions = 2 [(keep) = true];
  optional int64 activeDeadlineSeconds = 3 [(keep) = true];
  optional ${meta}.LabelSelector selector = 4;
  optional bool manualSelector = 5 [(keep) = true];
  optional ${core}.PodTemplateSpec template = 6;
  optional int32 backoffLimit = 7 [(keep) = true];
  optional int32 ttlSecondsAfterFinished = 8 [(keep) = true];
  optional string completionMode = 9 [(keep) = true];
  optional bool suspend = 10 [(keep) = true];
  optional PodFailurePolicy podFailurePolicy = 11;
  optional int32 backoffLimitPerIndex = 12 [(keep) = true];
  optional int32 maxFailedIndexes = 13 [(keep) = true];
  optional string podReplacementPolicy = 14 [(keep) = true];
  optional string managedBy = 15 [(keep) = true];
  optional SuccessPolicy successPolicy = 16;
}

message PodFailurePolicy {
  repeated PodFailurePolicyRule rules = 1;
}

message PodFailurePolicyRule {
  optional string action = 1 [(keep) = true];
  optional PodFailurePolicyOnExitCodesRequirement onExitCodes = 2;
  repeated PodFailurePolicyOnPodConditionsPattern onPodConditions = 3;
}

message PodFailurePolicyOnExitCodesRequirement {
  optional string containerName = 1 [(keep) = true];
  optional string operator = 2 [(keep) = true];
  repeated int32 values = 3;
}

message PodFailurePolicyOnPodConditionsPattern {
  optional string type = 1 [(keep) = true];
  optional string status = 2 [(keep) = true];
}

message SuccessPolicy {
  repeated SuccessPolicyRule rules = 1;
}

message SuccessPolicyRule {
  optional string succeededIndexes = 1 [(keep) = true];
  optional int32 succeededCount = 2 [(keep) = true];
}

message JobStatus {
  repeated JobCondition conditions = 1;
  optional ${meta}.Time startTime = 2;
  optional ${meta}.Time completionTime = 3;
  optional int32 active = 4;
  optional int32 succeeded = 5;
  optional int32 failed = 6;
  optional string completedIndexes = 7;
  optional UncountedTerminatedPods uncountedTerminatedPods = 8;
  optional int32 ready = 9 [(keep) = true];
  optional string failedIndexes = 10 [(keep) = true];
  optional int32 terminating = 11 [(keep) = true];
}

message JobCondition {
  optional string type = 1 [(keep) = true];
  optional string status = 2 [(keep) = true];
  optional ${meta}.Time lastProbeTime = 3;
  optional ${meta}.Time lastTransitionTime = 4;
  optional string reason = 5;
  optional string message = 6;
}

message UncountedTerminatedPods {
  repeated string succeeded = 1;
  repeated string failed = 2;
}

message CronJob {
  optional ${meta}.ObjectMeta metadata = 1;
  optional CronJobSpec spec = 2;
  optional CronJobStatus status = 3;
}

message CronJobSpec {
  optional string schedule = 1 [(keep) = true];
  optional int64 startingDeadlineSeconds = 2 [(keep) = true];
  optional string concurrencyPolicy = 3;
  optional bool suspend = 4 [(keep) = true];
  optional JobTemplateSpec jobTemplate = 5;
  optional int32 successfulJobsHistoryLimit = 6 [(keep) = true];
  optional int32 failedJobsHistoryLimit = 7 [(keep) = true];
  optional string timeZone = 8 [(keep) = true];
}

message JobTemplateSpec {
  optional ${meta}.ObjectMeta metadata = 1;
  optional JobSpec spec = 2;
}

message CronJobStatus {
  repeated ${core}.ObjectReference active = 1;
  optional ${meta}.Time lastScheduleTime = 4;
  optional ${meta}.Time lastSuccessfulTime = 5;
}
`;

export const autoscalingProto = `
syntax = "proto2";
package k8s.io.api.autoscaling.v1;

message HorizontalPodAutoscaler {
  optional ${meta}.ObjectMeta metadata = 1;
  optional HorizontalPodAutoscalerSpec spec = 2;
  optional HorizontalPodAutoscalerStatus status = 3;
}

message HorizontalPodAutoscalerSpec {
  optional CrossVersionObjectReference scaleTargetRef = 1;
  optional int32 minReplicas = 2 [(keep) = true];
  optional int32 maxReplicas = 3 [(keep) = true];
  optional int32 targetCPUUtilizationPercentage = 4 [(keep) = true];
}

message CrossVersionObjectReference {
  optional string kind = 1 [(keep) = true];
  optional string name = 2 [(keep) = true];
  optional string apiVersion = 3;
}

message HorizontalPodAutoscalerStatus {
  optional int64 observedGeneration = 1 [(keep) = true];
  optional ${meta}.Time lastScaleTime = 2;
  optional int32 currentReplicas = 3 [(keep) = true];
  optional int32 desiredReplicas = 4 [(keep) = true];
  optional int32 currentCPUUtilizationPercentage = 5 [(keep) = true];
}
`;
