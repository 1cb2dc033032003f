import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { builtinSchemas } from "./schemas.js";

const schemas = builtinSchemas();
const def = (name: string) => {
  const d = schemas.get(name);
  assert.ok(d, `definition ${name}`);
  return d;
};
const prop = (name: string, field: string) => {
  const p = def(name).properties?.[field];
  assert.ok(p, `${name}.${field}`);
  return p;
};

test("builtinSchemas loads once", () => {
  assert.equal(builtinSchemas(), schemas);
});

test("Pod and Deployment: descriptions, required, GVK and $refs", () => {
  const pod = def("io.k8s.api.core.v1.Pod");
  assert.match(pod.description ?? "", /^Pod is a collection of containers/);
  assert.deepEqual(pod["x-kubernetes-group-version-kind"], [{ group: "", kind: "Pod", version: "v1" }]);
  assert.equal(prop("io.k8s.api.core.v1.Pod", "spec").$ref, "#/components/schemas/io.k8s.api.core.v1.PodSpec");
  assert.equal(prop("io.k8s.api.core.v1.Pod", "metadata").$ref, "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  assert.deepEqual(def("io.k8s.api.core.v1.PodSpec").required, ["containers"]);
  assert.deepEqual(def("io.k8s.api.core.v1.Container").required, ["name"]);

  const dep = def("io.k8s.api.apps.v1.Deployment");
  assert.deepEqual(dep["x-kubernetes-group-version-kind"], [{ group: "apps", kind: "Deployment", version: "v1" }]);
  assert.deepEqual(def("io.k8s.api.apps.v1.DeploymentList")["x-kubernetes-group-version-kind"], [{ group: "apps", kind: "DeploymentList", version: "v1" }]);
  assert.deepEqual(def("io.k8s.api.apps.v1.DeploymentSpec").required, ["selector", "template"]);
  assert.deepEqual(prop("io.k8s.api.apps.v1.DeploymentSpec", "replicas"), {
    type: "integer",
    format: "int32",
    description: "Number of desired pods. This is a pointer to distinguish between explicit zero and not specified. Defaults to 1.",
  });
});

test("patch strategies, merge keys and list types of upstream's struct tags", () => {
  const containers = prop("io.k8s.api.core.v1.PodSpec", "containers");
  assert.equal(containers["x-kubernetes-patch-strategy"], "merge");
  assert.equal(containers["x-kubernetes-patch-merge-key"], "name");
  assert.equal(containers["x-kubernetes-list-type"], "map");
  assert.deepEqual(containers["x-kubernetes-list-map-keys"], ["name"]);
  const volumes = prop("io.k8s.api.core.v1.PodSpec", "volumes");
  assert.equal(volumes["x-kubernetes-patch-strategy"], "merge,retainKeys");
  const ports = prop("io.k8s.api.core.v1.Container", "ports");
  assert.equal(ports["x-kubernetes-patch-merge-key"], "containerPort");
  assert.deepEqual(ports["x-kubernetes-list-map-keys"], ["containerPort", "protocol"]);
  assert.equal(prop("io.k8s.api.core.v1.Container", "env")["x-kubernetes-patch-merge-key"], "name");
  assert.equal(prop("io.k8s.api.core.v1.Container", "volumeMounts")["x-kubernetes-patch-merge-key"], "mountPath");
  assert.equal(prop("io.k8s.api.core.v1.PodSpec", "tolerations")["x-kubernetes-patch-strategy"], undefined);
  assert.deepEqual(prop("io.k8s.api.core.v1.ServiceSpec", "ports")["x-kubernetes-list-map-keys"], ["port", "protocol"]);
  assert.equal(prop("io.k8s.api.apps.v1.DeploymentStatus", "conditions")["x-kubernetes-patch-merge-key"], "type");
  const finalizers = prop("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "finalizers");
  assert.equal(finalizers["x-kubernetes-patch-strategy"], "merge");
  assert.equal(finalizers["x-kubernetes-list-type"], "set");
  assert.equal(prop("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "ownerReferences")["x-kubernetes-patch-merge-key"], "uid");
  assert.equal(def("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector")["x-kubernetes-map-type"], "atomic");
});

test("special types and formats", () => {
  assert.deepEqual(
    { ...def("io.k8s.apimachinery.pkg.util.intstr.IntOrString"), description: undefined },
    { description: undefined, type: "string", format: "int-or-string", "x-kubernetes-int-or-string": true },
  );
  assert.equal(prop("io.k8s.api.apps.v1.RollingUpdateDeployment", "maxSurge").$ref, "#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString");
  assert.equal(def("io.k8s.apimachinery.pkg.apis.meta.v1.Time").format, "date-time");
  assert.equal(def("io.k8s.apimachinery.pkg.api.resource.Quantity").type, "string");
  assert.equal(def("io.k8s.apimachinery.pkg.runtime.RawExtension").type, "object");
  assert.deepEqual(prop("io.k8s.api.core.v1.Secret", "data").additionalProperties, { type: "string", format: "byte" });
  assert.equal(prop("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "generation").format, "int64");
  assert.equal(prop("io.k8s.api.core.v1.PodSpec", "terminationGracePeriodSeconds").format, "int64");
  assert.equal(prop("io.k8s.api.core.v1.ContainerPort", "containerPort").format, "int32");
  const crdProps = def("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps").properties ?? {};
  for (const ext of ["x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string", "x-kubernetes-embedded-resource", "x-kubernetes-list-type", "x-kubernetes-validations"]) {
    assert.ok(crdProps[ext], ext);
  }
  assert.ok(def("io.k8s.api.admissionregistration.v1.RuleWithOperations").properties?.resources, "inline Rule fields");
  assert.ok(def("io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions")["x-kubernetes-group-version-kind"]?.some((g) => g.group === "apps"));
});

test("the generator is fast and reproduces generated/schemas.json", () => {
  const dir = mkdtempSync(join(tmpdir(), "timonel-schemas-"));
  try {
    const out = join(dir, "schemas.json");
    const script = fileURLToPath(new URL("../../scripts/gen-schemas.mjs", import.meta.url));
    const started = Date.now();
    execFileSync(process.execPath, [script, "--out", out, "--quiet"]);
    assert.ok(Date.now() - started < 3000, "under 3 s");
    assert.deepEqual(JSON.parse(readFileSync(out, "utf8")), schemas.definitions);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
