import { test } from "node:test";
import assert from "node:assert/strict";
import { ago, rowByName, simulateCreate, simulateUpdate } from "../../common/testing.js";
import { cronScheduleError } from "./cron.js";
import { cronJobResource } from "./cronjob.js";
import { jobResource } from "./job.js";

const uid = "11111111-2222-3333-4444-555555555555";
const podTemplate = (restartPolicy?: string) => ({
  spec: { containers: [{ name: "pi", image: "perl" }], ...(restartPolicy ? { restartPolicy } : {}) },
});

test("Job: defaults and the generated selector (uid known at create)", () => {
  const { obj, errs } = simulateCreate(jobResource, { metadata: { name: "pi" }, spec: { template: podTemplate("Never") } });
  assert.deepEqual(errs, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.equal(spec.completions, 1);
  assert.equal(spec.parallelism, 1);
  assert.equal(spec.backoffLimit, 6);
  assert.equal(spec.completionMode, "NonIndexed");
  assert.equal(spec.suspend, false);
  assert.equal(spec.manualSelector, false);
  assert.equal(spec.podReplacementPolicy, "TerminatingOrFailed");
  assert.deepEqual(spec.selector, { matchLabels: { "batch.kubernetes.io/controller-uid": uid } });
  const labels = { "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "pi", "controller-uid": uid, "job-name": "pi" };
  assert.deepEqual((spec.template as { metadata: { labels: object } }).metadata.labels, labels);
  assert.deepEqual(obj.metadata.labels, labels);
  assert.deepEqual(obj.status, {});
});

test("Job: restartPolicy must be OnFailure or Never", () => {
  const unset = simulateCreate(jobResource, { metadata: { name: "pi" }, spec: { template: podTemplate() } });
  assert.ok(unset.messages.includes('spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'), unset.messages.join("\n"));
  const always = simulateCreate(jobResource, { metadata: { name: "pi" }, spec: { template: podTemplate("Always") } });
  assert.ok(always.messages.includes('spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'));
});

test("Job: manual selector must match the template; selector and template are immutable", () => {
  const manual = simulateCreate(jobResource, {
    metadata: { name: "m" },
    spec: { manualSelector: true, selector: { matchLabels: { app: "a" } }, template: { metadata: { labels: { app: "b" } }, ...podTemplate("Never") } },
  });
  assert.ok(manual.messages.some((m) => m.startsWith("spec.template.metadata.labels: Invalid value") && m.endsWith("`selector` does not match template `labels`")));
  const job = simulateCreate(jobResource, { metadata: { name: "pi" }, spec: { template: podTemplate("Never") } }).obj;
  const changed = structuredClone(job);
  (changed.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image = "perl:2";
  const upd = simulateUpdate(jobResource, job, changed);
  assert.ok(upd.messages.some((m) => m.startsWith("spec.template: Invalid value") && m.endsWith("field is immutable")), upd.messages.join("\n"));
  const scaled = simulateUpdate(jobResource, job, { ...job, spec: { ...(job.spec as object), parallelism: 3 } });
  assert.deepEqual(scaled.errs, []);
});

test("Job columns and the status.successful field selector", () => {
  const { obj } = simulateCreate(jobResource, { metadata: { name: "pi" }, spec: { completions: 3, template: podTemplate("Never") } });
  obj.metadata.creationTimestamp = ago(90_000);
  obj.status = { succeeded: 3, startTime: "2025-01-01T00:00:00Z", completionTime: "2025-01-01T00:00:42Z", conditions: [{ type: "Complete", status: "True" }] };
  const row = rowByName(jobResource, obj);
  assert.deepEqual(
    { ...row, Selector: undefined },
    { Name: "pi", Status: "Complete", Completions: "3/3", Duration: "42s", Age: "90s", Containers: "pi", Images: "perl", Selector: undefined },
  );
  assert.equal(row.Selector, `batch.kubernetes.io/controller-uid=${uid}`);
  assert.equal(jobResource.fieldSelectors?.["status.successful"]?.(obj), "3");
  obj.status = {};
  assert.equal(rowByName(jobResource, obj).Status, "Running");
});

test("cron schedules as robfig/cron parses them", () => {
  assert.equal(cronScheduleError("*/5 * * * *"), undefined);
  assert.equal(cronScheduleError("0 9 * * mon-fri"), undefined);
  assert.equal(cronScheduleError("@hourly"), undefined);
  assert.equal(cronScheduleError("* * *"), "expected exactly 5 fields, found 3: [* * *]");
  assert.equal(cronScheduleError("61 * * * *"), "end of range (61) above maximum (59): 61");
  assert.equal(cronScheduleError("x * * * *"), 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax');
  assert.equal(cronScheduleError("@often"), "unrecognized descriptor: @often");
});

const cronJob = (spec: object = {}) => ({
  metadata: { name: "hello" },
  spec: { schedule: "*/1 * * * *", jobTemplate: { spec: { template: podTemplate("OnFailure") } }, ...spec },
});

test("CronJob: defaults, validation and columns", () => {
  const { obj, errs } = simulateCreate(cronJobResource, cronJob());
  assert.deepEqual(errs, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.equal(spec.concurrencyPolicy, "Allow");
  assert.equal(spec.suspend, false);
  assert.equal(spec.successfulJobsHistoryLimit, 3);
  assert.equal(spec.failedJobsHistoryLimit, 1);

  const bad = simulateCreate(cronJobResource, cronJob({ schedule: "every minute", concurrencyPolicy: "Sometimes" }));
  assert.ok(bad.messages.includes('spec.schedule: Invalid value: "every minute": expected exactly 5 fields, found 2: [every minute]'), bad.messages.join("\n"));
  assert.ok(bad.messages.includes('spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"'));
  const tz = simulateCreate(cronJobResource, cronJob({ schedule: "TZ=UTC 0 * * * *" }));
  assert.ok(tz.messages.some((m) => m.endsWith("cannot use TZ or CRON_TZ in schedule, use timeZone field instead")));
  const zone = simulateCreate(cronJobResource, cronJob({ timeZone: "Mars/Olympus" }));
  assert.ok(zone.messages.includes('spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus'));
  assert.deepEqual(simulateCreate(cronJobResource, cronJob({ timeZone: "Europe/Madrid" })).errs, []);
  const long = simulateCreate(cronJobResource, { ...cronJob(), metadata: { name: "a".repeat(53) } });
  assert.ok(long.messages.some((m) => m.startsWith("metadata.name: Invalid value") && m.endsWith("must be no more than 52 characters")));
  const restart = simulateCreate(cronJobResource, cronJob({ jobTemplate: { spec: { template: podTemplate() } } }));
  assert.ok(restart.messages.includes('spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'), restart.messages.join("\n"));

  obj.metadata.creationTimestamp = ago(120_000);
  obj.status = { active: [{ name: "hello-1" }], lastScheduleTime: ago(30_000) };
  assert.deepEqual(cronJobResource.row(obj), ["hello", "*/1 * * * *", "<none>", "False", 1, "30s", "2m", "pi", "perl", "<none>"]);
  assert.deepEqual(cronJobResource.columns.map((c) => c.name), ["Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age", "Containers", "Images", "Selector"]);
});
