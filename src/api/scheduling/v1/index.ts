/** The scheduling.k8s.io/v1 kinds, in upstream's discovery order. */
export { schedulingV1Resources } from "./priorityclass.js";
