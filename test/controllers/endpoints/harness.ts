/**
 * A real in-process API server with two simulated nodes and a controller manager running the
 * endpoints and EndpointSlice controllers (and the garbage collector, which removes a deleted
 * Service's slices), plus the real kubectl (gc/harness.ts). Pods bound to "ghost" (a node
 * nobody runs) get whatever status a test writes, for readiness cases the simulator never
 * produces on its own.
 */
import type { PodObj } from "../../../src/api/core/v1/pod-printer.js";
import type { ServiceObj } from "../../../src/api/core/v1/service.js";
import { startSimulatedNodes, type SimulatedNodes } from "../../../src/node/runtime/fake/index.js";
import { endpointsController } from "../../../src/controllers/endpoints/index.js";
import { endpointSliceController } from "../../../src/controllers/endpointslice/index.js";
import { garbageCollector } from "../../../src/controllers/garbagecollector/index.js";
import { nowRFC3339 } from "../../../src/machinery/object.js";
import { startControllerCluster, type ControllerCluster } from "../gc/harness.js";

export { eventually, getOrUndefined, haveKubectl } from "../gc/harness.js";

export interface EndpointsEnv extends ControllerCluster {
  nodes: SimulatedNodes;
}

export async function startEndpointsEnv(maxEndpointsPerSlice: number): Promise<EndpointsEnv> {
  const t = await startControllerCluster([endpointsController(), endpointSliceController({ maxEndpointsPerSlice }), garbageCollector()]);
  const nodes = await startSimulatedNodes(t.client, { count: 2, podStartDelayMs: 0, podTerminationDelayMs: 0, onError: () => {} });
  return {
    ...t,
    nodes,
    async stop() {
      await nodes.stop();
      await t.stop();
    },
  };
}

export interface ContainerPort { name?: string; containerPort: number }

export function service(ns: string, name: string, selector: Record<string, string> | undefined, ports: { name?: string; port: number; targetPort?: number | string }[], extra: { clusterIP?: string; publishNotReadyAddresses?: boolean; labels?: Record<string, string> } = {}): ServiceObj {
  return {
    apiVersion: "v1", kind: "Service",
    metadata: { name, namespace: ns, ...(extra.labels ? { labels: extra.labels } : {}) },
    spec: {
      ...(selector ? { selector } : {}),
      ports: ports.map((p) => ({ protocol: "TCP", ...p })),
      ...(extra.clusterIP ? { clusterIP: extra.clusterIP } : {}),
      ...(extra.publishNotReadyAddresses ? { publishNotReadyAddresses: true } : {}),
    },
  };
}

/** A pod on a simulated node (it runs and turns Ready with an IP from the node's range). */
export function simPod(ns: string, name: string, labels: Record<string, string>, ports: ContainerPort[], node = "sim-node-0", spec: { hostname?: string; subdomain?: string } = {}): PodObj {
  return {
    apiVersion: "v1", kind: "Pod",
    metadata: { name, namespace: ns, labels },
    spec: { nodeName: node, containers: [{ name: "c", image: "nginx", ports: ports.map((p) => ({ protocol: "TCP", ...p })) }], ...spec },
  };
}

/** A pod on "ghost" whose status the test sets: Running with `ip`, Ready as asked. */
export async function ghostPod(t: ControllerCluster, ns: string, name: string, labels: Record<string, string>, ip: string, ready: boolean, ports: ContainerPort[] = [{ name: "http", containerPort: 8080 }]): Promise<PodObj> {
  const created = await t.client.pods.create(ns, simPod(ns, name, labels, ports, "ghost"));
  return setReady(t, created, ip, ready);
}

export async function setReady(t: ControllerCluster, pod: PodObj, ip: string, ready: boolean): Promise<PodObj> {
  const now = nowRFC3339();
  const st = ready ? "True" : "False";
  return t.client.pods.updateStatus({
    ...pod,
    status: {
      phase: "Running", podIP: ip, podIPs: [{ ip }], hostIP: "10.1.0.9", startTime: now,
      conditions: [
        { type: "PodScheduled", status: "True", lastTransitionTime: now },
        { type: "Initialized", status: "True", lastTransitionTime: now },
        { type: "ContainersReady", status: st, lastTransitionTime: now },
        { type: "Ready", status: st, lastTransitionTime: now },
      ],
    },
  });
}
