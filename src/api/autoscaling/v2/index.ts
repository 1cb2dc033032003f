/** The autoscaling/v2 kinds, in upstream's discovery order. */
export { autoscalingV2Resources } from "./hpa.js";
