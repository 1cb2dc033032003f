/**
 * The controller runtime every controller codes against (the controllers contract):
 * the manager (informer sync, workers over rate-limited queues, metrics, leader election),
 * the event recorder, expectations, slow-start batches and owner-reference helpers.
 */
export * from "./types.js";
export { startControllerManager } from "./manager.js";
export { newEventRecorder, type ClosableEventRecorder, type EventRecorderOptions } from "./recorder.js";
export { EventCorrelator, type CorrelateResult, type CorrelatorOptions, type EventPatch } from "./correlator.js";
export { Expectations, expectationsTimeoutMs } from "./expectations.js";
export { slowStartBatch } from "./batch.js";
export { controllerRef, newControllerRef } from "./ownerref.js";
export { LeaderElector, defaultLeaseName, defaultLeaseNamespace, type LeaderCallbacks, type LeaderElectorOptions } from "./leaderelection.js";
