import { test } from "node:test";
import assert from "node:assert/strict";
import { StatusError } from "../../machinery/errors.js";
import { chooseContainer, nodeTarget, parsePodLogOptions } from "./pod-log.js";
import { nodeError } from "./pod-log-proxy.js";

const q = (s: string): URLSearchParams => new URLSearchParams(s);

function statusOf(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  assert.fail("expected a StatusError");
}

test("PodLogOptions from the query, validated as upstream", () => {
  assert.deepEqual(parsePodLogOptions(q("container=app&follow=true&tailLines=20&timestamps=true&sinceTime=2025-01-01T10:00:00.5Z"), "p"), {
    container: "app", follow: true, previous: false, timestamps: true, insecureSkipTLSVerifyBackend: false,
    tailLines: 20, limitBytes: undefined, sinceSeconds: undefined, sinceTime: "2025-01-01T10:00:00Z",
  });
  const neg = statusOf(() => parsePodLogOptions(q("tailLines=-1"), "p"));
  assert.equal(neg.code, 422);
  assert.equal(neg.message, 'PodLogOptions "p" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0');
  assert.equal(statusOf(() => parsePodLogOptions(q("limitBytes=0"), "p")).code, 422);
  assert.equal(statusOf(() => parsePodLogOptions(q("sinceSeconds=0"), "p")).code, 422);
  assert.match(statusOf(() => parsePodLogOptions(q("sinceSeconds=5&sinceTime=2025-01-01T00:00:00Z"), "p")).message, /at most one of `sinceTime` or `sinceSeconds`/);
  assert.equal(statusOf(() => parsePodLogOptions(q("tailLines=ten"), "p")).code, 400);
  assert.equal(statusOf(() => parsePodLogOptions(q("sinceTime=yesterday"), "p")).code, 400);
  assert.equal(parsePodLogOptions(q("follow=false&previous=0"), "p").follow, false);
});

test("the container: named and present, or the only one", () => {
  const pod = (names: string[], init: string[] = []) => ({
    metadata: { name: "p" },
    spec: { containers: names.map((name) => ({ name })), initContainers: init.map((name) => ({ name })) },
  });
  assert.equal(chooseContainer(pod(["app"]), undefined), "app");
  assert.equal(chooseContainer(pod(["app", "side"], ["init"]), "init"), "init");
  assert.equal(statusOf(() => chooseContainer(pod(["app"]), "nope")).message, "container nope is not valid for pod p");
  assert.equal(statusOf(() => chooseContainer(pod(["app", "side"], ["init"]), undefined)).message,
    "a container name must be specified for pod p, choose one of: [init app side]");
});

test("the node's endpoint: preferred address and kubelet port; none for simulated or port-less nodes", () => {
  const node = (port: number | undefined, annotations?: Record<string, string>) => ({
    metadata: { name: "n", annotations },
    status: {
      addresses: [{ type: "Hostname", address: "n" }, { type: "InternalIP", address: "10.0.0.5" }],
      ...(port === undefined ? {} : { daemonEndpoints: { kubeletEndpoint: { Port: port } } }),
    },
  });
  assert.deepEqual(nodeTarget(node(10250)), { host: "10.0.0.5", port: 10250 });
  for (const n of [node(0), node(undefined), node(10250, { "timonel.dev/simulated": "true" })]) {
    const e = statusOf(() => nodeTarget(n));
    assert.equal(e.code, 400);
    assert.match(e.message, /node "n" (does not serve container logs|is a simulated node)/);
  }
});

test("a node's error reply becomes the Status the client sees", () => {
  const st = nodeError(400, JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code: 400, reason: "BadRequest", message: "container \"a\" in pod \"p\" is waiting to start: ContainerCreating" }));
  assert.equal(st.code, 400);
  assert.equal(st.reason, "BadRequest");
  assert.equal(st.message, 'container "a" in pod "p" is waiting to start: ContainerCreating');
  const plain = nodeError(404, "pod not found\n");
  assert.equal(plain.code, 404);
  assert.equal(plain.message, "pod not found");
  assert.equal(nodeError(502, "").code, 502);
});
