/**
 * The node lifecycle controller (upstream's pkg/controller/nodelifecycle, with its taint
 * eviction controller): a node whose Lease and Ready heartbeat stop for longer than the grace
 * period becomes Ready=Unknown ("Kubelet stopped posting node status.") with the
 * `node.kubernetes.io/unreachable` NoSchedule and NoExecute taints, and its pods are marked
 * not ready; pods that do not tolerate a NoExecute taint are evicted (after their
 * tolerationSeconds, if any). Once the node's agent reports Ready again the taints go. The
 * NoSchedule taints that mirror conditions and spec.unschedulable (cordon) are kept here too.
 *
 * health.ts, taints.ts and eviction.ts are the pure parts; controller.ts the loop.
 * Imports client/, api/, machinery/ and the controller runtime only.
 */
export { nodeLifecycleController, monitorKey, type NodeLifecycleOptions } from "./controller.js";
export * from "./health.js";
export * from "./taints.js";
export * from "./eviction.js";
