/**
 * The disruption controller: keeps PodDisruptionBudget status current so that the eviction
 * subresource can honour budgets. See controller.ts (the loop) and status.ts (the arithmetic).
 */
export { startDisruptionController, goLabelSelector, type DisruptionControllerOptions, type RunningController } from "./controller.js";
export * from "./status.js";
export { eventRecorder, type EventRecorder, type EventType } from "./events.js";
