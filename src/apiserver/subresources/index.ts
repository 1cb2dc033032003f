/**
 * The pod subresources the scheduler, `kubectl drain` and `kubectl logs` need:
 * `pods/binding`, `pods/eviction` and `pods/log`. `installPodSubresources(api)` registers them.
 */
import type { ApiServer } from "../apiserver.js";
import { handleBinding } from "./binding.js";
import { handleEviction } from "./eviction.js";
import { handlePodLog } from "./pod-log.js";

export { handleBinding, bindPod, validateBinding } from "./binding.js";
export { handleEviction, evictionDeleteOptions } from "./eviction.js";
export * from "./eviction-decision.js";
export { handlePodLog, parsePodLogOptions, chooseContainer, nodeTarget } from "./pod-log.js";

export function installPodSubresources(api: ApiServer): void {
  api.addSubresource("", "v1", "pods", "binding", handleBinding);
  api.addSubresource("", "v1", "pods", "eviction", handleEviction);
  api.addSubresource("", "v1", "pods", "log", handlePodLog);
}
