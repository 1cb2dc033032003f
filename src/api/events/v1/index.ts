/** The events.k8s.io/v1 kinds, in upstream's discovery order. */
export { eventsV1Resources } from "./event.js";
