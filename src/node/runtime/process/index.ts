/** The process runtime: containers as host processes, the unprivileged fallback (see runtime.ts). */
export { ProcessRuntime } from "./runtime.js";
