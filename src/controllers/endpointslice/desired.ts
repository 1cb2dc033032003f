/**
 * The EndpointSlice controller's view of a Service, pure: the endpoint each selected pod
 * should have (upstream's podToEndpoint), grouped by address type and port set, since one
 * slice holds one address type and one list of ports.
 */
import type { Endpoint, EndpointPort } from "kubernetes-types/discovery/v1.js";
import type { PodObj } from "../../api/core/v1/pod-printer.js";
import type { ServiceObj } from "../../api/core/v1/service.js";
import {
  endpointHostname, endpointLabels, findPort, hasEndpointCandidateState, isPodReady, isTerminating, selects,
} from "../endpoints/podutil.js";

export const serviceNameLabel = "kubernetes.io/service-name";
export const managedByLabel = "endpointslice.kubernetes.io/managed-by";
export const controllerName = "endpointslice-controller.k8s.io";
/** Upstream's --max-endpoints-per-slice default. */
export const defaultMaxEndpointsPerSlice = 100;

export type AddressType = "IPv4" | "IPv6";

export interface EndpointGroup {
  addressType: AddressType;
  ports: EndpointPort[];
  /** By endpointKey. */
  endpoints: Map<string, Endpoint>;
}

/** One pod, one endpoint: its IP and its uid tell it apart. */
export function endpointKey(ep: Endpoint): string {
  return `${ep.addresses[0] ?? ""}\u0000${ep.targetRef?.uid ?? ""}`;
}

export function portsKey(addressType: string, ports: readonly EndpointPort[]): string {
  return [addressType, ...ports.map((p) => `${p.name ?? ""}/${p.port ?? ""}/${p.protocol ?? "TCP"}/${p.appProtocol ?? ""}`)].join("\u0001");
}

export function sliceLabels(svc: ServiceObj): Record<string, string> {
  return { ...endpointLabels(svc), [serviceNameLabel]: svc.metadata.name ?? "", [managedByLabel]: controllerName };
}

function podEndpoint(pod: PodObj, svc: ServiceObj): Endpoint {
  const serving = isPodReady(pod);
  const terminating = isTerminating(pod);
  const ep: Endpoint = {
    addresses: [pod.status!.podIP!],
    conditions: { ready: svc.spec?.publishNotReadyAddresses === true || (serving && !terminating), serving, terminating },
    targetRef: { kind: "Pod", namespace: pod.metadata.namespace ?? "", name: pod.metadata.name ?? "", uid: pod.metadata.uid ?? "" },
  };
  const hostname = endpointHostname(pod, svc);
  if (hostname) ep.hostname = hostname;
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  return ep;
}

function podPorts(pod: PodObj, svc: ServiceObj): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    const p: EndpointPort = { name: sp.name ?? "", port, protocol: sp.protocol ?? "TCP" };
    if (sp.appProtocol) p.appProtocol = sp.appProtocol;
    out.push(p);
  }
  return out.sort((a, b) => (a.name ?? "").localeCompare(b.name ?? "") || (a.port ?? 0) - (b.port ?? 0));
}

/** The endpoints the Service should have, by portsKey. Terminating pods stay, marked so. */
export function desiredEndpoints(svc: ServiceObj, pods: readonly PodObj[]): Map<string, EndpointGroup> {
  const groups = new Map<string, EndpointGroup>();
  for (const pod of pods) {
    if (!selects(svc, pod.metadata.labels) || !hasEndpointCandidateState(pod)) continue;
    const addressType: AddressType = pod.status!.podIP!.includes(":") ? "IPv6" : "IPv4";
    const ports = podPorts(pod, svc);
    const k = portsKey(addressType, ports);
    let g = groups.get(k);
    if (!g) groups.set(k, g = { addressType, ports, endpoints: new Map() });
    const ep = podEndpoint(pod, svc);
    g.endpoints.set(endpointKey(ep), ep);
  }
  return groups;
}
