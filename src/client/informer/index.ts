/** Informers: list+watch caches with indexers, and the factory that shares them. */
export { Informer, type EventHandler, type HandlerRegistration, type InformerOptions } from "./informer.js";
export { SharedInformerFactory, type FactoryOptions, type ResourceSource } from "./factory.js";
export { objectKey, splitKey } from "./keys.js";
export { IndexedStore, namespaceIndex, type IndexFunc } from "./store.js";
export { InformerView } from "./view.js";
