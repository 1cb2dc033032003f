/**
 * Checks shared by the workload controllers' specs (ReplicaSet, Deployment, DaemonSet,
 * StatefulSet, Job): selector presence and shape, selector/template agreement, and the
 * template's restart policy.
 */
import type { PodTemplateSpec } from "kubernetes-types/core/v1.js";
import { field, type FieldError } from "../../machinery/errors.js";
import { isPlainObject } from "../../machinery/object.js";
import { defaultPodTemplateSpec, validatePodTemplateSpec } from "../core/v1/pod.js";
import { goLabelSelector, goStringMap } from "./govalue.js";
import { parseSelector, selectorSize, validateLabelSelector, type ParsedSelector } from "./selector.js";

/** Template labels as a map (an unset map is nil in Go). */
export function templateLabels(t: unknown): Record<string, string> | undefined {
  const meta = isPlainObject(t) && isPlainObject(t.metadata) ? t.metadata : undefined;
  return meta && isPlainObject(meta.labels) ? (meta.labels as Record<string, string>) : undefined;
}

function templateSpec(t: unknown): Record<string, unknown> {
  return isPlainObject(t) && isPlainObject(t.spec) ? t.spec : {};
}

/**
 * Required non-empty selector (apps/v1): returns the errors and, when the selector converts,
 * the parsed selector for the template check.
 */
export function validateRequiredSelector(sel: unknown, path: string, kindWord: string): { errs: FieldError[]; parsed?: ParsedSelector } {
  const errs: FieldError[] = [];
  if (sel === undefined || sel === null) {
    errs.push(field.required(path));
  } else {
    errs.push(...validateLabelSelector(sel, path));
    if (selectorSize(sel) === 0) errs.push(field.invalid(path, goLabelSelector(sel), `empty selector is invalid for ${kindWord}`));
  }
  const parsed = parseSelector(sel);
  return { errs, parsed };
}

/** The `selector` does not match template `labels` check; silent for an empty selector. */
export function validateSelectorMatchesTemplate(parsed: ParsedSelector | undefined, template: unknown, path: string): FieldError[] {
  if (!parsed || parsed.empty) return [];
  const labels = templateLabels(template);
  return parsed.matches(labels) ? [] : [field.invalid(`${path}.metadata.labels`, goStringMap(labels), "`selector` does not match template `labels`")];
}

/** ValidatePodTemplateSpecForReplicaSet (ReplicaSet, Deployment). */
export function validateReplicaSetTemplate(template: unknown, parsed: ParsedSelector | undefined, path: string): FieldError[] {
  if (!isPlainObject(template)) return [field.required(path)];
  const errs = [...validateSelectorMatchesTemplate(parsed, template, path), ...validatePodTemplateSpec(template, path)];
  errs.push(...validateRestartAlways(template, path));
  if (templateSpec(template).activeDeadlineSeconds !== undefined) {
    errs.push(field.forbidden(`${path}.spec.activeDeadlineSeconds`, "activeDeadlineSeconds in ReplicaSet is not Supported"));
  }
  return errs;
}

/** Long-running workloads restart their containers: only `Always` is allowed. */
export function validateRestartAlways(template: unknown, path: string): FieldError[] {
  const rp = templateSpec(template).restartPolicy ?? "";
  return rp === "Always" ? [] : [field.notSupported(`${path}.spec.restartPolicy`, rp, ["Always"])];
}

/** Pod defaults for a controller's template; long-running workloads default to `Always`. */
export function defaultWorkloadTemplate(template: PodTemplateSpec | undefined, restartAlways: boolean): void {
  if (!isPlainObject(template)) return;
  if (restartAlways && isPlainObject(template.spec)) template.spec.restartPolicy ??= "Always";
  defaultPodTemplateSpec(template);
}
