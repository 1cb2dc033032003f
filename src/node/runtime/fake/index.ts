/** Simulated nodes (the kwok-like runtime): the public entry points. */
export { startSimulatedNodes, type SimulatedNodeOptions, type SimulatedNodes } from "./simulator.js";
export { parseNodeLabels, parseTaints } from "./flags.js";
export { simulatedAnnotation, kubeletVersion, nodeLeaseNamespace } from "./node-object.js";
