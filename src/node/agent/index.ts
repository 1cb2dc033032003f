/** The node agent: this machine as a Node (registration, Lease, status) composed with the pod manager. */
export { defaultNodeIP, startNodeAgent, versionToken, type NodeAgent, type NodeAgentOptions, type RunningServer } from "./agent.js";
export { NodeHeartbeat, RegistrationRefusedError, type HeartbeatOptions } from "./heartbeat.js";
export { goArchitecture, goOperatingSystem, nodeNameFor, parseMeminfo, parseOsRelease, readHostFacts } from "./host.js";
export {
  controlPlaneLabel, defaultEvictionHard, defaultPodCIDR, defaultSystemReserved, imageList, kubeletVersion, nodeConditions, nodeStatus, readyMessage,
  type EvictionHard, type Reserved,
} from "./node-status.js";
export { ContainerLogRotator, rotateLog, rotatedFiles, type LogRotationPolicy, type LogRotatorOptions } from "./log-rotation.js";
export { ImageGarbageCollector, podImages, type ImageGCOptions } from "./image-gc.js";
export {
  checkImageGCThresholds, checkLogPolicy, defaultContainerLogMaxFiles, defaultContainerLogMaxSize, defaultImageGCHighPercent, defaultImageGCLowPercent, parseLogMaxSize,
} from "./housekeeping.js";
