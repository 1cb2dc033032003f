/** The node agent's HTTPS endpoint, which the API server proxies `pods/log` to. */
export { startNodeServer, KUBELET_CLIENT_USER, type NodeServer, type NodeServerOptions } from "./server.js";
export { parseLogOptions, parseTimestampNs, formatLogTimestamp, type LogReadOptions } from "./log-options.js";
export { streamLog, type LogOutput, type StreamLogArgs } from "./log-stream.js";
export { tailOffset } from "./tail.js";
