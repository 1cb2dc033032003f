/**
 * The endpoints controller (upstream's pkg/controller/endpoint): core/v1 Endpoints for every
 * Service with a selector. podutil.ts is shared with the EndpointSlice controller.
 * Imports client/, api/, machinery/ and the runtime only.
 */
export { endpointsController, lastChangeTriggerTimeAnnotation, type EndpointsControllerOptions } from "./controller.js";
export { desiredSubsets, repack, type DesiredSubsets } from "./subsets.js";
export * from "./podutil.js";
