/** networking.k8s.io/v1 Ingress: validation of rules, paths and backends, printer and strategy as upstream's. */
import type { Ingress as IngressT } from "kubernetes-types/networking/v1.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { isPlainObject } from "../../../machinery/object.js";
import { isDNS1035Label, isDNS1123Subdomain } from "../../../machinery/validation.js";
import { age } from "../../printers.js";
import { ageColumn, column, defineResource, nameColumn, specOf, statusStrategy, type Obj } from "../../common/define.js";

export type Ingress = Obj<IngressT>;

const wildcardRe = /^\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const wildcardMsg =
  "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const invalidPathSequences = ["//", "/./", "/../", "%2f", "%2F"];
const invalidPathSuffixes = ["/..", "/."];
const ipv4Re = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function isWildcardDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push("must be no more than 253 characters");
  if (!wildcardRe.test(v)) errs.push(wildcardMsg);
  return errs;
}

function looksLikeIP(v: string): boolean {
  return ipv4Re.test(v) || (v.includes(":") && /^[0-9a-fA-F:.]+$/.test(v));
}

/** validation.IsValidPortName. */
export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (port.length > 15) errs.push("must be no more than 15 characters");
  if (!/^[-a-z0-9]+$/.test(port)) errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (!/[a-z]/.test(port)) errs.push("must contain at least one letter (a-z)");
  if (port.includes("--")) errs.push("must not contain consecutive hyphens");
  if (port.length > 0 && (port.startsWith("-") || port.endsWith("-"))) errs.push("must not begin or end with a hyphen");
  return errs;
}

export function isValidPortNum(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : ["must be between 1 and 65535, inclusive"];
}

function validateHost(host: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (looksLikeIP(host)) errs.push(field.invalid(path, host, "must be a DNS name, not an IP address"));
  const problems = host.includes("*") ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
  for (const m of problems) errs.push(field.invalid(path, host, m));
  return errs;
}

function validateBackend(backend: unknown, path: string): FieldError[] {
  const b = isPlainObject(backend) ? backend : {};
  const hasResource = b.resource != null;
  const hasService = b.service != null;
  if (hasResource && hasService) return [field.invalid(path, "", "cannot set both resource and service backends")];
  if (hasResource) {
    const r = isPlainObject(b.resource) ? b.resource : {};
    const errs: FieldError[] = [];
    if (!r.kind) errs.push(field.required(`${path}.resource.kind`));
    if (!r.name) errs.push(field.required(`${path}.resource.name`));
    return errs;
  }
  if (!hasService) return [field.invalid(path, "", "resource or service backend is required")];
  const svc = isPlainObject(b.service) ? b.service : {};
  const errs: FieldError[] = [];
  const name = typeof svc.name === "string" ? svc.name : "";
  if (!name) errs.push(field.required(`${path}.service.name`));
  else for (const m of isDNS1035Label(name)) errs.push(field.invalid(`${path}.service.name`, name, m));
  const port = isPlainObject(svc.port) ? svc.port : {};
  const portName = typeof port.name === "string" ? port.name : "";
  const portNumber = typeof port.number === "number" ? port.number : 0;
  if (portName && portNumber) errs.push(field.invalid(path, "", "cannot set both port name & port number"));
  else if (portName) for (const m of isValidPortName(portName)) errs.push(field.invalid(`${path}.service.port.name`, portName, m));
  else if (portNumber) for (const m of isValidPortNum(portNumber)) errs.push(field.invalid(`${path}.service.port.number`, portNumber, m));
  else errs.push(field.required(path, "port name or number is required"));
  return errs;
}

function validatePath(p: unknown, path: string): FieldError[] {
  const hp = isPlainObject(p) ? p : {};
  if (hp.pathType === undefined || hp.pathType === null) return [field.required(`${path}.pathType`, "pathType must be specified")];
  const errs: FieldError[] = [];
  const value = typeof hp.path === "string" ? hp.path : "";
  switch (hp.pathType) {
    case "Exact":
    case "Prefix":
      if (!value.startsWith("/")) errs.push(field.invalid(`${path}.path`, value, "must be an absolute path"));
      for (const seq of invalidPathSequences) if (value.includes(seq)) errs.push(field.invalid(`${path}.path`, value, `must not contain '${seq}'`));
      for (const suf of invalidPathSuffixes) if (value.endsWith(suf)) errs.push(field.invalid(`${path}.path`, value, `cannot end with '${suf}'`));
      break;
    case "ImplementationSpecific":
      if (value.length > 0 && !value.startsWith("/")) errs.push(field.invalid(`${path}.path`, value, "must be an absolute path"));
      break;
    default:
      errs.push(field.notSupported(`${path}.pathType`, hp.pathType, ["Exact", "ImplementationSpecific", "Prefix"]));
  }
  errs.push(...validateBackend(hp.backend, `${path}.backend`));
  return errs;
}

function validateRules(rules: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  rules.forEach((raw, i) => {
    const rule = isPlainObject(raw) ? raw : {};
    const rp = `${path}[${i}]`;
    if (typeof rule.host === "string" && rule.host.length > 0) errs.push(...validateHost(rule.host, `${rp}.host`));
    if (rule.http === undefined || rule.http === null) return;
    const http = isPlainObject(rule.http) ? rule.http : {};
    const paths = Array.isArray(http.paths) ? http.paths : [];
    if (paths.length === 0) errs.push(field.required(`${rp}.http.paths`));
    paths.forEach((p, j) => errs.push(...validatePath(p, `${rp}.http.paths[${j}]`)));
  });
  return errs;
}

export function validateIngress(ing: Ingress): FieldError[] {
  const spec = specOf(ing) ?? {};
  const errs: FieldError[] = [];
  const rules = Array.isArray(spec.rules) ? spec.rules : [];
  if (rules.length === 0 && spec.defaultBackend == null) errs.push(field.invalid("spec", spec.rules ?? null, "either `defaultBackend` or `rules` must be specified"));
  if (spec.defaultBackend != null) errs.push(...validateBackend(spec.defaultBackend, "spec.defaultBackend"));
  errs.push(...validateRules(rules, "spec.rules"));
  (Array.isArray(spec.tls) ? spec.tls : []).forEach((raw, i) => {
    const tls = isPlainObject(raw) ? raw : {};
    (Array.isArray(tls.hosts) ? tls.hosts : []).forEach((h, j) => {
      const host = String(h);
      const problems = host.includes("*") ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
      for (const m of problems) errs.push(field.invalid(`spec.tls[${i}].hosts[${j}]`, host, m));
    });
  });
  if (typeof spec.ingressClassName === "string") {
    for (const m of isDNS1123Subdomain(spec.ingressClassName)) errs.push(field.invalid("spec.ingressClassName", spec.ingressClassName, m));
  }
  return errs;
}

/** formatHosts: up to three hosts, `*` when no rule names one. */
function hostsCell(ing: Ingress): string {
  const rules = Array.isArray(ing.spec?.rules) ? ing.spec.rules : [];
  const list: string[] = [];
  let more = false;
  for (const r of rules) {
    if (list.length === 3) more = true;
    if (!more && r?.host) list.push(r.host);
  }
  if (list.length === 0) return "*";
  return more ? `${list.join(",")} + ${rules.length - 3} more...` : list.join(",");
}

/** ingressLoadBalancerStatusStringer in its wide form (the server always prints wide): sorted unique IPs or hostnames. */
function addressCell(ing: Ingress): string {
  const set = new Set<string>();
  for (const i of Array.isArray(ing.status?.loadBalancer?.ingress) ? ing.status.loadBalancer.ingress : []) {
    if (i?.ip) set.add(i.ip);
    else if (i?.hostname) set.add(i.hostname);
  }
  return [...set].sort().join(",");
}

const status = statusStrategy<Ingress>(() => ({ loadBalancer: {} }));

export const ingressResource = defineResource<Ingress>({
  group: "networking.k8s.io",
  version: "v1",
  kind: "Ingress",
  plural: "ingresses",
  singular: "ingress",
  shortNames: ["ing"],
  namespaced: true,
  schema: "io.k8s.api.networking.v1.Ingress",
  subresources: { status: true },
  tracksGeneration: true,
  columns: [
    nameColumn,
    column("Class", "The name of the IngressClass resource that should be used for additional configuration"),
    column("Hosts", "Hosts that incoming requests are matched against before the ingress rule"),
    column("Address", "Address is a list containing ingress points for the load-balancer"),
    column("Ports", "Ports of TLS configurations that open"),
    ageColumn,
  ],
  row: (ing) => [
    ing.metadata.name,
    ing.spec?.ingressClassName ?? "<none>",
    hostsCell(ing),
    addressCell(ing),
    Array.isArray(ing.spec?.tls) && ing.spec.tls.length > 0 ? "80, 443" : "80",
    age(ing.metadata.creationTimestamp),
  ],
  validate: validateIngress,
  prepareForCreate: status.prepareForCreate,
  prepareForUpdate: status.prepareForUpdate,
});
