import { test } from "node:test";
import assert from "node:assert/strict";
import type { PodObj } from "../../api/core/v1/pod-printer.js";
import type { ServiceObj } from "../../api/core/v1/service.js";
import { endpointLabels, findPort, managesEndpoints } from "./podutil.js";
import { desiredSubsets, repack } from "./subsets.js";

const svc = (spec: ServiceObj["spec"], name = "s", ns = "d"): ServiceObj => ({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: ns, labels: { a: "b" } }, spec });

function pod(name: string, ip: string | undefined, opts: { ready?: boolean; labels?: Record<string, string>; ports?: { name: string; containerPort: number; protocol?: string }[]; deleting?: boolean; phase?: string; hostname?: string; subdomain?: string } = {}): PodObj {
  return {
    apiVersion: "v1", kind: "Pod",
    metadata: { name, namespace: "d", uid: `uid-${name}`, labels: opts.labels ?? { app: "x" }, ...(opts.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
    spec: { nodeName: "n1", containers: [{ name: "c", image: "i", ports: opts.ports ?? [] }], ...(opts.hostname ? { hostname: opts.hostname } : {}), ...(opts.subdomain ? { subdomain: opts.subdomain } : {}) },
    status: {
      phase: opts.phase ?? "Running",
      ...(ip ? { podIP: ip } : {}),
      conditions: [{ type: "Ready", status: opts.ready === false ? "False" : "True", lastTransitionTime: "2026-01-01T00:00:0" + name.length + "Z" }],
    },
  };
}

test("findPort: numbers as they are, names by the container port of the same protocol", () => {
  const p = pod("a", "10.0.0.1", { ports: [{ name: "http", containerPort: 8080 }, { name: "dns", containerPort: 53, protocol: "UDP" }] });
  assert.equal(findPort(p, { port: 80 }), 80);
  assert.equal(findPort(p, { port: 80, targetPort: 9000 }), 9000);
  assert.equal(findPort(p, { port: 80, targetPort: "http" }), 8080);
  assert.equal(findPort(p, { port: 53, targetPort: "dns", protocol: "UDP" }), 53);
  assert.equal(findPort(p, { port: 53, targetPort: "dns", protocol: "TCP" }), undefined);
  assert.equal(findPort(p, { port: 80, targetPort: "nope" }), undefined);
});

test("which Services get endpoints, and their labels", () => {
  assert.equal(managesEndpoints(svc({ selector: { app: "x" } })), true);
  assert.equal(managesEndpoints(svc({})), false);
  assert.equal(managesEndpoints(svc({ selector: {} })), false);
  assert.equal(managesEndpoints(svc({ selector: { app: "x" }, type: "ExternalName", externalName: "e.example" })), false);
  assert.equal(managesEndpoints(svc({ selector: { component: "apiserver" } }, "kubernetes", "default")), false);
  assert.deepEqual(endpointLabels(svc({ clusterIP: "None" })), { a: "b", "service.kubernetes.io/headless": "" });
  assert.deepEqual(endpointLabels({ ...svc({ clusterIP: "10.0.0.1" }), metadata: { name: "s", labels: { "service.kubernetes.io/headless": "" } } }), {});
});

test("ready, not ready, terminating, without IP, terminal, unselected", () => {
  const s = svc({ selector: { app: "x" }, ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }] });
  const pods = [
    pod("b", "10.0.0.2"), pod("a", "10.0.0.10"), pod("nr", "10.0.0.3", { ready: false }),
    pod("term", "10.0.0.4", { deleting: true }), pod("noip", undefined), pod("done", "10.0.0.5", { phase: "Succeeded" }),
    pod("other", "10.0.0.6", { labels: { app: "y" } }),
  ];
  const { subsets, triggerTime } = desiredSubsets(s, pods);
  assert.deepEqual(subsets, [{
    addresses: [
      { ip: "10.0.0.2", nodeName: "n1", targetRef: { kind: "Pod", namespace: "d", name: "b", uid: "uid-b" } },
      { ip: "10.0.0.10", nodeName: "n1", targetRef: { kind: "Pod", namespace: "d", name: "a", uid: "uid-a" } },
    ],
    notReadyAddresses: [{ ip: "10.0.0.3", nodeName: "n1", targetRef: { kind: "Pod", namespace: "d", name: "nr", uid: "uid-nr" } }],
    ports: [{ name: "http", port: 8080, protocol: "TCP" }],
  }]);
  assert.equal(triggerTime, "2026-01-01T00:00:02Z");
  const all = desiredSubsets({ ...s, spec: { ...s.spec, publishNotReadyAddresses: true } }, pods).subsets;
  assert.deepEqual(all[0]!.addresses!.map((a) => a.targetRef?.name), ["b", "nr", "term", "a"]);
  assert.equal(all[0]!.notReadyAddresses, undefined);
});

test("hostname only for the pod's own subdomain; headless without ports lists addresses", () => {
  const s = svc({ selector: { app: "x" }, clusterIP: "None" });
  const { subsets } = desiredSubsets(s, [pod("h", "10.0.0.2", { hostname: "h0", subdomain: "s" }), pod("o", "10.0.0.3", { hostname: "o0", subdomain: "other" })]);
  assert.deepEqual(subsets.map((ss) => [ss.ports, ss.addresses?.map((a) => a.hostname ?? "-")]), [[undefined, ["h0", "-"]]]);
  assert.deepEqual(desiredSubsets(svc({ selector: { app: "x" } }), [pod("h", "10.0.0.2")]).subsets, []);
});

test("repack groups addresses by distinct port sets, an address in two subsets when readiness differs per port", () => {
  const a = { ip: "10.0.0.1" };
  const b = { ip: "10.0.0.2" };
  const p80 = { name: "a", port: 80, protocol: "TCP" as const };
  const p90 = { name: "b", port: 90, protocol: "TCP" as const };
  const out = repack([
    { addr: a, ports: [p80], ready: true }, { addr: a, ports: [p90], ready: true },
    { addr: b, ports: [p80], ready: true }, { addr: b, ports: [p90], ready: false },
  ]);
  assert.deepEqual(out, [
    { addresses: [b], ports: [p80] },
    { addresses: [a], ports: [p80, p90] },
    { notReadyAddresses: [b], ports: [p90] },
  ]);
});
