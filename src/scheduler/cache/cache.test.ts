import { test } from "node:test";
import assert from "node:assert/strict";
import { makeNode, makePod, PodInfo } from "../testing.js";
import { Cache } from "./cache.js";

test("assume, confirm, forget", () => {
  const c = new Cache();
  c.addNode(makeNode("n", { cpu: "2" }));
  const pi = new PodInfo(makePod("p", { cpu: "1" })).withNodeName("n");
  c.assumePod(pi);
  assert.equal(c.get("n")!.requested.milliCPU, 1000);
  assert.ok(c.isAssumed(pi.uid));
  assert.throws(() => c.assumePod(pi), /can't be assumed/);
  c.forgetPod(pi);
  assert.equal(c.get("n")!.requested.milliCPU, 0);
  c.assumePod(pi);
  c.finishBinding(pi);
  c.addPod(makePod("p", { cpu: "1", node: "n" }));
  assert.ok(!c.isAssumed(pi.uid));
  assert.equal(c.get("n")!.pods.length, 1);
  assert.throws(() => c.forgetPod(pi), /not assumed/);
});

test("a pod confirmed on another node than assumed moves there", () => {
  const c = new Cache();
  c.addNode(makeNode("a"));
  c.addNode(makeNode("b"));
  c.assumePod(new PodInfo(makePod("p", { cpu: "1" })).withNodeName("a"));
  c.addPod(makePod("p", { cpu: "1", node: "b" }));
  assert.equal(c.get("a")!.pods.length, 0);
  assert.equal(c.get("b")!.requested.milliCPU, 1000);
});

test("terminal pods release their node; removed nodes keep pods until they go", () => {
  const c = new Cache();
  c.addNode(makeNode("n"));
  const pod = makePod("p", { cpu: "1", node: "n" });
  c.addPod(pod);
  const done = { ...pod, status: { phase: "Succeeded" } };
  c.updatePod(pod, done);
  assert.equal(c.get("n")!.pods.length, 0);
  c.addPod(pod);
  c.removeNode("n");
  assert.equal(c.updateSnapshot().list().length, 0);
  assert.equal(c.get("n"), undefined);
  c.addNode(makeNode("n"));
  assert.equal(c.updateSnapshot().get("n")!.pods.length, 1);
  c.removePod(pod);
  assert.equal(c.podCount, 0);
});

test("snapshot lists: nodes with affinity pods, images across nodes", () => {
  const c = new Cache();
  c.addNode(makeNode("a", { images: [{ names: ["nginx:1"], sizeBytes: 10 }] }));
  c.addNode(makeNode("b", { images: [{ names: ["nginx:1", "docker.io/nginx:1"], sizeBytes: 10 }] }));
  c.addPod(makePod("anti", { node: "b", affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "zone", labelSelector: {} }] } } }));
  c.updateSnapshot();
  assert.deepEqual(c.havePodsWithAffinityList().map((n) => n.name), ["b"]);
  assert.deepEqual(c.havePodsWithRequiredAntiAffinityList().map((n) => n.name), ["b"]);
  assert.equal(c.imageNumNodes("nginx:1"), 2);
  assert.equal(c.imageNumNodes("docker.io/nginx:1"), 1);
  c.removeNode("a");
  assert.equal(c.imageNumNodes("nginx:1"), 1);
});
