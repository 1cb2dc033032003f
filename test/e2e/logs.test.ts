/**
 * `kubectl logs` end to end: the real kubectl → the API server's pods/log → a real node server
 * (mutual TLS with the cluster PKI) over CRI log files written here. Nothing else runs
 * (components: false), so the Node and Pod objects are exactly what this file creates.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, promises as fs } from "node:fs";
import path from "node:path";
import { skip, useCluster, waitFor } from "./harness.js";
import { ensurePki } from "../../src/cli/pki.js";
import { startNodeServer, type NodeServer } from "../../src/node/server/index.js";
import { errors } from "../../src/machinery/errors.js";
import type { LogLocator } from "../../src/node/types.js";

describe("kubectl logs", { skip }, () => {
  const c = useCluster({ components: false });
  let server: NodeServer | undefined;
  let logDir = "";
  /** When the follow of p/app last asked whether its container runs (the stream is alive). */
  let lastRunningCheck = 0;

  const ago = (ms: number): string => new Date(Date.now() - ms).toISOString().replace("Z", "123456Z");
  const file = (pod: string, container: string, previous = false): string => path.join(logDir, `${pod}_${container}_${previous ? 0 : 1}.log`);

  const locator: LogLocator = {
    async locate(namespace, pod, container, previous) {
      if (namespace !== "default") throw errors.notFound("pods", "", pod);
      const name = container ?? "";
      const p = file(pod, name, previous);
      try {
        await fs.access(p);
      } catch {
        if (previous) throw errors.badRequest(`previous terminated container "${name}" in pod "${pod}" not found`);
        throw errors.badRequest(`container "${name}" in pod "${pod}" is waiting to start: ContainerCreating`);
      }
      return {
        path: p,
        container: name,
        running: () => {
          if (pod === "p" && name === "app") lastRunningCheck = Date.now();
          return true;
        },
      };
    },
  };

  before(async () => {
    const dataDir = path.dirname(c.kubeconfigPath);
    logDir = path.join(c.workDir, "logs");
    await fs.mkdir(logDir, { recursive: true });
    // The cluster already issued these; this reads them back.
    const pki = await ensurePki(dataDir);
    server = await startNodeServer({ host: "127.0.0.1", port: 0, keyPem: pki.nodeServingKeyPem, certPem: pki.nodeServingCertPem, caPem: pki.caPem, logs: locator });

    await fs.writeFile(file("p", "app"), [
      `${ago(3 * 86400_000)} stdout F old line`,
      `${ago(120_000)} stdout F hello from app`,
      `${ago(60_000)} stderr P a partial `,
      `${ago(60_000)} stderr F line`,
      `${ago(1000)} stdout F latest`,
      "",
    ].join("\n"));
    await fs.writeFile(file("p", "app", true), `${ago(86400_000)} stdout F before the restart\n`);
    await fs.writeFile(file("p", "side"), `${ago(5000)} stdout F sidecar says hi\n`);
    await fs.writeFile(file("q", "main"), `${ago(5000)} stdout F q here\n`);
    await fs.writeFile(file("r", "main"), `${ago(5000)} stdout F never served\n`);

    const node = (name: string, port: number): string => `
apiVersion: v1
kind: Node
metadata:
  name: ${name}
status:
  addresses:
  - type: InternalIP
    address: 127.0.0.1
  - type: Hostname
    address: ${name}
  daemonEndpoints:
    kubeletEndpoint:
      Port: ${port}
`;
    const pod = (name: string, nodeName: string | undefined, labels: Record<string, string>, containers: string[]): string => `
apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: {${Object.entries(labels).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(", ")}}
spec:
${nodeName ? `  nodeName: ${nodeName}\n` : ""}  containers:
${containers.map((n) => `  - name: ${n}\n    image: busybox`).join("\n")}
`;
    const manifest = [
      node("n1", server.port),
      node("n2", 0),
      pod("p", "n1", { app: "x", tier: "web" }, ["app", "side"]),
      pod("q", "n1", { app: "x" }, ["main"]),
      pod("r", "n2", { app: "other" }, ["main"]),
      pod("pending", undefined, { app: "z" }, ["main"]),
      `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: x
spec:
  replicas: 1
  selector:
    matchLabels: {app: x, tier: web}
  template:
    metadata:
      labels: {app: x, tier: web}
    spec:
      containers:
      - name: app
        image: busybox
      - name: side
        image: busybox
`,
    ].join("\n---\n");
    await c.kubectl(["create", "-f", await c.writeFile("objects.yaml", manifest)]);
  });

  after(async () => {
    await server?.close();
  });

  test("kubectl logs p: the default container, contents only", async () => {
    const r = await c.kubectl(["logs", "p"]);
    assert.equal(r.stdout, "old line\nhello from app\na partial line\nlatest\n");
    assert.match(r.stderr, /Defaulted container "app" out of: app, side/);
  });

  test("-c picks the container; --tail counts lines from the end", async () => {
    assert.equal((await c.kubectl(["logs", "p", "-c", "side"])).stdout, "sidecar says hi\n");
    assert.equal((await c.kubectl(["logs", "p", "-c", "app", "--tail=2"])).stdout, "a partial line\nlatest\n");
  });

  test("--timestamps prefixes each line with its RFC3339Nano time", async () => {
    const out = (await c.kubectl(["logs", "p", "-c", "app", "--timestamps", "--tail=1"])).stdout;
    assert.match(out, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z latest\n$/);
  });

  test("--previous and --since", async () => {
    assert.equal((await c.kubectl(["logs", "p", "-c", "app", "--previous"])).stdout, "before the restart\n");
    assert.equal((await c.kubectl(["logs", "p", "-c", "app", "--since=1h"])).stdout, "hello from app\na partial line\nlatest\n");
    assert.equal((await c.kubectl(["logs", "p", "-c", "app", "--since=30s"])).stdout, "latest\n");
    const r = await c.kubectl(["logs", "p", "-c", "side", "--previous"], { expectFail: true });
    assert.match(r.stderr, /previous terminated container "side" in pod "p" not found/);
  });

  test("over HTTP/1.1 too", async () => {
    const r = await c.kubectl(["logs", "q"], { env: { GODEBUG: "http2client=0" } });
    assert.equal(r.stdout, "q here\n");
  });

  test("-f streams new lines, and the node connection closes when kubectl goes away", async () => {
    const bg = c.kubectlBackground(["logs", "-f", "p", "-c", "app", "--tail=1"]);
    try {
      await bg.waitForOutput(/^latest\n$/);
      appendFileSync(file("p", "app"), `${ago(0)} stdout F streamed while following\n`);
      await bg.waitForOutput(/latest\nstreamed while following\n$/);
      await waitFor(() => Date.now() - lastRunningCheck < 1000, 5_000, 100);
    } finally {
      await bg.stop();
    }
    // The follow on the node polls running() while it lives; it stops once kubectl is gone.
    await waitFor(() => Date.now() - lastRunningCheck > 1500, 10_000, 200);
  });

  test("-l prints every matching pod's log; deploy/x picks a pod of the Deployment", async () => {
    const sel = await c.kubectl(["logs", "-l", "app=x", "--prefix"]);
    const lines = sel.stdout.split("\n").filter(Boolean).sort();
    assert.deepEqual(lines, [
      "[pod/p/app] a partial line",
      "[pod/p/app] hello from app",
      "[pod/p/app] latest",
      "[pod/p/app] old line",
      "[pod/p/app] streamed while following",
      "[pod/q/main] q here",
    ]);
    const d = await c.kubectl(["logs", "deploy/x", "-c", "side"]);
    assert.equal(d.stdout, "sidecar says hi\n");
  });

  test("a node that serves no logs, a pod on no node, a container that is not there", async () => {
    const r = await c.kubectl(["logs", "r"], { expectFail: true });
    assert.match(r.stderr, /Error from server \(BadRequest\): node "n2" does not serve container logs/);
    // As upstream: a pod not yet on a node has an empty log.
    assert.equal((await c.kubectl(["logs", "pending"])).stdout, "");
    const bad = await c.kubectl(["logs", "p", "-c", "nope"], { expectFail: true });
    assert.match(bad.stderr, /container nope is not valid for pod p/);
    const missing = await c.kubectl(["logs", "ghost"], { expectFail: true });
    assert.match(missing.stderr, /pods "ghost" not found/);
  });
});
