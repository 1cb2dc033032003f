/** The storage.k8s.io/v1 kinds, in upstream's discovery order. */
export { storageV1Resources } from "./storageclass.js";
