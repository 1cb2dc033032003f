/** The autoscaling/v1 kinds, in upstream's discovery order. */
export { autoscalingV1Resources } from "./hpa.js";
