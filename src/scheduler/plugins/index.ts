/** The in-tree plugins, by name (upstream's plugins.NewInTreeRegistry). */
import { Registry } from "../framework/registry.js";
import * as defaultBinder from "./default-binder/index.js";
import * as defaultPreemption from "./default-preemption/index.js";
import * as imageLocality from "./image-locality/index.js";
import * as interPodAffinity from "./inter-pod-affinity/index.js";
import * as nodeAffinity from "./node-affinity/index.js";
import * as nodeName from "./node-name/index.js";
import * as nodePorts from "./node-ports/index.js";
import * as balanced from "./node-resources-balanced-allocation/index.js";
import * as fit from "./node-resources-fit/index.js";
import * as nodeUnschedulable from "./node-unschedulable/index.js";
import * as podTopologySpread from "./pod-topology-spread/index.js";
import * as queueSort from "./queue-sort/index.js";
import * as schedulingGates from "./scheduling-gates/index.js";
import * as taintToleration from "./taint-toleration/index.js";
import * as volumeBinding from "./volume-binding/index.js";

export function inTreeRegistry(): Registry {
  const r = new Registry();
  for (const m of [
    schedulingGates, queueSort, nodeUnschedulable, nodeName, taintToleration, nodeAffinity, nodePorts, fit,
    volumeBinding, podTopologySpread, interPodAffinity, defaultPreemption, balanced, imageLocality, defaultBinder,
  ]) r.register(m.name, m.factory);
  return r;
}
