/**
 * The ReplicaSet and ReplicationController controllers: one shared core (controller.ts)
 * behind two ControllerFactory exports for the controller manager.
 */
import { replicaControllerFactory, type ReplicaControllerOptions } from "./controller.js";
import { replicaSetKind, replicationControllerKind } from "./kinds.js";
import type { ControllerFactory } from "../runtime/index.js";

export { defaultBurstReplicas, replicaControllerFactory, type ReplicaControllerOptions } from "./controller.js";
export { replicaSetKind, replicationControllerKind, type ReplicaKind } from "./kinds.js";
export { deletesBefore, podsToDelete, rankByRelatedPodsOnSameNode, sortForDeletion, type RankedPod } from "./ranking.js";
export { calculateStatus, nextAvailableInMs, statusUpToDate, type ReplicaOwner, type ReplicaStatus, type ReplicaCondition } from "./status.js";

/** apps/v1 ReplicaSets. */
export function replicaSetController(opts?: ReplicaControllerOptions): ControllerFactory {
  return replicaControllerFactory(replicaSetKind, opts);
}

/** v1 ReplicationControllers: the same controller over the older kind. */
export function replicationControllerController(opts?: ReplicaControllerOptions): ControllerFactory {
  return replicaControllerFactory(replicationControllerKind, opts);
}
