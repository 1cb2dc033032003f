/** batch/v1 CronJob: defaults, schedule and job-template validation, printer and strategy as upstream's. */
import type { CronJob as CronJobT } from "kubernetes-types/batch/v1.js";
import { field, type FieldError } from "../../../machinery/errors.js";
import { isPlainObject } from "../../../machinery/object.js";
import { defaultPodTemplateSpec } from "../../core/v1/pod.js";
import { age, selectorString } from "../../printers.js";
import { goLabelSelector } from "../../common/govalue.js";
import { validateNonnegative } from "../../common/intstr.js";
import { ageColumn, column, containerCells, containersColumn, defineResource, ensureSpec, imagesColumn, isCreate, nameColumn, specOf, statusStrategy, type Obj } from "../../common/define.js";
import { cronScheduleError, isKnownTimeZone } from "./cron.js";
import { validateJobSpecCommon } from "./job.js";

export type CronJob = Obj<CronJobT>;

/** Job names are the CronJob's plus an 11-character `-<timestamp>` suffix, and must stay a DNS-1035 label. */
const maxCronJobNameLength = 52;
const timeZoneCharsRe = /^[A-Za-z.\-_0-9+]{1,14}$/;

export function defaultCronJob(cj: CronJob): void {
  const spec = ensureSpec(cj);
  if (!spec) return;
  spec.concurrencyPolicy ||= "Allow";
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;
  const template = spec.jobTemplate?.spec?.template;
  if (isPlainObject(template)) defaultPodTemplateSpec(template);
}

function validateTimeZone(tz: unknown, path: string): FieldError[] {
  if (tz === undefined || tz === null) return [];
  const zone = String(tz);
  if (zone.length === 0) return [field.invalid(path, zone, "timeZone must be nil or non-empty string")];
  for (const part of zone.split("/")) {
    if (part === "." || part === ".." || part.startsWith("-") || !timeZoneCharsRe.test(part)) return [field.invalid(path, zone, `unknown time zone ${zone}`)];
  }
  if (zone.toLowerCase() === "local") return [field.invalid(path, zone, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones")];
  return isKnownTimeZone(zone) ? [] : [field.invalid(path, zone, `unknown time zone ${zone}`)];
}

function validateSchedule(schedule: string, allowTZ: boolean, timeZone: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const parseError = cronScheduleError(schedule);
  if (parseError) errs.push(field.invalid(path, schedule, parseError));
  if (allowTZ && schedule.includes("TZ") && timeZone != null) errs.push(field.invalid(path, schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"));
  else if (!allowTZ && schedule.includes("TZ")) errs.push(field.invalid(path, schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
  return errs;
}

/**
 * validateCronJobSpec. Upstream relaxes two checks on update when the stored object already
 * had the value (TZ in the schedule, the time zone); objects created here never pass them,
 * so the create-time form serves both.
 */
function validateCronJobSpec(spec: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  const schedule = typeof spec.schedule === "string" ? spec.schedule : "";
  if (!schedule) errs.push(field.required("spec.schedule"));
  else errs.push(...validateSchedule(schedule, false, spec.timeZone, "spec.schedule"));
  errs.push(...validateNonnegative(spec.startingDeadlineSeconds, "spec.startingDeadlineSeconds"));
  errs.push(...validateTimeZone(spec.timeZone, "spec.timeZone"));
  const cp = spec.concurrencyPolicy ?? "";
  if (cp === "") errs.push(field.required("spec.concurrencyPolicy"));
  else if (cp !== "Allow" && cp !== "Forbid" && cp !== "Replace") errs.push(field.notSupported("spec.concurrencyPolicy", cp, ["Allow", "Forbid", "Replace"]));
  // ValidateJobTemplateSpec: the selector is always generated for the jobs.
  const jt = isPlainObject(spec.jobTemplate) ? spec.jobTemplate : {};
  const jspec = isPlainObject(jt.spec) ? jt.spec : {};
  errs.push(...validateJobSpecCommon(jspec, "spec.jobTemplate.spec"));
  if (jspec.selector !== undefined && jspec.selector !== null) {
    errs.push(field.invalid("spec.jobTemplate.spec.selector", goLabelSelector(jspec.selector), "`selector` will be auto-generated"));
  }
  if (jspec.manualSelector === true) errs.push(field.notSupported("spec.jobTemplate.spec.manualSelector", true, ["nil", "false"]));
  errs.push(...validateNonnegative(spec.successfulJobsHistoryLimit, "spec.successfulJobsHistoryLimit"));
  errs.push(...validateNonnegative(spec.failedJobsHistoryLimit, "spec.failedJobsHistoryLimit"));
  return errs;
}

export function validateCronJob(cj: CronJob): FieldError[] {
  const errs = validateCronJobSpec(specOf(cj) ?? {});
  const name = cj.metadata.name ?? "";
  if (isCreate(cj) && name.length > maxCronJobNameLength) errs.push(field.invalid("metadata.name", name, `must be no more than ${maxCronJobNameLength} characters`));
  return errs;
}

const status = statusStrategy<CronJob>();

export const cronJobResource = defineResource<CronJob>({
  group: "batch",
  version: "v1",
  kind: "CronJob",
  plural: "cronjobs",
  singular: "cronjob",
  shortNames: ["cj"],
  categories: ["all"],
  namespaced: true,
  schema: "io.k8s.api.batch.v1.CronJob",
  subresources: { status: true },
  tracksGeneration: true,
  columns: [
    nameColumn,
    column("Schedule", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
    column("Timezone", "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
    column("Suspend", "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.", "boolean"),
    column("Active", "A list of pointers to currently running jobs.", "integer"),
    column("Last Schedule", "Information when was the last time the job was successfully scheduled."),
    ageColumn,
    containersColumn,
    imagesColumn,
    column("Selector", "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors", "string", 1),
  ],
  row(cj) {
    const spec = cj.spec;
    const jspec = spec?.jobTemplate?.spec;
    const [names, images] = containerCells(jspec?.template?.spec?.containers);
    const suspend = spec?.suspend;
    return [
      cj.metadata.name,
      spec?.schedule ?? "",
      spec?.timeZone ?? "<none>",
      suspend === undefined || suspend === null ? "<unset>" : suspend ? "True" : "False",
      Array.isArray(cj.status?.active) ? cj.status.active.length : 0,
      cj.status?.lastScheduleTime ? age(cj.status.lastScheduleTime) : "<none>",
      age(cj.metadata.creationTimestamp),
      names,
      images,
      selectorString(jspec?.selector),
    ];
  },
  defaults: defaultCronJob,
  validate: validateCronJob,
  prepareForCreate: status.prepareForCreate,
  prepareForUpdate: status.prepareForUpdate,
});
