/** discovery.k8s.io/v1 EndpointSlice: a Service's backends, as the endpointslice controller writes them. */
import type { Endpoint, EndpointSlice as EndpointSliceT } from "kubernetes-types/discovery/v1.js";
import type { ResourceDef } from "../../../machinery/resource.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { isPlainObject } from "../../../machinery/object.js";
import { isDNS1123Subdomain } from "../../../machinery/validation.js";
import { age } from "../../printers.js";
import { ageColumn, column, defineResource, nameColumn, type Obj } from "../../common/define.js";
import { isValidPortNum } from "../../networking/v1/ingress.js";

export type EndpointSlice = Obj<EndpointSliceT>;

const addressTypes = ["IPv4", "IPv6", "FQDN"];
const protocols = ["SCTP", "TCP", "UDP"];
const maxEndpoints = 1000;
const maxPorts = 100;
const maxAddresses = 100;
const ipv4Re = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isIPv6(v: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(v) || !v.includes(":")) return false;
  const doubles = v.split("::").length - 1;
  if (doubles > 1) return false;
  const groups = v.split(":").filter((g) => g.length > 0);
  return groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g) || ipv4Re.test(g)) && (doubles === 1 ? groups.length < 8 : groups.length === 8 || (groups.length === 7 && ipv4Re.test(groups[6]!)));
}

/** `""` named ports and TCP are what upstream's defaulting fills in. */
export function defaultEndpointSlice(es: EndpointSlice): void {
  for (const p of Array.isArray(es.ports) ? es.ports : []) {
    if (!isPlainObject(p)) continue;
    p.name ??= "";
    p.protocol ??= "TCP";
  }
}

function validateAddress(addr: string, type: string, path: string): FieldError[] {
  if (type === "IPv4") return ipv4Re.test(addr) ? [] : [field.invalid(path, addr, "must be a valid IPv4 address")];
  if (type === "IPv6") return isIPv6(addr) ? [] : [field.invalid(path, addr, "must be a valid IPv6 address")];
  return isDNS1123Subdomain(addr).map((m) => field.invalid(path, addr, m));
}

export function validateEndpointSlice(es: EndpointSlice): FieldError[] {
  const errs: FieldError[] = [];
  const type = String(es.addressType ?? "");
  if (!type) errs.push(field.required("addressType"));
  else if (!addressTypes.includes(type)) errs.push(field.notSupported("addressType", type, addressTypes));
  const endpoints = Array.isArray(es.endpoints) ? es.endpoints : [];
  if (endpoints.length > maxEndpoints) errs.push(field.tooLong("endpoints", maxEndpoints));
  endpoints.forEach((raw, i) => {
    const ep: Partial<Endpoint> = isPlainObject(raw) ? raw : {};
    const addrs = Array.isArray(ep.addresses) ? ep.addresses : [];
    if (addrs.length === 0) errs.push(field.required(`endpoints[${i}].addresses`, "must contain at least 1 address"));
    else if (addrs.length > maxAddresses) errs.push(field.tooLong(`endpoints[${i}].addresses`, maxAddresses));
    else if (addressTypes.includes(type)) addrs.forEach((a, j) => errs.push(...validateAddress(String(a), type, `endpoints[${i}].addresses[${j}]`)));
    if (typeof ep.hostname === "string") for (const m of isDNS1123Subdomain(ep.hostname)) errs.push(field.invalid(`endpoints[${i}].hostname`, ep.hostname, m));
  });
  const ports = Array.isArray(es.ports) ? es.ports : [];
  if (ports.length > maxPorts) errs.push(field.tooLong("ports", maxPorts));
  const names = new Set<string>();
  ports.forEach((raw, i) => {
    const p = isPlainObject(raw) ? raw : {};
    const name = typeof p.name === "string" ? p.name : "";
    if (names.has(name)) errs.push(field.duplicate(`ports[${i}].name`, name));
    names.add(name);
    if (p.protocol != null && !protocols.includes(String(p.protocol))) errs.push(field.notSupported(`ports[${i}].protocol`, p.protocol, protocols));
    if (typeof p.port === "number") for (const m of isValidPortNum(p.port)) errs.push(field.invalid(`ports[${i}].port`, p.port, m));
  });
  return errs;
}

/** formatDiscoveryPorts / formatDiscoveryEndpoints: three items, then `+ N more...`; `<unset>` when empty. */
function listCell(items: string[]): string {
  if (items.length === 0) return "<unset>";
  return items.length > 3 ? `${items.slice(0, 3).join(",")} + ${items.length - 3} more...` : items.join(",");
}

export const endpointSliceResource = defineResource<EndpointSlice>({
  group: "discovery.k8s.io",
  version: "v1",
  kind: "EndpointSlice",
  plural: "endpointslices",
  singular: "endpointslice",
  namespaced: true,
  schema: "io.k8s.api.discovery.v1.EndpointSlice",
  columns: [
    nameColumn,
    column("AddressType", "addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation."),
    column("Ports", "ports specifies the list of network ports exposed by each endpoint in this slice."),
    column("Endpoints", "endpoints is a list of unique endpoints in this slice."),
    ageColumn,
  ],
  row(es) {
    const ports = (Array.isArray(es.ports) ? es.ports : []).map((p) => (p?.port != null ? String(p.port) : p?.name ? p.name : "*"));
    const addrs = (Array.isArray(es.endpoints) ? es.endpoints : []).flatMap((e) => (Array.isArray(e?.addresses) ? e.addresses : []));
    return [es.metadata.name, es.addressType ?? "", listCell(ports), listCell(addrs), age(es.metadata.creationTimestamp)];
  },
  defaults: defaultEndpointSlice,
  validate: validateEndpointSlice,
  validateUpdate: (es, old) => (es.addressType === old.addressType ? [] : [field.invalid("addressType", es.addressType ?? "", "field is immutable")]),
});

export const discoveryV1Resources: ResourceDef[] = [endpointSliceResource];
