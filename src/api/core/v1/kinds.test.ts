import { test } from "node:test";
import assert from "node:assert/strict";
import { fieldErrorMessage } from "../../../machinery/errors.js";
import type { KubeObject } from "../../../machinery/object.js";
import type { ResourceDef } from "../../../machinery/resource.js";
import { configMapResource } from "./configmap.js";
import { endpointsResource } from "./endpoints.js";
import { eventResource } from "./event.js";
import { coreV1Resources } from "./index.js";
import { limitRangeResource } from "./limitrange.js";
import { namespaceResource } from "./namespace.js";
import { nodeResource } from "./node.js";
import { persistentVolumeClaimResource, persistentVolumeResource } from "./persistentvolume.js";
import { podTemplateResource } from "./podtemplate.js";
import { replicationControllerResource } from "./replicationcontroller.js";
import { resourceQuotaResource } from "./resourcequota.js";
import { secretResource } from "./secret.js";

const ctx = { now: new Date("2024-05-01T12:00:00Z") };

function obj(kind: string, fields: Record<string, unknown>, meta: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: "v1", kind, metadata: { name: "x", namespace: "default", ...meta }, ...fields };
}

function create(def: ResourceDef, o: KubeObject): KubeObject {
  def.defaults?.(o);
  def.prepareForCreate?.(o, ctx);
  return o;
}

function msgs(def: ResourceDef, o: KubeObject): string[] {
  return (def.validate?.(o) ?? []).map(fieldErrorMessage);
}

test("registry entries are complete and unique", () => {
  assert.equal(coreV1Resources.length, 15);
  const plurals = new Set(coreV1Resources.map((r) => r.plural));
  assert.equal(plurals.size, 15);
  const shorts = coreV1Resources.flatMap((r) => r.shortNames ?? []).sort();
  assert.deepEqual(shorts, ["cm", "ep", "ev", "limits", "no", "ns", "po", "pv", "pvc", "quota", "rc", "sa", "svc"]);
  assert.deepEqual(coreV1Resources.filter((r) => r.categories?.includes("all")).map((r) => r.plural), ["pods", "services", "replicationcontrollers"]);
  for (const r of coreV1Resources) {
    assert.equal(r.group, "");
    assert.equal(r.version, "v1");
    assert.equal(r.schema, `io.k8s.api.core.v1.${r.kind}`);
    const row = r.row({ metadata: { name: "n" } });
    assert.equal(row.length, r.columns.length, r.kind);
    const nameIdx = r.columns.findIndex((c) => c.format === "name");
    assert.equal(row[nameIdx], "n", r.kind);
  }
});

test("namespace: finalizer, phase, name label, status kept", () => {
  const ns = create(namespaceResource, obj("Namespace", { status: { phase: "Terminating" } }, { name: "team-a", namespace: undefined }));
  assert.deepEqual(ns.spec, { finalizers: ["kubernetes"] });
  assert.deepEqual(ns.status, { phase: "Active" });
  assert.deepEqual(ns.metadata.labels, { "kubernetes.io/metadata.name": "team-a" });
  assert.equal(namespaceResource.fieldSelectors!["status.phase"]!(ns), "Active");
  assert.deepEqual(namespaceResource.row(ns).slice(0, 2), ["team-a", "Active"]);
  assert.equal(namespaceResource.nameValidation, "dns1123Label");
  assert.ok(!namespaceResource.verbs!.includes("deletecollection"));
});

test("secret: stringData, type, base64, required keys, immutability", () => {
  const s = create(secretResource, obj("Secret", { stringData: { password: "hunter2" }, data: { user: "YWRtaW4=" } }));
  assert.equal(s.type, "Opaque");
  assert.deepEqual(s.data, { user: "YWRtaW4=", password: "aHVudGVyMg==" });
  assert.equal(s.stringData, undefined);
  assert.deepEqual(msgs(secretResource, s), []);
  assert.deepEqual(secretResource.row(s).slice(0, 3), ["x", "Opaque", 2]);
  assert.deepEqual(msgs(secretResource, create(secretResource, obj("Secret", { data: { "bad key": "YQ==", ok: "not base64!" } }))), [
    `data[bad key]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
    'data[ok]: Invalid value: "<secret contents redacted>": illegal base64 data at input byte 3',
  ]);
  assert.deepEqual(msgs(secretResource, create(secretResource, obj("Secret", { type: "kubernetes.io/tls", data: {} }))), ["data[tls.crt]: Required value", "data[tls.key]: Required value"]);
  const old = create(secretResource, obj("Secret", { data: { a: "YQ==" }, immutable: true }));
  const upd = structuredClone(old);
  upd.data = { a: "Yg==" };
  upd.type = "Other";
  assert.deepEqual(secretResource.validateUpdate!(upd, old).map(fieldErrorMessage), [
    'type: Invalid value: "Other": field is immutable',
    "data: Forbidden: field is immutable when `immutable` is set",
  ]);
  assert.equal(secretResource.fieldSelectors!.type!(s), "Opaque");
});

test("configmap: keys, duplicates, DATA column", () => {
  const cm = obj("ConfigMap", { data: { "a.conf": "x", "b b": "y" }, binaryData: { "a.conf": "eA==" } });
  assert.deepEqual(msgs(configMapResource, cm).map((m) => m.split(":").slice(0, 2).join(":")), [
    "data[a.conf]: Invalid value", "data[b b]: Invalid value", "binaryData[a.conf]: Invalid value",
  ]);
  assert.deepEqual(configMapResource.row(cm).slice(0, 2), ["x", 3]);
});

test("event: printer, validation and selectors", () => {
  const now = Date.now();
  const ev = obj("Event", {
    involvedObject: { kind: "Pod", name: "web-1", namespace: "default", uid: "u1", fieldPath: "spec.containers{web}" },
    reason: "Pulled", message: " pulled image \n", type: "Normal", source: { component: "kubelet", host: "node1" },
    firstTimestamp: new Date(now - 300_000).toISOString(), lastTimestamp: new Date(now - 60_000).toISOString(), count: 3,
  });
  assert.deepEqual(eventResource.row(ev), ["60s", "Normal", "Pulled", "pod/web-1", "spec.containers{web}", "kubelet, node1", "pulled image", "5m", 3, "x"]);
  assert.equal(eventResource.columns[0]!.name, "Last Seen");
  assert.equal(eventResource.columns.at(-1)!.priority, 1);
  assert.deepEqual(msgs(eventResource, ev), []);
  const wrongNs = obj("Event", { involvedObject: { kind: "Pod", name: "p", namespace: "other" } });
  assert.deepEqual(msgs(eventResource, wrongNs), ['involvedObject.namespace: Invalid value: "other": does not match event.namespace']);
  const f = eventResource.fieldSelectors!;
  assert.equal(f["involvedObject.name"]!(ev), "web-1");
  assert.equal(f["involvedObject.uid"]!(ev), "u1");
  assert.equal(f["involvedObject.kind"]!(ev), "Pod");
  assert.equal(f.source!(ev), "kubelet");
  assert.equal(f.reportingComponent!(ev), "");
  assert.equal(f.type!(ev), "Normal");
  const bare = obj("Event", { involvedObject: { kind: "Node", name: "n1" }, eventTime: new Date(now - 2000).toISOString(), reportingComponent: "k", reportingInstance: "i", action: "a" });
  assert.deepEqual(eventResource.row(bare).slice(0, 4), ["2s", "", "", "node/n1"]);
  assert.equal(eventResource.row(bare)[8], 1);
});

test("node: status kept on create, printer, selectors", () => {
  const n = create(nodeResource, obj("Node", {
    spec: { unschedulable: true },
    status: {
      capacity: { cpu: "4", memory: "8Gi", pods: "110" },
      conditions: [{ type: "Ready", status: "True" }],
      addresses: [{ type: "InternalIP", address: "192.168.1.10" }],
      nodeInfo: { kubeletVersion: "v1.32.0", osImage: "Debian", kernelVersion: "6.1", containerRuntimeVersion: "timonel://0.1" },
    },
  }, { name: "n1", namespace: undefined, labels: { "node-role.kubernetes.io/control-plane": "" } }));
  assert.deepEqual((n.status as { allocatable: unknown }).allocatable, { cpu: "4", memory: "8Gi", pods: "110" });
  const row = nodeResource.row(n);
  assert.deepEqual([row[0], row[1], row[2], row[4]], ["n1", "Ready,SchedulingDisabled", "control-plane", "v1.32.0"]);
  assert.deepEqual(row.slice(5), ["192.168.1.10", "<none>", "Debian", "6.1", "timonel://0.1"]);
  assert.equal(nodeResource.fieldSelectors!["spec.unschedulable"]!(n), "true");
  assert.equal(nodeResource.row(obj("Node", {}))[1], "Unknown");
  const old = structuredClone(n);
  const upd = structuredClone(n);
  upd.status = {};
  nodeResource.prepareForUpdate!(upd, old, ctx);
  assert.deepEqual(upd.status, old.status);
});

test("persistent volumes and claims", () => {
  const pv = create(persistentVolumeResource, obj("PersistentVolume", { spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: "/data" } } }, { namespace: undefined }));
  const spec = pv.spec as Record<string, unknown>;
  assert.equal(spec.persistentVolumeReclaimPolicy, "Retain");
  assert.equal(spec.volumeMode, "Filesystem");
  assert.equal((pv.status as { phase: string }).phase, "Pending");
  assert.deepEqual(msgs(persistentVolumeResource, pv), []);
  assert.deepEqual(persistentVolumeResource.row(pv).slice(0, 8), ["x", "1Gi", "RWO", "Retain", "Pending", "", "", "<unset>"]);
  assert.deepEqual(msgs(persistentVolumeResource, create(persistentVolumeResource, obj("PersistentVolume", { spec: {} }))), [
    "spec.accessModes: Required value", "spec.capacity: Required value", 'spec.capacity: Unsupported value: {}: supported values: "storage"', "spec: Required value: must specify a volume type",
  ]);

  const pvc = create(persistentVolumeClaimResource, obj("PersistentVolumeClaim", { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }));
  assert.equal((pvc.spec as { volumeMode: string }).volumeMode, "Filesystem");
  assert.deepEqual(pvc.status, { phase: "Pending" });
  assert.deepEqual(msgs(persistentVolumeClaimResource, pvc), []);
  assert.deepEqual(persistentVolumeClaimResource.row(pvc).slice(0, 7), ["x", "Pending", "", "", "", "", "<unset>"]);
  assert.deepEqual(msgs(persistentVolumeClaimResource, create(persistentVolumeClaimResource, obj("PersistentVolumeClaim", { spec: {} }))), [
    "spec.accessModes: Required value: at least 1 access mode is required", "spec.resources[storage]: Required value",
  ]);
  const bound = structuredClone(pvc);
  (bound.spec as Record<string, unknown>).volumeName = "pv1";
  assert.deepEqual(persistentVolumeClaimResource.validateUpdate!(bound, pvc), []);
  const changed = structuredClone(pvc);
  (changed.spec as Record<string, unknown>).accessModes = ["ReadWriteMany"];
  assert.deepEqual(persistentVolumeClaimResource.validateUpdate!(changed, pvc).map(fieldErrorMessage), [
    "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
  ]);
});

test("limit range defaults and checks", () => {
  const lr = create(limitRangeResource, obj("LimitRange", { spec: { limits: [{ type: "Container", max: { cpu: "1" }, min: { memory: "64Mi" } }] } }));
  const item = (lr.spec as { limits: Record<string, unknown>[] }).limits[0]!;
  assert.deepEqual(item.default, { cpu: "1" });
  assert.deepEqual(item.defaultRequest, { cpu: "1", memory: "64Mi" });
  assert.deepEqual(msgs(limitRangeResource, lr), []);
  const bad = obj("LimitRange", { spec: { limits: [{ type: "Container", max: { cpu: "1" }, min: { cpu: "2" } }] } });
  assert.deepEqual(msgs(limitRangeResource, bad), ['spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1']);
  assert.deepEqual(limitRangeResource.columns.map((c) => c.name), ["Name", "Created At"]);
});

test("resource quota columns and validation", () => {
  const rq = create(resourceQuotaResource, obj("ResourceQuota", { spec: { hard: { pods: "10", "limits.cpu": "2", "requests.memory": "1Gi" } }, status: { used: { pods: "99" } } }));
  assert.deepEqual(rq.status, {});
  rq.status = { hard: { pods: "10", "limits.cpu": "2", "requests.memory": "1Gi" }, used: { pods: "3", "limits.cpu": "500m" } };
  assert.deepEqual(resourceQuotaResource.row(rq).slice(0, 3), ["x", "pods: 3/10, requests.memory: 0/1Gi", "limits.cpu: 500m/2"]);
  assert.deepEqual(msgs(resourceQuotaResource, obj("ResourceQuota", { spec: { hard: { pods: "1.5", foo: "1" } } })), [
    'spec.hard[pods]: Invalid value: "1.5": must be an integer',
    'spec.hard[foo]: Invalid value: "foo": must be a standard resource for quota',
  ]);
});

test("replication controller defaults, validation, printer", () => {
  const rc = create(replicationControllerResource, obj("ReplicationController", {
    spec: { template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx" }] } } },
  }));
  const spec = rc.spec as Record<string, unknown>;
  assert.deepEqual(spec.selector, { app: "web" });
  assert.equal(spec.replicas, 1);
  assert.deepEqual(rc.metadata.labels, { app: "web" });
  assert.deepEqual(rc.status, { replicas: 0 });
  assert.deepEqual(msgs(replicationControllerResource, rc), []);
  assert.deepEqual(replicationControllerResource.row(rc).filter((_, i) => i !== 4), ["x", 1, 0, 0, "web", "nginx", "app=web"]);
  assert.equal(replicationControllerResource.fieldSelectors!["status.replicas"]!(rc), "0");
  const mismatch = create(replicationControllerResource, obj("ReplicationController", {
    spec: { selector: { app: "other" }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx" }] } } },
  }));
  assert.deepEqual(msgs(replicationControllerResource, mismatch), ['spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`']);
  assert.deepEqual(replicationControllerResource.subresources?.scale, { specReplicasPath: "spec.replicas", statusReplicasPath: "status.replicas", labelSelectorPath: "spec.selector" });
});

test("pod template and endpoints printers", () => {
  const pt = create(podTemplateResource, obj("PodTemplate", { template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } } }));
  assert.deepEqual(podTemplateResource.row(pt), ["x", "c", "i", "a=b"]);
  assert.deepEqual(msgs(podTemplateResource, pt), []);
  const ep = obj("Endpoints", { subsets: [{ addresses: [{ ip: "10.0.0.1" }, { ip: "10.0.0.2" }], ports: [{ port: 80 }, { port: 443, name: "https" }] }] });
  endpointsResource.defaults!(ep);
  assert.equal(endpointsResource.row(ep)[1], "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...");
  assert.equal(endpointsResource.row(obj("Endpoints", {}))[1], "<none>");
  assert.deepEqual(msgs(endpointsResource, ep), ["subsets[0].ports[0].name: Required value"]);
});
