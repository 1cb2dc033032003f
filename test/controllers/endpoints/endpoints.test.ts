/**
 * The endpoints and EndpointSlice controllers against a real in-process API server with
 * simulated nodes: Endpoints and slices follow pods in and out of a Service's selector,
 * readiness and termination; named ports resolve per pod; user-managed Endpoints are left
 * alone; a deleted Service takes its Endpoints (controller) and slices (garbage collector).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { EndpointsObj } from "../../../src/api/core/v1/endpoints.js";
import type { EndpointSlice } from "../../../src/api/discovery/v1/endpointslice.js";
import { eventually, getOrUndefined, ghostPod, haveKubectl, service, setReady, simPod, startEndpointsEnv, type EndpointsEnv } from "./harness.js";

let t: EndpointsEnv;
const perSlice = 5;

before(async () => {
  t = await startEndpointsEnv(perSlice);
});

after(async () => {
  if (process.env.CTRL_TEST_LOGS) console.error(t?.logs.join("\n"));
  await t?.stop();
});

async function namespace(name: string): Promise<void> {
  await t.client.namespaces.create(undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
}

const endpoints = (ns: string, name: string) => getOrUndefined(() => t.client.endpoints.get(ns, name));
const slicesOf = async (ns: string, svc: string): Promise<EndpointSlice[]> =>
  (await t.client.endpointslices.list(ns, { labelSelector: `kubernetes.io/service-name=${svc}` })).items;
const readyNames = (ep: EndpointsObj | undefined): string[] =>
  (ep?.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.targetRef?.name ?? "")).sort();
const notReadyNames = (ep: EndpointsObj | undefined): string[] =>
  (ep?.subsets ?? []).flatMap((s) => (s.notReadyAddresses ?? []).map((a) => a.targetRef?.name ?? "")).sort();
const sliceNames = (slices: EndpointSlice[], pred: (c: { ready?: boolean; serving?: boolean; terminating?: boolean }) => boolean = () => true): string[] =>
  slices.flatMap((s) => (s.endpoints ?? []).filter((e) => pred(e.conditions ?? {})).map((e) => e.targetRef?.name ?? "")).sort();

test("a Service's Endpoints and EndpointSlice list its ready pods, as kubectl shows", async () => {
  await namespace("web");
  await t.client.services.create("web", service("web", "front", { app: "front" }, [{ name: "http", port: 80, targetPort: "http" }], { labels: { tier: "edge" } }));
  for (const [i, node] of ["sim-node-0", "sim-node-1", "sim-node-0"].entries()) {
    await t.client.pods.create("web", simPod("web", `front-${i}`, { app: "front" }, [{ name: "http", containerPort: 8080 }], node));
  }
  await t.client.pods.create("web", simPod("web", "other", { app: "other" }, [{ name: "http", containerPort: 8080 }]));

  const ep = await eventually("3 ready addresses", async () => {
    const e = await endpoints("web", "front");
    return readyNames(e).length === 3 ? e : undefined;
  }, 10_000);
  assert.deepEqual(readyNames(ep), ["front-0", "front-1", "front-2"]);
  assert.equal(ep.subsets?.length, 1);
  const ss = ep.subsets![0]!;
  assert.deepEqual(ss.ports, [{ name: "http", port: 8080, protocol: "TCP" }]);
  const pods = (await t.client.pods.list("web", { labelSelector: "app=front" })).items;
  for (const a of ss.addresses!) {
    const pod = pods.find((p) => p.metadata.name === a.targetRef?.name)!;
    assert.equal(a.ip, pod.status?.podIP);
    assert.equal(a.nodeName, pod.spec?.nodeName);
    assert.deepEqual(a.targetRef, { kind: "Pod", namespace: "web", name: pod.metadata.name, uid: pod.metadata.uid });
  }
  assert.deepEqual(ep.metadata.labels, { tier: "edge" });
  assert.match(ep.metadata.annotations?.["endpoints.kubernetes.io/last-change-trigger-time"] ?? "", /^\d{4}-\d\d-\d\dT/);

  const slices = await eventually("one slice with 3 endpoints", async () => {
    const s = await slicesOf("web", "front");
    return s.length === 1 && sliceNames(s).length === 3 ? s : undefined;
  });
  const slice = slices[0]!;
  assert.match(slice.metadata.name ?? "", /^front-[a-z0-9]{5}$/);
  assert.equal(slice.addressType, "IPv4");
  assert.deepEqual(slice.metadata.labels, { tier: "edge", "kubernetes.io/service-name": "front", "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io" });
  const svc = await t.client.services.get("web", "front");
  assert.deepEqual(slice.metadata.ownerReferences, [{ apiVersion: "v1", kind: "Service", name: "front", uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  assert.deepEqual(slice.ports, [{ name: "http", port: 8080, protocol: "TCP" }]);
  for (const e of slice.endpoints ?? []) {
    const pod = pods.find((p) => p.metadata.name === e.targetRef?.name)!;
    assert.deepEqual(e.addresses, [pod.status?.podIP]);
    assert.deepEqual(e.conditions, { ready: true, serving: true, terminating: false });
    assert.equal(e.nodeName, pod.spec?.nodeName);
  }

  if (haveKubectl) {
    const get = await t.kubectl(["get", "endpoints", "front", "-n", "web"]);
    assert.equal(get.code, 0, get.stderr);
    const ips = ss.addresses!.map((a) => `${a.ip}:8080`);
    for (const ip of ips) assert.ok(get.stdout.includes(ip), `${ip} in ${get.stdout}`);
    const es = await t.kubectl(["get", "endpointslices", "-n", "web", "-l", "kubernetes.io/service-name=front"]);
    assert.equal(es.code, 0, es.stderr);
    assert.match(es.stdout, new RegExp(`^${slice.metadata.name}\\s+IPv4\\s+8080\\s+`, "m"));
  }
});

test("relabelling a pod moves it out of one Service and into another", async () => {
  await namespace("move");
  await t.client.services.create("move", service("move", "blue", { v: "blue" }, [{ port: 80, targetPort: 8080 }]));
  await t.client.services.create("move", service("move", "green", { v: "green" }, [{ port: 80, targetPort: 8080 }]));
  await t.client.pods.create("move", simPod("move", "p", { v: "blue" }, []));
  await eventually("p behind blue", async () => readyNames(await endpoints("move", "blue")).join() === "p");
  await eventually("blue slice has p", async () => sliceNames(await slicesOf("move", "blue")).join() === "p");
  const green = await eventually("green Endpoints", () => endpoints("move", "green"));
  assert.deepEqual(green.subsets ?? [], []);
  // A Service without endpoints still has one placeholder slice.
  const placeholder = await eventually("green placeholder slice", async () => { const s = await slicesOf("move", "green"); return s.length === 1 ? s[0] : undefined; });
  assert.deepEqual(placeholder.endpoints ?? [], []);

  await t.client.pods.patch("move", "p", "merge", { metadata: { labels: { v: "green" } } });
  await eventually("p behind green", async () => readyNames(await endpoints("move", "green")).join() === "p");
  await eventually("p left blue", async () => readyNames(await endpoints("move", "blue")).length === 0);
  await eventually("slices follow", async () => sliceNames(await slicesOf("move", "green")).join() === "p" && sliceNames(await slicesOf("move", "blue")).length === 0);
  // The emptied Service's slice set is back to one placeholder.
  await eventually("one blue slice", async () => (await slicesOf("move", "blue")).length === 1);
});

test("not-ready pods are notReadyAddresses (or addresses with publishNotReadyAddresses); terminating pods leave Endpoints but stay in slices", async () => {
  await namespace("ready");
  await t.client.services.create("ready", service("ready", "s", { app: "r" }, [{ name: "http", port: 80, targetPort: "http" }]));
  await t.client.services.create("ready", service("ready", "all", { app: "r" }, [{ name: "http", port: 80, targetPort: "http" }], { publishNotReadyAddresses: true }));
  const up = await ghostPod(t, "ready", "up", { app: "r" }, "10.99.0.2", true);
  const down = await ghostPod(t, "ready", "down", { app: "r" }, "10.99.0.3", false);
  await eventually("up ready, down not", async () => {
    const e = await endpoints("ready", "s");
    return readyNames(e).join() === "up" && notReadyNames(e).join() === "down";
  });
  await eventually("both published", async () => readyNames(await endpoints("ready", "all")).join() === "down,up");
  await eventually("slice conditions", async () => {
    const s = await slicesOf("ready", "s");
    return sliceNames(s, (c) => c.ready === true).join() === "up" && sliceNames(s, (c) => c.ready === false && c.serving === false).join() === "down";
  });

  // Readiness flips: down becomes ready.
  await setReady(t, down, "10.99.0.3", true);
  await eventually("both ready", async () => readyNames(await endpoints("ready", "s")).join() === "down,up");

  // Deleting with a grace period (no kubelet runs "ghost") leaves the pod terminating.
  await t.client.pods.delete("ready", "up", { gracePeriodSeconds: 30 });
  await eventually("up left Endpoints", async () => readyNames(await endpoints("ready", "s")).join() === "down");
  await eventually("up terminating in the slice", async () =>
    sliceNames(await slicesOf("ready", "s"), (c) => c.terminating === true && c.ready === false && c.serving === true).join() === "up");
  void up;
});

test("ports resolve per pod: a pod without the named port is left out for that port only", async () => {
  await namespace("ports");
  await t.client.services.create("ports", service("ports", "mix", { app: "m" }, [
    { name: "web", port: 80, targetPort: "web" },
    { name: "metrics", port: 9090, targetPort: 9100 },
  ]));
  await ghostPod(t, "ports", "full", { app: "m" }, "10.98.0.2", true, [{ name: "web", containerPort: 8080 }]);
  await ghostPod(t, "ports", "bare", { app: "m" }, "10.98.0.3", true, []);
  const ep = await eventually("two subsets", async () => { const e = await endpoints("ports", "mix"); return e?.subsets?.length === 2 ? e : undefined; });
  const byPorts = Object.fromEntries(ep.subsets!.map((s) => [(s.ports ?? []).map((p) => `${p.name}:${p.port}`).sort().join(","), (s.addresses ?? []).map((a) => a.targetRef?.name)]));
  assert.deepEqual(byPorts, { "metrics:9100": ["bare"], "metrics:9100,web:8080": ["full"] });
  const slices = await eventually("two slices", async () => { const s = await slicesOf("ports", "mix"); return s.length === 2 ? s : undefined; });
  assert.deepEqual(slices.map((s) => [(s.ports ?? []).map((p) => `${p.name}:${p.port}`).join(","), sliceNames([s]).join()]).sort(),
    [["metrics:9100", "bare"], ["metrics:9100,web:8080", "full"]]);
});

test("headless Services get the headless label and pod hostnames", async () => {
  await namespace("hl");
  await t.client.services.create("hl", service("hl", "db", { app: "db" }, [{ port: 5432 }], { clusterIP: "None" }));
  await t.client.pods.create("hl", simPod("hl", "db-0", { app: "db" }, [], "sim-node-1", { hostname: "db-0", subdomain: "db" }));
  const ep = await eventually("db-0", async () => { const e = await endpoints("hl", "db"); return readyNames(e).length === 1 ? e : undefined; });
  assert.deepEqual(ep.metadata.labels, { "service.kubernetes.io/headless": "" });
  assert.equal(ep.subsets![0]!.addresses![0]!.hostname, "db-0");
  const [s] = await eventually("slice", async () => { const l = await slicesOf("hl", "db"); return sliceNames(l).length === 1 ? l : undefined; });
  assert.equal(s!.metadata.labels?.["service.kubernetes.io/headless"], "");
  assert.equal(s!.endpoints?.[0]?.hostname, "db-0");
});

test("at most maxEndpointsPerSlice endpoints per slice", async () => {
  await namespace("many");
  await t.client.services.create("many", service("many", "big", { app: "big" }, [{ port: 80, targetPort: 8080 }]));
  for (let i = 0; i < 12; i++) await t.client.pods.create("many", simPod("many", `big-${i}`, { app: "big" }, [], `sim-node-${i % 2}`));
  const slices = await eventually("12 endpoints", async () => { const s = await slicesOf("many", "big"); return sliceNames(s).length === 12 ? s : undefined; }, 15_000);
  assert.deepEqual(slices.map((s) => s.endpoints?.length ?? 0).sort(), [2, 5, 5]);
  assert.equal(new Set(sliceNames(slices)).size, 12);
  await eventually("12 addresses", async () => readyNames(await endpoints("many", "big")).length === 12);
});

test("nothing is written when nothing changed", async () => {
  await namespace("calm");
  await t.client.services.create("calm", service("calm", "c", { app: "c" }, [{ port: 80 }]));
  await t.client.pods.create("calm", simPod("calm", "c-0", { app: "c" }, []));
  const ep = await eventually("c-0", async () => { const e = await endpoints("calm", "c"); return readyNames(e).length === 1 ? e : undefined; });
  const [slice] = await eventually("slice", async () => { const l = await slicesOf("calm", "c"); return sliceNames(l).length === 1 ? l : undefined; });
  // A pod change that does not matter to endpoints, and a Service change that does not either.
  await t.client.pods.patch("calm", "c-0", "merge", { metadata: { annotations: { touched: "yes" } } });
  await t.client.services.patch("calm", "c", "merge", { metadata: { annotations: { touched: "yes" } } });
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await endpoints("calm", "c"))?.metadata.resourceVersion, ep.metadata.resourceVersion);
  const after = await slicesOf("calm", "c");
  assert.deepEqual(after.map((s) => [s.metadata.name, s.metadata.resourceVersion]), [[slice!.metadata.name, slice!.metadata.resourceVersion]]);
});

test("Services without a selector keep their user-managed Endpoints and get no slices", async () => {
  await namespace("manual");
  await t.client.services.create("manual", service("manual", "ext", undefined, [{ port: 443 }]));
  await t.client.endpoints.create("manual", { apiVersion: "v1", kind: "Endpoints", metadata: { name: "ext", namespace: "manual" }, subsets: [{ addresses: [{ ip: "192.0.2.10" }], ports: [{ port: 443, protocol: "TCP" }] }] });
  await t.client.pods.create("manual", simPod("manual", "x", { app: "x" }, []));
  await new Promise((r) => setTimeout(r, 500));
  const ep = await endpoints("manual", "ext");
  assert.deepEqual(ep?.subsets, [{ addresses: [{ ip: "192.0.2.10" }], ports: [{ port: 443, protocol: "TCP" }] }]);
  assert.deepEqual(await slicesOf("manual", "ext"), []);
});

test("deleting the Service deletes its Endpoints and (through the garbage collector) its slices; a deleted Endpoints comes back", async () => {
  await namespace("gone");
  await t.client.services.create("gone", service("gone", "g", { app: "g" }, [{ port: 80 }]));
  await t.client.pods.create("gone", simPod("gone", "g-0", { app: "g" }, []));
  await eventually("g-0", async () => readyNames(await endpoints("gone", "g")).length === 1);
  await eventually("slice", async () => sliceNames(await slicesOf("gone", "g")).length === 1);

  const before = await endpoints("gone", "g");
  await t.client.endpoints.delete("gone", "g");
  await eventually("Endpoints recreated", async () => {
    const e = await endpoints("gone", "g");
    return e && e.metadata.uid !== before?.metadata.uid && readyNames(e).length === 1;
  });

  await t.client.services.delete("gone", "g");
  await eventually("Endpoints deleted", async () => (await endpoints("gone", "g")) === undefined);
  await eventually("slices deleted", async () => (await slicesOf("gone", "g")).length === 0, 10_000);
});
