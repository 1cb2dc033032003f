/**
 * Unit tests for decodeProtobufObject and the JSON conversion rules, on bodies encoded here
 * the way Go's generated marshallers write them (every non-pointer scalar present).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import protobuf from "protobufjs";
import { StatusError } from "../../machinery/errors.js";
import { decodeProtobufObject, hasProtobufMagic, isProtobufMediaType, protobufKinds } from "./index.js";
import { schemaRoot, unknownType } from "./schema/index.js";
import { META, metaProto } from "./schema/apimachinery.js";
import { goDuration, messageToJson } from "./to-json.js";

const MAGIC = Buffer.from("k8s\0", "latin1");

/** Encodes `object` (wire field names) as `message`, wrapped like kubectl wraps it. */
function encode(apiVersion: string, kind: string, message: string, object: Record<string, unknown>): Uint8Array {
  const type = schemaRoot().lookupType(message);
  const raw = type.encode(type.fromObject(object)).finish();
  const envelope = unknownType();
  const body = envelope.encode(envelope.fromObject({ typeMeta: { apiVersion, kind }, raw, contentEncoding: "", contentType: "" })).finish();
  return Buffer.concat([MAGIC, body]);
}

function statusOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatusError, `expected a StatusError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected an error");
}

test("rejects a body without the k8s\\0 magic with 400", () => {
  const err = statusOf(() => decodeProtobufObject(Buffer.from('{"kind":"Pod"}')));
  assert.equal(err.code, 400);
  assert.equal(err.reason, "BadRequest");
  assert.match(err.message, /k8s\\x00/);
  assert.equal(hasProtobufMagic(Buffer.from("k8s")), false);
});

test("rejects a truncated envelope with 400", () => {
  const err = statusOf(() => decodeProtobufObject(Buffer.concat([MAGIC, Buffer.from([0x0a, 0x20, 0x01])])));
  assert.equal(err.code, 400);
  assert.match(err.message, /envelope/);
});

test("rejects an envelope without a type with 400", () => {
  const err = statusOf(() => decodeProtobufObject(MAGIC));
  assert.equal(err.code, 400);
  assert.match(err.message, /apiVersion and kind/);
});

test("rejects kinds without a protobuf schema with 415 and points to JSON", () => {
  const envelope = unknownType();
  const body = Buffer.concat([MAGIC, envelope.encode(envelope.fromObject({ typeMeta: { apiVersion: "apps/v1", kind: "StatefulSet" }, raw: new Uint8Array() })).finish()]);
  const err = statusOf(() => decodeProtobufObject(body));
  assert.equal(err.code, 415);
  assert.equal(err.reason, "UnsupportedMediaType");
  assert.match(err.message, /only accepted for .*apps\/v1\/Deployment/);
  assert.match(err.message, /send apps\/v1\/StatefulSet as application\/json/);
});

test("rejects a corrupt object message with 400", () => {
  const envelope = unknownType();
  const body = Buffer.concat([MAGIC, envelope.encode(envelope.fromObject({ typeMeta: { apiVersion: "v1", kind: "ConfigMap" }, raw: Buffer.from([0x0a, 0x05, 0x0a]) })).finish()]);
  const err = statusOf(() => decodeProtobufObject(body));
  assert.equal(err.code, 400);
  assert.match(err.message, /v1 ConfigMap/);
});

test("recognises the protobuf media type with or without parameters", () => {
  assert.equal(isProtobufMediaType("application/vnd.kubernetes.protobuf"), true);
  assert.equal(isProtobufMediaType("application/vnd.kubernetes.protobuf; charset=utf-8"), true);
  assert.equal(isProtobufMediaType("application/json"), false);
  assert.equal(isProtobufMediaType(undefined), false);
});

test("every listed kind resolves to a message type", () => {
  for (const k of protobufKinds) assert.ok(schemaRoot().lookupType(k.message), k.message);
  assert.equal(protobufKinds.length, 21);
});

test("applies omitempty, pointer and well-known-type rules", () => {
  const body = encode("apps/v1", "Deployment", "k8s.io.api.apps.v1.Deployment", {
    metadata: {
      name: "web", generateName: "", namespace: "default", uid: "", generation: 0,
      creationTimestamp: { seconds: 1700000000, nanos: 0 },
      deletionTimestamp: {},
      deletionGracePeriodSeconds: 0,
      ownerReferences: [{ apiVersion: "v1", kind: "Thing", name: "t", uid: "", controller: false }],
      managedFields: [{
        manager: "kubectl", operation: "Update", apiVersion: "apps/v1", time: { seconds: 1700000001, nanos: 0 },
        fieldsType: "FieldsV1", fieldsV1: { Raw: Buffer.from('{"f:spec":{"f:replicas":{}}}') }, subresource: "",
      }],
    },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          containers: [{
            name: "c", image: "nginx", stdin: false, tty: false,
            ports: [{ name: "", hostPort: 0, containerPort: 80, protocol: "TCP", hostIP: "" }],
            resources: { limits: { cpu: { string: "500m" } }, requests: { memory: { string: "64Mi" } } },
            readinessProbe: { handler: { httpGet: { path: "/", port: { type: 1, intVal: 0, strVal: "http" }, host: "", scheme: "HTTP" } }, initialDelaySeconds: 0, periodSeconds: 5 },
          }],
          terminationGracePeriodSeconds: 30,
          hostNetwork: false,
        },
      },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: { type: 0, intVal: 0, strVal: "" }, maxSurge: { type: 1, intVal: 0, strVal: "25%" } } },
      minReadySeconds: 0,
      paused: false,
    },
    status: { observedGeneration: 0, replicas: 0 },
  });
  assert.deepEqual(decodeProtobufObject(body), {
    apiVersion: "apps/v1",
    kind: "Deployment",
    object: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: "web", namespace: "default",
        creationTimestamp: "2023-11-14T22:13:20Z",
        deletionGracePeriodSeconds: 0,
        ownerReferences: [{ apiVersion: "v1", kind: "Thing", name: "t", uid: "", controller: false }],
        managedFields: [{
          manager: "kubectl", operation: "Update", apiVersion: "apps/v1", time: "2023-11-14T22:13:21Z",
          fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:replicas": {} } },
        }],
      },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: {
            containers: [{
              name: "c", image: "nginx",
              ports: [{ containerPort: 80, protocol: "TCP" }],
              resources: { limits: { cpu: "500m" }, requests: { memory: "64Mi" } },
              readinessProbe: { httpGet: { path: "/", port: "http", scheme: "HTTP" }, periodSeconds: 5 },
            }],
            terminationGracePeriodSeconds: 30,
          },
        },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
      },
      status: {},
    },
  });
});

test("Secret bytes become base64 and stringData stays text", () => {
  const body = encode("v1", "Secret", "k8s.io.api.core.v1.Secret", {
    metadata: { name: "s" },
    data: { bin: Buffer.from([0, 1, 2, 255]), empty: Buffer.alloc(0) },
    stringData: { plain: "text" },
    type: "",
    immutable: false,
  });
  assert.deepEqual(decodeProtobufObject(body).object, {
    apiVersion: "v1", kind: "Secret", metadata: { name: "s" },
    data: { bin: "AAEC/w==", empty: "" },
    stringData: { plain: "text" },
    immutable: false,
  });
});

test("a wire name that differs from the JSON name is renamed", () => {
  const body = encode("authentication.k8s.io/v1", "TokenRequest", "k8s.io.api.authentication.v1.TokenRequest", {
    metadata: {},
    spec: { audiences: ["a"], boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "p", uID: "123" } },
  });
  assert.deepEqual(decodeProtobufObject(body).object.spec, {
    audiences: ["a"], boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "p", uid: "123" },
  });
});

test("MicroTime and Duration convert as Go prints them", () => {
  const root = new protobuf.Root();
  protobuf.parse(metaProto, root, { keepCase: true });
  protobuf.parse(`syntax = "proto2"; package t; message T {
    optional .${META}.MicroTime at = 1; optional .${META}.Duration every = 2; optional .${META}.Time zero = 3; }`, root, { keepCase: true });
  root.resolveAll();
  const T = root.lookupType("t.T");
  const msg = T.decode(T.encode(T.fromObject({ at: { seconds: 1700000000, nanos: 123456789 }, every: { duration: 90_500_000_000 }, zero: {} })).finish());
  assert.deepEqual(messageToJson(T, msg), { at: "2023-11-14T22:13:20.123456Z", every: "1m30.5s" });
});

test("goDuration matches time.Duration.String", () => {
  assert.equal(goDuration(0), "0s");
  assert.equal(goDuration(1), "1ns");
  assert.equal(goDuration(1500), "1.5µs");
  assert.equal(goDuration(2_000_000), "2ms");
  assert.equal(goDuration(3_600_000_000_000), "1h0m0s");
  assert.equal(goDuration(-5_000_000_000), "-5s");
});
