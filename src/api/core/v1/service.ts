/**
 * Service: defaults, validation and the printer. ClusterIP and NodePort allocation belong to
 * the API server; this module only keeps allocated values stable across updates, as
 * upstream's REST layer does (patchAllocatedValues / normalizeClusterIPs).
 */
import type { Service, ServicePort } from "kubernetes-types/core/v1.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { validateLabels } from "../../../machinery/validation.js";
import { age, labelsString } from "../../printers.js";
import {
  ageColumn, col, defineResource, isIP, nameColumn, type Obj, validateDNS1123Label, validateDNS1123Subdomain,
  validatePortNumOrName,
} from "./common.js";

export type ServiceObj = Obj<Service>;

const serviceTypes = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
const protocols = ["SCTP", "TCP", "UDP"];

function isHeadless(svc: ServiceObj): boolean {
  return svc.spec?.clusterIP === "None";
}

function needsClusterIP(svc: ServiceObj): boolean {
  return svc.spec?.type !== "ExternalName";
}

function needsNodePort(svc: ServiceObj): boolean {
  return svc.spec?.type === "NodePort" || svc.spec?.type === "LoadBalancer";
}

function externallyAccessible(svc: ServiceObj): boolean {
  const t = svc.spec?.type;
  return t === "LoadBalancer" || t === "NodePort" || (t === "ClusterIP" && (svc.spec?.externalIPs ?? []).length > 0);
}

/** SetDefaults_Service, plus the IP-family fields upstream's REST layer fills before allocation. */
export function defaultService(svc: ServiceObj): void {
  const spec = (svc.spec ??= {});
  if (!spec.sessionAffinity) spec.sessionAffinity = "None";
  if (spec.sessionAffinity === "None") delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === "ClientIP" && spec.sessionAffinityConfig?.clientIP?.timeoutSeconds === undefined) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  }
  if (!spec.type) spec.type = "ClusterIP";
  for (const p of spec.ports ?? []) {
    if (!p.protocol) p.protocol = "TCP";
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === "") p.targetPort = p.port;
  }
  if ((spec.type === "NodePort" || spec.type === "LoadBalancer") && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = "Cluster";
  if (!spec.internalTrafficPolicy && spec.type !== "ExternalName") spec.internalTrafficPolicy = "Cluster";
  if (spec.type === "LoadBalancer" && spec.allocateLoadBalancerNodePorts === undefined) spec.allocateLoadBalancerNodePorts = true;
  if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
  if (spec.type === "ExternalName") return;
  if (!spec.ipFamilyPolicy) {
    // Headless services without a selector serve whatever families their endpoints have.
    spec.ipFamilyPolicy = isHeadless(svc) && !Object.keys(spec.selector ?? {}).length ? "RequireDualStack" : "SingleStack";
  }
  if (!spec.ipFamilies?.length) {
    const fromIPs = (spec.clusterIPs ?? []).filter((ip) => ip !== "None").map((ip) => (ip.includes(":") ? "IPv6" : "IPv4"));
    if (fromIPs.length) spec.ipFamilies = fromIPs;
    else spec.ipFamilies = spec.ipFamilyPolicy === "RequireDualStack" ? ["IPv4", "IPv6"] : ["IPv4"];
  }
}

function validatePort(p: ServicePort, i: number, requireName: boolean, svc: ServiceObj, names: Set<string>): FieldError[] {
  const out: FieldError[] = [];
  const path = `spec.ports[${i}]`;
  if (requireName && !p.name) out.push(field.required(`${path}.name`));
  else if (p.name) {
    out.push(...validateDNS1123Label(p.name, `${path}.name`));
    if (names.has(p.name)) out.push(field.duplicate(`${path}.name`, p.name));
    names.add(p.name);
  }
  if (!(Number.isInteger(p.port) && p.port >= 1 && p.port <= 65535)) out.push(field.invalid(`${path}.port`, p.port ?? 0, "must be between 1 and 65535, inclusive"));
  if (!p.protocol) out.push(field.required(`${path}.protocol`));
  else if (!protocols.includes(p.protocol)) out.push(field.notSupported(`${path}.protocol`, p.protocol, protocols));
  out.push(...validatePortNumOrName(p.targetPort, `${path}.targetPort`));
  if (p.appProtocol) {
    const ap = p.appProtocol;
    if (ap.includes("/")) {
      // Qualified names only: prefix must be a DNS subdomain.
      const [prefix] = ap.split("/");
      if (prefix) out.push(...validateDNS1123Subdomain(prefix, `${path}.appProtocol`).map((e) => ({ ...e, value: ap })));
    }
  }
  if (p.nodePort !== undefined && p.nodePort !== 0) {
    if (!(p.nodePort >= 1 && p.nodePort <= 65535)) out.push(field.invalid(`${path}.nodePort`, p.nodePort, "must be between 1 and 65535, inclusive"));
    if (svc.spec?.type === "ClusterIP") out.push(field.forbidden(`${path}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
    if (svc.spec?.type === "ExternalName") out.push(field.forbidden(`${path}.nodePort`, "may not be used when `type` is 'ExternalName'"));
  }
  return out;
}

export function validateService(svc: ServiceObj): FieldError[] {
  const out: FieldError[] = [];
  const spec = svc.spec ?? {};
  const type = spec.type ?? "";
  if (!serviceTypes.includes(type)) out.push(type ? field.notSupported("spec.type", type, serviceTypes) : field.required("spec.type"));
  const ports = spec.ports ?? [];
  if (type === "ExternalName") {
    if (spec.clusterIP) out.push(field.forbidden("spec.clusterIP", "may not be set for ExternalName services"));
    if ((spec.clusterIPs ?? []).length) out.push(field.forbidden("spec.clusterIPs", "may not be set for ExternalName services"));
    const en = (spec.externalName ?? "").replace(/\.$/, "");
    if (!en) out.push(field.required("spec.externalName"));
    else out.push(...validateDNS1123Subdomain(en, "spec.externalName").map((e) => ({ ...e, value: spec.externalName })));
  } else {
    if (spec.externalName) out.push(field.forbidden("spec.externalName", "may not be set unless `type` is 'ExternalName'"));
    if (ports.length === 0 && !isHeadless(svc)) out.push(field.required("spec.ports"));
  }
  const names = new Set<string>();
  ports.forEach((p, i) => out.push(...validatePort(p, i, ports.length > 1, svc, names)));
  out.push(...validateLabels(spec.selector, "spec.selector"));
  if (spec.sessionAffinity && !["ClientIP", "None"].includes(spec.sessionAffinity)) {
    out.push(field.notSupported("spec.sessionAffinity", spec.sessionAffinity, ["ClientIP", "None"]));
  }
  const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  if (spec.sessionAffinity === "ClientIP" && timeout !== undefined && (timeout <= 0 || timeout > 86400)) {
    out.push(field.invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", timeout, "must be greater than 0 and less than 86400"));
  }
  (spec.clusterIPs ?? []).forEach((ip, i) => {
    if (ip === "None") {
      if (i > 0 || (spec.clusterIPs ?? []).length > 1) out.push(field.invalid(`spec.clusterIPs[${i}]`, ip, "'None' must be the first and only value"));
    } else if (!isIP(ip)) {
      out.push(field.invalid(`spec.clusterIPs[${i}]`, ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
    }
  });
  if (spec.clusterIP && (spec.clusterIPs ?? [])[0] !== spec.clusterIP) {
    out.push(field.invalid("spec.clusterIPs", spec.clusterIPs ?? [], "must be consistent with `spec.clusterIP`"));
  }
  (spec.externalIPs ?? []).forEach((ip, i) => {
    if (!isIP(ip)) out.push(field.invalid(`spec.externalIPs[${i}]`, ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
  });
  if (spec.externalTrafficPolicy) {
    if (!externallyAccessible(svc)) out.push(field.invalid("spec.externalTrafficPolicy", spec.externalTrafficPolicy, "may only be set for externally-accessible services"));
    else if (!["Cluster", "Local"].includes(spec.externalTrafficPolicy)) out.push(field.notSupported("spec.externalTrafficPolicy", spec.externalTrafficPolicy, ["Cluster", "Local"]));
  }
  if (spec.internalTrafficPolicy && !["Cluster", "Local"].includes(spec.internalTrafficPolicy)) {
    out.push(field.notSupported("spec.internalTrafficPolicy", spec.internalTrafficPolicy, ["Cluster", "Local"]));
  }
  if (spec.ipFamilyPolicy && !["SingleStack", "PreferDualStack", "RequireDualStack"].includes(spec.ipFamilyPolicy)) {
    out.push(field.notSupported("spec.ipFamilyPolicy", spec.ipFamilyPolicy, ["PreferDualStack", "RequireDualStack", "SingleStack"]));
  }
  (spec.ipFamilies ?? []).forEach((f, i) => {
    if (f !== "IPv4" && f !== "IPv6") out.push(field.notSupported(`spec.ipFamilies[${i}]`, f, ["IPv4", "IPv6"]));
  });
  if (spec.ipFamilyPolicy === "SingleStack" && (spec.ipFamilies ?? []).length > 1) {
    out.push(field.invalid("spec.ipFamilies", spec.ipFamilies, "when `ipFamilyPolicy` is 'SingleStack' at most one family may be specified"));
  }
  return out;
}

export function validateServiceUpdate(svc: ServiceObj, old: ServiceObj): FieldError[] {
  const out = validateService(svc);
  const changingType = (svc.spec?.type === "ExternalName") !== (old.spec?.type === "ExternalName");
  if (!changingType) {
    const oldIPs = old.spec?.clusterIPs ?? [];
    const newIPs = svc.spec?.clusterIPs ?? [];
    for (let i = 0; i < Math.min(oldIPs.length, newIPs.length); i++) {
      if (oldIPs[i] !== newIPs[i]) out.push(field.invalid(`spec.clusterIPs[${i}]`, newIPs, "may not change once set"));
    }
    const oldFam = old.spec?.ipFamilies ?? [];
    const newFam = svc.spec?.ipFamilies ?? [];
    if (oldFam.length && newFam.length && oldFam[0] !== newFam[0]) {
      out.push(field.invalid("spec.ipFamilies[0]", newFam[0], "may not change once set"));
    }
  }
  return out;
}

/** patchAllocatedValues then normalizeClusterIPs: an update that omits allocated values keeps them. */
export function carryOverAllocated(svc: ServiceObj, old: ServiceObj): void {
  const spec = (svc.spec ??= {});
  const ospec = old.spec ?? {};
  if (needsClusterIP(old) && needsClusterIP(svc)) {
    if (!spec.clusterIP && ospec.clusterIP) spec.clusterIP = ospec.clusterIP;
    if (!spec.clusterIPs?.length && ospec.clusterIPs?.length) spec.clusterIPs = [...ospec.clusterIPs];
  }
  if (needsNodePort(old) && needsNodePort(svc)) {
    const used = (s: ServiceObj) => new Set((s.spec?.ports ?? []).map((p) => p.nodePort).filter((n): n is number => !!n));
    const oldUsed = used(old);
    const both = new Set([...used(svc)].filter((n) => oldUsed.has(n)));
    const byName = new Map((ospec.ports ?? []).map((p) => [p.name ?? "", p.nodePort]));
    for (const p of spec.ports ?? []) {
      const prev = byName.get(p.name ?? "");
      if (!p.nodePort && prev && !both.has(prev)) p.nodePort = prev;
    }
  }
  if (spec.type === "LoadBalancer" && spec.externalTrafficPolicy === "Local" && ospec.healthCheckNodePort && !spec.healthCheckNodePort) {
    spec.healthCheckNodePort = ospec.healthCheckNodePort;
  }
  // Keep clusterIP and clusterIPs in step when an old client set only one of them.
  const same = JSON.stringify(ospec.clusterIPs ?? []) === JSON.stringify(spec.clusterIPs ?? []);
  if ((ospec.clusterIPs ?? []).length && !(spec.clusterIPs ?? []).length && ospec.clusterIP === spec.clusterIP) spec.clusterIPs = ospec.clusterIPs;
  if (ospec.clusterIP !== spec.clusterIP) {
    if (ospec.clusterIP && !spec.clusterIP) {
      if (same) delete spec.clusterIPs;
    } else if (same && spec.clusterIP) {
      spec.clusterIPs = [spec.clusterIP];
    }
  }
  if (!needsClusterIP(svc)) {
    delete spec.ipFamilies;
    delete spec.ipFamilyPolicy;
  }
}

/** getServiceExternalIP for the wide (server-side) case. */
function externalIPCell(svc: ServiceObj): string {
  const spec = svc.spec ?? {};
  const ext = spec.externalIPs ?? [];
  switch (spec.type) {
    case "ClusterIP":
    case "NodePort":
      return ext.length ? ext.join(",") : "<none>";
    case "LoadBalancer": {
      const lb = [...new Set((svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || "").filter(Boolean))].sort();
      if (ext.length) return [...lb, ...ext].join(",");
      return lb.length ? lb.join(",") : "<pending>";
    }
    case "ExternalName":
      return spec.externalName ?? "";
    default:
      return "<unknown>";
  }
}

export function portsCell(ports: readonly ServicePort[] | undefined): string {
  const s = (ports ?? []).map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? "TCP"}` : `${p.port}/${p.protocol ?? "TCP"}`)).join(",");
  return s || "<none>";
}

export const serviceResource = defineResource<ServiceObj>({
  group: "", version: "v1", kind: "Service",
  plural: "services", singular: "service", shortNames: ["svc"], categories: ["all"],
  namespaced: true,
  schema: "io.k8s.api.core.v1.Service",
  nameValidation: "dns1035Label",
  subresources: {
    status: true,
    others: [{ name: "proxy", kind: "ServiceProxyOptions", verbs: ["create", "delete", "get", "patch", "update"] }],
  },
  columns: [
    nameColumn,
    col("Type", "string", "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer. \"ClusterIP\" allocates a cluster-internal IP address for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is \"None\", no virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. \"NodePort\" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as the clusterIP. \"LoadBalancer\" builds on NodePort and creates an external load-balancer (if supported in the current cloud) which routes to the same endpoints as the clusterIP. \"ExternalName\" aliases this service to the specified externalName. Several other fields do not apply to ExternalName services. More info: https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types"),
    col("Cluster-IP", "string", "clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. This field may not be changed through updates unless the type field is also being changed to ExternalName (which requires this field to be blank) or the type field is being changed from ExternalName (in which case this field may optionally be specified, as describe above).  Valid values are \"None\", empty string (\"\"), or a valid IP address. Setting this to \"None\" makes a \"headless service\" (no virtual IP), which is useful when direct endpoint connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. This field will be wiped when updating a Service to type ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies"),
    col("External-IP", "string", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that traffic arrives at a node with this IP.  A common example is external load-balancers that are not part of the Kubernetes system."),
    col("Port(s)", "string", "The list of ports that are exposed by this service. More info: https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies"),
    ageColumn,
    col("Selector", "string", "Route service traffic to pods with label keys and values matching this selector. If empty or not present, the service is assumed to have an external process managing its endpoints, which Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/", 1),
  ],
  row: (svc) => [
    svc.metadata.name ?? "", svc.spec?.type ?? "", svc.spec?.clusterIPs?.[0] ?? svc.spec?.clusterIP ?? "<none>", externalIPCell(svc),
    portsCell(svc.spec?.ports), age(svc.metadata.creationTimestamp), labelsString(svc.spec?.selector),
  ],
  defaults: defaultService,
  validate: validateService,
  validateUpdate: validateServiceUpdate,
  prepareForCreate(svc) {
    svc.status = { loadBalancer: {} };
  },
  prepareForUpdate(svc, old) {
    svc.status = old.status;
    carryOverAllocated(svc, old);
  },
  fieldSelectors: {
    "spec.clusterIP": (svc) => svc.spec?.clusterIP ?? "",
    "spec.type": (svc) => svc.spec?.type ?? "",
  },
});
