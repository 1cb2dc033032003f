/**
 * Simulated nodes against a real in-process API server: registration, leases, pod status
 * transitions, completion, graceful deletion and adoption after a restart.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startCluster, type Cluster } from "../../src/cli/cluster.js";
import { ApiClient } from "../../src/client/client.js";
import { inProcessTransport } from "../../src/client/inprocess.js";
import { StatusError } from "../../src/machinery/errors.js";
import { startSimulatedNodes, type SimulatedNodes } from "../../src/node/runtime/fake/simulator.js";
import { cidrContains, parseCidr } from "../../src/node/runtime/fake/ipam.js";
import type { PodObj } from "../../src/api/core/v1/pod-printer.js";
import { waitFor } from "./wait.js";

let dir: string;
let cluster: Cluster;
let client: ApiClient;
let sim: SimulatedNodes | undefined;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "timonel-sim-"));
  cluster = await startCluster({ dataDir: dir, port: 0, storage: "memory", host: "127.0.0.1", components: false });
  client = new ApiClient(inProcessTransport(cluster.handle));
});

after(async () => {
  await sim?.stop();
  await cluster?.stop();
  await rm(dir, { recursive: true, force: true });
});


function pod(name: string, nodeName: string, over: Partial<NonNullable<PodObj["spec"]>> = {}): PodObj {
  return {
    apiVersion: "v1", kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: { nodeName, containers: [{ name: "app", image: "nginx", resources: { requests: { cpu: "100m" }, limits: { cpu: "100m" } } }], ...over },
  };
}

const phaseOf = (name: string) => async (): Promise<PodObj | undefined> => client.pods.get("default", name);

test("nodes register Ready with capacity, addresses, CIDRs and renewed leases", async () => {
  sim = await startSimulatedNodes(client, {
    count: 3, heartbeatIntervalMs: 200, podStartDelayMs: 50, podCompleteAfterMs: 150, podTerminationDelayMs: 100,
    labels: { "example.com/pool": "sim" }, onError: (e, w) => console.error("SIMERR", w, e),
  });
  assert.deepEqual(sim.nodeNames, ["sim-node-0", "sim-node-1", "sim-node-2"]);
  const nodes = (await client.nodes.list(undefined)).items.filter((n) => n.metadata.name?.startsWith("sim-node-"));
  assert.equal(nodes.length, 3);
  const cidrs = new Set<string>();
  for (const n of nodes) {
    const name = n.metadata.name!;
    assert.equal(n.metadata.labels?.["kubernetes.io/hostname"], name);
    assert.equal(n.metadata.labels?.["kubernetes.io/os"], "linux");
    assert.equal(n.metadata.labels?.["kubernetes.io/arch"], "amd64");
    assert.equal(n.metadata.labels?.type, "simulated");
    assert.equal(n.metadata.labels?.["example.com/pool"], "sim");
    assert.equal(n.metadata.annotations?.["node.alpha.kubernetes.io/ttl"], "0");
    assert.equal(n.metadata.annotations?.["timonel.dev/simulated"], "true");
    assert.deepEqual(n.status?.capacity, { cpu: "32", "ephemeral-storage": "100Gi", memory: "256Gi", pods: "110" });
    assert.deepEqual(n.status?.allocatable, n.status?.capacity);
    const ready = n.status?.conditions?.find((c) => c.type === "Ready");
    assert.equal(ready?.status, "True");
    assert.equal(ready?.reason, "KubeletReady");
    for (const t of ["MemoryPressure", "DiskPressure", "PIDPressure"]) assert.equal(n.status?.conditions?.find((c) => c.type === t)?.status, "False");
    const ip = n.status?.addresses?.find((a) => a.type === "InternalIP")?.address ?? "";
    assert.ok(cidrContains(parseCidr("198.18.0.0/15"), ip), ip);
    assert.deepEqual(n.status?.addresses?.find((a) => a.type === "Hostname")?.address, name);
    assert.equal(n.status?.nodeInfo?.kubeletVersion, "v1.32.0-timonel-sim");
    assert.equal(n.status?.nodeInfo?.containerRuntimeVersion, "fake://timonel");
    assert.equal(n.spec?.podCIDR, `10.244.${name.slice(-1)}.0/24`);
    assert.deepEqual(n.spec?.podCIDRs, [n.spec?.podCIDR]);
    cidrs.add(n.spec!.podCIDR!);
  }
  assert.equal(cidrs.size, 3);
  const lease = await client.leases.get("kube-node-lease", "sim-node-0");
  assert.equal(lease.spec?.holderIdentity, "sim-node-0");
  assert.equal(lease.spec?.leaseDurationSeconds, 40);
  assert.match(lease.spec?.renewTime ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.equal(lease.metadata.ownerReferences?.[0]?.uid, nodes.find((n) => n.metadata.name === "sim-node-0")?.metadata.uid);
  const renewed = await waitFor("a renewed lease", async () => {
    const l = await client.leases.get("kube-node-lease", "sim-node-0");
    return l.spec?.renewTime !== lease.spec?.renewTime ? l : undefined;
  });
  assert.ok(Date.parse(renewed.spec!.renewTime!) > Date.parse(lease.spec!.renewTime!));
});

test("a pod bound to a simulated node goes ContainerCreating, then Running with an IP from the node's CIDR", async () => {
  await client.pods.create("default", pod("web", "sim-node-1"));
  const running = await waitFor("web Running", async () => {
    const p = await client.pods.get("default", "web");
    return p.status?.phase === "Running" ? p : undefined;
  });
  const st = running.status!;
  assert.ok(cidrContains(parseCidr("10.244.1.0/24"), st.podIP!), st.podIP);
  assert.deepEqual(st.podIPs, [{ ip: st.podIP }]);
  const node = await client.nodes.get(undefined, "sim-node-1");
  assert.equal(st.hostIP, node.status?.addresses?.[0]?.address);
  assert.ok(st.startTime);
  assert.equal(st.qosClass, "Burstable", "qosClass kept");
  for (const type of ["Initialized", "ContainersReady", "Ready", "PodScheduled"]) {
    assert.equal(st.conditions?.find((c) => c.type === type)?.status, "True", type);
  }
  const cs = st.containerStatuses?.[0];
  assert.equal(cs?.ready, true);
  assert.equal(cs?.started, true);
  assert.equal(cs?.restartCount, 0);
  assert.equal(cs?.containerID, `fake://${running.metadata.uid}/app`);
  assert.ok(cs?.state?.running?.startedAt);
  // Another pod on the same node gets another address from the same block.
  await client.pods.create("default", pod("web2", "sim-node-1"));
  const other = await waitFor("web2 Running", async () => {
    const p = await client.pods.get("default", "web2");
    return p.status?.phase === "Running" ? p : undefined;
  });
  assert.ok(cidrContains(parseCidr("10.244.1.0/24"), other.status!.podIP!));
  assert.notEqual(other.status!.podIP, st.podIP);
  // A hostNetwork pod shares the node's address.
  await client.pods.create("default", pod("hostnet", "sim-node-1", { hostNetwork: true }));
  const hn = await waitFor("hostnet Running", async () => {
    const p = await client.pods.get("default", "hostnet");
    return p.status?.phase === "Running" ? p : undefined;
  });
  assert.equal(hn.status?.podIP, st.hostIP);
  await client.pods.delete("default", "hostnet", { gracePeriodSeconds: 0 });
  // Pods of other nodes are no business of ours.
  await client.pods.create("default", pod("elsewhere", "real-node"));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal((await client.pods.get("default", "elsewhere")).status?.phase, "Pending");
  await client.pods.delete("default", "elsewhere", { gracePeriodSeconds: 0 });
});

test("the ContainerCreating step is visible while the start delay runs", async () => {
  // A second simulator with a long delay, on its own nodes.
  const slow = await startSimulatedNodes(client, { count: 1, firstIndex: 10, namePrefix: "slow-", podStartDelayMs: 60_000, onError: (e, w) => console.error("SIMERR", w, e) });
  try {
    await client.pods.create("default", pod("slow", "slow-10"));
    const p = await waitFor("slow ContainerCreating", async () => {
      const p = await client.pods.get("default", "slow");
      return p.status?.containerStatuses?.length ? p : undefined;
    });
    assert.equal(p.status?.phase, "Pending");
    assert.equal(p.status?.containerStatuses?.[0]?.state?.waiting?.reason, "ContainerCreating");
    assert.equal(p.status?.conditions?.find((c) => c.type === "PodScheduled")?.status, "True");
    assert.ok(p.status?.hostIP);
  } finally {
    await slow.stop();
    await client.pods.delete("default", "slow", { gracePeriodSeconds: 0 });
  }
});

test("a restartPolicy Never pod succeeds after podCompleteAfterMs", async () => {
  await client.pods.create("default", pod("job-pod", "sim-node-2", { restartPolicy: "Never" }));
  const done = await waitFor("job-pod Succeeded", async () => {
    const p = await client.pods.get("default", "job-pod");
    return p.status?.phase === "Succeeded" ? p : undefined;
  });
  const term = done.status?.containerStatuses?.[0]?.state?.terminated;
  assert.equal(term?.exitCode, 0);
  assert.equal(term?.reason, "Completed");
  assert.equal(done.status?.conditions?.find((c) => c.type === "Ready")?.status, "False");
  // With a fail ratio of 1, a finishing pod fails instead.
  const failing = await startSimulatedNodes(client, { count: 1, firstIndex: 20, namePrefix: "fail-", podStartDelayMs: 0, podCompleteAfterMs: 50, podFailRatio: 1, onError: (e, w) => console.error("SIMERR", w, e) });
  try {
    await client.pods.create("default", pod("doomed", "fail-20", { restartPolicy: "OnFailure" }));
    const failed = await waitFor("doomed Failed", async () => {
      const p = await client.pods.get("default", "doomed");
      return p.status?.phase === "Failed" ? p : undefined;
    });
    assert.equal(failed.status?.containerStatuses?.[0]?.state?.terminated?.reason, "Error");
    assert.equal(failed.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 1);
  } finally {
    await failing.stop();
    await client.pods.delete("default", "doomed");
  }
  // A finished pod is deleted at once (nothing left to stop).
  await client.pods.delete("default", "job-pod");
  await assert.rejects(client.pods.get("default", "job-pod"), (e: unknown) => e instanceof StatusError && e.code === 404);
});

test("graceful deletion: the node terminates the containers and confirms the delete", async () => {
  const before = await client.pods.get("default", "web2");
  const seen: string[] = [];
  const watch = client.pods.watch("default", { fieldSelector: "metadata.name=web2", resourceVersion: before.metadata.resourceVersion }, (ev) => {
    const p = ev.object as PodObj;
    seen.push(`${ev.type}:${p.status?.phase}:${p.status?.containerStatuses?.[0]?.state?.terminated?.reason ?? "-"}`);
  }, () => {});
  const marked = await client.pods.delete("default", "web2");
  assert.ok(marked.metadata.deletionTimestamp, "a bound pod is deleted gracefully");
  assert.equal(marked.metadata.deletionGracePeriodSeconds, 30);
  await waitFor("web2 gone", async () => {
    try {
      await client.pods.get("default", "web2");
      return undefined;
    } catch (err) {
      return err instanceof StatusError && err.code === 404 ? true : undefined;
    }
  });
  watch.close();
  assert.deepEqual(seen, ["MODIFIED:Running:-", "MODIFIED:Succeeded:Completed", "DELETED:Succeeded:Completed"],
    "marked for deletion, containers terminated, then deleted");
  // The freed address is not handed out again at once (round robin), but the block has room.
  await client.pods.create("default", pod("web3", "sim-node-1"));
  const next = await waitFor("web3 Running", async () => {
    const p = await client.pods.get("default", "web3");
    return p.status?.phase === "Running" ? p : undefined;
  });
  assert.notEqual(next.status?.podIP, before.status?.podIP);
});

test("a restarted simulator adopts its nodes, leases and running pods", async () => {
  const uids = new Map((await client.nodes.list(undefined)).items.map((n) => [n.metadata.name, n.metadata.uid]));
  const web = await client.pods.get("default", "web");
  await sim!.stop();
  sim = await startSimulatedNodes(client, { count: 3, heartbeatIntervalMs: 200, podStartDelayMs: 0, onError: (e, w) => console.error("SIMERR", w, e) });
  const after = (await client.nodes.list(undefined)).items.filter((n) => n.metadata.name?.startsWith("sim-node-"));
  assert.equal(after.length, 3);
  for (const n of after) assert.equal(n.metadata.uid, uids.get(n.metadata.name), "same Node object");
  const again = await client.pods.get("default", "web");
  assert.equal(again.status?.podIP, web.status?.podIP, "a running pod keeps its address");
  assert.equal(again.status?.phase, "Running");
  // New pods on that node do not get the adopted address.
  await client.pods.create("default", pod("web4", "sim-node-1"));
  const fresh = await waitFor("web4 Running", async () => {
    const p = await client.pods.get("default", "web4");
    return p.status?.phase === "Running" ? p : undefined;
  });
  assert.notEqual(fresh.status?.podIP, web.status?.podIP);
});

test("a deleted simulated node registers again on its next status report", async () => {
  await sim!.stop();
  sim = await startSimulatedNodes(client, { count: 3, heartbeatIntervalMs: 200, nodeStatusReportMs: 300, onError: (e, w) => console.error("SIMERR", w, e) });
  const old = await client.nodes.get(undefined, "sim-node-2");
  await client.nodes.delete(undefined, "sim-node-2");
  const back = await waitFor("sim-node-2 again", () => client.nodes.get(undefined, "sim-node-2"));
  assert.notEqual(back.metadata.uid, old.metadata.uid);
  assert.equal(back.spec?.podCIDR, old.spec?.podCIDR);
  assert.equal(back.status?.conditions?.find((c) => c.type === "Ready")?.status, "True");
  const lease = await waitFor("its lease owned by the new node", async () => {
    const l = await client.leases.get("kube-node-lease", "sim-node-2");
    return l.metadata.ownerReferences?.[0]?.uid === back.metadata.uid ? l : undefined;
  });
  assert.equal(lease.spec?.holderIdentity, "sim-node-2");
});

test("bad options are refused before anything is written", async () => {
  await assert.rejects(startSimulatedNodes(client, { count: 1, podFailRatio: 2 }), /podFailRatio/);
  await assert.rejects(startSimulatedNodes(client, { count: 300, podCIDRBase: "10.244.0.0/16" }), /too few/);
});

test("a simulator refuses to take over a node that is not simulated", async () => {
  await client.nodes.create(undefined, { apiVersion: "v1", kind: "Node", metadata: { name: "real-0" } });
  await assert.rejects(startSimulatedNodes(client, { count: 1, namePrefix: "real-", onError: (e, w) => console.error("SIMERR", w, e) }), /not a simulated node/);
});
