/** Endpoints: subset validation and the ENDPOINTS column (first three host:port pairs). */
import type { EndpointAddress, EndpointPort, Endpoints } from "kubernetes-types/core/v1.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { age } from "../../printers.js";
import { ageColumn, col, defineResource, isIP, nameColumn, type Obj, validateDNS1123Label, validateDNS1123Subdomain } from "./common.js";

export type EndpointsObj = Obj<Endpoints>;

function validateAddress(a: EndpointAddress, path: string): FieldError[] {
  const out: FieldError[] = [];
  const ip = a.ip ?? "";
  if (!isIP(ip)) out.push(field.invalid(`${path}.ip`, ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
  else if (/^127\./.test(ip) || ip === "::1") out.push(field.invalid(`${path}.ip`, ip, "may not be in the loopback range (127.0.0.0/8, ::1/128)"));
  else if (/^169\.254\./.test(ip) || /^fe80:/i.test(ip)) out.push(field.invalid(`${path}.ip`, ip, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"));
  else if (/^224\.0\.0\./.test(ip) || /^ff02:/i.test(ip)) out.push(field.invalid(`${path}.ip`, ip, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"));
  if (a.hostname) out.push(...validateDNS1123Label(a.hostname, `${path}.hostname`));
  if (a.nodeName) out.push(...validateDNS1123Subdomain(a.nodeName, `${path}.nodeName`));
  return out;
}

function validatePort(p: EndpointPort, requireName: boolean, path: string): FieldError[] {
  const out: FieldError[] = [];
  if (requireName && !p.name) out.push(field.required(`${path}.name`));
  else if (p.name) out.push(...validateDNS1123Label(p.name, `${path}.name`));
  if (!(Number.isInteger(p.port) && p.port >= 1 && p.port <= 65535)) out.push(field.invalid(`${path}.port`, p.port ?? 0, "must be between 1 and 65535, inclusive"));
  if (!p.protocol) out.push(field.required(`${path}.protocol`));
  else if (!["SCTP", "TCP", "UDP"].includes(p.protocol)) out.push(field.notSupported(`${path}.protocol`, p.protocol, ["SCTP", "TCP", "UDP"]));
  return out;
}

export function validateEndpoints(ep: EndpointsObj): FieldError[] {
  const out: FieldError[] = [];
  (ep.subsets ?? []).forEach((ss, i) => {
    const p = `subsets[${i}]`;
    if (!(ss.addresses ?? []).length && !(ss.notReadyAddresses ?? []).length) out.push(field.required(p, "must specify `addresses` or `notReadyAddresses`"));
    (ss.addresses ?? []).forEach((a, j) => out.push(...validateAddress(a, `${p}.addresses[${j}]`)));
    (ss.notReadyAddresses ?? []).forEach((a, j) => out.push(...validateAddress(a, `${p}.notReadyAddresses[${j}]`)));
    const ports = ss.ports ?? [];
    ports.forEach((pt, j) => out.push(...validatePort(pt, ports.length > 1, `${p}.ports[${j}]`)));
  });
  return out;
}

function hostPort(ip: string, port: number): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** formatEndpoints(endpoints, nil): every address on every port, three at most. */
export function formatEndpoints(ep: EndpointsObj): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return "<none>";
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addrs = ss.addresses ?? [];
    const ports = ss.ports ?? [];
    if (ports.length === 0) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) { more = true; break; }
        list.push(a.ip);
      }
      continue;
    }
    for (const p of ports) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) { more = true; break; }
        list.push(hostPort(a.ip, p.port));
      }
    }
  }
  const s = list.join(",");
  return more ? `${s} + ${count - max} more...` : s;
}

export const endpointsResource = defineResource<EndpointsObj>({
  group: "", version: "v1", kind: "Endpoints",
  plural: "endpoints", singular: "endpoints", shortNames: ["ep"],
  namespaced: true,
  schema: "io.k8s.api.core.v1.Endpoints",
  columns: [
    nameColumn,
    col("Endpoints", "string", "The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service."),
    ageColumn,
  ],
  row: (ep) => [ep.metadata.name ?? "", formatEndpoints(ep), age(ep.metadata.creationTimestamp)],
  defaults(ep) {
    for (const ss of ep.subsets ?? []) for (const p of ss.ports ?? []) if (!p.protocol) p.protocol = "TCP";
  },
  validate: validateEndpoints,
  validateUpdate: (ep) => validateEndpoints(ep),
});
