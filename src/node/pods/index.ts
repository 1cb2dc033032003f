/** The node agent's pod manager (kubelet's pod workers): see manager.ts. */
export { startPodManager, type PodManagerTuning } from "./manager.js";
export { goDuration } from "./backoff.js";
