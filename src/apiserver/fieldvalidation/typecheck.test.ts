import { test } from "node:test";
import assert from "node:assert/strict";
import { builtinSchemas } from "../../api/schemas.js";
import { firstTypeError } from "./typecheck.js";

const deploy = "io.k8s.api.apps.v1.Deployment";

test("Go decoding type errors name the struct, the path and the Go type", () => {
  const s = builtinSchemas();
  assert.equal(firstTypeError({ spec: { replicas: "three" } }, deploy, s),
    "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32");
  assert.equal(firstTypeError({ spec: { replicas: 1.5 } }, deploy, s),
    "json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32");
  assert.equal(firstTypeError({ metadata: { labels: ["a"] } }, deploy, s),
    "json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string");
  assert.equal(firstTypeError({ spec: { template: { spec: { containers: {} } } } }, deploy, s),
    "json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container");
  assert.equal(firstTypeError({ spec: { replicas: 2, template: { spec: { containers: [{ name: "a", ports: [{ containerPort: "80" }] }] } } } }, deploy, s),
    "json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32");
  // int-or-string and quantities take both forms.
  assert.equal(firstTypeError({ spec: { strategy: { rollingUpdate: { maxSurge: "25%", maxUnavailable: 1 } }, template: { spec: { containers: [{ name: "a", resources: { limits: { cpu: 1, memory: "1Gi" } } }] } } } }, deploy, s), undefined);
  assert.equal(firstTypeError({ spec: { replicas: null } }, deploy, s), undefined);
});
