/**
 * The patch code against the real generated schemas (generated/schemas.json, the data
 * behind api/'s builtinSchemas(); read directly because machinery/ may not import api/),
 * with the bodies kubectl v1.32 sends.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { StatusError } from "../errors.js";
import type { KubeObject } from "../object.js";
import { SchemaSet, type SchemaDefinitions } from "../schema.js";
import { serverSideApply } from "./apply.js";
import { updateManagedFields } from "./managed-fields.js";
import { applyStrategicMergePatch } from "./strategic.js";

const file = fileURLToPath(new URL("../../../generated/schemas.json", import.meta.url));
const skip = existsSync(file) ? false : "generated/schemas.json not built";
const schemas = skip ? new SchemaSet({}) : new SchemaSet(JSON.parse(readFileSync(file, "utf8")) as SchemaDefinitions);

type Obj = Record<string, unknown>;
const deploymentType = "io.k8s.api.apps.v1.Deployment";
const t0 = new Date("2025-04-01T08:00:00Z");

/** A Deployment as the server stores it after `kubectl apply -f` (defaults filled). */
function storedDeployment(): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "web", namespace: "default", uid: "0b7c", resourceVersion: "12", generation: 1, creationTimestamp: "2025-04-01T07:00:00Z",
      labels: { app: "web" },
      annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}\n" },
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "web" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          containers: [{
            name: "app", image: "nginx:1.26", imagePullPolicy: "IfNotPresent",
            ports: [{ containerPort: 80, protocol: "TCP" }],
            env: [{ name: "MODE", value: "prod" }],
            resources: {}, terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File",
          }],
          restartPolicy: "Always", terminationGracePeriodSeconds: 30, dnsPolicy: "ClusterFirst", securityContext: {}, schedulerName: "default-scheduler",
        },
      },
    },
    status: {},
  };
}

const podSpec = (d: Obj) => ((d.spec as Obj).template as Obj).spec as Obj;
const containers = (d: Obj) => podSpec(d).containers as Obj[];

test("kubectl apply (client-side) body on a stored Deployment", { skip }, () => {
  const body = {
    metadata: { annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{\"apiVersion\":\"apps/v1\"}\n" } },
    spec: { replicas: 3, template: { spec: { "$setElementOrder/containers": [{ name: "app" }], containers: [{ image: "nginx:1.27", name: "app" }] } } },
  };
  const out = applyStrategicMergePatch(storedDeployment(), body, { schemas, typeName: deploymentType });
  assert.equal((out.spec as Obj).replicas, 3);
  assert.equal(containers(out).length, 1);
  assert.equal(containers(out)[0]!.image, "nginx:1.27");
  assert.deepEqual(containers(out)[0]!.ports, [{ containerPort: 80, protocol: "TCP" }]);
  assert.equal(((out.metadata as Obj).annotations as Obj)["kubectl.kubernetes.io/last-applied-configuration"], "{\"apiVersion\":\"apps/v1\"}\n");
});

test("kubectl set image and kubectl edit bodies", { skip }, () => {
  const setImage = { spec: { template: { spec: { "$setElementOrder/containers": [{ name: "app" }], containers: [{ image: "nginx:2", name: "app" }] } } } };
  const a = applyStrategicMergePatch(storedDeployment(), setImage, { schemas, typeName: deploymentType });
  assert.equal(containers(a)[0]!.image, "nginx:2");
  assert.deepEqual(containers(a)[0]!.env, [{ name: "MODE", value: "prod" }]);
  const b = applyStrategicMergePatch(storedDeployment(), { spec: { replicas: 2 } }, { schemas, typeName: deploymentType });
  assert.equal((b.spec as Obj).replicas, 2);
});

test("strategic merge on a Pod: env, volumes with $retainKeys, tolerations, finalizers", { skip }, () => {
  const pod = {
    apiVersion: "v1", kind: "Pod",
    metadata: { name: "p", finalizers: ["a"] },
    spec: {
      containers: [{ name: "c", image: "busybox", env: [{ name: "A", value: "1" }], volumeMounts: [{ name: "v", mountPath: "/v" }] }],
      volumes: [{ name: "v", emptyDir: {} }],
      tolerations: [{ key: "x", operator: "Exists" }],
    },
  };
  const patch = {
    metadata: { finalizers: ["b"] },
    spec: {
      containers: [{ name: "c", env: [{ name: "B", value: "2" }], volumeMounts: [{ mountPath: "/w", name: "w" }] }],
      volumes: [{ name: "v", configMap: { name: "cm" }, $retainKeys: ["configMap", "name"] }],
      tolerations: [{ key: "y", operator: "Exists" }],
    },
  };
  const out = applyStrategicMergePatch(pod, patch, { schemas, typeName: "io.k8s.api.core.v1.Pod" }) as { metadata: Obj; spec: Obj };
  const c = (out.spec.containers as Obj[])[0]!;
  assert.deepEqual((c.env as Obj[]).map((e) => e.name), ["B", "A"]);
  assert.deepEqual((c.volumeMounts as Obj[]).map((m) => m.mountPath), ["/w", "/v"]);
  assert.deepEqual(out.spec.volumes, [{ name: "v", configMap: { name: "cm" } }]);
  assert.deepEqual(out.spec.tolerations, [{ key: "y", operator: "Exists" }]);
  assert.deepEqual(out.metadata.finalizers, ["b", "a"]);
});

test("strategic merge on a Service merges ports by port", { skip }, () => {
  const svc = { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: [{ port: 80, targetPort: 8080, protocol: "TCP" }], selector: { app: "x" } } };
  const out = applyStrategicMergePatch(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 443 }] } }, { schemas, typeName: "io.k8s.api.core.v1.Service" });
  assert.deepEqual((out.spec as Obj).ports, [{ port: 80, targetPort: 9090, protocol: "TCP" }, { port: 443 }]);
});

test("kubectl create then apply --server-side: conflict on replicas, then forced", { skip }, () => {
  const live = storedDeployment();
  updateManagedFields({ updated: live, manager: "kubectl-client-side-apply", operation: "Update", apiVersion: "apps/v1", now: t0, schemas, typeName: deploymentType });
  const entry = live.metadata.managedFields![0]!;
  const f = entry.fieldsV1 as Obj;
  const spec = f["f:spec"] as Obj;
  assert.ok(spec["f:replicas"]);
  assert.deepEqual(spec["f:selector"], {}, "LabelSelector is atomic");
  const ctr = ((((spec["f:template"] as Obj)["f:spec"] as Obj)["f:containers"] as Obj)['k:{"name":"app"}'] as Obj);
  assert.ok(ctr["."]);
  assert.ok((ctr["f:ports"] as Obj)['k:{"containerPort":80,"protocol":"TCP"}']);
  assert.ok((ctr["f:env"] as Obj)['k:{"name":"MODE"}']);

  const manifest: KubeObject = {
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", labels: { app: "web" } },
    spec: {
      replicas: 3, selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "app", image: "nginx:1.26", ports: [{ containerPort: 80 }] }] } },
    },
  };
  const run = (force: boolean) => serverSideApply({ live, applied: manifest, manager: "kubectl", force, apiVersion: "apps/v1", now: t0, schemas, typeName: deploymentType });
  assert.throws(() => run(false), (e: unknown) =>
    e instanceof StatusError && e.code === 409 &&
    e.message === 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas' &&
    e.details?.causes?.[0]?.field === ".spec.replicas");
  const out = run(true);
  assert.equal((out.spec as Obj).replicas, 3);
  assert.deepEqual(containers(out)[0]!.ports, [{ containerPort: 80, protocol: "TCP" }], "the port without protocol is the same item");
  assert.deepEqual(out.metadata.managedFields!.map((e) => `${e.manager}/${e.operation}`), ["kubectl/Apply", "kubectl-client-side-apply/Update"]);
  // kubectl keeps the client-side annotation in step with what it applied.
  const ann = out.metadata.annotations!["kubectl.kubernetes.io/last-applied-configuration"]!;
  assert.equal(JSON.parse(ann).spec.replicas, 3);
});

test("server-side apply on a Service keys ports by port and protocol", { skip }, () => {
  const svc: KubeObject = { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { ports: [{ port: 80, targetPort: 8080 }], selector: { app: "x" } } };
  const created = serverSideApply({ applied: svc, manager: "kubectl", force: false, apiVersion: "v1", now: t0, schemas, typeName: "io.k8s.api.core.v1.Service" });
  const spec = created.metadata.managedFields![0]!.fieldsV1!["f:spec"] as Obj;
  assert.deepEqual(spec["f:ports"], { 'k:{"port":80,"protocol":"TCP"}': { ".": {}, "f:port": {}, "f:targetPort": {} } });
  assert.deepEqual(spec["f:selector"], {}, "Service selector is an atomic map");
});
