/** apps/v1 Deployment: defaults, validation, printer and strategy as upstream's. */
import type { Deployment as DeploymentT } from "kubernetes-types/apps/v1.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { isPlainObject } from "../../../machinery/object.js";
import { age, selectorString } from "../../printers.js";
import { semanticEqual } from "../../common/equality.js";
import { goIntOrString, goLabelSelector, GoValue } from "../../common/govalue.js";
import { intOrPercentValue, isNotMoreThan100Percent, validateNonnegative, validatePositiveIntOrPercent } from "../../common/intstr.js";
import { ageColumn, column, containerCells, containersColumn, defineResource, ensureSpec, imagesColumn, nameColumn, specOf, statusStrategy, type Obj } from "../../common/define.js";
import { defaultWorkloadTemplate, validateReplicaSetTemplate, validateRequiredSelector } from "../../common/workload.js";

export type Deployment = Obj<DeploymentT>;

export function defaultDeployment(d: Deployment): void {
  const spec = ensureSpec(d);
  if (!spec) return;
  spec.replicas ??= 1;
  spec.strategy ??= {};
  if (!isPlainObject(spec.strategy)) return;
  spec.strategy.type ||= "RollingUpdate";
  if (spec.strategy.type === "RollingUpdate") {
    spec.strategy.rollingUpdate ??= {};
    if (isPlainObject(spec.strategy.rollingUpdate)) {
      spec.strategy.rollingUpdate.maxUnavailable ??= "25%";
      spec.strategy.rollingUpdate.maxSurge ??= "25%";
    }
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultWorkloadTemplate(spec.template, true);
}

function validateStrategy(strategy: unknown, path: string): FieldError[] {
  const s = isPlainObject(strategy) ? strategy : {};
  switch (s.type) {
    case "Recreate":
      return s.rollingUpdate !== undefined && s.rollingUpdate !== null
        ? [field.forbidden(`${path}.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'")]
        : [];
    case "RollingUpdate": {
      const ru = s.rollingUpdate;
      if (!isPlainObject(ru)) return [field.required(`${path}.rollingUpdate`, "this should be defaulted and never be nil")];
      const p = `${path}.rollingUpdate`;
      const errs = [...validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`), ...validatePositiveIntOrPercent(ru.maxSurge, `${p}.maxSurge`)];
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        errs.push(field.invalid(`${p}.maxUnavailable`, goIntOrString(ru.maxUnavailable), "may not be 0 when `maxSurge` is 0"));
      }
      errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`));
      return errs;
    }
    default: {
      const text = `apps.DeploymentStrategy{Type:${JSON.stringify(String(s.type ?? ""))}, RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}`;
      return [field.notSupported(path, new GoValue(strategy ?? null, text), ["Recreate", "RollingUpdate"])];
    }
  }
}

export function validateDeployment(d: Deployment): FieldError[] {
  const spec = specOf(d) ?? {};
  const errs = validateNonnegative(spec.replicas, "spec.replicas");
  const sel = validateRequiredSelector(spec.selector, "spec.selector", "deployment");
  errs.push(...sel.errs);
  if (!sel.parsed) errs.push(field.invalid("spec.selector", goLabelSelector(spec.selector), "invalid label selector"));
  else errs.push(...validateReplicaSetTemplate(spec.template, sel.parsed, "spec.template"));
  errs.push(...validateStrategy(spec.strategy, "spec.strategy"));
  errs.push(...validateNonnegative(spec.minReadySeconds, "spec.minReadySeconds"));
  errs.push(...validateNonnegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"));
  if (spec.progressDeadlineSeconds !== undefined && spec.progressDeadlineSeconds !== null) {
    errs.push(...validateNonnegative(spec.progressDeadlineSeconds, "spec.progressDeadlineSeconds"));
    if (Number(spec.progressDeadlineSeconds) <= Number(spec.minReadySeconds ?? 0)) {
      errs.push(field.invalid("spec.progressDeadlineSeconds", spec.progressDeadlineSeconds, "must be greater than minReadySeconds"));
    }
  }
  return errs;
}

/** apps/v1 forbids changing the selector (extensions/v1beta1 once allowed it). */
export function validateSelectorImmutable(sel: unknown, oldSel: unknown, path = "spec.selector"): FieldError[] {
  return semanticEqual(sel, oldSel) ? [] : [field.invalid(path, goLabelSelector(sel), "field is immutable")];
}

const status = statusStrategy<Deployment>();

export const deploymentResource = defineResource<Deployment>({
  group: "apps",
  version: "v1",
  kind: "Deployment",
  plural: "deployments",
  singular: "deployment",
  shortNames: ["deploy"],
  categories: ["all"],
  namespaced: true,
  schema: "io.k8s.api.apps.v1.Deployment",
  subresources: {
    status: true,
    scale: { specReplicasPath: "spec.replicas", statusReplicasPath: "status.replicas", labelSelectorPath: "spec.selector" },
  },
  tracksGeneration: true,
  columns: [
    nameColumn,
    column("Ready", "Number of the pod with ready state"),
    column("Up-to-date", "Total number of non-terminating pods targeted by this deployment that have the desired template spec."),
    column("Available", "Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment."),
    ageColumn,
    containersColumn,
    imagesColumn,
    column("Selector", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels.", "string", 1),
  ],
  row(d) {
    const spec = d.spec;
    const st = d.status ?? {};
    const [names, images] = containerCells(spec?.template?.spec?.containers);
    const selector = spec?.selector ? selectorString(spec.selector) : "";
    return [
      d.metadata.name,
      `${st.readyReplicas ?? 0}/${spec?.replicas ?? 0}`,
      st.updatedReplicas ?? 0,
      st.availableReplicas ?? 0,
      age(d.metadata.creationTimestamp),
      names,
      images,
      selector === "<none>" ? "" : selector,
    ];
  },
  defaults: defaultDeployment,
  validate: validateDeployment,
  validateUpdate: (d, old) => validateSelectorImmutable(d.spec?.selector, old.spec?.selector),
  prepareForCreate: status.prepareForCreate,
  prepareForUpdate(d, old) {
    status.prepareForUpdate(d, old);
    // Annotations are copied to ReplicaSets, so upstream bumps the generation for them too.
    if (!semanticEqual(d.metadata.annotations, old.metadata.annotations)) d.metadata.generation = (old.metadata.generation ?? 1) + 1;
  },
});
