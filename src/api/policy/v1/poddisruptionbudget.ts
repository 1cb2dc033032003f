/** policy/v1 PodDisruptionBudget: validation, printer and strategy as upstream's. */
import type { PodDisruptionBudget as PodDisruptionBudgetT } from "kubernetes-types/policy/v1.js";
import type { ResourceDef } from "../../../machinery/resource.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { age } from "../../printers.js";
import { goStringStruct } from "../../common/govalue.js";
import { intOrStringText, isNotMoreThan100Percent, validatePositiveIntOrPercent } from "../../common/intstr.js";
import { validateLabelSelector } from "../../common/selector.js";
import { ageColumn, column, defineResource, nameColumn, specOf, statusStrategy, type Obj } from "../../common/define.js";

export type PodDisruptionBudget = Obj<PodDisruptionBudgetT>;

const evictionPolicies = ["AlwaysAllow", "IfHealthyBudget"];

export function validatePodDisruptionBudget(pdb: PodDisruptionBudget): FieldError[] {
  const spec = specOf(pdb) ?? {};
  const errs: FieldError[] = [];
  if (spec.minAvailable != null && spec.maxUnavailable != null) {
    // Upstream prints the whole spec struct here; the two fields are what matter.
    const value = goStringStruct("policy.PodDisruptionBudgetSpec", [["MinAvailable", intOrStringText(spec.minAvailable)], ["MaxUnavailable", intOrStringText(spec.maxUnavailable)]], spec);
    errs.push(field.invalid("spec", value, "minAvailable and maxUnavailable cannot be both set"));
  }
  for (const k of ["minAvailable", "maxUnavailable"]) {
    if (spec[k] == null) continue;
    errs.push(...validatePositiveIntOrPercent(spec[k], `spec.${k}`), ...isNotMoreThan100Percent(spec[k], `spec.${k}`));
  }
  errs.push(...validateLabelSelector(spec.selector, "spec.selector"));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy != null && !evictionPolicies.includes(String(policy))) errs.push(field.notSupported("spec.unhealthyPodEvictionPolicy", policy, evictionPolicies));
  return errs;
}

const status = statusStrategy<PodDisruptionBudget>(() => ({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }));

export const podDisruptionBudgetResource = defineResource<PodDisruptionBudget>({
  group: "policy",
  version: "v1",
  kind: "PodDisruptionBudget",
  plural: "poddisruptionbudgets",
  singular: "poddisruptionbudget",
  shortNames: ["pdb"],
  namespaced: true,
  schema: "io.k8s.api.policy.v1.PodDisruptionBudget",
  subresources: { status: true },
  tracksGeneration: true,
  columns: [
    nameColumn,
    column("Min Available", "The minimum number of pods that must be available."),
    column("Max Unavailable", "The maximum number of pods that may be unavailable."),
    column("Allowed Disruptions", "Calculated number of pods that may be disrupted at this time.", "integer"),
    ageColumn,
  ],
  row: (pdb) => [
    pdb.metadata.name,
    pdb.spec?.minAvailable != null ? intOrStringText(pdb.spec.minAvailable) : "N/A",
    pdb.spec?.maxUnavailable != null ? intOrStringText(pdb.spec.maxUnavailable) : "N/A",
    pdb.status?.disruptionsAllowed ?? 0,
    age(pdb.metadata.creationTimestamp),
  ],
  validate: validatePodDisruptionBudget,
  prepareForCreate: status.prepareForCreate,
  prepareForUpdate: status.prepareForUpdate,
});

export const policyV1Resources: ResourceDef[] = [podDisruptionBudgetResource];
