/**
 * e2e: nodes through kubectl, on simulated (kwok-like) nodes — get nodes (-o wide),
 * describe node (capacity, conditions, taints, the pods on it and what they request),
 * label, taint, cordon/uncordon and drain (pods/eviction against a PodDisruptionBudget).
 *
 * Three identical nodes: 4 CPUs, 8Gi, 20 pods each. Every test leaves the nodes as it found
 * them (labels, taints, schedulability) and deletes its pods, so the tests are independent.
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findRow, header, parseTable, skip, useCluster, waitFor } from "./harness.js";

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "scheduling");
const NODES = ["sim-node-0", "sim-node-1", "sim-node-2"];

interface PodSketch {
  nodeSelector?: Record<string, string>;
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}

/** Polls `read` until its text matches `re`; on timeout, fails showing the last text read. */
async function waitMatch(read: () => Promise<string>, re: RegExp, timeoutMs = 10_000): Promise<string> {
  let last = "";
  try {
    return await waitFor(async () => {
      last = await read();
      return re.test(last) ? last : undefined;
    }, timeoutMs);
  } catch {
    assert.fail(`no match for ${re} within ${timeoutMs} ms; last output:\n${last}`);
  }
}

/** kubectl get pods output: the header and exactly two Running pods. */
const twoRunning = /^NAME .*\n(?:\S+\s+1\/1\s+Running\s.*\n){2}$/;

function podManifest(name: string, p: PodSketch = {}): string {
  const resources: Record<string, Record<string, string>> = {};
  if (p.requests) resources.requests = p.requests;
  if (p.limits) resources.limits = p.limits;
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { test: "nodes" } },
    spec: {
      ...(p.nodeSelector ? { nodeSelector: p.nodeSelector } : {}),
      containers: [{ name: "app", image: "nginx:1.27", resources }],
    },
  });
}

describe("e2e: nodes (get, describe, label, taint, cordon, drain)", { skip }, () => {
  const c = useCluster({ simulatedNodes: { count: 3, cpu: "4", memory: "8Gi", pods: 20, podStartDelayMs: 50 } });

  const createPod = (name: string, p?: PodSketch) => c.kubectl(["create", "-f", "-"], { stdin: podManifest(name, p) });
  const podRow = async (name: string): Promise<Record<string, string> | undefined> =>
    findRow((await c.kubectl(["get", "pod", name, "-o", "wide"])).stdout, name);
  const waitRunning = (name: string): Promise<Record<string, string>> =>
    waitFor(async () => {
      const r = await podRow(name);
      return r?.STATUS === "Running" ? r : undefined;
    }, 10_000);
  const getWide = async (...args: string[]): Promise<string> => (await c.kubectl(["get", "pods", "-o", "wide", ...args])).stdout;
  const nodeRow = async (name: string): Promise<Record<string, string> | undefined> =>
    findRow((await c.kubectl(["get", "nodes"])).stdout, name);
  const describePod = async (name: string): Promise<string> => (await c.kubectl(["describe", "pod", name])).stdout;
  const describeNode = async (name: string): Promise<string> => (await c.kubectl(["describe", "node", name])).stdout;
  /** Deletes this file's pods and waits until they are gone (simulated pods end in ~100 ms). */
  const deleteTestPods = () => c.kubectl(["delete", "pods", "-l", "test=nodes", "--timeout=15s"]);

  afterEach(async () => {
    // A test that failed half-way must not leave the next one a different cluster: owners
    // first (they would recreate pods), then pods, then the nodes' labels, taints, cordons.
    await c.kubectl(["delete", "replicasets,daemonsets,poddisruptionbudgets", "--all", "--cascade=foreground", "--timeout=20s"]);
    await c.kubectl(["delete", "pods", "--all", "--timeout=20s"]);
    await c.kubectl(["label", "nodes", "--all", "disk-", "pool-", "node-role.kubernetes.io/control-plane-", "node-role.kubernetes.io/worker-", "node-role.kubernetes.io/infra-"]);
    for (const node of NODES) await c.kubectl(["patch", "node", node, "-p", '{"spec":{"taints":null,"unschedulable":null}}']);
  });

  it("get nodes: every simulated node Ready, no role, the kubelet version", async () => {
    const { stdout } = await c.kubectl(["get", "nodes"]);
    assert.deepEqual(header(stdout), ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]);
    const rows = parseTable(stdout);
    assert.deepEqual(rows.map((r) => r.NAME), NODES);
    for (const r of rows) {
      assert.equal(r.STATUS, "Ready");
      assert.equal(r.ROLES, "<none>");
      assert.match(r.AGE ?? "", /^\d+s$/);
      assert.equal(r.VERSION, "v1.32.0-timonel-sim");
    }
  });

  it("get nodes -o wide: addresses, OS image, kernel and container runtime", async () => {
    const { stdout } = await c.kubectl(["get", "nodes", "-o", "wide"]);
    assert.deepEqual(header(stdout), [
      "NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME",
    ]);
    const rows = parseTable(stdout);
    assert.equal(rows.length, 3);
    const ips = new Set<string>();
    for (const r of rows) {
      assert.equal(r.STATUS, "Ready");
      assert.match(r["INTERNAL-IP"] ?? "", /^198\.18\.\d+\.\d+$/);
      ips.add(r["INTERNAL-IP"] ?? "");
      assert.equal(r["EXTERNAL-IP"], "<none>");
      assert.equal(r["OS-IMAGE"], "Timonel simulated node");
      assert.equal(r["KERNEL-VERSION"], "6.1.0-timonel-sim");
      assert.equal(r["CONTAINER-RUNTIME"], "fake://timonel");
    }
    assert.equal(ips.size, 3, "each node has its own address");
  });

  it("describe node: capacity, conditions, taints, the pods on it and their requests", async () => {
    await createPod("req-a", {
      nodeSelector: { "kubernetes.io/hostname": "sim-node-0" },
      requests: { cpu: "500m", memory: "1Gi" },
      limits: { cpu: "1", memory: "2Gi" },
    });
    await createPod("req-b", { nodeSelector: { "kubernetes.io/hostname": "sim-node-0" }, requests: { cpu: "1", memory: "512Mi" } });
    assert.equal((await waitRunning("req-a")).NODE, "sim-node-0");
    assert.equal((await waitRunning("req-b")).NODE, "sim-node-0");

    const d = await describeNode("sim-node-0");
    assert.match(d, /^Name:\s+sim-node-0$/m);
    assert.match(d, /^Roles:\s+<none>$/m);
    assert.match(d, /^Labels:\s+beta\.kubernetes\.io\/arch=amd64$/m);
    assert.match(d, /^\s+kubernetes\.io\/hostname=sim-node-0$/m);
    assert.match(d, /^Taints:\s+<none>$/m);
    assert.match(d, /^Unschedulable:\s+false$/m);
    assert.match(d, /^Lease:\n\s+HolderIdentity:\s+sim-node-0\n/m);
    // Conditions, in kubelet's order, all healthy.
    assert.match(d, /^Conditions:\n\s+Type\s+Status\s+LastHeartbeatTime\s+LastTransitionTime\s+Reason\s+Message\n/m);
    assert.match(d, /^\s+MemoryPressure\s+False\s+.*\s+KubeletHasSufficientMemory\s+kubelet has sufficient memory available$/m);
    assert.match(d, /^\s+DiskPressure\s+False\s+.*\s+KubeletHasNoDiskPressure\s+kubelet has no disk pressure$/m);
    assert.match(d, /^\s+PIDPressure\s+False\s+.*\s+KubeletHasSufficientPID\s+kubelet has sufficient PID available$/m);
    assert.match(d, /^\s+Ready\s+True\s+.*\s+KubeletReady\s+kubelet is posting ready status$/m);
    assert.match(d, /^Addresses:\n\s+InternalIP:\s+198\.18\.\d+\.\d+\n\s+Hostname:\s+sim-node-0\n/m);
    for (const section of ["Capacity", "Allocatable"]) {
      assert.match(d, new RegExp(`^${section}:\\n\\s+cpu:\\s+4\\n\\s+ephemeral-storage:\\s+100Gi\\n\\s+memory:\\s+8Gi\\n\\s+pods:\\s+20\\n`, "m"));
    }
    assert.match(d, /^\s+Container Runtime Version:\s+fake:\/\/timonel$/m);
    assert.match(d, /^PodCIDR:\s+10\.244\.\d+\.0\/24$/m);

    // The pods bound to the node, each request and limit as a share of allocatable
    // (kubectl truncates: 500m of 4 CPUs is 12%).
    assert.match(d, /^Non-terminated Pods:\s+\(2 in total\)$/m);
    assert.match(d, /^\s+Namespace\s+Name\s+CPU Requests\s+CPU Limits\s+Memory Requests\s+Memory Limits\s+Age$/m);
    assert.match(d, /^\s+default\s+req-a\s+500m \(12%\)\s+1 \(25%\)\s+1Gi \(12%\)\s+2Gi \(25%\)\s+\d+s$/m);
    assert.match(d, /^\s+default\s+req-b\s+1 \(25%\)\s+0 \(0%\)\s+512Mi \(6%\)\s+0 \(0%\)\s+\d+s$/m);
    // The totals: 1500m of 4 CPUs is 37.5% → 37; 1536Mi of 8Gi is 18.75% → 18.
    const allocated = d.slice(d.indexOf("Allocated resources:"), d.indexOf("\nEvents:"));
    assert.match(allocated, /^\s+\(Total limits may be over 100 percent, i\.e\., overcommitted\.\)$/m);
    assert.match(allocated, /^\s+Resource\s+Requests\s+Limits$/m);
    assert.match(allocated, /^\s+cpu\s+1500m \(37%\)\s+1 \(25%\)$/m);
    assert.match(allocated, /^\s+memory\s+1536Mi \(18%\)\s+2Gi \(25%\)$/m);
    assert.match(allocated, /^\s+ephemeral-storage\s+0 \(0%\)\s+0 \(0%\)$/m);

    // An empty node says so.
    const empty = await describeNode("sim-node-1");
    assert.match(empty, /^Non-terminated Pods:\s+\(0 in total\)$/m);
    assert.match(empty, /^\s+cpu\s+0 \(0%\)\s+0 \(0%\)$/m);

    await deleteTestPods();
    await waitMatch(() => describeNode("sim-node-0"), /^Non-terminated Pods:\s+\(0 in total\)$/m);
  });

  it("label nodes: add, refuse to overwrite, --overwrite, select, role label, remove", async () => {
    let r = await c.kubectl(["label", "nodes", "sim-node-1", "disk=ssd"]);
    assert.equal(r.stdout, "node/sim-node-1 labeled\n");
    r = await c.kubectl(["get", "nodes", "-l", "disk=ssd", "-o", "name"]);
    assert.equal(r.stdout, "node/sim-node-1\n");

    r = await c.kubectl(["label", "nodes", "sim-node-1", "disk=hdd"], { expectFail: true });
    assert.match(r.stderr, /^error: 'disk' already has a value \(ssd\), and --overwrite is false$/m);
    r = await c.kubectl(["label", "nodes", "sim-node-1", "disk=hdd", "--overwrite"]);
    assert.equal(r.stdout, "node/sim-node-1 labeled\n");
    r = await c.kubectl(["get", "nodes", "-L", "disk"]);
    assert.deepEqual(header(r.stdout), ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "DISK"]);
    assert.equal(findRow(r.stdout, "sim-node-1")?.DISK, "hdd");
    assert.equal(findRow(r.stdout, "sim-node-0")?.DISK, "");
    r = await c.kubectl(["get", "nodes", "-l", "disk=ssd"]);
    assert.match(r.stderr, /^No resources found$/m);

    // ROLES comes from node-role.kubernetes.io/<role> labels.
    await c.kubectl(["label", "nodes", "sim-node-0", "node-role.kubernetes.io/control-plane="]);
    await c.kubectl(["label", "nodes", "sim-node-2", "node-role.kubernetes.io/worker=", "node-role.kubernetes.io/infra="]);
    r = await c.kubectl(["get", "nodes"]);
    assert.equal(findRow(r.stdout, "sim-node-0")?.ROLES, "control-plane");
    assert.equal(findRow(r.stdout, "sim-node-1")?.ROLES, "<none>");
    assert.equal(findRow(r.stdout, "sim-node-2")?.ROLES, "infra,worker");
    assert.match(await describeNode("sim-node-2"), /^Roles:\s+infra,worker$/m);

    r = await c.kubectl(["label", "nodes", "sim-node-1", "disk-"]);
    assert.equal(r.stdout, "node/sim-node-1 unlabeled\n");
    await c.kubectl(["label", "nodes", "sim-node-0", "node-role.kubernetes.io/control-plane-"]);
    await c.kubectl(["label", "nodes", "sim-node-2", "node-role.kubernetes.io/worker-", "node-role.kubernetes.io/infra-"]);
    r = await c.kubectl(["get", "nodes", "--show-labels"]);
    for (const row of parseTable(r.stdout)) {
      assert.equal(row.ROLES, "<none>");
      assert.doesNotMatch(row.LABELS ?? "", /disk=|node-role/);
      assert.match(row.LABELS ?? "", new RegExp(`kubernetes\\.io/hostname=${row.NAME}`));
    }
  });

  it("taint nodes k=v:NoSchedule, refuse a duplicate, show it, remove it with k=v:NoSchedule-", async () => {
    let r = await c.kubectl(["taint", "nodes", "sim-node-2", "dedicated=gpu:NoSchedule"]);
    assert.equal(r.stdout, "node/sim-node-2 tainted\n");
    let d = await describeNode("sim-node-2");
    assert.match(d, /^Taints:\s+dedicated=gpu:NoSchedule$/m);

    r = await c.kubectl(["taint", "nodes", "sim-node-2", "dedicated=cpu:NoSchedule"], { expectFail: true });
    assert.match(r.stderr, /node sim-node-2 already has dedicated taint\(s\) with same effect\(s\) and --overwrite is false/);

    r = await c.kubectl(["taint", "nodes", "sim-node-2", "spot:PreferNoSchedule"]);
    assert.equal(r.stdout, "node/sim-node-2 tainted\n");
    d = await describeNode("sim-node-2");
    assert.match(d, /^Taints:\s+dedicated=gpu:NoSchedule\n\s+spot:PreferNoSchedule\n/m);
    r = await c.kubectl(["get", "node", "sim-node-2", "-o", "jsonpath={range .spec.taints[*]}{.key}={.value}:{.effect} {end}"]);
    // kubectl puts the taints it adds first.
    assert.equal(r.stdout, "spot=:PreferNoSchedule dedicated=gpu:NoSchedule ");

    // A pod that does not tolerate the taint avoids the node.
    await createPod("avoid-taint", { nodeSelector: { "kubernetes.io/hostname": "sim-node-2" } });
    await waitMatch(
      () => describePod("avoid-taint"),
      /Warning\s+FailedScheduling\s+.*0\/3 nodes are available: 1 node\(s\) had untolerated taint \{dedicated: gpu\}, 2 node\(s\) didn't match Pod's node affinity\/selector\./,
    );

    r = await c.kubectl(["taint", "nodes", "sim-node-2", "dedicated=gpu:NoSchedule-"]);
    assert.equal(r.stdout, "node/sim-node-2 untainted\n");
    r = await c.kubectl(["taint", "nodes", "sim-node-2", "spot:PreferNoSchedule-"]);
    assert.equal(r.stdout, "node/sim-node-2 untainted\n");
    assert.match(await describeNode("sim-node-2"), /^Taints:\s+<none>$/m);
    r = await c.kubectl(["taint", "nodes", "sim-node-2", "dedicated=gpu:NoSchedule-"], { expectFail: true });
    assert.match(r.stderr, /^error: taint "dedicated:NoSchedule" not found$/m);

    // With the taint gone the waiting pod is scheduled there.
    assert.equal((await waitRunning("avoid-taint")).NODE, "sim-node-2");
    await deleteTestPods();
  });

  it("cordon: SchedulingDisabled, new pods go elsewhere; uncordon lets them back", async () => {
    let r = await c.kubectl(["cordon", "sim-node-1"]);
    assert.equal(r.stdout, "node/sim-node-1 cordoned\n");
    assert.equal((await nodeRow("sim-node-1"))?.STATUS, "Ready,SchedulingDisabled");
    r = await c.kubectl(["cordon", "sim-node-1"]);
    assert.equal(r.stdout, "node/sim-node-1 already cordoned\n");
    assert.match(await describeNode("sim-node-1"), /^Unschedulable:\s+true$/m);
    // The node lifecycle controller mirrors spec.unschedulable as a taint.
    await waitMatch(() => describeNode("sim-node-1"), /^Taints:\s+node\.kubernetes\.io\/unschedulable:NoSchedule$/m);

    const free = ["free-0", "free-1", "free-2", "free-3", "free-4", "free-5"];
    for (const name of free) await createPod(name, { requests: { cpu: "100m" } });
    await createPod("wants-1", { nodeSelector: { "kubernetes.io/hostname": "sim-node-1" } });
    for (const name of free) assert.notEqual((await waitRunning(name)).NODE, "sim-node-1");
    await waitMatch(
      () => describePod("wants-1"),
      /Warning\s+FailedScheduling\s+.*0\/3 nodes are available: 1 node\(s\) were unschedulable, 2 node\(s\) didn't match Pod's node affinity\/selector\. preemption: 0\/3 nodes are available: 3 Preemption is not helpful for scheduling\.\./,
    );
    const pending = await podRow("wants-1");
    assert.equal(pending?.STATUS, "Pending");
    assert.equal(pending?.NODE, "<none>");

    r = await c.kubectl(["uncordon", "sim-node-1"]);
    assert.equal(r.stdout, "node/sim-node-1 uncordoned\n");
    assert.equal((await nodeRow("sim-node-1"))?.STATUS, "Ready");
    r = await c.kubectl(["uncordon", "sim-node-1"]);
    assert.equal(r.stdout, "node/sim-node-1 already uncordoned\n");
    assert.equal((await waitRunning("wants-1")).NODE, "sim-node-1");
    const ev = (await c.kubectl(["describe", "pod", "wants-1"])).stdout;
    assert.match(ev, /Normal\s+Scheduled\s+.*default-scheduler\s+Successfully assigned default\/wants-1 to sim-node-1$/m);
    await waitMatch(() => describeNode("sim-node-1"), /^Taints:\s+<none>$/m);
    await deleteTestPods();
  });

  it("drain: evicts through pods/eviction, a PodDisruptionBudget blocks it until relaxed", async () => {
    await c.kubectl(["label", "nodes", "sim-node-2", "pool=drain"]);
    await c.kubectl(["apply", "-f", path.join(FIXTURES, "drain-web.yaml")]);
    const ds = JSON.parse((await c.kubectl(["get", "daemonset", "agent", "-o", "json"])).stdout) as { metadata: { uid: string } };
    // The pod the DaemonSet controller would run on the node.
    await c.kubectl(["create", "-f", "-"], {
      stdin: JSON.stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name: "agent-sim-node-2",
          labels: { app: "agent" },
          ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "agent", uid: ds.metadata.uid, controller: true, blockOwnerDeletion: true }],
        },
        spec: { nodeName: "sim-node-2", containers: [{ name: "agent", image: "busybox:1.36" }] },
      }),
    });
    const web = parseTable(await waitMatch(() => getWide("-l", "app=web"), twoRunning));
    for (const r of web) assert.equal(r.NODE, "sim-node-2");
    const webNames = web.map((r) => r.NAME ?? "").sort();
    await waitRunning("agent-sim-node-2");
    // The disruption controller keeps the budget's status current: 2 healthy, 2 needed.
    const pdb = await waitMatch(async () => (await c.kubectl(["get", "pdb", "web"])).stdout, /^web\s+2\s+N\/A\s+0\s+\d+s$/m);
    assert.deepEqual(header(pdb), ["NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"]);

    // Without --delete-emptydir-data drain refuses (and has already cordoned the node).
    let r = await c.kubectl(["drain", "sim-node-2", "--ignore-daemonsets", "--timeout=5s"], { expectFail: true });
    assert.match(r.stdout, /^node\/sim-node-2 cordoned$/m);
    assert.match(
      r.stderr,
      new RegExp(`cannot delete Pods with local storage \\(use --delete-emptydir-data to override\\): ${webNames.map((n) => `default/${n}`).join(", ")}`),
    );
    assert.equal((await nodeRow("sim-node-2"))?.STATUS, "Ready,SchedulingDisabled");

    // The budget allows no disruption: each eviction is refused with 429, kubectl retries
    // every 5 s until its timeout.
    r = await c.kubectl(["drain", "sim-node-2", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=3s", "-v=6"], { expectFail: true, timeoutMs: 15_000 });
    assert.match(r.stdout, /^node\/sim-node-2 already cordoned$/m);
    assert.match(r.stderr, /Warning: ignoring DaemonSet-managed Pods: default\/agent-sim-node-2/);
    for (const name of webNames) {
      assert.match(r.stdout, new RegExp(`^evicting pod default/${name}$`, "m"));
      assert.match(
        r.stderr,
        new RegExp(`error when evicting pods/"${name}" -n "default" \\(will retry after 5s\\): Cannot evict pod as it would violate the pod's disruption budget\\.`),
      );
      assert.match(r.stderr, new RegExp(`POST https://127\\.0\\.0\\.1:\\d+/api/v1/namespaces/default/pods/${name}/eviction 429 Too Many Requests`));
      assert.match(r.stderr, new RegExp(`error when evicting pods/"${name}" -n "default": global timeout reached: 3s`));
    }
    assert.match(r.stderr, /error: unable to drain node "sim-node-2" due to error: .*global timeout reached: 3s/);
    // Nothing was evicted.
    assert.deepEqual(parseTable((await c.kubectl(["get", "pods", "-l", "app=web"])).stdout).map((x) => x.NAME).sort(), webNames);

    // Drain again in the background, let it hit the budget, then relax the budget to one
    // unavailable pod and let the replacements land on another node of the pool: kubectl's
    // retries get through one pod at a time, as the disruption controller sees the
    // replacement become healthy.
    await c.kubectl(["label", "nodes", "sim-node-0", "pool=drain"]);
    const bg = c.kubectlBackground(["drain", "sim-node-2", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=40s"]);
    try {
      await waitFor(() => bg.stderr.includes("Cannot evict pod as it would violate the pod's disruption budget"), 10_000);
      r = await c.kubectl(["patch", "pdb", "web", "--type=merge", "-p", '{"spec":{"minAvailable":1}}']);
      assert.equal(r.stdout, "poddisruptionbudget.policy/web patched\n");
      assert.equal(await bg.exited(30_000), 0, `drain failed\nstdout: ${bg.stdout}\nstderr: ${bg.stderr}`);
    } finally {
      await bg.stop();
    }
    for (const name of webNames) assert.match(bg.stdout, new RegExp(`^pod/${name} evicted$`, "m"));
    assert.match(bg.stdout, /^node\/sim-node-2 drained$/m);

    // The ReplicaSet replaced both pods on the other node of the pool; the DaemonSet's pod stays.
    const after = parseTable(await waitMatch(() => getWide("-l", "app=web"), twoRunning));
    for (const x of after) {
      assert.ok(!webNames.includes(x.NAME ?? ""), `${x.NAME} should be a replacement`);
      assert.equal(x.NODE, "sim-node-0");
    }
    assert.equal((await podRow("agent-sim-node-2"))?.NODE, "sim-node-2");
    assert.match(await describeNode("sim-node-2"), /^Non-terminated Pods:\s+\(1 in total\)$/m);

    r = await c.kubectl(["uncordon", "sim-node-2"]);
    assert.equal(r.stdout, "node/sim-node-2 uncordoned\n");
  });
});
