import { test } from "node:test";
import assert from "node:assert/strict";
import { builtinSchemas } from "../../api/schemas.js";
import { SchemaSet } from "../../machinery/schema.js";
import {
  cannotBeHandledMessage,
  createFieldValidator,
  duplicateFields,
  strictDecodingMessage,
  strictFieldProblems,
  unknownFieldPaths,
  unknownFields,
  warningHeaderValue,
} from "./index.js";

const schemas = builtinSchemas();
const deploymentName = "io.k8s.api.apps.v1.Deployment";

function deployment(extra: { spec?: Record<string, unknown>; container?: Record<string, unknown>; metadata?: Record<string, unknown> } = {}) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", labels: { app: "web", "anything.example.com/x": "y" }, annotations: { a: "b" }, ...extra.metadata },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          containers: [
            { name: "app", image: "nginx", ports: [{ containerPort: 80 }], resources: { limits: { cpu: "1", memory: 128974848 } }, ...extra.container },
          ],
          nodeSelector: { "kubernetes.io/os": "linux" },
        },
      },
      ...extra.spec,
    },
  };
}

test("a valid Deployment has no unknown fields", () => {
  assert.deepEqual(unknownFields(deployment(), deploymentName, schemas), []);
});

test("unknown fields are reported with upstream's paths, in object order", () => {
  const obj = deployment({ spec: { replica: 3 }, container: { imagex: "x" }, metadata: { labelz: {} } });
  assert.deepEqual(unknownFields(obj, deploymentName, schemas), [
    'unknown field "metadata.labelz"',
    'unknown field "spec.template.spec.containers[0].imagex"',
    'unknown field "spec.replica"',
  ]);
  assert.deepEqual(unknownFieldPaths(obj, deploymentName, schemas), ["metadata.labelz", "spec.template.spec.containers[0].imagex", "spec.replica"]);
});

test("RawExtension, FieldsV1, int-or-string and maps accept anything", () => {
  const rev = {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      name: "r",
      managedFields: [{ manager: "m", operation: "Apply", fieldsV1: { "f:spec": { "f:replicas": {} } } }],
    },
    data: { spec: { whatever: true }, nested: [{ x: 1 }] },
    revision: 1,
  };
  assert.deepEqual(unknownFields(rev, "io.k8s.api.apps.v1.ControllerRevision", schemas), []);
  const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { "any.key": "v" }, binaryData: { b: "AA==" } };
  assert.deepEqual(unknownFields(cm, "io.k8s.api.core.v1.ConfigMap", schemas), []);
});

test("CRDs may use the x-kubernetes extensions of JSONSchemaProps", () => {
  const crd = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "pets.zoo.example.com" },
    spec: {
      group: "zoo.example.com",
      names: { kind: "Pet", plural: "pets" },
      scope: "Namespaced",
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true, properties: { n: { type: "integer", default: 1 } } },
                bad: { type: "string", tpye: "oops" },
              },
            },
          },
        },
      ],
    },
  };
  assert.deepEqual(unknownFields(crd, "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition", schemas), [
    'unknown field "spec.versions[0].schema.openAPIV3Schema.properties.bad.tpye"',
  ]);
});

test("preserve-unknown-fields and embedded resources in custom schemas", () => {
  const custom = new SchemaSet({
    ...schemas.definitions,
    "com.example.v1.Pet": {
      type: "object",
      properties: {
        spec: {
          type: "object",
          properties: {
            name: { type: "string" },
            extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
            template: { type: "object", "x-kubernetes-embedded-resource": true, properties: { spec: { type: "object", properties: { a: { type: "string" } } } } },
          },
        },
      },
    },
  });
  const pet = {
    apiVersion: "example.com/v1",
    kind: "Pet",
    metadata: { name: "p", bogus: 1 },
    spec: { name: "x", extra: { anything: { goes: 1 } }, template: { apiVersion: "v1", kind: "X", metadata: { name: "t" }, spec: { a: "1", b: 2 } }, color: "blue" },
  };
  assert.deepEqual(unknownFields(pet, "com.example.v1.Pet", custom), [
    'unknown field "metadata.bogus"',
    'unknown field "spec.template.spec.b"',
    'unknown field "spec.color"',
  ]);
});

test("duplicate keys anywhere in a JSON text", () => {
  const raw = '{"metadata":{"name":"a","name":"b","labels":{"x":"1","x":"2"}},"spec":{"replicas":1,"replicas":2,"list":[{"k":1,"k":2}]}}';
  assert.deepEqual(duplicateFields(raw), [
    'duplicate field "metadata.name"',
    'duplicate field "metadata.labels.x"',
    'duplicate field "spec.replicas"',
    'duplicate field "spec.list[0].k"',
  ]);
  assert.deepEqual(duplicateFields('{"a":"x\\"y","b":{"c":[1,2,{"d":null}]}}'), []);
  assert.deepEqual(duplicateFields('{"a\\u0062":1,"ab":2}'), ['duplicate field "ab"']);
  assert.deepEqual(duplicateFields('{"a":"x\\\\","a":1}'), ['duplicate field "a"'], "an escaped backslash before the closing quote");
  assert.deepEqual(duplicateFields('{"a":1,"a":'), ['duplicate field "a"'], "stops at a syntax error, keeping what it found");
});

test("strictFieldProblems lists duplicates and unknown fields in document order, as upstream", () => {
  const raw = JSON.stringify(deployment()).replace('"name":"web"', '"name":"web","name":"web2","unknownMeta":1');
  const body = raw
    .replace('"replicas":2', '"replicas":2,"unknown1":1,"unknownDupe":1,"unknownDupe":2,"paused":false,"paused":true')
    .replace('"image":"nginx"', '"image":"nginx","unknownNested":1,"imagePullPolicy":"Always","imagePullPolicy":"Never"');
  assert.deepEqual(strictFieldProblems(body, deploymentName, schemas), [
    'duplicate field "metadata.name"',
    'unknown field "metadata.unknownMeta"',
    'unknown field "spec.unknown1"',
    'unknown field "spec.unknownDupe"',
    'duplicate field "spec.paused"',
    'unknown field "spec.template.spec.containers[0].unknownNested"',
    'duplicate field "spec.template.spec.containers[0].imagePullPolicy"',
  ]);
  // RawExtension is decoded by its own unmarshaler upstream: nothing inside is reported.
  const rev = '{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"r"},"data":{"a":1,"a":2},"revision":1}';
  assert.deepEqual(strictFieldProblems(rev, "io.k8s.api.apps.v1.ControllerRevision", schemas), []);
});

test("the validator seam and the upstream message forms", () => {
  const v = createFieldValidator(schemas);
  const def = { schema: deploymentName } as Parameters<typeof v.unknownFields>[1];
  const problems = v.unknownFields(deployment({ spec: { replica: 3 } }), def);
  assert.equal(
    cannotBeHandledMessage("Deployment", "v1", "Deployment", strictDecodingMessage(problems)),
    'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica"',
  );
  assert.equal(warningHeaderValue(problems[0]!), '299 - "unknown field \\"spec.replica\\""');
});

test("validation is fast enough to run on every write", () => {
  const obj = deployment();
  const raw = JSON.stringify(obj);
  const started = performance.now();
  for (let i = 0; i < 2000; i++) {
    unknownFields(obj, deploymentName, schemas);
    strictFieldProblems(raw, deploymentName, schemas);
  }
  const perCall = (performance.now() - started) / 4000;
  assert.ok(perCall < 0.5, `${perCall.toFixed(3)} ms per call`);
});
