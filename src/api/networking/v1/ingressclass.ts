/** networking.k8s.io/v1 IngressClass: which controller implements a class of Ingresses. */
import type { IngressClass as IngressClassT } from "kubernetes-types/networking/v1.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { isPlainObject } from "../../../machinery/object.js";
import { isDNS1123Subdomain } from "../../../machinery/validation.js";
import { age } from "../../printers.js";
import { ageColumn, column, defineResource, nameColumn, specOf, type Obj } from "../../common/define.js";

export type IngressClass = Obj<IngressClassT>;

const maxControllerLength = 250;
const httpPathFmt = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const httpPathRe = new RegExp(`^${httpPathFmt}$`);

/** validation.IsDomainPrefixedPath: `example.com/path`. */
function validateDomainPrefixedPath(v: string, path: string): FieldError[] {
  if (v.length === 0) return [field.required(path)];
  const i = v.indexOf("/");
  const host = i < 0 ? v : v.slice(0, i);
  const rest = i < 0 ? "" : v.slice(i + 1);
  if (i < 0 || host.length === 0 || rest.length === 0) return [field.invalid(path, v, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const errs = isDNS1123Subdomain(host).map((m) => field.invalid(path, host, m));
  if (!httpPathRe.test(rest)) errs.push(field.invalid(path, rest, `must be a valid path (regex used for validation is '${httpPathFmt}')`));
  return errs;
}

export function validateIngressClass(ic: IngressClass): FieldError[] {
  const spec = specOf(ic) ?? {};
  const controller = typeof spec.controller === "string" ? spec.controller : "";
  const errs: FieldError[] = [];
  if (controller.length > maxControllerLength) errs.push(field.tooLong("spec.controller", maxControllerLength));
  errs.push(...validateDomainPrefixedPath(controller, "spec.controller"));
  if (spec.parameters != null) {
    const p = isPlainObject(spec.parameters) ? spec.parameters : {};
    if (!p.kind) errs.push(field.required("spec.parameters.kind"));
    if (!p.name) errs.push(field.required("spec.parameters.name"));
    if (p.scope != null && p.scope !== "Cluster" && p.scope !== "Namespace") errs.push(field.notSupported("spec.parameters.scope", p.scope, ["Cluster", "Namespace"]));
    if (p.scope === "Namespace" && !p.namespace) errs.push(field.required("spec.parameters.namespace", "`parameters.scope` is set to 'Namespace'"));
  }
  return errs;
}

export const ingressClassResource = defineResource<IngressClass>({
  group: "networking.k8s.io",
  version: "v1",
  kind: "IngressClass",
  plural: "ingressclasses",
  singular: "ingressclass",
  namespaced: false,
  schema: "io.k8s.api.networking.v1.IngressClass",
  tracksGeneration: true,
  columns: [
    nameColumn,
    column("Controller", "Controller that is responsible for handling this class"),
    column("Parameters", "A reference to a resource with additional parameters"),
    ageColumn,
  ],
  row(ic) {
    const p = ic.spec?.parameters;
    const parameters = p ? `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ""}/${p.name}` : "<none>";
    return [ic.metadata.name, ic.spec?.controller ?? "", parameters, age(ic.metadata.creationTimestamp)];
  },
  defaults(ic) {
    const p = ic.spec?.parameters;
    if (isPlainObject(p)) p.scope ??= "Cluster";
  },
  validate: validateIngressClass,
  validateUpdate: (ic, old) =>
    ic.spec?.controller === old.spec?.controller ? [] : [field.invalid("spec.controller", ic.spec?.controller ?? "", "field is immutable")],
});
