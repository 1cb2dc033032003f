/**
 * The cluster's built-in components: one shared set of informers, the disruption controller,
 * the controller manager with kube-controller-manager's default controllers, the scheduler,
 * simulated nodes and this machine's node agent. `startCluster` imports this module only after
 * the API server answers /readyz, so that loading the components' code (a good part of all
 * Timonel's modules) does not delay the first requests.
 */
import type { ApiClient } from "../client/client.js";
import { SharedInformerFactory } from "../client/informer/index.js";
import { startSimulatedNodes, type SimulatedNodeOptions } from "../node/runtime/fake/index.js";
import { simulatedClearOf, startClusterNodeAgent, type NodeAgentClusterOptions, type NodeAgentContext } from "./node-agent.js";
import { startDisruptionController } from "../controllers/disruption/index.js";
import { startControllerManager, type ControllerFactory } from "../controllers/runtime/index.js";
import { replicaSetController, replicationControllerController } from "../controllers/replicaset/index.js";
import { deploymentController } from "../controllers/deployment/index.js";
import { eventTTLController } from "../controllers/eventttl/index.js";
import { garbageCollector } from "../controllers/garbagecollector/index.js";
import { namespaceController } from "../controllers/namespace/index.js";
import { serviceAccountController } from "../controllers/serviceaccount/index.js";
import { nodeLifecycleController } from "../controllers/nodelifecycle/index.js";
import { endpointsController } from "../controllers/endpoints/index.js";
import { endpointSliceController } from "../controllers/endpointslice/index.js";
import { startScheduler } from "../scheduler/scheduler.js";

export interface ComponentOptions {
  /** Scheduler and controllers (false: API-only tests start what they test themselves). */
  controlPlane: boolean;
  simulatedNodes?: SimulatedNodeOptions;
  nodeAgent?: NodeAgentClusterOptions;
  agentContext: NodeAgentContext;
}

/** The controllers `timonel up` runs, as kube-controller-manager's default set. */
export function builtinControllers(): ControllerFactory[] {
  return [
    deploymentController(),
    replicaSetController(),
    replicationControllerController(),
    garbageCollector(),
    namespaceController(),
    serviceAccountController(),
    nodeLifecycleController(),
    eventTTLController(),
    endpointsController(),
    endpointSliceController(),
  ];
}

/**
 * Starts the components and records how to stop each in `cleanups` (front first, so that
 * components stop before the informers they read and the server they talk to).
 */
export async function startComponents(client: ApiClient, opts: ComponentOptions, cleanups: (() => Promise<void> | void)[]): Promise<void> {
  // One set of informers for every in-process component: one cache of each kind (pods
  // above all), one watch decoded once. Components stop first and only detach from it.
  const informers = new SharedInformerFactory(client);
  cleanups.unshift(() => informers.stop());
  if (opts.controlPlane) {
    const disruption = await startDisruptionController(client, { factory: informers });
    cleanups.unshift(() => disruption.stop());
    const manager = await startControllerManager(client, builtinControllers(), { informers });
    cleanups.unshift(() => manager.stop());
    const scheduler = await startScheduler(client, { informers });
    cleanups.unshift(() => scheduler.stop());
  }
  if (opts.simulatedNodes && opts.simulatedNodes.count > 0) {
    const simOpts = opts.nodeAgent ? simulatedClearOf(opts.simulatedNodes, opts.nodeAgent.podCIDR) : opts.simulatedNodes;
    const sim = await startSimulatedNodes(client, { ...simOpts, informers });
    cleanups.unshift(() => sim.stop());
  }
  informers.start();
  if (opts.nodeAgent) {
    const agent = await startClusterNodeAgent(client, opts.agentContext, opts.nodeAgent);
    cleanups.unshift(() => agent.stop());
  }
}
