import { test } from "node:test";
import assert from "node:assert/strict";
import { fieldErrorMessage, type FieldError } from "../../../machinery/errors.js";
import type { KubeObject } from "../../../machinery/object.js";
import { imageTag } from "./pod-defaults.js";
import { podQOSClass, podResource, podSummary, validatePodTemplateSpec, defaultPodTemplateSpec, type PodObj } from "./pod.js";

const ctx = { now: new Date("2024-05-01T12:00:00Z") };

function pod(spec: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec, ...extra };
}

function created(p: KubeObject): KubeObject {
  podResource.defaults!(p);
  podResource.prepareForCreate!(p, ctx);
  return p;
}

function messages(errs: FieldError[]): string[] {
  return errs.map(fieldErrorMessage);
}

test("image pull policy follows the tag", () => {
  assert.equal(imageTag("nginx"), "latest");
  assert.equal(imageTag("nginx:1.25"), "1.25");
  assert.equal(imageTag("localhost:5000/nginx"), "latest");
  assert.equal(imageTag("nginx@sha256:abc"), "");
  const p = created(pod({ containers: [{ name: "a", image: "nginx" }, { name: "b", image: "nginx:1.25" }, { name: "c", image: "r:5000/x:latest" }] }));
  const cs = (p.spec as PodObj["spec"])!.containers;
  assert.deepEqual(cs.map((c) => c.imagePullPolicy), ["Always", "IfNotPresent", "Always"]);
});

test("pod defaults match upstream", () => {
  const p = created(pod({
    containers: [{
      name: "web", image: "nginx:1.25",
      ports: [{ containerPort: 80 }],
      env: [{ name: "NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } }],
      livenessProbe: { httpGet: { port: 80 } },
      readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 5 },
      resources: { limits: { cpu: "0.5", memory: "128Mi" } },
      volumeMounts: [{ name: "cfg", mountPath: "/etc/cfg" }],
    }],
    volumes: [{ name: "cfg", configMap: { name: "c" } }, { name: "s", secret: { secretName: "s" } }, { name: "tmp" }],
  }));
  const spec = p.spec as NonNullable<PodObj["spec"]>;
  assert.equal(spec.restartPolicy, "Always");
  assert.equal(spec.dnsPolicy, "ClusterFirst");
  assert.equal(spec.terminationGracePeriodSeconds, 30);
  assert.equal(spec.schedulerName, "default-scheduler");
  assert.deepEqual(spec.securityContext, {});
  assert.equal(spec.enableServiceLinks, true);
  assert.equal(spec.priority, undefined, "the Priority admission plugin sets it");
  const c = spec.containers[0]!;
  assert.equal(c.terminationMessagePath, "/dev/termination-log");
  assert.equal(c.terminationMessagePolicy, "File");
  assert.equal(c.ports![0]!.protocol, "TCP");
  assert.equal(c.env![0]!.valueFrom!.fieldRef!.apiVersion, "v1");
  assert.deepEqual(c.livenessProbe, { httpGet: { port: 80, path: "/", scheme: "HTTP" }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
  assert.equal(c.readinessProbe!.periodSeconds, 5);
  assert.deepEqual(c.resources, { limits: { cpu: "500m", memory: "128Mi" }, requests: { cpu: "500m", memory: "128Mi" } });
  assert.equal(spec.volumes![0]!.configMap!.defaultMode, 420);
  assert.equal(spec.volumes![1]!.secret!.defaultMode, 420);
  assert.deepEqual(spec.volumes![2]!.emptyDir, {});
  assert.deepEqual(p.status, { phase: "Pending", qosClass: "Guaranteed" });
  assert.deepEqual(podResource.validate!(p), []);
});

test("templates get PodSpec defaults but not Pod-only ones", () => {
  const t: Record<string, unknown> = { metadata: { labels: { app: "x" } }, spec: { containers: [{ name: "a", image: "a", resources: { limits: { cpu: "1" } } }] } };
  defaultPodTemplateSpec(t);
  const spec = (t as { spec: NonNullable<PodObj["spec"]> }).spec;
  assert.equal(spec.enableServiceLinks, undefined);
  assert.equal(spec.containers[0]!.resources!.requests, undefined);
  assert.equal(spec.restartPolicy, "Always");
  assert.equal((t.metadata as { creationTimestamp: unknown }).creationTimestamp, null);
  assert.deepEqual(validatePodTemplateSpec(t, "spec.template"), []);
  const badTemplate = { metadata: { labels: { "a b": "x" } }, spec: { containers: [] } };
  defaultPodTemplateSpec(badTemplate);
  assert.deepEqual(messages(validatePodTemplateSpec(badTemplate, "spec.template")).map((m) => m.split(":")[0]), [
    "spec.template.labels", "spec.template.spec.containers",
  ]);
});

test("QoS class", () => {
  assert.equal(podQOSClass({ containers: [{ name: "a" }] }), "BestEffort");
  assert.equal(podQOSClass({ containers: [{ name: "a", resources: { requests: { cpu: "100m" } } }] }), "Burstable");
  assert.equal(podQOSClass({ containers: [{ name: "a", resources: { limits: { cpu: "1", memory: "1Gi" } } }] }), "Guaranteed");
  assert.equal(podQOSClass({ containers: [{ name: "a", resources: { limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "500m" } } }] }), "Burstable");
});

test("validation messages and paths", () => {
  const errs = (spec: Record<string, unknown>) => {
    const p = pod(spec);
    podResource.defaults!(p);
    return messages(podResource.validate!(p));
  };
  assert.deepEqual(errs({ containers: [] }), ["spec.containers: Required value"]);
  assert.deepEqual(errs({ containers: [{ name: "", image: "" }] }), ["spec.containers[0].name: Required value", "spec.containers[0].image: Required value"]);
  assert.deepEqual(errs({ containers: [{ name: "Web", image: "x" }] }), [
    `spec.containers[0].name: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
  ]);
  assert.deepEqual(errs({ containers: [{ name: "a", image: "x" }, { name: "a", image: "y" }] }), ['spec.containers[1].name: Duplicate value: "a"']);
  assert.deepEqual(errs({ containers: [{ name: "a", image: "x", ports: [{ containerPort: 70000, name: "Http" }, { containerPort: 0 }] }] }), [
    'spec.containers[0].ports[0].name: Invalid value: "Http": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
    "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive",
    "spec.containers[0].ports[1].containerPort: Required value",
  ]);
  assert.deepEqual(errs({ containers: [{ name: "a", image: "x", ports: [{ containerPort: 80, name: "web" }, { containerPort: 81, name: "web" }] }] }), [
    'spec.containers[0].ports[1].name: Duplicate value: "web"',
  ]);
  assert.deepEqual(errs({ containers: [{ name: "a", image: "x", env: [{ name: "A=B", value: "1" }, { value: "2" }] }] }), [
    `spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='`,
    "spec.containers[0].env[1].name: Required value",
  ]);
  assert.deepEqual(errs({ restartPolicy: "Sometimes", dnsPolicy: "Foo", containers: [{ name: "a", image: "x" }] }), [
    'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    'spec.dnsPolicy: Unsupported value: "Foo": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
  ]);
  assert.deepEqual(errs({ containers: [{ name: "a", image: "x", volumeMounts: [{ name: "missing", mountPath: "/x" }] }], volumes: [{ name: "v" }, { name: "v" }] }), [
    'spec.volumes[1].name: Duplicate value: "v"',
    // errors.ts prints no value for Not found; upstream prints `Not found: "missing"`.
    "spec.containers[0].volumeMounts[0].name: Not found",
  ]);
  assert.deepEqual(errs({ containers: [{ name: "a", image: "x", resources: { limits: { cpu: "500m" }, requests: { cpu: "600m" } } }] }), [
    'spec.containers[0].resources.requests: Invalid value: "600m": must be less than or equal to cpu limit of 500m',
  ]);
  assert.deepEqual(errs({ containers: [{ name: "a", image: "x", livenessProbe: { exec: { command: ["true"] }, successThreshold: 2 } }] }), [
    "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
  ]);
  assert.deepEqual(errs({ containers: [{ name: "a", image: "x", readinessProbe: {} }] }), [
    "spec.containers[0].readinessProbe: Required value: must specify a handler type",
  ]);
  assert.deepEqual(errs({ containers: [{ name: "a", image: "x" }], volumes: [{ name: "s", secret: {} }] }), ["spec.volumes[0].secret.secretName: Required value"]);
  assert.deepEqual(errs({ containers: [{ name: "a", image: " x" }] }), ['spec.containers[0].image: Invalid value: " x": must not have leading or trailing whitespace']);
});

test("malformed bodies are reported, not thrown", () => {
  const p = pod({ containers: "nope" });
  podResource.defaults!(p);
  assert.ok(podResource.validate!(p).length > 0);
});

test("pod spec is immutable except the allowed fields", () => {
  const old = created(pod({ containers: [{ name: "a", image: "nginx:1" }], tolerations: [{ key: "k", operator: "Exists" }] }));
  const ok = structuredClone(old);
  const spec = ok.spec as NonNullable<PodObj["spec"]>;
  spec.containers[0]!.image = "nginx:2";
  spec.activeDeadlineSeconds = 30;
  spec.tolerations!.push({ key: "j", operator: "Exists" });
  podResource.prepareForUpdate!(ok, old, ctx);
  assert.deepEqual(podResource.validateUpdate!(ok, old), []);

  const bad = structuredClone(old);
  (bad.spec as NonNullable<PodObj["spec"]>).containers[0]!.ports = [{ containerPort: 80, protocol: "TCP" }];
  const msgs = messages(podResource.validateUpdate!(bad, old));
  assert.equal(msgs.length, 1);
  assert.match(msgs[0]!, /^spec: Forbidden: pod updates may not change fields other than `spec\.containers\[\*\]\.image`,`spec\.initContainers\[\*\]\.image`,`spec\.activeDeadlineSeconds`,`spec\.tolerations` \(only additions to existing tolerations\),`spec\.terminationGracePeriodSeconds` \(allow it to be set to 1 if it was previously negative\)\n/);

  const fewer = structuredClone(old);
  (fewer.spec as NonNullable<PodObj["spec"]>).containers.push({ name: "b", image: "b" });
  assert.deepEqual(messages(podResource.validateUpdate!(fewer, old)).filter((m) => m.includes("add or remove")), ["spec.containers: Forbidden: pod updates may not add or remove containers"]);

  const tol = structuredClone(old);
  (tol.spec as NonNullable<PodObj["spec"]>).tolerations = [];
  assert.deepEqual(messages(podResource.validateUpdate!(tol, old)), ["spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds"]);
});

test("status is dropped on create and carried over on update", () => {
  const p = created(pod({ containers: [{ name: "a", image: "a" }] }, { status: { phase: "Running", podIP: "1.2.3.4" } }));
  assert.deepEqual(p.status, { phase: "Pending", qosClass: "BestEffort" });
  const old = structuredClone(p);
  old.status = { phase: "Running" };
  const upd = structuredClone(p);
  upd.status = { phase: "Failed" };
  podResource.prepareForUpdate!(upd, old, ctx);
  assert.deepEqual(upd.status, { phase: "Running" });
});

const now = Date.parse("2024-05-01T12:00:00Z");
function summary(status: Record<string, unknown>, spec: Record<string, unknown> = { containers: [{ name: "a", image: "a" }] }, meta: Record<string, unknown> = {}) {
  return podSummary({ metadata: { name: "p", ...meta }, spec, status } as unknown as PodObj, now);
}

test("STATUS column", () => {
  assert.equal(summary({ phase: "Pending" }).status, "Pending");
  assert.equal(summary({ phase: "Pending", containerStatuses: [{ name: "a", ready: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } }] }).status, "ContainerCreating");
  const running = summary({ phase: "Running", containerStatuses: [{ name: "a", ready: true, restartCount: 0, state: { running: {} } }] });
  assert.deepEqual(running, { ready: "1/1", status: "Running", restarts: "0" });
  assert.equal(summary({ phase: "Succeeded", containerStatuses: [{ name: "a", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } }] }).status, "Completed");
  assert.equal(summary({ phase: "Running", containerStatuses: [{ name: "a", ready: false, restartCount: 3, state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: { terminated: { exitCode: 1, finishedAt: "2024-05-01T11:55:00Z" } } }] }).restarts, "3 (5m ago)");
  assert.equal(summary({ phase: "Running", containerStatuses: [{ name: "a", ready: false, restartCount: 3, state: { waiting: { reason: "CrashLoopBackOff" } } }] }).status, "CrashLoopBackOff");
  assert.equal(summary({ phase: "Failed", containerStatuses: [{ name: "a", ready: false, restartCount: 0, state: { terminated: { exitCode: 137, signal: 0 } } }] }).status, "ExitCode:137");
  assert.equal(summary({ phase: "Running", containerStatuses: [{ name: "a", ready: true, restartCount: 0, state: { running: {} } }] }, undefined, { deletionTimestamp: "2024-05-01T11:59:00Z" }).status, "Terminating");
  const initSpec = { initContainers: [{ name: "i1", image: "x" }, { name: "i2", image: "x" }], containers: [{ name: "a", image: "a" }] };
  assert.equal(summary({ phase: "Pending", initContainerStatuses: [
    { name: "i1", ready: true, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } },
    { name: "i2", ready: false, restartCount: 0, state: { running: {} } },
  ] }, initSpec).status, "Init:1/2");
  assert.equal(summary({ phase: "Pending", initContainerStatuses: [
    { name: "i1", ready: false, restartCount: 2, state: { waiting: { reason: "CrashLoopBackOff" } } },
  ] }, initSpec).status, "Init:CrashLoopBackOff");
  assert.equal(summary({ phase: "Pending", initContainerStatuses: [
    { name: "i1", ready: false, restartCount: 0, state: { terminated: { exitCode: 2 } } },
  ] }, initSpec).status, "Init:ExitCode:2");
  assert.equal(summary({ phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated" }] }).status, "SchedulingGated");
  assert.equal(summary({ phase: "Running", reason: "Evicted" }).status, "Evicted");
});

test("row and wide cells", () => {
  const p = { metadata: { name: "web", creationTimestamp: "2024-05-01T11:00:00Z" }, spec: { containers: [{ name: "a", image: "a" }], nodeName: "n1", readinessGates: [{ conditionType: "x/y" }] }, status: { phase: "Running", podIPs: [{ ip: "10.0.0.5" }], conditions: [{ type: "x/y", status: "True" }] } } as PodObj;
  const row = podResource.row(p);
  assert.equal(row.length, podResource.columns.length);
  assert.equal(row[0], "web");
  assert.deepEqual(row.slice(5), ["10.0.0.5", "n1", "<none>", "1/1"]);
  const bare = podResource.row({ metadata: { name: "x" }, spec: { containers: [] } } as PodObj);
  assert.deepEqual(bare.slice(5), ["<none>", "<none>", "<none>", "<none>"]);
});

test("field selectors", () => {
  const p = created(pod({ containers: [{ name: "a", image: "a" }], nodeName: "n1", serviceAccountName: "sa" }));
  const f = podResource.fieldSelectors!;
  assert.equal(f["spec.nodeName"]!(p), "n1");
  assert.equal(f["spec.restartPolicy"]!(p), "Always");
  assert.equal(f["spec.schedulerName"]!(p), "default-scheduler");
  assert.equal(f["spec.serviceAccountName"]!(p), "sa");
  assert.equal(f["spec.hostNetwork"]!(p), "false");
  assert.equal(f["status.phase"]!(p), "Pending");
  assert.equal(f["status.podIP"]!(p), "");
  assert.equal(f["status.nominatedNodeName"]!(p), "");
});

test("hostNetwork: pods default hostPort, templates do not", () => {
  const p = created(pod({ hostNetwork: true, containers: [{ name: "a", image: "a", ports: [{ containerPort: 8080 }] }] }));
  assert.equal((p.spec as NonNullable<PodObj["spec"]>).containers[0]!.ports![0]!.hostPort, 8080);
  assert.deepEqual(podResource.validate!(p), []);
  const t = { spec: { hostNetwork: true, containers: [{ name: "a", image: "a", ports: [{ containerPort: 8080 }] }] } };
  defaultPodTemplateSpec(t);
  assert.equal((t.spec.containers[0]!.ports[0] as { hostPort?: number }).hostPort, undefined);
  assert.deepEqual(validatePodTemplateSpec(t, "spec.template"), []);
});
