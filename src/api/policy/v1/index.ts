/** The policy/v1 kinds, in upstream's discovery order. */
export { policyV1Resources } from "./poddisruptionbudget.js";
