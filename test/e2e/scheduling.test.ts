/**
 * e2e: the scheduler seen through kubectl, on simulated (kwok-like) nodes — where pods land
 * (`get pods -o wide`, NODE) and why (`describe pod` events: `Scheduled`, `FailedScheduling`
 * with upstream's message, `Preempted`), for nodeSelector, node affinity (required and
 * preferred), taints and tolerations, pod anti-affinity, resource requests, priority and
 * preemption, and a pod for another scheduler.
 *
 * Three identical nodes: 4 CPUs, 8Gi, 20 pods each. Every test removes what it added (pods,
 * labels, taints) so the tests are independent.
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findRow, header, parseTable, skip, useCluster, waitFor } from "./harness.js";

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "scheduling");
const NODES = ["sim-node-0", "sim-node-1", "sim-node-2"];
const fixture = (name: string): string => path.join(FIXTURES, name);

/** The tail every FailedScheduling message has when preemption cannot help on any node. */
const notHelpful = "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..";
const noVictims = "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..";

interface PodSketch {
  nodeSelector?: Record<string, string>;
  cpu?: string;
  memory?: string;
  schedulerName?: string;
}

function podManifest(name: string, p: PodSketch = {}): string {
  const requests: Record<string, string> = {};
  if (p.cpu) requests.cpu = p.cpu;
  if (p.memory) requests.memory = p.memory;
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: {
      ...(p.nodeSelector ? { nodeSelector: p.nodeSelector } : {}),
      ...(p.schedulerName ? { schedulerName: p.schedulerName } : {}),
      containers: [{ name: "app", image: "nginx:1.27", resources: { requests } }],
    },
  });
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

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("e2e: scheduling (selectors, affinity, taints, anti-affinity, resources, preemption)", { skip }, () => {
  const c = useCluster({ simulatedNodes: { count: 3, cpu: "4", memory: "8Gi", pods: 20, podStartDelayMs: 50 } });

  const createPod = (name: string, p?: PodSketch) => c.kubectl(["create", "-f", "-"], { stdin: podManifest(name, p) });
  const describePod = async (name: string): Promise<string> => (await c.kubectl(["describe", "pod", name])).stdout;
  const podRow = async (name: string): Promise<Record<string, string> | undefined> =>
    findRow((await c.kubectl(["get", "pod", name, "-o", "wide"])).stdout, name);
  /** Waits for the pod to run and returns its `get pods -o wide` row. */
  const waitRunning = async (name: string): Promise<Record<string, string>> =>
    findRow(await waitMatch(async () => (await c.kubectl(["get", "pod", name, "-o", "wide"])).stdout, /\s1\/1\s+Running\s/), name)!;
  /** Waits for the `Scheduled` event on the pod, naming the node it was bound to. */
  const waitScheduledEvent = (name: string, node: string): Promise<string> =>
    waitMatch(
      () => describePod(name),
      new RegExp(`^\\s+Normal\\s+Scheduled\\s+\\S+\\s+default-scheduler\\s+Successfully assigned default/${name} to ${node}$`, "m"),
    );
  /** Waits for a `FailedScheduling` event on the pod with exactly this message. */
  const waitFailedScheduling = (name: string, message: string): Promise<string> =>
    waitMatch(
      () => describePod(name),
      new RegExp(`^\\s+Warning\\s+FailedScheduling\\s+\\S+(?: \\(x\\d+ over \\S+\\))?\\s+default-scheduler\\s+${escape(message)}$`, "m"),
    );
  const assertPending = async (name: string): Promise<void> => {
    const r = await podRow(name);
    assert.equal(r?.STATUS, "Pending");
    assert.equal(r?.NODE, "<none>");
  };

  afterEach(async () => {
    // Whatever a test left behind, even when it failed half-way: ReplicaSets first (they
    // would recreate their pods), then pods, then the nodes' labels, taints and cordons.
    await c.kubectl(["delete", "replicasets", "--all", "--cascade=foreground", "--timeout=20s"]);
    await c.kubectl(["delete", "pods", "--all", "--timeout=20s"]);
    await c.kubectl(["label", "nodes", "--all", "disk-", "zone-", "maintenance-"]);
    for (const node of NODES) await c.kubectl(["patch", "node", node, "-p", '{"spec":{"taints":null,"unschedulable":null}}']);
  });

  it("nodeSelector: lands on the labelled node; none matching → FailedScheduling until a node is labelled", async () => {
    await c.kubectl(["label", "nodes", "sim-node-1", "disk=ssd"]);
    await createPod("sel-ssd", { nodeSelector: { disk: "ssd" } });
    assert.equal((await waitRunning("sel-ssd")).NODE, "sim-node-1");
    const d = await waitScheduledEvent("sel-ssd", "sim-node-1");
    assert.match(d, /^Node:\s+sim-node-1\/198\.18\.\d+\.\d+$/m);
    assert.match(d, /^Node-Selectors:\s+disk=ssd$/m);
    assert.match(d, /^IP:\s+10\.244\.\d+\.\d+$/m);
    assert.match(d, /^\s+PodScheduled\s+True\s*$/m);

    await createPod("sel-nvme", { nodeSelector: { disk: "nvme" } });
    const pending = await waitFailedScheduling("sel-nvme", `0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. ${notHelpful}`);
    assert.match(pending, /^Status:\s+Pending$/m);
    assert.match(pending, /^Node:\s+<none>$/m);
    assert.match(pending, /^\s+PodScheduled\s+False\s*$/m);
    await assertPending("sel-nvme");
    const cond = await c.kubectl(["get", "pod", "sel-nvme", "-o", "jsonpath={.status.conditions[?(@.type==\"PodScheduled\")].reason}"]);
    assert.equal(cond.stdout, "Unschedulable");

    // A node that gains the label is a cluster event that requeues the pod.
    await c.kubectl(["label", "nodes", "sim-node-2", "disk=nvme"]);
    assert.equal((await waitRunning("sel-nvme")).NODE, "sim-node-2");
    await waitScheduledEvent("sel-nvme", "sim-node-2");

    await c.kubectl(["label", "nodes", "sim-node-1", "disk-"]);
    await c.kubectl(["label", "nodes", "sim-node-2", "disk-"]);
  });

  it("required node affinity: In and DoesNotExist pick the one node; none left → Pending", async () => {
    await c.kubectl(["label", "nodes", "sim-node-0", "zone=a"]);
    await c.kubectl(["label", "nodes", "sim-node-1", "zone=b"]);
    await c.kubectl(["label", "nodes", "sim-node-2", "zone=c", "maintenance=true"]);
    await c.kubectl(["create", "-f", fixture("required-affinity.yaml")]);
    assert.equal((await waitRunning("req-affinity")).NODE, "sim-node-1");
    await waitScheduledEvent("req-affinity", "sim-node-1");
    await c.kubectl(["delete", "pod", "req-affinity", "--timeout=15s"]);

    // Now sim-node-1 is in maintenance too: no node qualifies.
    await c.kubectl(["label", "nodes", "sim-node-1", "maintenance=true"]);
    await c.kubectl(["create", "-f", fixture("required-affinity.yaml")]);
    await waitFailedScheduling("req-affinity", `0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. ${notHelpful}`);
    await assertPending("req-affinity");
    await c.kubectl(["label", "nodes", "sim-node-2", "maintenance-"]);
    assert.equal((await waitRunning("req-affinity")).NODE, "sim-node-2");

    await c.kubectl(["label", "nodes", "sim-node-1", "maintenance-"]);
    await c.kubectl(["label", "nodes", "--all", "zone-"]);
  });

  it("preferred node affinity: pods go to the preferred node, elsewhere when it is unavailable", async () => {
    await c.kubectl(["label", "nodes", "sim-node-0", "zone=a"]);
    await c.kubectl(["create", "-f", fixture("preferred-affinity.yaml")]);
    for (const name of ["pref-1", "pref-2", "pref-3"]) {
      assert.equal((await waitRunning(name)).NODE, "sim-node-0", `${name} should prefer zone=a`);
      await waitScheduledEvent(name, "sim-node-0");
    }
    // A preference is not a requirement: with sim-node-0 cordoned the pod goes elsewhere.
    await c.kubectl(["cordon", "sim-node-0"]);
    const pod = JSON.parse(podManifest("pref-4")) as { spec: Record<string, unknown> };
    pod.spec.affinity = {
      nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] } }] },
    };
    await c.kubectl(["create", "-f", "-"], { stdin: JSON.stringify(pod) });
    assert.notEqual((await waitRunning("pref-4")).NODE, "sim-node-0");
    await c.kubectl(["uncordon", "sim-node-0"]);
    await c.kubectl(["label", "nodes", "sim-node-0", "zone-"]);
  });

  it("taints and tolerations: untolerated NoSchedule → Pending with the taint; tolerated → scheduled", async () => {
    const r = await c.kubectl(["taint", "nodes", "--all", "dedicated=infra:NoSchedule"]);
    assert.equal(r.stdout, "node/sim-node-0 tainted\nnode/sim-node-1 tainted\nnode/sim-node-2 tainted\n");
    await c.kubectl(["create", "-f", fixture("tolerations.yaml")]);

    const tolerant = await waitRunning("tolerant");
    assert.match(tolerant.NODE ?? "", /^sim-node-[012]$/);
    const d = await waitScheduledEvent("tolerant", tolerant.NODE ?? "");
    assert.match(d, /^Tolerations:\s+dedicated=infra:NoSchedule$/m);

    await waitFailedScheduling("intolerant", `0/3 nodes are available: 3 node(s) had untolerated taint {dedicated: infra}. ${notHelpful}`);
    await assertPending("intolerant");

    // Removing the taint from one node lets the waiting pod go there.
    await c.kubectl(["taint", "nodes", "sim-node-2", "dedicated=infra:NoSchedule-"]);
    assert.equal((await waitRunning("intolerant")).NODE, "sim-node-2");
    await waitScheduledEvent("intolerant", "sim-node-2");

    // Each node reports the first filter that rejects it (TaintToleration runs before
    // NodeAffinity); the reasons are counted and sorted, as upstream prints them.
    await createPod("pinned-0", { nodeSelector: { "kubernetes.io/hostname": "sim-node-0" } });
    await waitFailedScheduling(
      "pinned-0",
      `0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 node(s) had untolerated taint {dedicated: infra}. ${notHelpful}`,
    );
    await c.kubectl(["taint", "nodes", "sim-node-0", "sim-node-1", "dedicated=infra:NoSchedule-"]);
    assert.equal((await waitRunning("pinned-0")).NODE, "sim-node-0");
  });

  it("pod anti-affinity: a ReplicaSet's replicas spread one per node; a fourth cannot be placed", async () => {
    await c.kubectl(["apply", "-f", fixture("anti-affinity-rs.yaml")]);
    const running = parseTable(
      await waitMatch(async () => (await c.kubectl(["get", "pods", "-l", "app=spread", "-o", "wide"])).stdout, /^NAME .*\n(?:spread-\S+\s+1\/1\s+Running\s.*\n){3}$/),
    );
    assert.deepEqual(running.map((r) => r.NODE).sort(), ["sim-node-0", "sim-node-1", "sim-node-2"]);
    for (const r of running) await waitScheduledEvent(r.NAME ?? "", r.NODE ?? "");

    const scaled = await c.kubectl(["scale", "rs", "spread", "--replicas=4"]);
    assert.equal(scaled.stdout, "replicaset.apps/spread scaled\n");
    const pods = await waitMatch(async () => (await c.kubectl(["get", "pods", "-l", "app=spread", "-o", "wide"])).stdout, /\s0\/1\s+Pending\s/);
    const fourth = parseTable(pods).find((r) => r.STATUS === "Pending");
    assert.equal(fourth?.NODE, "<none>");
    // Equal priorities: preemption finds no victim.
    await waitFailedScheduling(fourth?.NAME ?? "", `0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. ${noVictims}`);

    // Deleting the ReplicaSet in the foreground returns once the garbage collector has
    // removed its pods.
    const del = await c.kubectl(["delete", "rs", "spread", "--cascade=foreground", "--timeout=20s"]);
    assert.equal(del.stdout, 'replicaset.apps "spread" deleted\n');
    const left = await c.kubectl(["get", "pods", "-l", "app=spread"]);
    assert.equal(left.stdout, "");
    assert.match(left.stderr, /^No resources found in default namespace\.$/m);
  });

  it("resource requests: only the node with room fits; too big → Insufficient cpu/memory until room is made", async () => {
    await createPod("fill-0", { nodeSelector: { "kubernetes.io/hostname": "sim-node-0" }, cpu: "3" });
    await createPod("fill-1", { nodeSelector: { "kubernetes.io/hostname": "sim-node-1" }, cpu: "3" });
    await waitRunning("fill-0");
    await waitRunning("fill-1");

    await createPod("needs-2", { cpu: "2" });
    assert.equal((await waitRunning("needs-2")).NODE, "sim-node-2");
    await waitScheduledEvent("needs-2", "sim-node-2");

    // Every node now has 1 or 2 CPUs free.
    await createPod("needs-3", { cpu: "3" });
    await waitFailedScheduling("needs-3", `0/3 nodes are available: 3 Insufficient cpu. ${noVictims}`);
    await assertPending("needs-3");

    // A deleted pod frees room: the waiting pod is requeued and lands there.
    await c.kubectl(["delete", "pod", "fill-0", "--timeout=15s"]);
    assert.equal((await waitRunning("needs-3")).NODE, "sim-node-0");
    await waitScheduledEvent("needs-3", "sim-node-0");
    const node = (await c.kubectl(["describe", "node", "sim-node-0"])).stdout;
    assert.match(node, /^\s+default\s+needs-3\s+3 \(75%\)\s+0 \(0%\)\s+0 \(0%\)\s+0 \(0%\)\s+\d+s$/m);
  });

  // v1.32's NodeResourcesFit always answers Unschedulable, so preemption dry-runs every node
  // and, with no lower-priority pod anywhere, says "No preemption victims found". Marking a
  // request beyond the node's allocatable as unresolvable ("Preemption is not helpful") came
  // with kubernetes/kubernetes#131345, after v1.32.
  it("a request larger than any node: Insufficient memory, no victims (v1.32's message)", async () => {
    await createPod("needs-16gi", { memory: "16Gi" });
    const d = await waitMatch(() => describePod("needs-16gi"), /FailedScheduling/);
    assert.match(d, new RegExp(`default-scheduler\\s+${escape(`0/3 nodes are available: 3 Insufficient memory. ${noVictims}`)}$`, "m"));
    await assertPending("needs-16gi");
  });

  it("priority: kubectl create priorityclass; a high-priority pod preempts a low one on a full node", async () => {
    let r = await c.kubectl(["create", "priorityclass", "high", "--value=1000", "--description=e2e preemptor"]);
    assert.equal(r.stdout, "priorityclass.scheduling.k8s.io/high created\n");
    r = await c.kubectl(["get", "priorityclass", "high"]);
    assert.deepEqual(header(r.stdout), ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"]);
    const pc = findRow(r.stdout, "high");
    assert.equal(pc?.VALUE, "1000");
    assert.equal(pc?.["GLOBAL-DEFAULT"], "false");
    assert.equal(pc?.PREEMPTIONPOLICY, "PreemptLowerPriority");

    await c.kubectl(["create", "-f", fixture("preemption-victim.yaml")]);
    assert.equal((await waitRunning("victim")).NODE, "sim-node-1");
    assert.match(await describePod("victim"), /^Priority:\s+0$/m);

    await c.kubectl(["create", "-f", fixture("preemption-preemptor.yaml")]);
    const preemptorUid = (await c.kubectl(["get", "pod", "preemptor", "-o", "jsonpath={.metadata.uid}"])).stdout;
    assert.match(preemptorUid, /^[0-9a-f-]{36}$/);
    // The priority admission plugin resolved the class into the pod.
    const d = await describePod("preemptor");
    assert.match(d, /^Priority:\s+1000$/m);
    assert.match(d, /^Priority Class Name:\s+high$/m);

    // The victim is deleted, and the preemptor runs where it was.
    assert.equal((await waitRunning("preemptor")).NODE, "sim-node-1");
    await waitMatch(async () => (await c.kubectl(["get", "pods", "-o", "name"])).stdout, /^pod\/preemptor\n$/);
    r = await c.kubectl(["get", "pod", "victim"], { expectFail: true });
    assert.match(r.stderr, /^Error from server \(NotFound\): pods "victim" not found$/m);

    const events = await waitMatch(
      async () => (await c.kubectl(["get", "events", "--field-selector", "involvedObject.name=victim", "--sort-by=.lastTimestamp"])).stdout,
      /Preempted/,
    );
    const preempted = parseTable(events).find((e) => e.REASON === "Preempted");
    assert.equal(preempted?.TYPE, "Normal");
    assert.equal(preempted?.OBJECT, "pod/victim");
    assert.equal(preempted?.MESSAGE, `Preempted by pod ${preemptorUid} on node sim-node-1`);

    // The preemptor's own story: it did not fit at first (preemption then nominated the
    // node, so no "preemption:" tail), and was bound after the victim left.
    const story = await waitScheduledEvent("preemptor", "sim-node-1");
    assert.match(
      story,
      /^\s+Warning\s+FailedScheduling\s+\S+\s+default-scheduler\s+0\/3 nodes are available: 1 Insufficient cpu, 2 node\(s\) didn't match Pod's node affinity\/selector\.$/m,
    );
    assert.ok(story.indexOf("FailedScheduling") < story.indexOf("Successfully assigned"), "FailedScheduling comes before Scheduled");

    await c.kubectl(["delete", "priorityclass", "high"]);
  });

  it("schedulerName: a pod for another scheduler stays Pending with no events", async () => {
    await createPod("for-other", { schedulerName: "other" });
    // A pod for us, created after it, being scheduled shows the scheduler has looked.
    await createPod("for-us");
    await waitRunning("for-us");
    await waitScheduledEvent("for-us", "sim-node-\\d");

    await assertPending("for-other");
    const d = await describePod("for-other");
    assert.match(d, /^Node:\s+<none>$/m);
    assert.match(d, /^Events:\s+<none>$/m);
    const jp = await c.kubectl(["get", "pod", "for-other", "-o", "jsonpath={.spec.schedulerName}|{.spec.nodeName}|{.status.conditions}"]);
    assert.equal(jp.stdout, "other||");
    const ev = await c.kubectl(["get", "events", "--field-selector", "involvedObject.name=for-other"]);
    assert.equal(ev.stdout, "");
    assert.match(ev.stderr, /^No resources found in default namespace\.$/m);
  });
});
