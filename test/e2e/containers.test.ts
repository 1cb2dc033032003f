/**
 * e2e with real containers: the real kubectl against `startCluster` with the runc node agent
 * (sqlite, components on), busybox-static images imported by the agent at start-up.
 *
 * Skips unless root with runc, conmon, busybox-static, iproute2, nftables, curl and kubectl.
 * Traffic goes only to pod IPs on the agent's bridge. Everything (pods, netns, bridge, nft
 * table, cgroups, mounts, dirs) is removed in `after`, which also checks nothing was left.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cidrContains, parseCidr } from "../../src/network/ipam.js";
import { containersSkipReason, privatePodCidr } from "./containers-fixtures.js";
import { startContainerCluster, type ContainerCluster } from "./containers-harness.js";
import { findRow, KUBECTL, waitFor } from "./harness.js";

const skip = !existsSync(KUBECTL) ? `${KUBECTL} not found` : containersSkipReason(["curl"]);
const tag = (process.pid % 100000).toString(36);
const podCidr = privatePodCidr(252);

const HELLO = `kind: Pod
apiVersion: v1
metadata:
  name: hello-k8s
  namespace: dixibox
  labels:
    app: hello-k8s
spec:
  containers:
    - name: app
      image: busybox
      # Not in the seed: this machine is offline, and an untagged image defaults to Always.
      imagePullPolicy: IfNotPresent
      command:
        - sh
        - '-c'
        - 'echo "Hello Kubernetes!" && sleep 3600'
`;

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: httpd
          image: webbox:1
          imagePullPolicy: IfNotPresent
          ports: [{ containerPort: 8080 }]
`;

function pod(name: string, script: string, extra = ""): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  terminationGracePeriodSeconds: 1
  containers:
    - name: c
      image: busybox
      imagePullPolicy: IfNotPresent
      command: ["sh", "-c", ${JSON.stringify(script)}]
${extra}`;
}

/** curl to a pod IP on the agent's bridge (never anything else), no proxy. */
function curl(url: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn("curl", ["-sS", "--noproxy", "*", "--max-time", "5", url], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.on("close", (code) => resolve({ code: code ?? 1, out }));
  });
}

describe("e2e: real containers (runc node agent)", { skip }, () => {
  process.env.TIMONEL_CRASHLOOP_BASE_MS ??= "400";
  let c: ContainerCluster;
  const k = (args: string[], timeoutMs?: number): Promise<string> => c.kubectl(args, timeoutMs ? { timeoutMs } : {}).then((r) => r.stdout);
  const jp = (args: string[], path: string): Promise<string> => k([...args, "-o", `jsonpath=${path}`]);
  const waitPhase = (name: string, phase: string, ns = "default", ms = 30_000): Promise<string> =>
    waitFor(async () => ((await jp(["get", "pod", name, "-n", ns], "{.status.phase}")) === phase ? phase : ""), ms, 100);

  before(async () => {
    c = await startContainerCluster({
      nodeName: `e2e-ctr-${tag}`, podCidr,
      images: [
        { ref: "docker.io/library/busybox:latest", cmd: ["sh"] },
        { ref: "docker.io/library/webbox:1", cmd: ["httpd", "-f", "-p", "8080", "-h", "/www"], files: { "www/index.html": "hola desde un pod de Timonel\n" } },
      ],
    });
    await waitFor(() => k(["get", "serviceaccount", "default"]).then(() => true), 30_000, 200);
  });

  after(async () => {
    if (!c) return;
    const left = await c.destroy();
    assert.deepEqual(left, { containers: 0, sandboxes: 0 }, "every pod's containers and sandbox went with the pods");
  });

  it("the seeds' hello-k8s pod runs and `kubectl logs` prints its line", async () => {
    await k(["create", "namespace", "dixibox"]);
    await c.kubectl(["apply", "-f", "-"], { stdin: HELLO });
    await waitPhase("hello-k8s", "Running", "dixibox");
    const logs = await waitFor(async () => {
      const out = await k(["logs", "hello-k8s", "-n", "dixibox"]);
      return out.includes("Hello Kubernetes!") ? out : "";
    }, 15_000, 200);
    assert.equal(logs, "Hello Kubernetes!\n");
    const ip = await jp(["get", "pod", "hello-k8s", "-n", "dixibox"], "{.status.podIP}");
    assert.ok(cidrContains(parseCidr(podCidr), ip), `pod IP ${ip} in ${podCidr}`);
  });

  it("`kubectl describe pod` shows the Scheduled, Pulled, Created and Started events", async () => {
    const out = await waitFor(async () => {
      const d = await k(["describe", "pod", "hello-k8s", "-n", "dixibox"]);
      return /Started\s/.test(d) ? d : "";
    }, 15_000, 200);
    const events = out.slice(out.indexOf("Events:"));
    assert.match(events, /Normal\s+Scheduled\s+.*default-scheduler\s+Successfully assigned dixibox\/hello-k8s to e2e-ctr-/);
    assert.match(events, /Normal\s+Pulled\s+.*kubelet\s+Container image "busybox" already present on machine/);
    assert.match(events, /Normal\s+Created\s+.*kubelet\s+Created container app/);
    assert.match(events, /Normal\s+Started\s+.*kubelet\s+Started container app/);
    assert.match(out, /^Status:\s+Running$/m);
    assert.match(out, /Container ID:\s+runc:\/\/[0-9a-f]+/);
  });

  it("a Deployment of an HTTP server answers from the host at its pod IPs", async () => {
    await c.kubectl(["apply", "-f", "-"], { stdin: WEB });
    await k(["rollout", "status", "deployment/web", "--timeout=60s"], 70_000);
    const ips = (await jp(["get", "pods", "-l", "app=web"], "{.items[*].status.podIP}")).split(" ").filter(Boolean);
    assert.equal(ips.length, 2);
    assert.notEqual(ips[0], ips[1]);
    for (const ip of ips) {
      assert.ok(cidrContains(parseCidr(podCidr), ip), `pod IP ${ip} is on the Timonel bridge (${podCidr})`);
      const r = await waitFor(async () => {
        const x = await curl(`http://${ip}:8080/index.html`);
        return x.code === 0 ? x : undefined;
      }, 10_000, 200);
      assert.equal(r.out, "hola desde un pod de Timonel\n");
    }
  });

  it("a crashing container goes into CrashLoopBackOff with a rising restart count", async () => {
    await c.kubectl(["apply", "-f", "-"], { stdin: pod("crash", "echo crashing; exit 3") });
    const row = await waitFor(async () => {
      const r = findRow(await k(["get", "pod", "crash"]), "crash");
      return r && r.STATUS === "CrashLoopBackOff" && Number.parseInt(r.RESTARTS ?? "0", 10) >= 1 ? r : undefined;
    }, 30_000, 200);
    const first = Number.parseInt(row.RESTARTS!, 10);
    const later = await waitFor(async () => {
      const r = findRow(await k(["get", "pod", "crash"]), "crash");
      const n = Number.parseInt(r?.RESTARTS ?? "0", 10);
      return n > first ? n : 0;
    }, 30_000, 200);
    assert.ok(later > first, `restarts rose from ${first} to ${later}`);
    const last = await jp(["get", "pod", "crash"], "{.status.containerStatuses[0].lastState.terminated.exitCode}");
    assert.equal(last, "3");
    assert.match(await k(["logs", "crash", "--previous"]), /^crashing$/m);
  });

  it("a container over its memory limit is OOMKilled", async () => {
    const limits = `      resources:
        limits: { memory: 16Mi }
  restartPolicy: Never
`;
    // dd's 64 MiB buffer, filled from /dev/zero, is four times the limit. dd is the container's
    // first process (exec): the OOM killer picks the biggest process, which must be it.
    await c.kubectl(["apply", "-f", "-"], { stdin: pod("oom", "exec dd if=/dev/zero of=/dev/null bs=64M count=4", limits) });
    const reason = await waitFor(async () => jp(["get", "pod", "oom"], "{.status.containerStatuses[0].state.terminated.reason}"), 30_000, 200);
    assert.equal(reason, "OOMKilled");
    assert.equal(await jp(["get", "pod", "oom"], "{.status.containerStatuses[0].state.terminated.exitCode}"), "137");
    assert.equal(await jp(["get", "pod", "oom"], "{.status.phase}"), "Failed");
  });

  it("`kubectl delete pod` waits out the grace period of a container that ignores TERM", async () => {
    const grace = `  terminationGracePeriodSeconds: 3
`;
    const manifest = pod("grace", "trap 'echo got TERM' TERM; while true; do sleep 0.2; done").replace("  terminationGracePeriodSeconds: 1\n", grace);
    await c.kubectl(["apply", "-f", "-"], { stdin: manifest });
    await waitPhase("grace", "Running");
    const t0 = performance.now();
    await k(["delete", "pod", "grace"], 30_000);
    const took = (performance.now() - t0) / 1000;
    assert.ok(took >= 2.8, `deletion took ${took.toFixed(2)} s, not the 3 s grace period`);
    assert.ok(took < 5.5, `deletion took ${took.toFixed(2)} s, much longer than the 3 s grace period`);
    await k(["get", "pod", "grace"]).then(
      () => assert.fail("the pod is still there"),
      (e: Error) => assert.match(e.message, /NotFound|not found/),
    );
  });

  it("pods keep running across an agent restart: same container, no restart", async () => {
    const before = await jp(["get", "pod", "hello-k8s", "-n", "dixibox"], "{.status.containerStatuses[0].containerID} {.status.containerStatuses[0].restartCount} {.status.podIP}");
    const webBefore = await jp(["get", "pods", "-l", "app=web"], "{.items[*].status.containerStatuses[0].containerID}");
    await c.restart();
    // The restarted agent adopts the containers: nothing is created again, nothing restarts.
    await waitFor(async () => (await jp(["get", "node", c.nodeName], '{.status.conditions[?(@.type=="Ready")].status}')) === "True", 30_000, 200);
    await new Promise((r) => setTimeout(r, 1500));
    const after = await jp(["get", "pod", "hello-k8s", "-n", "dixibox"], "{.status.containerStatuses[0].containerID} {.status.containerStatuses[0].restartCount} {.status.podIP}");
    assert.equal(after, before);
    assert.match(after, /^runc:\/\/[0-9a-f]+ 0 \d+\.\d+\.\d+\.\d+$/);
    assert.equal(await jp(["get", "pod", "hello-k8s", "-n", "dixibox"], "{.status.phase}"), "Running");
    assert.equal(await jp(["get", "pods", "-l", "app=web"], "{.items[*].status.containerStatuses[0].containerID}"), webBefore);
    assert.equal(await k(["logs", "hello-k8s", "-n", "dixibox"]), "Hello Kubernetes!\n");
    const ip = (await jp(["get", "pods", "-l", "app=web"], "{.items[0].status.podIP}"));
    assert.equal((await curl(`http://${ip}:8080/index.html`)).out, "hola desde un pod de Timonel\n");
  });
});
