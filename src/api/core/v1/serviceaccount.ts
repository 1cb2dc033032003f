/** ServiceAccount: the `token` subresource and the SECRETS column. */
import type { ServiceAccount } from "kubernetes-types/core/v1.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { age } from "../../printers.js";
import { ageColumn, col, defineResource, nameColumn, type Obj, validateDNS1123Subdomain } from "./common.js";

export type ServiceAccountObj = Obj<ServiceAccount>;

function validateServiceAccount(sa: ServiceAccountObj): FieldError[] {
  const out: FieldError[] = [];
  (sa.imagePullSecrets ?? []).forEach((r, i) => {
    if (!r.name) out.push(field.required(`imagePullSecrets[${i}].name`));
    else out.push(...validateDNS1123Subdomain(r.name, `imagePullSecrets[${i}].name`));
  });
  return out;
}

export const serviceAccountResource = defineResource<ServiceAccountObj>({
  group: "", version: "v1", kind: "ServiceAccount",
  plural: "serviceaccounts", singular: "serviceaccount", shortNames: ["sa"],
  namespaced: true,
  schema: "io.k8s.api.core.v1.ServiceAccount",
  subresources: {
    others: [{ name: "token", kind: "TokenRequest", group: "authentication.k8s.io", version: "v1", verbs: ["create"] }],
  },
  columns: [
    nameColumn,
    col("Secrets", "string", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a \"kubernetes.io/enforce-mountable-secrets\" annotation set to \"true\". The \"kubernetes.io/enforce-mountable-secrets\" annotation is deprecated since v1.32. Prefer separate namespaces to isolate access to mounted secrets. This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret"),
    ageColumn,
  ],
  row: (sa) => [sa.metadata.name ?? "", (sa.secrets ?? []).length, age(sa.metadata.creationTimestamp)],
  validate: validateServiceAccount,
  validateUpdate: (sa) => validateServiceAccount(sa),
});
