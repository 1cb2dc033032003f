/**
 * What both the endpoints and the EndpointSlice controllers ask of a pod and a Service
 * (upstream's podutil.IsPodReady, podutil.FindPort, endpointutil.ShouldPodBeInEndpoints and
 * the pod → Services mapping). Pure functions over cached objects; nothing here mutates.
 */
import type { ServicePort } from "kubernetes-types/core/v1.js";
import type { PodObj } from "../../api/core/v1/pod-printer.js";
import type { ServiceObj } from "../../api/core/v1/service.js";
import { objectKey, type EventHandler, type Informer } from "../../client/informer/index.js";

/** Carried by Endpoints (and slices) of a Service whose clusterIP is None. */
export const headlessLabel = "service.kubernetes.io/headless";

export function isPodReady(pod: PodObj): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

export function isTerminating(pod: PodObj): boolean {
  return pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
}

/**
 * A pod belongs in a Service's endpoints once it has an IP and while it can still run: a
 * terminal pod (Succeeded, Failed) never comes back, whatever its restart policy says.
 */
export function hasEndpointCandidateState(pod: PodObj): boolean {
  if (!pod.status?.podIP) return false;
  const phase = pod.status.phase;
  return phase !== "Succeeded" && phase !== "Failed";
}

/** The Service's selector as a map, undefined when it selects nothing (user-managed endpoints). */
export function serviceSelector(svc: ServiceObj): Record<string, string> | undefined {
  const sel = svc.spec?.selector;
  if (!sel || Object.keys(sel).length === 0) return undefined;
  return sel;
}

export function selects(svc: ServiceObj, labels: Record<string, string> | undefined): boolean {
  const sel = serviceSelector(svc);
  if (!sel) return false;
  return Object.entries(sel).every(([k, v]) => labels?.[k] === v);
}

/** Whether the controllers write endpoints for this Service at all. */
export function managesEndpoints(svc: ServiceObj): boolean {
  if (svc.spec?.type === "ExternalName") return false;
  // The API server keeps default/kubernetes itself (it has no selector anyway).
  if (svc.metadata.namespace === "default" && svc.metadata.name === "kubernetes") return false;
  return serviceSelector(svc) !== undefined;
}

/**
 * The pod's port for a Service port: a numeric targetPort as is, a named one looked up among
 * the pod's container ports of the same protocol (sidecar init containers too); undefined
 * when the pod has no such named port, so the pod is left out for that Service port only.
 */
export function findPort(pod: PodObj, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === "number") return target;
  const protocol = sp.protocol ?? "TCP";
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always");
  for (const c of [...(pod.spec?.containers ?? []), ...sidecars]) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? "TCP") === protocol) return p.containerPort;
    }
  }
  return undefined;
}

/** hostname on an address: only for a pod that names this Service as its subdomain. */
export function endpointHostname(pod: PodObj, svc: ServiceObj): string | undefined {
  const h = pod.spec?.hostname;
  if (!h || pod.spec?.subdomain !== svc.metadata.name || pod.metadata.namespace !== svc.metadata.namespace) return undefined;
  return h;
}

/** The Service's labels, with the headless label set exactly when clusterIP is None. */
export function endpointLabels(svc: ServiceObj): Record<string, string> {
  const out: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  delete out[headlessLabel];
  if (svc.spec?.clusterIP === "None") out[headlessLabel] = "";
  return out;
}

/** The latest time a pod's readiness changed, for endpoints.kubernetes.io/last-change-trigger-time. */
export function podTriggerTime(pod: PodObj): string | undefined {
  return pod.status?.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime ?? pod.metadata.creationTimestamp ?? undefined;
}

export function sameStringMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => b?.[k] === a?.[k]);
}

/**
 * Pod handlers for controllers keyed by Service: a pod enqueues every Service of its
 * namespace whose selector matches it, before or (after a relabel) after the change.
 */
export function servicesOfPodHandler(services: Informer<ServiceObj>, enqueue: (serviceKey: string) => void): EventHandler<PodObj> {
  const forPod = (pod: PodObj, oldLabels?: Record<string, string>): void => {
    for (const svc of services.byIndex("namespace", pod.metadata.namespace ?? "")) {
      if (selects(svc, pod.metadata.labels) || (oldLabels && selects(svc, oldLabels))) enqueue(objectKey(svc));
    }
  };
  return {
    onAdd: (p) => forPod(p),
    onUpdate: (old, cur) => {
      if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
      forPod(cur, sameStringMap(old.metadata.labels, cur.metadata.labels) ? undefined : old.metadata.labels);
    },
    onDelete: (p) => forPod(p),
  };
}
