/**
 * The garbage collector (upstream's pkg/controller/garbagecollector): deletes objects whose
 * owners are gone, and carries out the three propagation policies of a delete — Background
 * (dependents go after the owner), Foreground (the owner waits, with the `foregroundDeletion`
 * finalizer, for its dependents that set blockOwnerDeletion) and Orphan (the `orphan`
 * finalizer: dependents lose their reference and stay). The API server adds the finalizers;
 * this controller does the rest.
 *
 * resources.ts is the list of monitored kinds, decide.ts the pure decisions, controller.ts
 * the loop over informers. Imports client/, api/, machinery/ and the controller runtime only.
 */
export { garbageCollector, type GarbageCollectorOptions } from "./controller.js";
export { gcResources, resolveBuiltinKind, type OwnerKind } from "./resources.js";
export * from "./decide.js";
