/** The coordination.k8s.io/v1 kinds, in upstream's discovery order. */
export { coordinationV1Resources } from "./lease.js";
