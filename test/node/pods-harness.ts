/**
 * Shared fixtures of the pod manager tests: an in-process cluster with its components, a Node
 * object for this host (with its Lease renewed, so node lifecycle leaves it alone), a tiny
 * busybox-static image imported into an ImageStore (nothing reaches a network), event and
 * status helpers.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Container, Pod } from "kubernetes-types/core/v1.js";
import { startCluster, type Cluster } from "../../src/cli/cluster.js";
import { ApiClient } from "../../src/client/client.js";
import { newEventRecorder, type ClosableEventRecorder } from "../../src/client/events/index.js";
import { inProcessTransport } from "../../src/client/inprocess.js";
import { importArchive, ImageStore } from "../../src/image/index.js";
import { buildLease, nodeLeaseNamespace } from "../../src/node/runtime/fake/node-object.js";
import type { PodObj } from "../../src/node/runtime/fake/pod-status.js";
import { buildImage, ociLayoutTar, tarOf, type BuiltImage, type LayerEntry } from "../image/helpers.js";
import { waitFor } from "./wait.js";
export { waitFor };

export const testImage = "tbox:1";
const busybox = "/bin/busybox";

export interface Harness {
  dir: string;
  cluster: Cluster;
  client: ApiClient;
  recorder: ClosableEventRecorder;
  images: ImageStore;
  nodeName: string;
  stop(): Promise<void>;
}

/** A layer with busybox-static and every applet, plus the directories a container expects. */
async function busyboxLayer(): Promise<Buffer> {
  const applets = execFileSync(busybox, ["--list"], { encoding: "utf8" }).split("\n").filter((a) => /^[\w.[-]+$/.test(a) && a !== "busybox");
  const entries: LayerEntry[] = [
    ...["bin/", "etc/", "tmp/", "proc/", "sys/", "dev/", "root/", "var/"].map((name): LayerEntry => ({ name, type: "directory", ...(name === "tmp/" ? { mode: 0o1777 } : {}) })),
    { name: "bin/busybox", content: readFileSync(busybox), mode: 0o755 },
    ...applets.map((a): LayerEntry => ({ name: `bin/${a}`, type: "symlink", linkname: "busybox" })),
    { name: "etc/passwd", content: "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n" },
    { name: "etc/group", content: "root:x:0:\nnogroup:x:65534:\n" },
  ];
  return tarOf(entries);
}

export async function buildTestImage(): Promise<BuiltImage> {
  return buildImage([await busyboxLayer()], { cmd: ["sh", "-c", "echo image-default-cmd; sleep 3600"] });
}

export async function importTestImage(images: ImageStore, dir: string): Promise<void> {
  const img = await buildTestImage();
  const file = path.join(dir, "tbox.tar");
  await writeFile(file, await ociLayoutTar([{ images: [img], refName: "docker.io/library/tbox:1" }]));
  await importArchive(images, file, { platform: { os: "linux", architecture: "amd64" } });
}

export async function startHarness(prefix: string, nodeName: string, nodeIP: string): Promise<Harness> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const cluster = await startCluster({ dataDir: path.join(dir, "cluster"), port: 0, storage: "memory", host: "127.0.0.1" }).catch(async (e: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw e;
  });
  const client = new ApiClient(inProcessTransport(cluster.handle));
  const recorder = newEventRecorder(client, "kubelet", { host: nodeName, log: () => undefined });
  const images = await ImageStore.open(path.join(dir, "images"));
  await importTestImage(images, dir);
  const node = await registerNode(client, nodeName, nodeIP);
  const renew = async (): Promise<void> => {
    const lease = buildLease(nodeName, node, 40, new Date());
    try {
      const cur = await client.leases.get(nodeLeaseNamespace, nodeName);
      lease.metadata.resourceVersion = cur.metadata.resourceVersion;
      await client.leases.update(lease);
    } catch {
      await client.leases.create(nodeLeaseNamespace, lease).catch(() => undefined);
    }
  };
  await renew();
  const timer = setInterval(() => void renew(), 5_000);
  await waitFor("the default ServiceAccount", () => client.serviceaccounts.get("default", "default").catch(() => undefined), 15_000);
  return {
    dir, cluster, client, recorder, images, nodeName,
    async stop() {
      clearInterval(timer);
      recorder.close();
      await cluster.stop();
    },
  };
}

/** A Node for this host, as an agent would register it (no agent runs in these tests). */
async function registerNode(client: ApiClient, name: string, ip: string): Promise<string | undefined> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const node = await client.nodes.create(undefined, {
    apiVersion: "v1", kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux" } },
    spec: {},
  });
  await client.nodes.patch(undefined, name, "merge", {
    status: {
      capacity: { cpu: "2", memory: "8Gi", pods: "110" }, allocatable: { cpu: "2", memory: "8Gi", pods: "110" },
      addresses: [{ type: "InternalIP", address: ip }, { type: "Hostname", address: name }],
      conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "test node", lastHeartbeatTime: now, lastTransitionTime: now }],
    },
  }, { subresource: "status" });
  return node.metadata.uid;
}


export function podOf(name: string, nodeName: string, containers: Container[], spec: Partial<NonNullable<Pod["spec"]>> = {}): PodObj {
  return {
    apiVersion: "v1", kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: { nodeName, terminationGracePeriodSeconds: 5, containers, ...spec },
  };
}

export function ctr(name: string, script: string, over: Partial<Container> = {}): Container {
  return { name, image: testImage, command: ["sh", "-c", script], ...over };
}

/** Waits until the pod satisfies `ok`, returning it. */
export function waitPod(client: ApiClient, name: string, what: string, ok: (p: PodObj) => boolean, timeoutMs = 20_000): Promise<PodObj> {
  return waitFor(`pod ${name}: ${what}`, async () => {
    const p = await client.pods.get("default", name);
    return ok(p) ? p : undefined;
  }, timeoutMs);
}

export async function eventsOf(client: ApiClient, recorder: ClosableEventRecorder, podName: string): Promise<Array<{ reason: string; message: string }>> {
  await recorder.flush();
  const list = await client.events.list("default");
  return list.items
    .filter((e) => e.involvedObject?.name === podName)
    .map((e) => ({ reason: e.reason ?? "", message: e.message ?? "" }));
}

/** First CRI log line's time and text of a log file. */
export function logLines(file: string): Array<{ time: string; text: string }> {
  return readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => {
    const [time = "", , , ...rest] = l.split(" ");
    return { time, text: rest.join(" ") };
  });
}

/** Unmounts whatever is still mounted under `dir` (overlay root filesystems of adopted pods). */
export function unmountUnder(dir: string): void {
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "").filter((m) => m.startsWith(dir + "/"));
  for (const m of mounts.sort((a, b) => b.length - a.length)) {
    try {
      execFileSync("umount", ["-l", m]);
    } catch {
      // already gone
    }
  }
}
