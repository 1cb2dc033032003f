/** The apiextensions.k8s.io/v1 kinds, in upstream's discovery order. */
export { apiextensionsV1Resources } from "./customresourcedefinition.js";
