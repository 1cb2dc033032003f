/**
 * The endpoints controller's decision, pure: a Service and the pods of its namespace give the
 * Endpoints' subsets. Each pod contributes one address per Service port it resolves; the
 * pairs are then repacked (upstream's RepackSubsets) so that each subset holds one distinct
 * set of ports, addresses sorted by IP, ports in a stable order. A ready pod (or any pod,
 * with publishNotReadyAddresses) goes to `addresses`, another to `notReadyAddresses`; a
 * terminating pod is left out unless not-ready addresses are published.
 */
import type { EndpointAddress, EndpointPort, EndpointSubset } from "kubernetes-types/core/v1.js";
import type { PodObj } from "../../api/core/v1/pod-printer.js";
import type { ServiceObj } from "../../api/core/v1/service.js";
import { endpointHostname, findPort, hasEndpointCandidateState, isPodReady, isTerminating, podTriggerTime, selects } from "./podutil.js";

export interface DesiredSubsets {
  subsets: EndpointSubset[];
  /** The latest readiness change among the pods taken (RFC 3339), if any. */
  triggerTime?: string;
}

function addressOf(pod: PodObj, svc: ServiceObj): EndpointAddress {
  const a: EndpointAddress = { ip: pod.status!.podIP! };
  const hostname = endpointHostname(pod, svc);
  if (hostname) a.hostname = hostname;
  if (pod.spec?.nodeName) a.nodeName = pod.spec.nodeName;
  a.targetRef = { kind: "Pod", namespace: pod.metadata.namespace ?? "", name: pod.metadata.name ?? "", uid: pod.metadata.uid ?? "" };
  return a;
}

const portKey = (p: EndpointPort): string => `${p.name ?? ""}\u0000${p.port}\u0000${p.protocol ?? "TCP"}\u0000${p.appProtocol ?? ""}`;
const addrKey = (a: EndpointAddress): string => `${a.ip}\u0000${a.targetRef?.uid ?? ""}`;

function comparePorts(a: EndpointPort, b: EndpointPort): number {
  return (a.name ?? "").localeCompare(b.name ?? "") || a.port - b.port || (a.protocol ?? "").localeCompare(b.protocol ?? "");
}

function ipBytes(ip: string): number[] {
  return ip.includes(":") ? [6, ...ip.split(":").map((g) => parseInt(g || "0", 16))] : [4, ...ip.split(".").map(Number)];
}

function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  const x = ipBytes(a.ip);
  const y = ipBytes(b.ip);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? -1) - (y[i] ?? -1);
    if (d !== 0) return d;
  }
  return (a.targetRef?.uid ?? "").localeCompare(b.targetRef?.uid ?? "");
}

interface AddressPorts { addr: EndpointAddress; ready: Map<string, EndpointPort>; notReady: Map<string, EndpointPort>; seenReady: boolean; seenNotReady: boolean }

/** Regroups (address, port, readiness) triples into subsets of distinct port sets. */
export function repack(entries: { addr: EndpointAddress; ports: EndpointPort[]; ready: boolean }[]): EndpointSubset[] {
  const byAddr = new Map<string, AddressPorts>();
  for (const e of entries) {
    const k = addrKey(e.addr);
    let ap = byAddr.get(k);
    if (!ap) byAddr.set(k, ap = { addr: e.addr, ready: new Map(), notReady: new Map(), seenReady: false, seenNotReady: false });
    if (e.ready) ap.seenReady = true;
    else ap.seenNotReady = true;
    for (const p of e.ports) (e.ready ? ap.ready : ap.notReady).set(portKey(p), p);
  }
  const groups = new Map<string, EndpointSubset & { addresses: EndpointAddress[]; notReadyAddresses: EndpointAddress[] }>();
  const groupFor = (ports: Map<string, EndpointPort>): EndpointSubset & { addresses: EndpointAddress[]; notReadyAddresses: EndpointAddress[] } => {
    const sorted = [...ports.values()].sort(comparePorts);
    const k = sorted.map(portKey).join("\u0001");
    let g = groups.get(k);
    if (!g) groups.set(k, g = { addresses: [], notReadyAddresses: [], ...(sorted.length ? { ports: sorted } : {}) });
    return g;
  };
  for (const ap of byAddr.values()) {
    // An address without ports (a headless Service without ports) falls in the empty port set.
    if (ap.seenReady) groupFor(ap.ready).addresses.push(ap.addr);
    if (ap.seenNotReady) groupFor(ap.notReady).notReadyAddresses.push(ap.addr);
  }
  const out: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const ss: EndpointSubset = {};
    if (g.addresses.length) ss.addresses = g.addresses.sort(compareAddresses);
    if (g.notReadyAddresses.length) ss.notReadyAddresses = g.notReadyAddresses.sort(compareAddresses);
    if (g.ports) ss.ports = g.ports;
    out.push(ss);
  }
  return out.sort((a, b) => (a.ports ?? []).map(portKey).join("\u0001").localeCompare((b.ports ?? []).map(portKey).join("\u0001")));
}

/** The subsets the Service's Endpoints should hold, given the pods of its namespace. */
export function desiredSubsets(svc: ServiceObj, pods: readonly PodObj[]): DesiredSubsets {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const svcPorts = svc.spec?.ports ?? [];
  const headless = svc.spec?.clusterIP === "None";
  const entries: { addr: EndpointAddress; ports: EndpointPort[]; ready: boolean }[] = [];
  let triggerTime: string | undefined;
  for (const pod of pods) {
    if (!selects(svc, pod.metadata.labels) || !hasEndpointCandidateState(pod)) continue;
    if (!publishNotReady && isTerminating(pod)) continue;
    const ready = publishNotReady || isPodReady(pod);
    const addr = addressOf(pod, svc);
    let taken = false;
    if (svcPorts.length === 0) {
      // Only a headless Service lists addresses without ports.
      if (headless) { entries.push({ addr, ports: [], ready }); taken = true; }
    } else {
      for (const sp of svcPorts) {
        const port = findPort(pod, sp);
        if (port === undefined) continue;
        const ep: EndpointPort = { port, protocol: sp.protocol ?? "TCP" };
        if (sp.name) ep.name = sp.name;
        if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
        entries.push({ addr, ports: [ep], ready });
        taken = true;
      }
    }
    const t = taken ? podTriggerTime(pod) : undefined;
    if (t && (!triggerTime || Date.parse(t) > Date.parse(triggerTime))) triggerTime = t;
  }
  return { subsets: repack(entries), ...(triggerTime ? { triggerTime } : {}) };
}
