import { test } from "node:test";
import assert from "node:assert/strict";
import { ActionType, type ClusterEventWithHint, type QueuedPodInfo } from "../framework/interfaces.js";
import { Status } from "../framework/status.js";
import type { Node, Pod } from "../framework/types.js";
import { makeNode, makePod } from "../testing.js";
import { KeyedHeap } from "./heap.js";
import { SchedulingQueue } from "./scheduling-queue.js";

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

async function popName(q: SchedulingQueue): Promise<string> {
  const p = await q.pop();
  return p?.pi.pod.metadata.name ?? "";
}

test("KeyedHeap: ordering, update and delete by key", () => {
  const h = new KeyedHeap<{ k: string; v: number }>((x) => x.k, (a, b) => a.v < b.v);
  for (const [k, v] of [["a", 5], ["b", 1], ["c", 3], ["d", 4]] as const) h.addOrUpdate({ k, v });
  h.addOrUpdate({ k: "a", v: 0 });
  h.delete("c");
  const out: string[] = [];
  for (let x = h.pop(); x; x = h.pop()) out.push(x.k);
  assert.deepEqual(out, ["a", "b", "d"]);
});

test("activeQ: higher priority first, then the older pod", async () => {
  const c = clock();
  const q = new SchedulingQueue({ now: c.now });
  q.add(makePod("low-old", { priority: 1 }));
  c.advance(1);
  q.add(makePod("high", { priority: 100 }));
  c.advance(1);
  q.add(makePod("low-new", { priority: 1 }));
  q.add(makePod("mid", { priority: 50 }));
  assert.deepEqual([await popName(q), await popName(q), await popName(q), await popName(q)], ["high", "mid", "low-old", "low-new"]);
});

test("pop waits for a pod and returns undefined once closed", async () => {
  const q = new SchedulingQueue();
  const waiting = q.pop();
  q.add(makePod("late"));
  assert.equal((await waiting)?.pi.pod.metadata.name, "late");
  const pending = q.pop();
  q.close();
  assert.equal(await pending, undefined);
});

test("backoff: 1 s doubling per attempt, capped at 10 s", () => {
  const q = new SchedulingQueue();
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map((a) => q.backoffDuration(a)), [0, 1000, 2000, 4000, 8000, 10_000, 10_000]);
});

const nodeEvents: ClusterEventWithHint[] = [{
  resource: "Node",
  action: ActionType.Add | ActionType.UpdateNodeLabel,
  hint: (pod, _o, n) => ((n as Node).metadata.labels?.zone === pod.spec?.nodeSelector?.zone ? "Queue" : "QueueSkip"),
}];

async function failOnce(q: SchedulingQueue, plugins: string[]): Promise<QueuedPodInfo> {
  const p = (await q.pop())!;
  p.unschedulablePlugins = new Set(plugins);
  q.addUnschedulableIfNotPresent(p);
  return p;
}

test("unschedulable pods move back only on events their plugins registered, and the hint agrees", async () => {
  const c = clock();
  const q = new SchedulingQueue({ now: c.now, events: new Map([["NodeAffinity", nodeEvents]]) });
  q.add(makePod("p", { nodeSelector: { zone: "b" } }));
  const p = await failOnce(q, ["NodeAffinity"]);
  assert.equal(q.where(p.pi.uid), "unschedulable");
  q.moveAllToActiveOrBackoffQueue({ resource: "Pod", action: ActionType.Delete, label: "AssignedPodDelete" }, makePod("x"));
  assert.equal(q.where(p.pi.uid), "unschedulable", "NodeAffinity did not register pod deletes");
  q.moveAllToActiveOrBackoffQueue({ resource: "Node", action: ActionType.Add, label: "NodeAdd" }, undefined, makeNode("n", { labels: { zone: "a" } }));
  assert.equal(q.where(p.pi.uid), "unschedulable", "the hint said QueueSkip");
  q.moveAllToActiveOrBackoffQueue({ resource: "Node", action: ActionType.Add, label: "NodeAdd" }, undefined, makeNode("n", { labels: { zone: "b" } }));
  assert.equal(q.where(p.pi.uid), "backoff", "still backing off (1 s)");
  c.advance(1000);
  q.flushBackoffQCompleted();
  assert.equal(q.where(p.pi.uid), "active");
});

test("an event during the attempt requeues the pod instead of parking it", async () => {
  const c = clock();
  const q = new SchedulingQueue({ now: c.now, events: new Map([["NodeAffinity", nodeEvents]]) });
  q.add(makePod("p", { nodeSelector: { zone: "b" } }));
  const p = (await q.pop())!;
  q.moveAllToActiveOrBackoffQueue({ resource: "Node", action: ActionType.Add, label: "NodeAdd" }, undefined, makeNode("n", { labels: { zone: "b" } }));
  p.unschedulablePlugins = new Set(["NodeAffinity"]);
  q.addUnschedulableIfNotPresent(p);
  assert.equal(q.where(p.pi.uid), "backoff");
});

test("pods rejected with no plugin (errors) back off; parked pods are flushed after 5 minutes", async () => {
  const c = clock();
  const q = new SchedulingQueue({ now: c.now });
  q.add(makePod("err"));
  q.add(makePod("parked"));
  const a = await failOnce(q, []);
  const b = await failOnce(q, ["NodeResourcesFit"]);
  assert.equal(q.where(a.pi.uid), "backoff");
  assert.equal(q.where(b.pi.uid), "unschedulable");
  c.advance(4 * 60_000);
  q.flushUnschedulablePodsLeftover();
  assert.equal(q.where(b.pi.uid), "unschedulable");
  c.advance(60_001);
  q.flushUnschedulablePodsLeftover();
  assert.equal(q.where(b.pi.uid), "active");
});

test("scheduling gates hold pods until an update removes them", async () => {
  const q = new SchedulingQueue({ preEnqueue: (p: Pod) => ((p.spec?.schedulingGates ?? []).length ? Status.unresolvable("gated") : undefined) });
  const gated = makePod("g");
  gated.spec!.schedulingGates = [{ name: "wait" }];
  q.add(gated);
  assert.equal(q.where("uid-default-g"), "gated");
  q.moveAllToActiveOrBackoffQueue({ resource: "Node", action: -1, label: "ForceActivate" });
  assert.equal(q.where("uid-default-g"), "gated");
  const open = makePod("g");
  q.update(gated, open);
  assert.equal(q.where("uid-default-g"), "active");
});

test("updates: in place in activeQ; a changed spec moves a parked pod; status-only changes do not", async () => {
  const c = clock();
  const q = new SchedulingQueue({ now: c.now });
  q.add(makePod("p", { cpu: "1" }));
  const p = await failOnce(q, ["NodeResourcesFit"]);
  const statusOnly = makePod("p", { cpu: "1" });
  statusOnly.status = { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False" }] };
  q.update(p.pi.pod, statusOnly);
  assert.equal(q.where(p.pi.uid), "unschedulable");
  c.advance(2000);
  q.update(statusOnly, makePod("p", { cpu: "500m" }));
  assert.equal(q.where(p.pi.uid), "active");
  q.delete(makePod("p"));
  assert.equal(q.where(p.pi.uid), undefined);
});

test("nominated pods are tracked from status and by override", () => {
  const q = new SchedulingQueue();
  q.add(makePod("a", { nominatedNodeName: "n1" }));
  assert.deepEqual(q.nominator.nominatedPodsForNode("n1").map((p) => p.pod.metadata.name), ["a"]);
  q.delete(makePod("a"));
  assert.equal(q.nominator.nominatedPodsForNode("n1").length, 0);
});

test("a running queue moves a pod out of backoff when its backoff expires", { timeout: 5000 }, async () => {
  const q = new SchedulingQueue({ initialBackoffMs: 30 });
  q.run();
  try {
    q.add(makePod("p"));
    const t0 = Date.now();
    await failOnce(q, []);
    assert.equal(q.where("uid-default-p"), "backoff");
    const again = await q.pop();
    const waited = Date.now() - t0;
    assert.equal(again?.pi.pod.metadata.name, "p");
    assert.ok(waited >= 29 && waited < 1000, `waited ${waited} ms`);
  } finally {
    q.close();
  }
});
