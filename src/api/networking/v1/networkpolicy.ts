/** networking.k8s.io/v1 NetworkPolicy: defaults, validation and printer as upstream's. */
import type { NetworkPolicy as NetworkPolicyT } from "kubernetes-types/networking/v1.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { isPlainObject } from "../../../machinery/object.js";
import { age, selectorString } from "../../printers.js";
import { validateLabelSelector } from "../../common/selector.js";
import { ageColumn, column, defineResource, ensureSpec, nameColumn, specOf, type Obj } from "../../common/define.js";
import { isValidPortName, isValidPortNum } from "./ingress.js";

export type NetworkPolicy = Obj<NetworkPolicyT>;

const protocols = ["SCTP", "TCP", "UDP"];

export function defaultNetworkPolicy(np: NetworkPolicy): void {
  const spec = ensureSpec(np);
  if (!spec) return;
  for (const rules of [spec.ingress, spec.egress]) {
    for (const rule of Array.isArray(rules) ? rules : []) {
      for (const port of Array.isArray(rule?.ports) ? rule.ports : []) if (isPlainObject(port)) port.protocol ??= "TCP";
    }
  }
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    spec.policyTypes = ["Ingress"];
    if (Array.isArray(spec.egress) && spec.egress.length > 0) spec.policyTypes.push("Egress");
  }
}

function validatePorts(ports: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (Array.isArray(ports) ? ports : []).forEach((raw, i) => {
    const p = isPlainObject(raw) ? raw : {};
    const pp = `${path}[${i}]`;
    if (p.protocol != null && !protocols.includes(String(p.protocol))) errs.push(field.notSupported(`${pp}.protocol`, p.protocol, protocols));
    if (typeof p.port === "number") for (const m of isValidPortNum(p.port)) errs.push(field.invalid(`${pp}.port`, p.port, m));
    else if (typeof p.port === "string") for (const m of isValidPortName(p.port)) errs.push(field.invalid(`${pp}.port`, p.port, m));
    if (p.endPort != null) {
      if (p.port == null) errs.push(field.required(`${pp}.port`, "must specify port when endPort is specified"));
      else if (typeof p.port === "string") errs.push(field.invalid(`${pp}.endPort`, p.port, "may not be specified when `port` is non-numeric"));
      else if (typeof p.endPort !== "number" || typeof p.port !== "number" || p.endPort < p.port) errs.push(field.invalid(`${pp}.endPort`, p.endPort, "must be greater than or equal to `port`"));
    }
  });
  return errs;
}

function validatePeers(peers: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (Array.isArray(peers) ? peers : []).forEach((raw, i) => {
    const peer = isPlainObject(raw) ? raw : {};
    const pp = `${path}[${i}]`;
    const set = ["podSelector", "namespaceSelector", "ipBlock"].filter((k) => peer[k] != null);
    if (set.length === 0) errs.push(field.required(pp, "must specify a peer"));
    else if (peer.ipBlock != null && set.length > 1) errs.push(field.forbidden(pp, "may not specify both ipBlock and another peer"));
    errs.push(...validateLabelSelector(peer.podSelector, `${pp}.podSelector`), ...validateLabelSelector(peer.namespaceSelector, `${pp}.namespaceSelector`));
    if (peer.ipBlock != null) {
      const b = isPlainObject(peer.ipBlock) ? peer.ipBlock : {};
      if (!b.cidr) errs.push(field.required(`${pp}.ipBlock.cidr`));
    }
  });
  return errs;
}

export function validateNetworkPolicy(np: NetworkPolicy): FieldError[] {
  const spec = specOf(np) ?? {};
  const errs = validateLabelSelector(spec.podSelector, "spec.podSelector");
  (Array.isArray(spec.ingress) ? spec.ingress : []).forEach((r, i) => {
    const rule = isPlainObject(r) ? r : {};
    errs.push(...validatePorts(rule.ports, `spec.ingress[${i}].ports`), ...validatePeers(rule.from, `spec.ingress[${i}].from`));
  });
  (Array.isArray(spec.egress) ? spec.egress : []).forEach((r, i) => {
    const rule = isPlainObject(r) ? r : {};
    errs.push(...validatePorts(rule.ports, `spec.egress[${i}].ports`), ...validatePeers(rule.to, `spec.egress[${i}].to`));
  });
  const types = Array.isArray(spec.policyTypes) ? spec.policyTypes : [];
  if (types.length > 2) errs.push(field.invalid("spec.policyTypes", spec.policyTypes, "may not specify more than two policyTypes"));
  types.forEach((t, i) => {
    if (t !== "Ingress" && t !== "Egress") errs.push(field.notSupported(`spec.policyTypes[${i}]`, t, ["Ingress", "Egress"]));
  });
  return errs;
}

export const networkPolicyResource = defineResource<NetworkPolicy>({
  group: "networking.k8s.io",
  version: "v1",
  kind: "NetworkPolicy",
  plural: "networkpolicies",
  singular: "networkpolicy",
  shortNames: ["netpol"],
  namespaced: true,
  schema: "io.k8s.api.networking.v1.NetworkPolicy",
  tracksGeneration: true,
  columns: [
    nameColumn,
    column("Pod-Selector", "podSelector selects the pods to which this NetworkPolicy object applies. The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace."),
    ageColumn,
  ],
  row: (np) => [np.metadata.name, selectorString(np.spec?.podSelector ?? {}), age(np.metadata.creationTimestamp)],
  defaults: defaultNetworkPolicy,
  validate: validateNetworkPolicy,
});
