/**
 * The pod manager with real containers: an in-process cluster (scheduler, controllers), a
 * Node for this host, the runc runtime on a private PodBridge, and a busybox-static image in
 * a local ImageStore. Skips unless root with runc, conmon, busybox-static, ip and nft.
 *
 * Everything is private to this process (bridge, nft table, netns prefix, pod CIDR, cgroup
 * root, directories) and removed in `after`.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { PodBridge } from "../../src/network/bridge.js";
import { cidrContains } from "../../src/network/ipam.js";
import { StatusError } from "../../src/machinery/errors.js";
import { startPodManager } from "../../src/node/pods/index.js";
import { RuncRuntime } from "../../src/node/runtime/runc/index.js";
import { cgroupLayout, removeCgroup } from "../../src/node/runtime/runc/cgroup.js";
import type { PodManager } from "../../src/node/types.js";
import { ctr, eventsOf, logLines, podOf, startHarness, unmountUnder, waitFor, waitPod, type Harness } from "./pods-harness.js";

function skipReason(): string | undefined {
  if (process.platform !== "linux") return "runc needs Linux";
  if (process.getuid?.() !== 0) return "runc containers need root";
  for (const tool of ["runc", "conmon", "ip", "nft", "mount"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  if (!existsSync("/bin/busybox")) return "busybox-static is not installed";
  return undefined;
}

const skip = skipReason();
const tag = (process.pid % 100000).toString(36);
const cgroupRoot = `/timonel-podtest-${tag}`;
const nodeName = `runc-node-${tag}`;
const nodeIP = "127.0.0.1";
let h: Harness;
let bridge: PodBridge;
let runtime: RuncRuntime;
let manager: PodManager | undefined;

const openRuntime = (): RuncRuntime => new RuncRuntime({ stateDir: path.join(h.dir, "runtime"), network: bridge, cgroupRoot });
const start = (): Promise<PodManager> => startPodManager({
  client: h.client, nodeName, nodeIP, runtime, images: h.images, recorder: h.recorder,
  stateDir: path.join(h.dir, "node"), crashLoopBaseMs: 300, pollMs: 200,
});

if (skip) {
  test("pod manager with runc", { skip }, () => undefined);
} else {
  before(async () => {
    h = await startHarness("timonel-pods-runc-", nodeName, nodeIP);
    bridge = new PodBridge({
      podCidr: `10.247.${process.pid % 250}.0/24`, stateDir: path.join(h.dir, "net"), bridgeName: `tmp${tag}`,
      nftTable: `timonel_p${tag}`, netnsPrefix: `tmp${tag}-`, serviceCidr: `10.102.${process.pid % 250}.0/24`,
    });
    runtime = openRuntime();
    manager = await start();
  });

  after(async () => {
    await manager?.stop();
    await runtime?.cleanupAll().catch((e: unknown) => console.error("runtime cleanup:", e));
    await bridge?.cleanupAll().catch((e: unknown) => console.error("bridge cleanup:", e));
    removeCgroup(cgroupRoot);
    if (h) {
      unmountUnder(h.dir);
      await h.stop();
      rmSync(h.dir, { recursive: true, force: true });
    }
  });

  test("a pod runs: Running with an IP, status, events and logs", async () => {
    await h.client.configmaps.create("default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg" }, data: { GREETING: "hola" } });
    await h.client.pods.create("default", podOf("web", nodeName, [ctr("app", "echo $GREETING from $(POD_NAME) as $(id -u); sleep 3600", {
      env: [
        { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "GREETING", valueFrom: { configMapKeyRef: { name: "cfg", key: "GREETING" } } },
      ],
      securityContext: { runAsUser: 1234 },
      resources: { requests: { cpu: "100m", memory: "32Mi" }, limits: { cpu: "100m", memory: "32Mi" } },
    })]));
    const p = await waitPod(h.client, "web", "Running and ready", (x) => x.status?.phase === "Running" && !!x.status.containerStatuses?.[0]?.ready);
    const st = p.status!;
    assert.ok(st.podIP && cidrContains(bridge.podCidr, st.podIP), `pod IP ${st.podIP} in the bridge's CIDR`);
    assert.deepEqual(st.podIPs, [{ ip: st.podIP }]);
    assert.equal(st.hostIP, nodeIP);
    assert.equal(st.qosClass, "Guaranteed");
    assert.ok(st.startTime);
    const cs = st.containerStatuses![0]!;
    assert.match(cs.containerID ?? "", /^runc:\/\/[0-9a-f]+$/);
    assert.equal(cs.image, "docker.io/library/tbox:1");
    assert.match(cs.imageID, /^docker\.io\/library\/tbox@sha256:[0-9a-f]{64}$/);
    assert.equal(cs.restartCount, 0);
    assert.equal(cs.started, true);
    assert.ok(cs.state?.running?.startedAt);
    const conds = Object.fromEntries((st.conditions ?? []).map((c) => [c.type, c.status]));
    assert.deepEqual(conds, { PodReadyToStartContainers: "True", Initialized: "True", Ready: "True", ContainersReady: "True", PodScheduled: "True" });

    const loc = await waitFor("the log line", async () => {
      const l = await manager!.logs.locate("default", "web", undefined, false);
      return logLines(l.path).some((x) => x.text === "hola from web as 1234") ? l : undefined;
    });
    assert.equal(loc.container, "app");
    assert.match(loc.path, new RegExp(`/logs/default_web_${p.metadata.uid}/app/0\\.log$`));
    const evs = await eventsOf(h.client, h.recorder, "web");
    assert.ok(evs.some((e) => e.reason === "Pulled" && e.message === 'Container image "tbox:1" already present on machine'), JSON.stringify(evs));
    assert.ok(evs.some((e) => e.reason === "Created" && e.message === "Created container app"));
    assert.ok(evs.some((e) => e.reason === "Started" && e.message === "Started container app"));
    assert.equal(manager!.runningPods() >= 1, true);

    // LogLocator errors, with upstream's messages.
    await assert.rejects(manager!.logs.locate("default", "nope", undefined, false), (e: unknown) => e instanceof StatusError && e.code === 404);
    await assert.rejects(manager!.logs.locate("default", "web", "other", false), /container other is not valid for pod web/);
    await assert.rejects(manager!.logs.locate("default", "web", "app", true), /previous terminated container "app" in pod "web" not found/);
  });

  test("a crashing container goes into CrashLoopBackOff with a rising restartCount", async () => {
    await h.client.pods.create("default", podOf("crash", nodeName, [ctr("c", "echo crashing; exit 3")]));
    const p = await waitPod(h.client, "crash", "CrashLoopBackOff after 2 restarts", (x) => {
      const cs = x.status?.containerStatuses?.[0];
      return cs?.state?.waiting?.reason === "CrashLoopBackOff" && (cs.restartCount ?? 0) >= 2;
    });
    const cs = p.status!.containerStatuses![0]!;
    assert.equal(p.status!.phase, "Running");
    assert.match(cs.state!.waiting!.message!, new RegExp(`^back-off \\d+(ms|\\.\\d+s|s) restarting failed container=c pod=crash_default\\(${p.metadata.uid}\\)$`));
    assert.equal(cs.lastState?.terminated?.exitCode, 3);
    assert.equal(cs.lastState?.terminated?.reason, "Error");
    assert.equal(cs.ready, false);
    const prev = await manager!.logs.locate("default", "crash", "c", true);
    assert.ok(logLines(prev.path).some((l) => l.text === "crashing"));
    const evs = await eventsOf(h.client, h.recorder, "crash");
    assert.ok(evs.some((e) => e.reason === "BackOff" && e.message === `Back-off restarting failed container c in pod crash_default(${p.metadata.uid})`), JSON.stringify(evs));
    const later = await waitPod(h.client, "crash", "restartCount rises", (x) => (x.status?.containerStatuses?.[0]?.restartCount ?? 0) > (cs.restartCount ?? 0));
    assert.ok(later.status!.containerStatuses![0]!.restartCount > cs.restartCount);
    await h.client.pods.delete("default", "crash", { gracePeriodSeconds: 0 });
  });

  test("a container over its memory limit is OOMKilled", async () => {
    await h.client.pods.create("default", podOf("oom", nodeName, [ctr("hog", "head -c 200m /dev/zero | tail", {
      resources: { limits: { memory: "16Mi" } },
    })], { restartPolicy: "Never" }));
    const p = await waitPod(h.client, "oom", "terminated", (x) => !!x.status?.containerStatuses?.[0]?.state?.terminated);
    const t = p.status!.containerStatuses![0]!.state!.terminated!;
    assert.equal(t.reason, "OOMKilled");
    assert.equal(t.exitCode, 137);
    await waitPod(h.client, "oom", "Failed", (x) => x.status?.phase === "Failed");
  });

  test("restartPolicy Never and exit 0: Succeeded, sandbox released, logs kept", async () => {
    await h.client.pods.create("default", podOf("once", nodeName, [ctr("job", "echo done")], { restartPolicy: "Never" }));
    const p = await waitPod(h.client, "once", "Succeeded", (x) => x.status?.phase === "Succeeded");
    const cs = p.status!.containerStatuses![0]!;
    assert.equal(cs.state?.terminated?.exitCode, 0);
    assert.equal(cs.state?.terminated?.reason, "Completed");
    const ready = p.status!.conditions!.find((c) => c.type === "Ready");
    assert.equal(ready?.status, "False");
    assert.equal(ready?.reason, "PodCompleted");
    await waitFor("the sandbox removed", async () => !(await runtime.listSandboxes()).some((s) => s.podUid === p.metadata.uid));
    const l = await manager!.logs.locate("default", "once", undefined, false);
    assert.ok(logLines(l.path).some((x) => x.text === "done"));
  });

  test("init containers run in order, each to success, before the app", async () => {
    await h.client.pods.create("default", podOf("inits", nodeName, [ctr("app", "echo app; sleep 3600")], {
      initContainers: [ctr("first", "echo first; sleep 0.3"), ctr("second", "echo second")],
    }));
    const p = await waitPod(h.client, "inits", "Running", (x) => x.status?.phase === "Running" && !!x.status.containerStatuses?.[0]?.ready);
    const inits = p.status!.initContainerStatuses!;
    assert.deepEqual(inits.map((s) => [s.name, s.state?.terminated?.reason, s.state?.terminated?.exitCode]), [["first", "Completed", 0], ["second", "Completed", 0]]);
    const t = async (c: string): Promise<string> => {
      const loc = await waitFor(`log of ${c}`, async () => {
        const l = await manager!.logs.locate("default", "inits", c, false);
        return logLines(l.path).length ? l : undefined;
      });
      return logLines(loc.path)[0]!.time;
    };
    const [a, b, c] = [await t("first"), await t("second"), await t("app")];
    assert.ok(a < b && b < c, `started in order: ${a} < ${b} < ${c}`);
    assert.equal((await manager!.logs.locate("default", "inits", undefined, false)).container, "app", "the only app container is the default");

    // A failing init container with restartPolicy Never fails the pod; the app never starts.
    await h.client.pods.create("default", podOf("badinit", nodeName, [ctr("app", "sleep 3600")], {
      restartPolicy: "Never", initContainers: [ctr("boom", "exit 7")],
    }));
    const bad = await waitPod(h.client, "badinit", "Failed", (x) => x.status?.phase === "Failed");
    assert.equal(bad.status!.initContainerStatuses![0]!.state?.terminated?.exitCode, 7);
    assert.ok(bad.status!.containerStatuses![0]!.state?.waiting, "the app container never ran");
  });

  test("graceful delete: preStop, Killing, containers stopped and removed, pod gone", async () => {
    await h.client.pods.create("default", podOf("bye", nodeName, [ctr("app", "trap 'echo got-term; exit 0' TERM; while true; do sleep 0.1; done", {
      lifecycle: { preStop: { exec: { command: ["sh", "-c", "sleep 1"] } } },
    })]));
    const p = await waitPod(h.client, "bye", "Running", (x) => x.status?.phase === "Running");
    const loc = await manager!.logs.locate("default", "bye", undefined, false);
    const t0 = Date.now();
    await h.client.pods.delete("default", "bye", { gracePeriodSeconds: 10 });
    await waitFor("the pod deleted", async () => {
      try {
        await h.client.pods.get("default", "bye");
        return undefined;
      } catch (e) {
        return e instanceof StatusError && e.code === 404 ? true : undefined;
      }
    });
    const took = Date.now() - t0;
    assert.ok(took >= 900, `the preStop hook ran before TERM (${took} ms)`);
    assert.ok(took < 9000, `the container exited on TERM, well within the grace period (${took} ms)`);
    assert.ok(!(await runtime.listSandboxes()).some((s) => s.podUid === p.metadata.uid), "sandbox removed");
    const cid = p.status!.containerStatuses![0]!.containerID!.slice("runc://".length);
    assert.ok(!(await runtime.listContainers()).some((c) => c.id === cid), "container removed");
    assert.ok(!existsSync(loc.path), "logs removed with the pod");
    const evs = await eventsOf(h.client, h.recorder, "bye");
    assert.ok(evs.some((e) => e.reason === "Killing" && e.message === "Stopping container app"), JSON.stringify(evs));
  });

  test("a new manager adopts running containers without restarting them", async () => {
    const before = await waitPod(h.client, "web", "Running", (x) => x.status?.phase === "Running");
    const cs0 = before.status!.containerStatuses![0]!;
    await manager!.stop();
    runtime = openRuntime();
    manager = await start();
    await new Promise((r) => setTimeout(r, 1500));
    const now = await h.client.pods.get("default", "web");
    const cs1 = now.status!.containerStatuses![0]!;
    assert.equal(now.status!.phase, "Running");
    assert.equal(cs1.containerID, cs0.containerID);
    assert.equal(cs1.restartCount, cs0.restartCount);
    assert.equal(cs1.state?.running?.startedAt, cs0.state?.running?.startedAt);
    assert.equal(now.status!.podIP, before.status!.podIP);
    const l = await manager!.logs.locate("default", "web", undefined, false);
    assert.ok(logLines(l.path).some((x) => x.text.startsWith("hola from web")));
  });

  test("a force-deleted pod's containers are torn down", async () => {
    const p = await h.client.pods.get("default", "web");
    const running = manager!.runningPods();
    const cid = p.status!.containerStatuses![0]!.containerID!.slice("runc://".length);
    await h.client.pods.delete("default", "web", { gracePeriodSeconds: 0 });
    await waitFor("the sandbox removed", async () => !(await runtime.listSandboxes()).some((s) => s.podUid === p.metadata.uid));
    assert.ok(!(await runtime.listContainers()).some((c) => c.id === cid), "container removed");
    assert.equal(manager!.runningPods(), running - 1);
  });

  test("nothing is left behind", async () => {
    for (const name of ["oom", "once", "inits", "badinit"]) await h.client.pods.delete("default", name, { gracePeriodSeconds: 0 }).catch(() => undefined);
    await waitFor("every sandbox removed", async () => (await runtime.listSandboxes()).length === 0 || undefined);
    await waitFor("every container removed", async () => (await runtime.listContainers()).length === 0 || undefined);
    await waitFor("no rootfs mounted", () => !readFileSync("/proc/self/mountinfo", "utf8").includes(path.join(h.dir, "node")) || undefined, 10_000);
    for (const hier of cgroupLayout().hierarchies) {
      await waitFor(`pod cgroups removed in ${hier.mount}`, () => {
        const dir = path.join(hier.mount, cgroupRoot);
        return !existsSync(dir) || spawnSync("find", [dir, "-mindepth", "1", "-type", "d"], { encoding: "utf8" }).stdout.trim() === "" || undefined;
      });
    }
  });
}
