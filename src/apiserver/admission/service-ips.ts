/**
 * Allocates Service ClusterIPs from the service CIDR and NodePorts from 30000–32767 on create,
 * as upstream's Service REST storage does. Allocation reads the live Services, so it needs no
 * state of its own and survives restarts; a racing duplicate is caught on the next create.
 */
import { errors, field } from "../../machinery/errors.js";
import type { KubeObject } from "../../machinery/object.js";
import type { ResourceDef } from "../../machinery/resource.js";
import type { AdmissionPlugin, ResourceStore } from "../store.js";
import { cidrSize, formatIPv4, parseCidr, parseIPv4 } from "../../machinery/cidr.js";

interface ServicePort { port?: number; nodePort?: number; protocol?: string }
interface ServiceSpec { type?: string; clusterIP?: string; clusterIPs?: string[]; ports?: ServicePort[] }

export interface ServiceIPOptions {
  /** e.g. 10.96.0.0/12 */
  cidr: string;
  nodePortRange?: [number, number];
}

async function usedBy(store: ResourceStore, def: ResourceDef): Promise<{ ips: Set<string>; ports: Set<number> }> {
  const res = await store.list(def, undefined, { filter: () => true });
  const ips = new Set<string>();
  const ports = new Set<number>();
  for (const s of res.objects ?? []) {
    const spec = s.spec as ServiceSpec | undefined;
    for (const ip of spec?.clusterIPs ?? (spec?.clusterIP ? [spec.clusterIP] : [])) ips.add(ip);
    for (const p of spec?.ports ?? []) if (p.nodePort) ports.add(p.nodePort);
  }
  return { ips, ports };
}

export function serviceIPs(opts: ServiceIPOptions): AdmissionPlugin {
  const range = parseCidr(opts.cidr);
  const base = range.base;
  const size = cidrSize(range);
  const [lo, hi] = opts.nodePortRange ?? [30000, 32767];
  return {
    name: "ServiceIPAllocation",
    async admit({ operation, def, object, old, store }) {
      if (!(def.group === "" && def.kind === "Service") || (operation !== "CREATE" && operation !== "UPDATE")) return;
      const spec = (object.spec ??= {}) as ServiceSpec;
      if (operation === "UPDATE") {
        const oldSpec = (old as KubeObject).spec as ServiceSpec;
        if (!spec.clusterIP && oldSpec.clusterIP) {
          spec.clusterIP = oldSpec.clusterIP;
          spec.clusterIPs = oldSpec.clusterIPs;
        }
      }
      const needsPorts = spec.type === "NodePort" || spec.type === "LoadBalancer";
      const needsIP = spec.type !== "ExternalName" && (!spec.clusterIP || spec.clusterIP === "");
      const portsMissing = needsPorts && (spec.ports ?? []).some((p) => !p.nodePort);
      if (!needsIP && !portsMissing) {
        if (spec.clusterIP && spec.clusterIP !== "None" && !spec.clusterIPs) spec.clusterIPs = [spec.clusterIP];
        return;
      }
      const used = await usedBy(store, def);
      if (needsIP) {
        // Skip the network address and .1, which the `kubernetes` service holds.
        const start = 2 + Math.floor(Math.random() * (size - 3));
        let ip: string | undefined;
        for (let i = 0; i < size - 3; i++) {
          const cand = formatIPv4(base + 2 + ((start - 2 + i) % (size - 3)));
          if (!used.ips.has(cand)) { ip = cand; break; }
        }
        if (!ip) throw errors.internal(`failed to allocate a serviceIP: range is full`);
        spec.clusterIP = ip;
        spec.clusterIPs = [ip];
      } else if (spec.clusterIP && spec.clusterIP !== "None") {
        const n = parseIPv4(spec.clusterIP);
        if (operation === "CREATE" && (n < base || n >= base + size)) {
          throw errors.invalid("Service", "", object.metadata.name ?? "", [field.invalid("spec.clusterIPs[0]", spec.clusterIP, `failed to allocate IP ${spec.clusterIP}: the provided IP (${spec.clusterIP}) is not in the valid range. The range of valid IPs is ${opts.cidr}`)]);
        }
        spec.clusterIPs ??= [spec.clusterIP];
      }
      for (const p of spec.ports ?? []) {
        if (!needsPorts || p.nodePort) continue;
        let port: number | undefined;
        const span = hi - lo + 1;
        const start = Math.floor(Math.random() * span);
        for (let i = 0; i < span; i++) {
          const cand = lo + ((start + i) % span);
          if (!used.ports.has(cand)) { port = cand; break; }
        }
        if (!port) throw errors.internal("failed to allocate a nodePort: range is full");
        used.ports.add(port);
        p.nodePort = port;
      }
    },
  };
}
