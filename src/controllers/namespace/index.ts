/**
 * The namespace controller (upstream's pkg/controller/namespace): empties a namespace that is
 * being deleted, reports the five deletion conditions (NamespaceDeletion…Failure, NamespaceContentRemaining,
 * NamespaceFinalizersRemaining) while it waits, and finally removes the
 * `kubernetes` finalizer so that the API server can remove the namespace. Creating objects in
 * a terminating namespace is refused by the NamespaceLifecycle admission plugin, not here.
 *
 * deletion.ts holds the pure parts (discovery filtering, estimates, conditions); controller.ts
 * the loop. Imports client/, api/, machinery/ and the controller runtime only.
 */
export { namespaceController, type NamespaceControllerOptions } from "./controller.js";
export * from "./deletion.js";
