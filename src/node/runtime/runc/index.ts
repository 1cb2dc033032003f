/** The runc runtime: real containers through conmon and runc (see runtime.ts). */
export { RuncRuntime, findBinary, type RuncRuntimeOptions } from "./runtime.js";
export { buildOciSpec, resolveCapabilities, capabilityMask, capabilitiesFromMask, defaultCapabilities, type OciSpec } from "./spec.js";
export { defaultSeccompProfile, resolveSeccomp, runcSeccompSupport, type OciSeccomp, type SeccompSupport } from "./seccomp.js";
