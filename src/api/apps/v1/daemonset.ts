/** apps/v1 DaemonSet: defaults, validation, printer and strategy as upstream's. */
import type { DaemonSet as DaemonSetT } from "kubernetes-types/apps/v1.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { deepCopy, isPlainObject } from "../../../machinery/object.js";
import { age, labelsString, selectorString } from "../../printers.js";
import { validatePodTemplateSpec } from "../../core/v1/pod.js";
import { semanticEqual } from "../../common/equality.js";
import { goIntOrString, goLabelSelector, GoValue } from "../../common/govalue.js";
import { intOrPercentValue, isNotMoreThan100Percent, validateNonnegative, validatePositiveIntOrPercent } from "../../common/intstr.js";
import { parseSelector, selectorSize, validateLabelSelector } from "../../common/selector.js";
import { ageColumn, column, containerCells, containersColumn, defineResource, ensureSpec, imagesColumn, nameColumn, specOf, statusStrategy, type Obj } from "../../common/define.js";
import { defaultWorkloadTemplate, validateRestartAlways, validateSelectorMatchesTemplate } from "../../common/workload.js";
import { validateSelectorImmutable } from "./deployment.js";

export type DaemonSet = Obj<DaemonSetT>;

/** apps/v1 keeps the internal spec.templateGeneration in this annotation. */
export const templateGenerationAnnotation = "deprecated.daemonset.template.generation";

export function defaultDaemonSet(ds: DaemonSet): void {
  const spec = ensureSpec(ds);
  if (!spec) return;
  spec.updateStrategy ??= {};
  if (isPlainObject(spec.updateStrategy)) {
    spec.updateStrategy.type ||= "RollingUpdate";
    if (spec.updateStrategy.type === "RollingUpdate") {
      spec.updateStrategy.rollingUpdate ??= {};
      if (isPlainObject(spec.updateStrategy.rollingUpdate)) {
        spec.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
        spec.updateStrategy.rollingUpdate.maxSurge ??= 0;
      }
    }
  }
  spec.revisionHistoryLimit ??= 10;
  defaultWorkloadTemplate(spec.template, true);
}

function validateUpdateStrategy(strategy: unknown, path: string): FieldError[] {
  const s = isPlainObject(strategy) ? strategy : {};
  switch (s.type) {
    case "OnDelete":
      return [];
    case "RollingUpdate": {
      const ru = s.rollingUpdate;
      if (!isPlainObject(ru)) return [field.required(`${path}.rollingUpdate`)];
      const p = `${path}.rollingUpdate`;
      const errs = [...validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`), ...validatePositiveIntOrPercent(ru.maxSurge, `${p}.maxSurge`)];
      const unavailable = intOrPercentValue(ru.maxUnavailable);
      const surge = intOrPercentValue(ru.maxSurge);
      errs.push(...isNotMoreThan100Percent(ru.maxUnavailable, `${p}.maxUnavailable`), ...isNotMoreThan100Percent(ru.maxSurge, `${p}.maxSurge`));
      // Exactly one of the two may be non-zero.
      if (unavailable !== 0 && surge !== 0) errs.push(field.invalid(`${p}.maxSurge`, goIntOrString(ru.maxSurge), "may not be set when maxUnavailable is non-zero"));
      if (unavailable === 0 && surge === 0) errs.push(field.required(`${p}.maxUnavailable`, "cannot be 0 when maxSurge is 0"));
      return errs;
    }
    default: {
      const text = `apps.DaemonSetUpdateStrategy{Type:${JSON.stringify(String(s.type ?? ""))}, RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}`;
      return [field.notSupported(path, new GoValue(strategy ?? null, text), ["RollingUpdate", "OnDelete"])];
    }
  }
}

export function validateDaemonSet(ds: DaemonSet): FieldError[] {
  const spec = specOf(ds) ?? {};
  const errs = validateLabelSelector(spec.selector, "spec.selector");
  errs.push(...validateSelectorMatchesTemplate(parseSelector(spec.selector), spec.template, "spec.template"));
  if (isPlainObject(spec.selector) && selectorSize(spec.selector) === 0) {
    errs.push(field.invalid("spec.selector", goLabelSelector(spec.selector), "empty selector is invalid for daemonset"));
  }
  errs.push(...validatePodTemplateSpec(spec.template, "spec.template"));
  errs.push(...validateRestartAlways(spec.template, "spec.template"));
  const tspec = isPlainObject(spec.template) && isPlainObject(spec.template.spec) ? spec.template.spec : {};
  if (tspec.activeDeadlineSeconds !== undefined) errs.push(field.invalid("spec.template.spec.activeDeadlineSeconds", tspec.activeDeadlineSeconds, "must not be specified"));
  errs.push(...validateNonnegative(spec.minReadySeconds, "spec.minReadySeconds"));
  errs.push(...validateUpdateStrategy(spec.updateStrategy, "spec.updateStrategy"));
  errs.push(...validateNonnegative(spec.revisionHistoryLimit, "spec.revisionHistoryLimit"));
  return errs;
}

function templateGeneration(ds: DaemonSet): number {
  const n = Number.parseInt(ds.metadata.annotations?.[templateGenerationAnnotation] ?? "", 10);
  return Number.isFinite(n) ? n : 0;
}

function setTemplateGeneration(ds: DaemonSet, n: number): void {
  ds.metadata.annotations = { ...ds.metadata.annotations, [templateGenerationAnnotation]: String(n) };
}

const status = statusStrategy<DaemonSet>(() => ({ currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 }));

export const daemonSetResource = defineResource<DaemonSet>({
  group: "apps",
  version: "v1",
  kind: "DaemonSet",
  plural: "daemonsets",
  singular: "daemonset",
  shortNames: ["ds"],
  categories: ["all"],
  namespaced: true,
  schema: "io.k8s.api.apps.v1.DaemonSet",
  subresources: { status: true },
  tracksGeneration: true,
  columns: [
    nameColumn,
    column("Desired", "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/", "integer"),
    column("Current", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/", "integer"),
    column("Ready", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.", "integer"),
    column("Up-to-date", "The total number of nodes that are running updated daemon pod", "integer"),
    column("Available", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)", "integer"),
    column("Node Selector", "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"),
    ageColumn,
    containersColumn,
    imagesColumn,
    column("Selector", "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors", "string", 1),
  ],
  row(ds) {
    const st = ds.status;
    const tspec = ds.spec?.template?.spec;
    const [names, images] = containerCells(tspec?.containers);
    return [
      ds.metadata.name,
      st?.desiredNumberScheduled ?? 0,
      st?.currentNumberScheduled ?? 0,
      st?.numberReady ?? 0,
      st?.updatedNumberScheduled ?? 0,
      st?.numberAvailable ?? 0,
      labelsString(tspec?.nodeSelector),
      age(ds.metadata.creationTimestamp),
      names,
      images,
      selectorString(ds.spec?.selector),
    ];
  },
  defaults: defaultDaemonSet,
  validate: validateDaemonSet,
  validateUpdate: (ds, old) => validateSelectorImmutable(ds.spec?.selector, old.spec?.selector),
  prepareForCreate(ds) {
    status.prepareForCreate(ds);
    setTemplateGeneration(ds, Math.max(1, templateGeneration(ds)));
  },
  prepareForUpdate(ds, old) {
    status.prepareForUpdate(ds, old);
    const oldGen = Math.max(1, templateGeneration(old));
    // The store defaults after this hook; compare the template as it will be stored.
    const template = deepCopy(ds.spec?.template);
    defaultWorkloadTemplate(template, true);
    setTemplateGeneration(ds, semanticEqual(template, old.spec?.template) ? oldGen : oldGen + 1);
  },
});
