/** The discovery.k8s.io/v1 kinds, in upstream's discovery order. */
export { discoveryV1Resources } from "./endpointslice.js";
