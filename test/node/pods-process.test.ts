/**
 * The pod manager on the unprivileged fallback: the process runtime (host processes) with
 * 127.x.y.z pod addresses from a LoopbackNetwork. Same cluster, Node and image as the runc
 * test; commands run on the host's filesystem, so they use the host's /bin/sh.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import path from "node:path";
import { LoopbackNetwork } from "../../src/network/loopback.js";
import { cidrContains, parseCidr } from "../../src/network/ipam.js";
import { StatusError } from "../../src/machinery/errors.js";
import { startPodManager } from "../../src/node/pods/index.js";
import { ProcessRuntime } from "../../src/node/runtime/process/index.js";
import type { PodManager } from "../../src/node/types.js";
import { haveRegistry, pushImage, startRegistry } from "../image/helpers.js";
import { buildTestImage, ctr, eventsOf, logLines, podOf, startHarness, waitFor, waitPod, type Harness } from "./pods-harness.js";

const tag = (process.pid % 100000).toString(36);
const nodeName = `proc-node-${tag}`;
const nodeIP = "127.0.0.1";
const cidr = `127.77.${process.pid % 250}.0/24`;
let h: Harness;
let network: LoopbackNetwork;
let runtime: ProcessRuntime;
let manager: PodManager | undefined;

const openRuntime = (): ProcessRuntime => new ProcessRuntime({ stateDir: path.join(h.dir, "runtime"), network });
const start = (): Promise<PodManager> => startPodManager({
  client: h.client, nodeName, nodeIP, runtime, images: h.images, recorder: h.recorder,
  stateDir: path.join(h.dir, "node"), crashLoopBaseMs: 300, pollMs: 200,
});

before(async () => {
  h = await startHarness("timonel-pods-proc-", nodeName, nodeIP);
  network = new LoopbackNetwork({ stateDir: path.join(h.dir, "net"), cidr });
  runtime = openRuntime();
  manager = await start();
});

after(async () => {
  await manager?.stop();
  await runtime?.cleanupAll().catch((e: unknown) => console.error("runtime cleanup:", e));
  await network?.cleanupAll();
  if (h) {
    await h.stop();
    rmSync(h.dir, { recursive: true, force: true });
  }
});

test("process: a pod runs with a loopback IP; logs; upstream log errors", async () => {
  await h.client.pods.create("default", podOf("web", nodeName, [
    ctr("app", "echo hello from $(POD_NAMESPACE)/$(POD_NAME); sleep 3600", {
      env: [
        { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
        { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      ],
    }),
    ctr("side", "echo side; sleep 3600"),
  ]));
  const p = await waitPod(h.client, "web", "Running and ready", (x) => x.status?.phase === "Running" && (x.status.containerStatuses ?? []).every((c) => c.ready));
  assert.ok(p.status!.podIP && cidrContains(parseCidr(cidr), p.status!.podIP), `pod IP ${p.status!.podIP} in ${cidr}`);
  assert.equal(p.status!.qosClass, "BestEffort");
  assert.match(p.status!.containerStatuses![0]!.containerID ?? "", /^process:\/\//);
  const loc = await waitFor("the log line", async () => {
    const l = await manager!.logs.locate("default", "web", "app", false);
    return logLines(l.path).some((x) => x.text === "hello from default/web") ? l : undefined;
  });
  assert.equal(loc.container, "app");
  await assert.rejects(manager!.logs.locate("default", "web", undefined, false),
    (e: unknown) => e instanceof StatusError && e.code === 400 && e.message === "a container name must be specified for pod web, choose one of: [app side]");
  await assert.rejects(manager!.logs.locate("default", "web", "zzz", false), /^StatusError: container zzz is not valid for pod web$/);
});

test("process: CrashLoopBackOff, then restartPolicy Never + exit 0 → Succeeded", async () => {
  await h.client.pods.create("default", podOf("crash", nodeName, [ctr("c", "echo boom; exit 1")]));
  const p = await waitPod(h.client, "crash", "CrashLoopBackOff", (x) => {
    const cs = x.status?.containerStatuses?.[0];
    return cs?.state?.waiting?.reason === "CrashLoopBackOff" && (cs.restartCount ?? 0) >= 1;
  });
  assert.equal(p.status!.containerStatuses![0]!.lastState?.terminated?.exitCode, 1);
  await h.client.pods.delete("default", "crash", { gracePeriodSeconds: 0 });

  await h.client.pods.create("default", podOf("once", nodeName, [ctr("job", "echo done")], { restartPolicy: "Never" }));
  const done = await waitPod(h.client, "once", "Succeeded", (x) => x.status?.phase === "Succeeded");
  assert.equal(done.status!.containerStatuses![0]!.state?.terminated?.reason, "Completed");
});

test("process: init containers in order; a missing image with Never is ErrImageNeverPull", async () => {
  await h.client.pods.create("default", podOf("inits", nodeName, [ctr("app", "echo app; sleep 3600")], {
    initContainers: [ctr("one", "echo one; sleep 0.2"), ctr("two", "echo two")],
  }));
  await waitPod(h.client, "inits", "Running", (x) => x.status?.phase === "Running");
  const first = async (c: string): Promise<string> => logLines((await manager!.logs.locate("default", "inits", c, false)).path)[0]!.time;
  const [a, b, c] = [await first("one"), await first("two"), await waitFor("app log", () => first("app"))];
  assert.ok(a < b && b < c, `${a} < ${b} < ${c}`);

  await h.client.pods.create("default", podOf("noimg", nodeName, [{ name: "x", image: "tbox:absent", imagePullPolicy: "Never" }]));
  const p = await waitPod(h.client, "noimg", "ErrImageNeverPull", (x) => x.status?.containerStatuses?.[0]?.state?.waiting?.reason === "ErrImageNeverPull");
  assert.equal(p.status!.phase, "Pending");
  assert.equal(p.status!.containerStatuses![0]!.state!.waiting!.message, 'Container image "tbox:absent" is not present with pull policy of Never');
});

test("process: adoption keeps containers; graceful delete removes them", async () => {
  const before = await h.client.pods.get("default", "web");
  await manager!.stop();
  runtime = openRuntime();
  manager = await start();
  await new Promise((r) => setTimeout(r, 1000));
  const now = await h.client.pods.get("default", "web");
  assert.deepEqual(now.status!.containerStatuses!.map((c) => [c.containerID, c.restartCount]), before.status!.containerStatuses!.map((c) => [c.containerID, c.restartCount]));

  await h.client.pods.delete("default", "web", { gracePeriodSeconds: 3 });
  await waitFor("pod deleted", async () => {
    try {
      await h.client.pods.get("default", "web");
      return undefined;
    } catch (e) {
      return e instanceof StatusError && e.code === 404 ? true : undefined;
    }
  });
  const ids = new Set(before.status!.containerStatuses!.map((c) => c.containerID!.slice("process://".length)));
  assert.ok(!(await runtime.listContainers()).some((c) => ids.has(c.id)), "containers removed");
  const evs = await eventsOf(h.client, h.recorder, "web");
  assert.ok(evs.some((e) => e.reason === "Killing" && e.message === "Stopping container side"));
  for (const n of ["once", "inits", "noimg"]) await h.client.pods.delete("default", n, { gracePeriodSeconds: 0 });
  await waitFor("every sandbox removed", async () => (await runtime.listSandboxes()).length === 0 || undefined);
});

test("process: pulls from a registry on loopback: Pulling, Pulled, ErrImagePull, ImagePullBackOff", { skip: !haveRegistry() && "docker-registry is not installed" }, async () => {
  const reg = await startRegistry();
  try {
    await pushImage(reg.url, "pods/tbox", "2", await buildTestImage());
    const image = `${reg.host}/pods/tbox:2`;
    await h.client.pods.create("default", podOf("pulled", nodeName, [{ name: "c", image, command: ["sh", "-c", "echo pulled; sleep 3600"] }]));
    const p = await waitPod(h.client, "pulled", "Running", (x) => x.status?.phase === "Running");
    assert.match(p.status!.containerStatuses![0]!.imageID, new RegExp(`^${reg.host.replace(/\./g, "\\.")}/pods/tbox@sha256:`));
    const evs = await eventsOf(h.client, h.recorder, "pulled");
    assert.ok(evs.some((e) => e.reason === "Pulling" && e.message === `Pulling image "${image}"`), JSON.stringify(evs));
    assert.ok(evs.some((e) => e.reason === "Pulled" && new RegExp(`^Successfully pulled image "${image.replace(/\./g, "\\.")}" in [\\d.]+m?s \\([\\d.]+m?s including waiting\\)\\. Image size: \\d+ bytes\\.$`).test(e.message)), JSON.stringify(evs));

    const missing = `${reg.host}/pods/tbox:missing`;
    await h.client.pods.create("default", podOf("nopull", nodeName, [{ name: "c", image: missing }]));
    await waitPod(h.client, "nopull", "ImagePullBackOff", (x) => x.status?.containerStatuses?.[0]?.state?.waiting?.reason === "ImagePullBackOff");
    const w = (await h.client.pods.get("default", "nopull")).status!.containerStatuses![0]!.state!.waiting!;
    assert.equal(w.message, `Back-off pulling image "${missing}"`);
    const evs2 = await eventsOf(h.client, h.recorder, "nopull");
    assert.ok(evs2.some((e) => e.reason === "Failed" && e.message === "Error: ErrImagePull"), JSON.stringify(evs2));
    assert.ok(evs2.some((e) => e.reason === "BackOff" && e.message === `Back-off pulling image "${missing}"`), JSON.stringify(evs2));
    for (const n of ["pulled", "nopull"]) await h.client.pods.delete("default", n, { gracePeriodSeconds: 0 });
  } finally {
    await reg.stop();
  }
});
