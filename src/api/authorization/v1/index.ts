/** The authorization.k8s.io/v1 kinds, in upstream's discovery order. */
export { authorizationV1Resources, pendingAuthorizationV1Resources } from "./reviews.js";
