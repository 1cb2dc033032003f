import { test } from "node:test";
import assert from "node:assert/strict";
import { ago, rowByName, simulateCreate, simulateUpdate } from "../../common/testing.js";
import { controllerRevisionResource } from "./controllerrevision.js";
import { daemonSetResource, templateGenerationAnnotation } from "./daemonset.js";
import { deploymentResource } from "./deployment.js";
import { replicaSetResource } from "./replicaset.js";
import { statefulSetResource } from "./statefulset.js";

const template = (labels: Record<string, string> = { app: "web" }) => ({
  metadata: { labels },
  spec: { containers: [{ name: "nginx", image: "nginx:1.27" }] },
});

const deployment = (spec: object = {}) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", labels: { app: "web" } },
  spec: { selector: { matchLabels: { app: "web" } }, template: template(), ...spec },
});

test("Deployment defaults as upstream", () => {
  const { obj, errs } = simulateCreate(deploymentResource, deployment());
  assert.deepEqual(errs, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.equal(spec.replicas, 1);
  assert.deepEqual(spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } });
  assert.equal(spec.revisionHistoryLimit, 10);
  assert.equal(spec.progressDeadlineSeconds, 600);
  assert.deepEqual(obj.status, {});
  assert.equal((spec.template as { spec: { restartPolicy: string } }).spec.restartPolicy, "Always");
});

test("Deployment validation: selector, template labels, strategy", () => {
  const noSel = simulateCreate(deploymentResource, { ...deployment(), spec: { template: template() } });
  assert.ok(noSel.messages.includes("spec.selector: Required value"), noSel.messages.join("\n"));

  const mismatch = simulateCreate(deploymentResource, deployment({ template: template({ app: "other" }) }));
  const e = mismatch.errs.find((x) => x.field === "spec.template.metadata.labels");
  assert.ok(e, mismatch.messages.join("\n"));
  assert.equal(e.detail, "`selector` does not match template `labels`");
  assert.equal((e.value as { goString(): string }).goString(), 'map[string]string{"app":"other"}');

  const zero = simulateCreate(deploymentResource, deployment({ strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: "0%" } } }));
  assert.ok(zero.messages.some((m) => m.startsWith("spec.strategy.rollingUpdate.maxUnavailable: Invalid value") && m.endsWith("may not be 0 when `maxSurge` is 0")), zero.messages.join("\n"));

  const badType = simulateCreate(deploymentResource, deployment({ strategy: { type: "BlueGreen" } }));
  assert.ok(badType.messages.some((m) => m.startsWith("spec.strategy: Unsupported value") && m.endsWith('supported values: "Recreate", "RollingUpdate"')));

  const recreate = simulateCreate(deploymentResource, deployment({ strategy: { type: "Recreate", rollingUpdate: {} } }));
  assert.ok(recreate.messages.includes("spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"));

  const neg = simulateCreate(deploymentResource, deployment({ replicas: -1 }));
  assert.ok(neg.messages.includes("spec.replicas: Invalid value: -1: must be greater than or equal to 0"));

  const restart = simulateCreate(deploymentResource, deployment({ template: { ...template(), spec: { ...template().spec, restartPolicy: "Never" } } }));
  assert.ok(restart.messages.includes('spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'));
});

test("Deployment selector is immutable and status is kept on update", () => {
  const created = simulateCreate(deploymentResource, deployment()).obj;
  created.status = { replicas: 1 };
  const next = deployment({ selector: { matchLabels: { app: "web2" } }, template: template({ app: "web2" }) });
  const { errs, obj } = simulateUpdate(deploymentResource, created, { ...next, status: { replicas: 9 } });
  const e = errs.find((x) => x.field === "spec.selector");
  assert.equal(e?.detail, "field is immutable");
  assert.equal(
    (e?.value as { goString(): string }).goString(),
    'v1.LabelSelector{MatchLabels:map[string]string{"app":"web2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}',
  );
  assert.deepEqual(obj.status, { replicas: 1 });
});

test("Deployment annotation changes bump the generation", () => {
  const created = simulateCreate(deploymentResource, deployment()).obj;
  const { obj } = simulateUpdate(deploymentResource, created, { ...created, metadata: { ...created.metadata, annotations: { "kubernetes.io/change-cause": "x" } } });
  assert.equal(obj.metadata.generation, 2);
});

test("Deployment columns", () => {
  const { obj } = simulateCreate(deploymentResource, deployment({ replicas: 3 }));
  obj.metadata.creationTimestamp = ago(5 * 60_000);
  obj.status = { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 };
  assert.deepEqual(deploymentResource.columns.map((c) => `${c.name.toUpperCase()}${c.priority ? "*" : ""}`), ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS*", "IMAGES*", "SELECTOR*"]);
  assert.deepEqual(deploymentResource.row(obj), ["web", "2/3", 3, 2, "5m", "nginx", "nginx:1.27", "app=web"]);
});

test("ReplicaSet: defaults, columns and status.replicas field selector", () => {
  const rs = {
    metadata: { name: "web-abc" },
    spec: { selector: { matchLabels: { app: "web" } }, template: template() },
  };
  const { obj, errs } = simulateCreate(replicaSetResource, rs);
  assert.deepEqual(errs, []);
  assert.equal((obj.spec as { replicas: number }).replicas, 1);
  assert.deepEqual(obj.status, { replicas: 0 });
  obj.metadata.creationTimestamp = ago(30_000);
  assert.deepEqual(rowByName(replicaSetResource, obj), {
    Name: "web-abc", Desired: 1, Current: 0, Ready: 0, Age: "30s", Containers: "nginx", Images: "nginx:1.27", Selector: "app=web",
  });
  assert.equal(replicaSetResource.fieldSelectors?.["status.replicas"]?.(obj), "0");
  const empty = simulateCreate(replicaSetResource, { metadata: { name: "x" }, spec: { selector: {}, template: template() } });
  assert.ok(empty.messages.some((m) => m.startsWith("spec.selector: Invalid value") && m.endsWith("empty selector is invalid for replicaset")));
});

test("DaemonSet: update strategy defaults, template generation, columns", () => {
  const ds = { metadata: { name: "agent" }, spec: { selector: { matchLabels: { app: "web" } }, template: { ...template(), spec: { ...template().spec, nodeSelector: { disk: "ssd" } } } } };
  const { obj, errs } = simulateCreate(daemonSetResource, ds);
  assert.deepEqual(errs, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.deepEqual(spec.updateStrategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(spec.revisionHistoryLimit, 10);
  assert.equal(obj.metadata.annotations?.[templateGenerationAnnotation], "1");
  obj.metadata.creationTimestamp = ago(3 * 3600_000);
  assert.deepEqual(daemonSetResource.row(obj), ["agent", 0, 0, 0, 0, 0, "disk=ssd", "3h", "nginx", "nginx:1.27", "app=web"]);
  const changed = structuredClone(obj);
  (changed.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image = "nginx:2";
  const upd = simulateUpdate(daemonSetResource, obj, changed);
  assert.deepEqual(upd.errs, []);
  assert.equal(upd.obj.metadata.annotations?.[templateGenerationAnnotation], "2");
  const bad = simulateCreate(daemonSetResource, { ...ds, spec: { ...ds.spec, updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } } });
  assert.ok(bad.messages.includes("spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0"), bad.messages.join("\n"));
});

test("StatefulSet: defaults, forbidden updates, columns", () => {
  const sts = {
    metadata: { name: "db" },
    spec: {
      serviceName: "db",
      selector: { matchLabels: { app: "web" } },
      template: template(),
      volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
    },
  };
  const { obj, errs } = simulateCreate(statefulSetResource, sts);
  assert.deepEqual(errs, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.equal(spec.podManagementPolicy, "OrderedReady");
  assert.deepEqual(spec.updateStrategy, { type: "RollingUpdate", rollingUpdate: { partition: 0 } });
  assert.deepEqual(spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
  assert.equal(spec.replicas, 1);
  const pvc = (spec.volumeClaimTemplates as Record<string, unknown>[])[0]!;
  assert.equal(pvc.kind, "PersistentVolumeClaim");
  assert.deepEqual(pvc.status, { phase: "Pending" });
  assert.equal((pvc.spec as { volumeMode: string }).volumeMode, "Filesystem");

  const scaled = simulateUpdate(statefulSetResource, obj, { ...obj, spec: { ...spec, replicas: 3 } });
  assert.deepEqual(scaled.errs, []);
  const renamed = simulateUpdate(statefulSetResource, obj, { ...obj, spec: { ...spec, serviceName: "other" } });
  assert.ok(renamed.messages[0]?.startsWith("spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template'"));

  obj.status = { readyReplicas: 1 };
  obj.metadata.creationTimestamp = ago(2 * 86400_000);
  assert.deepEqual(statefulSetResource.row(obj), ["db", "1/1", "2d", "nginx", "nginx:1.27"]);
});

test("ControllerRevision: data required and immutable, controller column", () => {
  const missing = simulateCreate(controllerRevisionResource, { metadata: { name: "r1" }, revision: 1 });
  assert.deepEqual(missing.messages, ["data: Required value: data is mandatory"]);
  const cr = simulateCreate(controllerRevisionResource, {
    metadata: { name: "db-7d", ownerReferences: [{ apiVersion: "apps/v1", kind: "StatefulSet", name: "db", uid: "u", controller: true }] },
    data: { spec: {} },
    revision: 2,
  }).obj;
  cr.metadata.creationTimestamp = ago(10_000);
  assert.deepEqual(controllerRevisionResource.row(cr), ["db-7d", "statefulset.apps/db", 2, "10s"]);
  const upd = simulateUpdate(controllerRevisionResource, cr, { ...cr, data: { spec: { x: 1 } } });
  assert.ok(upd.messages.some((m) => m.endsWith("field is immutable")));
});

test("DaemonSet: an update with an undefaulted but equal template keeps the template generation", () => {
  const ds = { metadata: { name: "agent" }, spec: { selector: { matchLabels: { app: "web" } }, template: template() } };
  const created = simulateCreate(daemonSetResource, ds).obj;
  const upd = simulateUpdate(daemonSetResource, created, { ...ds, metadata: { ...created.metadata } });
  assert.equal(upd.obj.metadata.annotations?.[templateGenerationAnnotation], "1");
});
