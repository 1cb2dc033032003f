import { test } from "node:test";
import assert from "node:assert/strict";
import { fieldErrorMessage } from "../../../machinery/errors.js";
import type { KubeObject } from "../../../machinery/object.js";
import { serviceResource, type ServiceObj } from "./service.js";

const ctx = { now: new Date("2024-05-01T12:00:00Z") };

function svc(spec: Record<string, unknown>, name = "web"): ServiceObj {
  const s: KubeObject = { apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec };
  serviceResource.defaults!(s);
  serviceResource.prepareForCreate!(s, ctx);
  return s as ServiceObj;
}

function msgs(s: ServiceObj): string[] {
  return serviceResource.validate!(s).map(fieldErrorMessage);
}

test("service defaults", () => {
  const s = svc({ selector: { app: "web" }, ports: [{ port: 80 }] });
  assert.deepEqual(s.spec, {
    selector: { app: "web" }, ports: [{ port: 80, protocol: "TCP", targetPort: 80 }], sessionAffinity: "None", type: "ClusterIP",
    internalTrafficPolicy: "Cluster", ipFamilyPolicy: "SingleStack", ipFamilies: ["IPv4"],
  });
  assert.deepEqual(s.status, { loadBalancer: {} });
  const np = svc({ type: "NodePort", ports: [{ port: 80, targetPort: "http" }] });
  assert.equal(np.spec!.externalTrafficPolicy, "Cluster");
  assert.equal(np.spec!.ports![0]!.targetPort, "http");
  const lb = svc({ type: "LoadBalancer", ports: [{ port: 80 }] });
  assert.equal(lb.spec!.allocateLoadBalancerNodePorts, true);
  const headless = svc({ clusterIP: "None", ports: [{ port: 80 }] });
  assert.deepEqual(headless.spec!.clusterIPs, ["None"]);
  assert.equal(headless.spec!.ipFamilyPolicy, "RequireDualStack");
  const aff = svc({ sessionAffinity: "ClientIP", ports: [{ port: 80 }] });
  assert.deepEqual(aff.spec!.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
  assert.deepEqual(msgs(s), []);
});

test("service validation", () => {
  assert.deepEqual(msgs(svc({ selector: { app: "x" } })), ["spec.ports: Required value"]);
  assert.deepEqual(msgs(svc({ ports: [{ port: 0 }] })), [
    "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
    "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
  ]);
  assert.deepEqual(msgs(svc({ ports: [{ port: 80 }, { port: 81 }] })), ["spec.ports[0].name: Required value", "spec.ports[1].name: Required value"]);
  assert.deepEqual(msgs(svc({ ports: [{ port: 80, name: "a" }, { port: 81, name: "a" }] })), ['spec.ports[1].name: Duplicate value: "a"']);
  assert.deepEqual(msgs(svc({ type: "Foo", ports: [{ port: 80 }] })), ['spec.type: Unsupported value: "Foo": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"']);
  assert.deepEqual(msgs(svc({ ports: [{ port: 80, nodePort: 30080 }] })), ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]);
  assert.deepEqual(msgs(svc({ ports: [{ port: 80 }], selector: { "bad key!": "x" } })).length, 1);
  assert.deepEqual(msgs(svc({ ports: [{ port: 80, protocol: "HTTP" }] })), ['spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"']);
  assert.deepEqual(msgs(svc({ type: "ExternalName", externalName: "example.com" })), []);
  assert.deepEqual(msgs(svc({ type: "ExternalName" })), ["spec.externalName: Required value"]);
  // Service names are DNS-1035 labels: the generic metadata check (nameValidation) enforces it.
});

test("clusterIP is kept across updates and immutable", () => {
  const old = svc({ ports: [{ port: 80 }] });
  old.spec!.clusterIP = "10.96.0.10";
  old.spec!.clusterIPs = ["10.96.0.10"];
  old.status = { loadBalancer: {} };
  const upd = svc({ ports: [{ port: 81 }] });
  serviceResource.prepareForUpdate!(upd, old, ctx);
  assert.equal(upd.spec!.clusterIP, "10.96.0.10");
  assert.deepEqual(upd.spec!.clusterIPs, ["10.96.0.10"]);
  assert.deepEqual(serviceResource.validateUpdate!(upd, old), []);

  const changed = structuredClone(old);
  changed.spec!.clusterIP = "10.96.0.11";
  serviceResource.prepareForUpdate!(changed, old, ctx);
  assert.deepEqual(serviceResource.validateUpdate!(changed, old).map(fieldErrorMessage), ['spec.clusterIPs[0]: Invalid value: ["10.96.0.11"]: may not change once set']);

  const np = svc({ type: "NodePort", ports: [{ port: 80, name: "http" }] });
  np.spec!.ports![0]!.nodePort = 30080;
  const np2 = svc({ type: "NodePort", ports: [{ port: 80, name: "http" }] });
  serviceResource.prepareForUpdate!(np2, np, ctx);
  assert.equal(np2.spec!.ports![0]!.nodePort, 30080);
});

test("service row", () => {
  const s = svc({ selector: { app: "web" }, ports: [{ port: 80 }, { port: 443, name: "https" }] });
  s.metadata.creationTimestamp = new Date(Date.now() - 65_000).toISOString();
  s.spec!.clusterIP = "10.96.0.10";
  s.spec!.clusterIPs = ["10.96.0.10"];
  assert.deepEqual(serviceResource.row(s), ["web", "ClusterIP", "10.96.0.10", "<none>", "80/TCP,443/TCP", "65s", "app=web"]);
  const lb = svc({ type: "LoadBalancer", ports: [{ port: 80, nodePort: 31000 }] });
  assert.deepEqual(serviceResource.row(lb).slice(1, 5), ["LoadBalancer", "<none>", "<pending>", "80:31000/TCP"]);
  lb.status = { loadBalancer: { ingress: [{ ip: "1.2.3.4" }] } };
  assert.equal(serviceResource.row(lb)[3], "1.2.3.4");
  const en = svc({ type: "ExternalName", externalName: "example.com" });
  assert.deepEqual(serviceResource.row(en).slice(1, 5), ["ExternalName", "<none>", "example.com", "<none>"]);
  assert.equal(serviceResource.fieldSelectors!["spec.type"]!(en), "ExternalName");
});
