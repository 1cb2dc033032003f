/**
 * The EndpointSlice controller (upstream's pkg/controller/endpointslice): discovery.k8s.io/v1
 * slices of every Service with a selector. Imports client/, api/, machinery/, the runtime
 * and the pod/Service helpers of ../endpoints/.
 */
export { endpointSliceController, type EndpointSliceControllerOptions } from "./controller.js";
export { controllerName, defaultMaxEndpointsPerSlice, desiredEndpoints, endpointKey, managedByLabel, portsKey, serviceNameLabel, sliceLabels, type EndpointGroup } from "./desired.js";
export { planSlices, type SlicePlan } from "./plan.js";
export { SliceTracker } from "./tracker.js";
