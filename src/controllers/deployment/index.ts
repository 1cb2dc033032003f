/**
 * The Deployment controller: `deploymentController()` for the controller manager, and the
 * pure pieces it is built from (template hash, replica arithmetic, revisions, status).
 */
export { deploymentController, component, type DeploymentControllerOptions } from "./controller.js";
export { computeHash, safeEncodeString, fnv32a, canonicalTemplate } from "./hash.js";
export {
  resolveFenceposts, scaledValue, maxSurge, maxUnavailable, minAvailable, newRSNewReplicas, getProportion,
  proportionalSizes, isSaturated, desiredReplicasAnnotation, maxReplicasAnnotation,
} from "./replicas.js";
export { revisionAnnotation, revisionHistoryAnnotation, podTemplateHashLabel, rollbackToAnnotation } from "./annotations.js";
export { reasons as deploymentConditionReasons } from "./status.js";
export { equalIgnoreHash } from "./sync.js";
