/**
 * The pod subresources the scheduler and `kubectl drain` need: `pods/binding` and
 * `pods/eviction`. `installPodSubresources(api)` registers them on a server.
 */
import type { ApiServer } from "../apiserver.js";
import { handleBinding } from "./binding.js";
import { handleEviction } from "./eviction.js";

export { handleBinding, bindPod, validateBinding } from "./binding.js";
export { handleEviction, evictionDeleteOptions } from "./eviction.js";
export * from "./eviction-decision.js";

export function installPodSubresources(api: ApiServer): void {
  api.addSubresource("", "v1", "pods", "binding", handleBinding);
  api.addSubresource("", "v1", "pods", "eviction", handleEviction);
}
