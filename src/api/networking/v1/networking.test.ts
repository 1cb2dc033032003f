import { test } from "node:test";
import assert from "node:assert/strict";
import { ago, simulateCreate, simulateUpdate } from "../../common/testing.js";
import { ingressClassResource } from "./ingressclass.js";
import { ingressResource } from "./ingress.js";
import { networkPolicyResource } from "./networkpolicy.js";

const backend = { service: { name: "web", port: { number: 80 } } };
const ingress = (paths: object[], extra: object = {}) => ({
  metadata: { name: "web" },
  spec: { rules: [{ host: "web.example.com", http: { paths } }], ...extra },
});

test("Ingress: pathType is required and paths are checked", () => {
  assert.deepEqual(simulateCreate(ingressResource, ingress([{ path: "/", pathType: "Prefix", backend }])).errs, []);
  const noType = simulateCreate(ingressResource, ingress([{ path: "/", backend }]));
  assert.deepEqual(noType.messages, ["spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"]);
  const rel = simulateCreate(ingressResource, ingress([{ path: "api", pathType: "Exact", backend }]));
  assert.deepEqual(rel.messages, ['spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path']);
  const badType = simulateCreate(ingressResource, ingress([{ path: "/", pathType: "Regex", backend }]));
  assert.deepEqual(badType.messages, ['spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"']);
  const noPort = simulateCreate(ingressResource, ingress([{ path: "/", pathType: "Prefix", backend: { service: { name: "web" } } }]));
  assert.deepEqual(noPort.messages, ["spec.rules[0].http.paths[0].backend: Required value: port name or number is required"]);
  const empty = simulateCreate(ingressResource, { metadata: { name: "x" }, spec: {} });
  assert.deepEqual(empty.messages, ["spec: Invalid value: null: either `defaultBackend` or `rules` must be specified"]);
  const ip = simulateCreate(ingressResource, { metadata: { name: "x" }, spec: { rules: [{ host: "10.0.0.1" }] } });
  assert.ok(ip.messages.includes('spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address'));
});

test("Ingress columns and status strategy", () => {
  const { obj } = simulateCreate(ingressResource, ingress([{ path: "/", pathType: "Prefix", backend }], { ingressClassName: "nginx", tls: [{ hosts: ["web.example.com"] }] }));
  assert.deepEqual(obj.status, { loadBalancer: {} });
  obj.metadata.creationTimestamp = ago(60_000);
  obj.status = { loadBalancer: { ingress: [{ ip: "192.168.1.10" }] } };
  assert.deepEqual(ingressResource.row(obj), ["web", "nginx", "web.example.com", "192.168.1.10", "80, 443", "60s"]);
  const upd = simulateUpdate(ingressResource, obj, { ...obj, status: {} });
  assert.deepEqual(upd.obj.status, { loadBalancer: { ingress: [{ ip: "192.168.1.10" }] } });
});

test("IngressClass: controller is a domain-prefixed path and immutable", () => {
  const ok = simulateCreate(ingressClassResource, { metadata: { name: "nginx" }, spec: { controller: "k8s.io/ingress-nginx" } });
  assert.deepEqual(ok.errs, []);
  assert.deepEqual(ingressClassResource.row({ ...ok.obj, metadata: { ...ok.obj.metadata, creationTimestamp: ago(5000) } }), ["nginx", "k8s.io/ingress-nginx", "<none>", "5s"]);
  const bad = simulateCreate(ingressClassResource, { metadata: { name: "x" }, spec: { controller: "nginx" } });
  assert.deepEqual(bad.messages, ['spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")']);
  const upd = simulateUpdate(ingressClassResource, ok.obj, { ...ok.obj, spec: { controller: "example.com/other" } });
  assert.ok(upd.messages.includes('spec.controller: Invalid value: "example.com/other": field is immutable'));
});

test("NetworkPolicy: policyTypes and port protocol defaults, columns", () => {
  const { obj, errs } = simulateCreate(networkPolicyResource, {
    metadata: { name: "deny" },
    spec: { podSelector: { matchLabels: { app: "db" } }, ingress: [{ ports: [{ port: 5432 }] }], egress: [{}] },
  });
  assert.deepEqual(errs, []);
  const spec = obj.spec as { policyTypes: string[]; ingress: { ports: { protocol: string }[] }[] };
  assert.deepEqual(spec.policyTypes, ["Ingress", "Egress"]);
  assert.equal(spec.ingress[0]!.ports[0]!.protocol, "TCP");
  obj.metadata.creationTimestamp = ago(1000);
  assert.deepEqual(networkPolicyResource.row(obj), ["deny", "app=db", "1s"]);
  const all = simulateCreate(networkPolicyResource, { metadata: { name: "all" }, spec: { podSelector: {} } }).obj;
  assert.equal(networkPolicyResource.row(all)[1], "<none>");
});
