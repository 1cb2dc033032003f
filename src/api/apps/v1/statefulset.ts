/** apps/v1 StatefulSet: defaults, validation, printer and strategy as upstream's. */
import type { StatefulSet as StatefulSetT } from "kubernetes-types/apps/v1.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { isPlainObject } from "../../../machinery/object.js";
import { validateAnnotations, validateLabels } from "../../../machinery/validation.js";
import { age } from "../../printers.js";
import { semanticEqual } from "../../common/equality.js";
import { goLabelSelector, GoValue } from "../../common/govalue.js";
import { validateNonnegative } from "../../common/intstr.js";
import { ageColumn, column, containerCells, containersColumn, defineResource, ensureSpec, imagesColumn, nameColumn, specOf, statusStrategy, type Obj } from "../../common/define.js";
import { defaultWorkloadTemplate, validateRequiredSelector, validateRestartAlways, validateSelectorMatchesTemplate } from "../../common/workload.js";

export type StatefulSet = Obj<StatefulSetT>;

export function defaultStatefulSet(sts: StatefulSet): void {
  const spec = ensureSpec(sts);
  if (!spec) return;
  spec.podManagementPolicy ||= "OrderedReady";
  spec.updateStrategy ??= {};
  if (isPlainObject(spec.updateStrategy)) {
    spec.updateStrategy.type ||= "RollingUpdate";
    if (spec.updateStrategy.type === "RollingUpdate") {
      spec.updateStrategy.rollingUpdate ??= {};
      if (isPlainObject(spec.updateStrategy.rollingUpdate)) spec.updateStrategy.rollingUpdate.partition ??= 0;
    }
  }
  spec.persistentVolumeClaimRetentionPolicy ??= {};
  if (isPlainObject(spec.persistentVolumeClaimRetentionPolicy)) {
    spec.persistentVolumeClaimRetentionPolicy.whenDeleted ||= "Retain";
    spec.persistentVolumeClaimRetentionPolicy.whenScaled ||= "Retain";
  }
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  defaultWorkloadTemplate(spec.template, true);
  // Claim templates get the PersistentVolumeClaim defaults, and upstream prints their type.
  for (const pvc of Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : []) {
    if (!isPlainObject(pvc)) continue;
    pvc.apiVersion ??= "v1";
    pvc.kind ??= "PersistentVolumeClaim";
    if (isPlainObject(pvc.spec)) pvc.spec.volumeMode ??= "Filesystem";
    pvc.status ??= { phase: "Pending" };
  }
}

function validateRetentionPolicy(v: unknown, path: string): FieldError[] {
  return v === "Retain" || v === "Delete" ? [] : [field.notSupported(path, v ?? "", ["Retain", "Delete"])];
}

export function validateStatefulSet(sts: StatefulSet): FieldError[] {
  const spec = specOf(sts) ?? {};
  const errs: FieldError[] = [];
  const pmp = spec.podManagementPolicy;
  if (!pmp) errs.push(field.required("spec.podManagementPolicy"));
  else if (pmp !== "OrderedReady" && pmp !== "Parallel") errs.push(field.invalid("spec.podManagementPolicy", pmp, "must be 'OrderedReady' or 'Parallel'"));
  const us = isPlainObject(spec.updateStrategy) ? spec.updateStrategy : {};
  switch (us.type ?? "") {
    case "":
      errs.push(field.required("spec.updateStrategy"));
      break;
    case "OnDelete":
      if (us.rollingUpdate !== undefined && us.rollingUpdate !== null) {
        errs.push(field.invalid("spec.updateStrategy.rollingUpdate", us.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
      }
      break;
    case "RollingUpdate":
      if (isPlainObject(us.rollingUpdate)) errs.push(...validateNonnegative(us.rollingUpdate.partition, "spec.updateStrategy.rollingUpdate.partition"));
      break;
    default: {
      const text = `apps.StatefulSetUpdateStrategy{Type:${JSON.stringify(String(us.type))}, RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}`;
      errs.push(field.invalid("spec.updateStrategy", new GoValue(spec.updateStrategy, text), "must be 'RollingUpdate' or 'OnDelete'"));
    }
  }
  const rp = spec.persistentVolumeClaimRetentionPolicy;
  if (isPlainObject(rp)) {
    errs.push(...validateRetentionPolicy(rp.whenDeleted, "spec.persistentVolumeClaimRetentionPolicy.whenDeleted"));
    errs.push(...validateRetentionPolicy(rp.whenScaled, "spec.persistentVolumeClaimRetentionPolicy.whenScaled"));
  }
  if (isPlainObject(spec.ordinals)) errs.push(...validateNonnegative(spec.ordinals.start, "spec.ordinals.start"));
  errs.push(...validateNonnegative(spec.replicas, "spec.replicas"));
  errs.push(...validateNonnegative(spec.minReadySeconds, "spec.minReadySeconds"));
  const sel = validateRequiredSelector(spec.selector, "spec.selector", "statefulset");
  errs.push(...sel.errs);
  if (!sel.parsed) {
    errs.push(field.invalid("spec.selector", goLabelSelector(spec.selector), ""));
  } else if (!isPlainObject(spec.template)) {
    errs.push(field.required("spec.template"));
  } else {
    // Upstream checks only the template's metadata here: volumes may name claim templates.
    errs.push(...validateSelectorMatchesTemplate(sel.parsed, spec.template, "spec.template"));
    const meta = isPlainObject(spec.template.metadata) ? spec.template.metadata : {};
    errs.push(...validateLabels(meta.labels, "spec.template.labels"), ...validateAnnotations(meta.annotations, "spec.template.annotations"));
  }
  errs.push(...validateRestartAlways(spec.template, "spec.template"));
  const tspec = isPlainObject(spec.template) && isPlainObject(spec.template.spec) ? spec.template.spec : {};
  if (tspec.activeDeadlineSeconds !== undefined) errs.push(field.invalid("spec.template.spec.activeDeadlineSeconds", tspec.activeDeadlineSeconds, "must not be specified"));
  return errs;
}

/** Only replicas, ordinals, template, updateStrategy, revisionHistoryLimit, the PVC retention policy and minReadySeconds may change. */
export function validateStatefulSetUpdate(sts: StatefulSet, old: StatefulSet): FieldError[] {
  const mutable = ["replicas", "ordinals", "template", "updateStrategy", "revisionHistoryLimit", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"];
  const strip = (s: unknown): Record<string, unknown> => {
    const copy = { ...(isPlainObject(s) ? s : {}) };
    for (const k of mutable) delete copy[k];
    return copy;
  };
  if (semanticEqual(strip(sts.spec), strip(old.spec))) return [];
  return [
    field.forbidden(
      "spec",
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ];
}

const status = statusStrategy<StatefulSet>(() => ({ replicas: 0, availableReplicas: 0 }));

export const statefulSetResource = defineResource<StatefulSet>({
  group: "apps",
  version: "v1",
  kind: "StatefulSet",
  plural: "statefulsets",
  singular: "statefulset",
  shortNames: ["sts"],
  categories: ["all"],
  namespaced: true,
  schema: "io.k8s.api.apps.v1.StatefulSet",
  subresources: {
    status: true,
    scale: { specReplicasPath: "spec.replicas", statusReplicasPath: "status.replicas", labelSelectorPath: "spec.selector" },
  },
  tracksGeneration: true,
  columns: [nameColumn, column("Ready", "Number of the pod with ready state"), ageColumn, containersColumn, imagesColumn],
  row(sts) {
    const [names, images] = containerCells(sts.spec?.template?.spec?.containers);
    return [sts.metadata.name, `${sts.status?.readyReplicas ?? 0}/${sts.spec?.replicas ?? 0}`, age(sts.metadata.creationTimestamp), names, images];
  },
  defaults: defaultStatefulSet,
  validate: validateStatefulSet,
  validateUpdate: validateStatefulSetUpdate,
  prepareForCreate: status.prepareForCreate,
  prepareForUpdate: status.prepareForUpdate,
});
