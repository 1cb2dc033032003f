/**
 * batch/v1 Job: defaults, the generated selector, validation, printer and strategy as
 * upstream's. `validateJobSpecCommon` is shared with CronJob's job template.
 */
import type { Job as JobT, JobSpec } from "kubernetes-types/batch/v1.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { isPlainObject } from "../../../machinery/object.js";
import { isDNS1123Label } from "../../../machinery/validation.js";
import { validatePodTemplateSpec } from "../../core/v1/pod.js";
import { age, humanDuration, selectorString } from "../../printers.js";
import { semanticEqual } from "../../common/equality.js";
import { goLabelSelector, goStringMap } from "../../common/govalue.js";
import { validateNonnegative } from "../../common/intstr.js";
import { parseSelector, validateLabelSelector } from "../../common/selector.js";
import { ageColumn, column, containerCells, containersColumn, defineResource, ensureSpec, imagesColumn, nameColumn, specOf, statusStrategy, type Obj } from "../../common/define.js";
import { defaultWorkloadTemplate, templateLabels, validateSelectorMatchesTemplate } from "../../common/workload.js";
import { validateSelectorImmutable } from "../../apps/v1/deployment.js";

export type Job = Obj<JobT>;

export const controllerUidLabel = "batch.kubernetes.io/controller-uid";
export const legacyControllerUidLabel = "controller-uid";
export const jobNameLabel = "batch.kubernetes.io/job-name";
export const legacyJobNameLabel = "job-name";

/** Indexed jobs may not run more pods in parallel than this. */
const maxParallelismForIndexedJob = 100000;

export function defaultJob(job: Job): void {
  const spec = ensureSpec(job);
  if (!spec) return;
  if (spec.completions == null && spec.parallelism == null) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex != null ? 2147483647 : 6;
  const labels = templateLabels(spec.template);
  if (labels && Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = { ...labels };
  spec.completionMode ??= "NonIndexed";
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? "Failed" : "TerminatingOrFailed";
  spec.manualSelector ??= false;
  for (const rule of Array.isArray(spec.podFailurePolicy?.rules) ? spec.podFailurePolicy.rules : []) {
    for (const p of Array.isArray(rule?.onPodConditions) ? rule.onPodConditions : []) if (isPlainObject(p)) p.status ||= "True";
  }
  defaultWorkloadTemplate(spec.template, false);
}

/**
 * The selector the API server generates unless `manualSelector` is set: the job's uid (known
 * only at create time) and name as template labels, and the uid as the selector.
 */
export function generateSelector(job: Job): void {
  const spec = ensureSpec(job);
  if (!spec || spec.manualSelector === true) return;
  const template = (spec.template ??= {});
  if (!isPlainObject(template)) return;
  const meta = (template.metadata ??= {});
  if (!isPlainObject(meta)) return;
  meta.labels ??= {};
  if (!isPlainObject(meta.labels)) return;
  const labels = meta.labels as Record<string, string>;
  const name = job.metadata.name ?? "";
  const uid = job.metadata.uid ?? "";
  for (const k of [legacyJobNameLabel, jobNameLabel]) if (!(k in labels)) labels[k] = name;
  for (const k of [legacyControllerUidLabel, controllerUidLabel]) if (!(k in labels)) labels[k] = uid;
  const selector = (spec.selector ??= {});
  if (!isPlainObject(selector)) return;
  selector.matchLabels ??= {};
  if (!isPlainObject(selector.matchLabels)) return;
  const matchLabels = selector.matchLabels as Record<string, string>;
  if (!(controllerUidLabel in matchLabels)) matchLabels[controllerUidLabel] = uid;
}

/** apivalidation.ValidateHasLabel on the template's labels. */
function validateHasLabel(labels: Record<string, string> | undefined, key: string, expected: string): FieldError[] {
  const path = `spec.template.metadata.labels[${key}]`;
  if (!labels || !(key in labels)) return [field.required(path, expected)];
  return labels[key] === expected ? [] : [field.invalid(path, goStringMap(labels), `must be '${expected}'`)];
}

function validateGeneratedSelector(job: Job): FieldError[] {
  const spec = specOf(job) ?? {};
  if (spec.manualSelector === true) return [];
  const labels = templateLabels(spec.template);
  if (!labels) return [];
  const errs: FieldError[] = [];
  const uid = job.metadata.uid ?? "";
  if (!uid) errs.push(field.required("metadata.uid"));
  errs.push(...validateHasLabel(labels, controllerUidLabel, uid), ...validateHasLabel(labels, jobNameLabel, job.metadata.name ?? ""));
  if (spec.selector === undefined || spec.selector === null) return [...errs, field.required("spec.selector")];
  const parsed = parseSelector(spec.selector);
  if (parsed && !parsed.matches({ [controllerUidLabel]: uid })) errs.push(field.invalid("spec.selector", goLabelSelector(spec.selector), "`selector` not auto-generated"));
  return errs;
}

/** validateJobSpec: the checks a Job and a CronJob's job template share. */
export function validateJobSpecCommon(spec: JobSpec | Record<string, unknown>, path: string): FieldError[] {
  const s = spec as Record<string, unknown>;
  const errs = [
    ...validateNonnegative(s.parallelism, `${path}.parallelism`),
    ...validateNonnegative(s.completions, `${path}.completions`),
    ...validateNonnegative(s.activeDeadlineSeconds, `${path}.activeDeadlineSeconds`),
    ...validateNonnegative(s.backoffLimit, `${path}.backoffLimit`),
    ...validateNonnegative(s.ttlSecondsAfterFinished, `${path}.ttlSecondsAfterFinished`),
    ...validateNonnegative(s.backoffLimitPerIndex, `${path}.backoffLimitPerIndex`),
  ];
  const mode = s.completionMode;
  if (mode !== undefined && mode !== null) {
    if (mode !== "NonIndexed" && mode !== "Indexed") errs.push(field.notSupported(`${path}.completionMode`, mode, ["NonIndexed", "Indexed"]));
    if (mode === "Indexed") {
      if (s.completions === undefined || s.completions === null) errs.push(field.required(`${path}.completions`, "when completion mode is Indexed"));
      if (typeof s.parallelism === "number" && s.parallelism > maxParallelismForIndexedJob) {
        errs.push(field.invalid(`${path}.parallelism`, s.parallelism, `must be less than or equal to ${maxParallelismForIndexedJob} when completion mode is Indexed`));
      }
    }
  }
  if (s.backoffLimitPerIndex != null && mode !== "Indexed") {
    errs.push(field.invalid(`${path}.backoffLimitPerIndex`, s.backoffLimitPerIndex, "requires indexed completion mode"));
  }
  const prp = s.podReplacementPolicy;
  if (prp !== undefined && prp !== null && prp !== "TerminatingOrFailed" && prp !== "Failed") {
    errs.push(field.notSupported(`${path}.podReplacementPolicy`, prp, ["Failed", "TerminatingOrFailed"]));
  }
  errs.push(...validatePodTemplateSpec(s.template, `${path}.template`));
  const tspec = isPlainObject(s.template) && isPlainObject(s.template.spec) ? s.template.spec : {};
  const rp = tspec.restartPolicy ?? "";
  const rpPath = `${path}.template.spec.restartPolicy`;
  // Pod defaults turn an unset restartPolicy into Always, so both mean "not chosen".
  if (rp === "Always" || rp === "") errs.push(field.required(rpPath, 'valid values: "OnFailure", "Never"'));
  else if (rp !== "OnFailure" && rp !== "Never") errs.push(field.notSupported(rpPath, rp, ["OnFailure", "Never"]));
  else if (s.podFailurePolicy != null && rp !== "Never") errs.push(field.invalid(rpPath, rp, 'only "Never" is supported when podFailurePolicy is specified'));
  return errs;
}

export function validateJob(job: Job): FieldError[] {
  const spec = specOf(job) ?? {};
  const errs = [...validateGeneratedSelector(job), ...validateJobSpecCommon(spec, "spec")];
  if (spec.selector === undefined || spec.selector === null) errs.push(field.required("spec.selector"));
  else errs.push(...validateLabelSelector(spec.selector, "spec.selector"));
  // Whether manual or generated, the selector must match the pods the job creates.
  const parsed = parseSelector(spec.selector);
  if (parsed && spec.selector != null) errs.push(...validateSelectorMatchesTemplate(parsed, spec.template, "spec.template"));
  if (spec.completionMode === "Indexed" && typeof spec.completions === "number" && spec.completions > 0) {
    const host = `${job.metadata.name ?? ""}-${spec.completions - 1}`;
    if (isDNS1123Label(host).length) errs.push(field.invalid("metadata.name", job.metadata.name, `will not able to create pod with invalid DNS label: ${host}`));
  }
  return errs;
}

/** The fields a suspended job that has not started may still change in its template. */
const schedulingDirectives = ["nodeSelector", "tolerations", "affinity", "schedulingGates"];

export function validateJobUpdate(job: Job, old: Job): FieldError[] {
  const spec = specOf(job) ?? {};
  const oldSpec = specOf(old) ?? {};
  const errs = validateSelectorImmutable(spec.selector, oldSpec.selector);
  const immutable = (key: string): void => {
    if (!semanticEqual(spec[key], oldSpec[key])) errs.push(field.invalid(`spec.${key}`, spec[key] ?? null, "field is immutable"));
  };
  if (spec.completionMode === "Indexed") {
    if (!semanticEqual(spec.completions, oldSpec.completions) && spec.completions != null && spec.completions !== spec.parallelism) {
      errs.push(field.invalid("spec.completions", spec.completions, "can only be modified in tandem with spec.parallelism"));
    }
  } else {
    immutable("completions");
  }
  const template = spec.template;
  const oldTemplate = oldSpec.template;
  const suspendedBeforeStart = oldSpec.suspend === true && !(isPlainObject(old.status) && old.status.startTime);
  if (suspendedBeforeStart && isPlainObject(template) && isPlainObject(oldTemplate)) {
    // Compare with the scheduling directives and pod metadata taken from the new template.
    const tspec = isPlainObject(template.spec) ? template.spec : {};
    const ospec = { ...(isPlainObject(oldTemplate.spec) ? oldTemplate.spec : {}) };
    for (const k of schedulingDirectives) ospec[k] = tspec[k];
    const ometa = { ...(isPlainObject(oldTemplate.metadata) ? oldTemplate.metadata : {}) };
    const tmeta = isPlainObject(template.metadata) ? template.metadata : {};
    ometa.labels = tmeta.labels;
    ometa.annotations = tmeta.annotations;
    if (!semanticEqual(template, { ...oldTemplate, metadata: ometa, spec: ospec })) errs.push(field.invalid("spec.template", spec.template, "field is immutable"));
  } else {
    immutable("template");
  }
  immutable("completionMode");
  immutable("podFailurePolicy");
  immutable("backoffLimitPerIndex");
  return errs;
}

/** The STATUS column: the first true condition among Complete, Failed, ... */
function jobStatus(job: Job): string {
  const conds = Array.isArray(job.status?.conditions) ? job.status.conditions : [];
  const has = (type: string): boolean => conds.find((c) => c?.type === type)?.status === "True";
  if (has("Complete")) return "Complete";
  if (has("Failed")) return "Failed";
  if (job.metadata.deletionTimestamp) return "Terminating";
  if (has("Suspended")) return "Suspended";
  if (has("FailureTarget")) return "FailureTarget";
  return "Running";
}

function completionsCell(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  const completions = job.spec?.completions;
  if (completions !== undefined && completions !== null) return `${succeeded}/${completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function durationCell(job: Job, now = Date.now()): string {
  const start = job.status?.startTime ? Date.parse(job.status.startTime) : NaN;
  if (Number.isNaN(start)) return "";
  const end = job.status?.completionTime ? Date.parse(job.status.completionTime) : now;
  return humanDuration((Number.isNaN(end) ? now : end) - start);
}

const status = statusStrategy<Job>();

export const jobResource = defineResource<Job>({
  group: "batch",
  version: "v1",
  kind: "Job",
  plural: "jobs",
  singular: "job",
  categories: ["all"],
  namespaced: true,
  schema: "io.k8s.api.batch.v1.Job",
  subresources: { status: true },
  tracksGeneration: true,
  columns: [
    nameColumn,
    column("Status", "Status of the job."),
    column("Completions", "The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs."),
    column("Duration", "Time required to complete the job."),
    ageColumn,
    containersColumn,
    imagesColumn,
    column("Selector", "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors", "string", 1),
  ],
  row(job) {
    const [names, images] = containerCells(job.spec?.template?.spec?.containers);
    return [job.metadata.name, jobStatus(job), completionsCell(job), durationCell(job), age(job.metadata.creationTimestamp), names, images, selectorString(job.spec?.selector)];
  },
  defaults: defaultJob,
  validate: validateJob,
  validateUpdate: validateJobUpdate,
  prepareForCreate(job) {
    status.prepareForCreate(job);
    // Runs after the API server assigned metadata.uid, which the selector is made of.
    generateSelector(job);
  },
  prepareForUpdate: status.prepareForUpdate,
  fieldSelectors: {
    "status.successful": (job) => String(job.status?.succeeded ?? 0),
  },
});
