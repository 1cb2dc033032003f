/** The client machinery every component uses: typed client, transports, informers, work queue. */
export * from "./interfaces.js";
export { ApiClient, builtinRef, builtinRefByResource, defaultPageSize, patchContentTypes, refOf } from "./client.js";
export { inProcessTransport, type ApiHandler, type InProcessOptions } from "./inprocess.js";
export { httpsTransport, transportFromKubeconfig, kubeconfigTransportOptions, type HttpsTransport, type HttpsTransportOptions } from "./https.js";
export type { KubeconfigTransportOptions } from "./kubeconfig.js";
export { statusErrorFromObject, statusErrorFromResponse } from "./status.js";
export * from "./informer/index.js";
export * from "./workqueue/index.js";
