/**
 * `timonel up` starts this machine's node agent: the real CLI from source as a child process,
 * with the process runtime (it needs no root). It prints the runtime it chose, registers the
 * Node as a control-plane node, runs a pod from an image dropped into agent/images, and
 * serves its log to the real kubectl through the node server.
 * Bad agent flags exit 2 naming the flag.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ApiClient } from "../../src/client/client.js";
import { transportFromKubeconfig } from "../../src/client/https.js";
import type { PodObj } from "../../src/api/core/v1/pod-printer.js";
import { dockerArchiveTar, tarOf } from "../image/helpers.js";
import { nodeNameFor } from "../../src/node/agent/host.js";
import { waitFor } from "./wait.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const cli = ["--import", "tsx", path.join(repoRoot, "src/cli/run.ts")];
const running = new Set<ChildProcess>();
const dirs: string[] = [];

after(async () => {
  for (const p of running) p.kill("SIGKILL");
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), "timonel-agent-cli-"));
  dirs.push(d);
  return d;
}

/** Starts `timonel up ARGS`, resolves with the process and its stdout once the ready line is out. */
function up(args: string[]): Promise<{ proc: ChildProcess; out: () => string; exited: Promise<number | null> }> {
  const proc = spawn(process.execPath, [...cli, "up", ...args], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  running.add(proc);
  let out = "";
  let err = "";
  proc.stdout!.setEncoding("utf8");
  proc.stderr!.setEncoding("utf8");
  proc.stderr!.on("data", (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => {
    running.delete(proc);
    resolve(code);
  }));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timonel up did not get ready in 30 s:\n${out}\n${err}`)), 30_000);
    proc.stdout!.on("data", (d: string) => {
      out += d;
      if (/Timonel is ready at https:\/\/\S+ in \d+ ms/.test(out)) {
        clearTimeout(timer);
        resolve({ proc, out: () => out, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`timonel up exited (${code}) before it was ready:\n${out}\n${err}`));
    });
  });
}


test("timonel up --runtime process: prints the runtime, registers the Node and runs a pod", async () => {
  const dataDir = await tempDir();
  await mkdir(path.join(dataDir, "agent", "images"), { recursive: true });
  const layer = await tarOf([{ name: "hello.txt", content: "hi\n" }]);
  await writeFile(path.join(dataDir, "agent", "images", "hello.tar"), (await dockerArchiveTar([{ layerTars: [layer], repoTags: ["agent/hello:1"] }])).tar);

  const s = await up(["--runtime", "process", "--node-name", "cli-node", "--data-dir", dataDir, "--port", "0", "--storage", "memory"]);
  assert.match(s.out(), /^Node agent: runtime process \(chosen with --runtime\), node cli-node$/m);
  assert.match(s.out(), /node agent: the process runtime cannot isolate pods/);
  assert.match(s.out(), /node agent: imported 1 image\(s\) from .*hello\.tar/);

  const client = new ApiClient(transportFromKubeconfig(path.join(dataDir, "kubeconfig")));
  try {
    const node = await client.nodes.get(undefined, "cli-node");
    assert.equal(node.metadata.labels?.["node-role.kubernetes.io/control-plane"], "");
    assert.equal(node.status?.nodeInfo?.containerRuntimeVersion, `process://${process.versions.node}`);
    assert.deepEqual(node.status?.images?.[0]?.names, ["docker.io/agent/hello:1"]);
    assert.equal((node.status?.conditions ?? []).find((c) => c.type === "Ready")?.status, "True");

    // The whole chain: scheduler → this node → the pod manager → the process runtime.
    const pod: PodObj = {
      apiVersion: "v1", kind: "Pod", metadata: { name: "sleeper", namespace: "default" },
      spec: { containers: [{ name: "main", image: "agent/hello:1", imagePullPolicy: "IfNotPresent", command: ["/bin/sh", "-c", "echo hello from the agent; exec sleep 30"] }], terminationGracePeriodSeconds: 1 },
    };
    await waitFor("the default ServiceAccount", async () => client.serviceaccounts.get("default", "default"));
    await client.pods.create("default", pod);
    const runningPod = await waitFor("the pod Running", async () => {
      const p = await client.pods.get("default", "sleeper");
      return p.status?.phase === "Running" ? p : undefined;
    });
    assert.equal(runningPod.spec?.nodeName, "cli-node");
    assert.match(runningPod.status?.podIP ?? "", /^127\./);
    // The node server's port is on the Node, and the real kubectl reads the log through it.
    const port = (await client.nodes.get(undefined, "cli-node")).status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0;
    assert.ok(port > 0, `kubelet endpoint port ${port}`);
    const logs = await waitFor("kubectl logs", async () => {
      const r = spawnSync("kubectl", ["logs", "sleeper"], {
        encoding: "utf8", timeout: 20_000,
        env: { ...process.env, KUBECONFIG: path.join(dataDir, "kubeconfig"), KUBECACHEDIR: path.join(dataDir, "kube-cache") },
      });
      if (r.status !== 0) throw new Error(r.stderr);
      return r.stdout.includes("hello") ? r.stdout : undefined;
    });
    assert.equal(logs, "hello from the agent\n");
    await client.pods.delete("default", "sleeper", { gracePeriodSeconds: 1 });
    await waitFor("the pod gone", async () => client.pods.get("default", "sleeper").then(() => undefined, () => true));
  } finally {
    await client.close();
    s.proc.kill("SIGTERM");
  }
  assert.equal(await s.exited, 0);
});

test("timonel up --runtime bogus exits 2 naming the flag; --no-agent with --runtime too", () => {
  const bogus = spawnSync(process.execPath, [...cli, "up", "--runtime", "bogus", "--port", "0"], { cwd: repoRoot, encoding: "utf8", timeout: 30_000 });
  assert.equal(bogus.status, 2);
  assert.match(bogus.stderr, /--runtime must be one of runc, process, fake, got "bogus"/);
  const both = spawnSync(process.execPath, [...cli, "up", "--no-agent", "--runtime", "process", "--port", "0"], { cwd: repoRoot, encoding: "utf8", timeout: 30_000 });
  assert.equal(both.status, 2);
  assert.match(both.stderr, /--no-agent runs no node agent; drop --runtime/);
  const badName = spawnSync(process.execPath, [...cli, "up", "--node-name", "Not_Valid", "--port", "0"], { cwd: repoRoot, encoding: "utf8", timeout: 30_000 });
  assert.equal(badName.status, 2);
  assert.match(badName.stderr, /--node-name: "Not_Valid" is not a valid node name/);
  const help = spawnSync(process.execPath, [...cli, "up", "--help"], { cwd: repoRoot, encoding: "utf8", timeout: 30_000 });
  assert.match(help.stdout, /--runtime NAME .*runc.*process.*fake/);
  assert.match(help.stdout, /--no-agent /);
  assert.match(help.stdout, /--node-name NAME /);
});

test("timonel up: log rotation and image GC flags are checked as kubelet checks them, and documented", () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [...cli, "up", "--port", "0", ...args], { cwd: repoRoot, encoding: "utf8", timeout: 30_000 });
  const cases: Array<[string[], RegExp]> = [
    [["--container-log-max-size", "lots"], /--container-log-max-size must be a positive quantity of bytes such as 10Mi, got "lots"/],
    [["--container-log-max-size", "0"], /--container-log-max-size must be a positive quantity/],
    [["--container-log-max-files", "1"], /--container-log-max-files must be a whole number from 2 to 1000, got "1"/],
    [["--image-gc-high-threshold", "101"], /--image-gc-high-threshold must be a whole number from 0 to 100/],
    [["--image-gc-low-threshold", "90"], /--image-gc-low-threshold \(90\) must be less than --image-gc-high-threshold \(85\)/],
    [["--no-agent", "--container-log-max-files", "3"], /--no-agent runs no node agent; drop --container-log-max-files/],
  ];
  for (const [args, re] of cases) {
    const r = run(...args);
    assert.equal(r.status, 2, args.join(" "));
    assert.match(r.stderr, re);
  }
  const help = run("--help");
  assert.match(help.stdout, /--container-log-max-size QTY .*\(default 10Mi\)/);
  assert.match(help.stdout, /--container-log-max-files N .*\(default 5\)/);
  assert.match(help.stdout, /--image-gc-high-threshold PERCENT .*\(default 85\)/);
  assert.match(help.stdout, /--image-gc-low-threshold PERCENT .*\(default 80\)/);
});

test("timonel up --no-agent --simulated-nodes: no Node for this machine, simulated pod ranges as before", async () => {
  const dataDir = await tempDir();
  const s = await up(["--no-agent", "--simulated-nodes", "1", "--data-dir", dataDir, "--port", "0", "--storage", "memory"]);
  assert.match(s.out(), /No node agent \(--no-agent\)/);
  const client = new ApiClient(transportFromKubeconfig(path.join(dataDir, "kubeconfig")));
  try {
    const nodes = await client.nodes.listAll(undefined);
    assert.deepEqual(nodes.items.map((n) => [n.metadata.name, n.spec?.podCIDR]), [["sim-node-0", "10.244.0.0/24"]]);
  } finally {
    await client.close();
    s.proc.kill("SIGTERM");
  }
  assert.equal(await s.exited, 0);
});

test("timonel up --runtime fake --simulated-nodes 2: this host as a simulated node, the others clear of its pod CIDR", async () => {
  const dataDir = await tempDir();
  const s = await up(["--runtime", "fake", "--node-name", "host", "--simulated-nodes", "2", "--data-dir", dataDir, "--port", "0", "--storage", "memory"]);
  assert.match(s.out(), /^Node agent: runtime fake \(chosen with --runtime\), node host \(simulated\)$/m);
  const client = new ApiClient(transportFromKubeconfig(path.join(dataDir, "kubeconfig")));
  try {
    const nodes = await client.nodes.listAll(undefined);
    const cidrs = Object.fromEntries(nodes.items.map((n) => [n.metadata.name, n.spec?.podCIDR]));
    // The host's node is named exactly --node-name, as a real agent's would be (not "host-0").
    assert.deepEqual(cidrs, { host: "10.244.0.0/24", "sim-node-0": "10.245.0.0/24", "sim-node-1": "10.245.1.0/24" });
    const host = nodes.items.find((n) => n.metadata.name === "host")!;
    assert.equal(host.metadata.labels?.["node-role.kubernetes.io/control-plane"], "");
    assert.equal(host.metadata.labels?.["kubernetes.io/hostname"], "host");
  } finally {
    await client.close();
    s.proc.kill("SIGTERM");
  }
  assert.equal(await s.exited, 0);
});

test("timonel up --runtime fake: the simulated node is named exactly the hostname", async () => {
  const dataDir = await tempDir();
  const s = await up(["--runtime", "fake", "--data-dir", dataDir, "--port", "0", "--storage", "memory"]);
  const want = nodeNameFor(undefined);
  assert.ok(s.out().includes(`node ${want} (simulated)`), s.out());
  const client = new ApiClient(transportFromKubeconfig(path.join(dataDir, "kubeconfig")));
  try {
    const nodes = await client.nodes.listAll(undefined);
    assert.deepEqual(nodes.items.map((n) => n.metadata.name), [want]);
  } finally {
    await client.close();
    s.proc.kill("SIGTERM");
  }
  assert.equal(await s.exited, 0);
});
