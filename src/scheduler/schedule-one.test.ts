import { test } from "node:test";
import assert from "node:assert/strict";
import { Cache } from "./cache/cache.js";
import { Framework } from "./framework/framework.js";
import type { ClusterApi } from "./framework/interfaces.js";
import { defaultProfile } from "./framework/profile.js";
import type { Pod } from "./framework/types.js";
import { inTreeRegistry } from "./plugins/index.js";
import { SchedulingQueue } from "./queue/scheduling-queue.js";
import { SchedulerLoop } from "./schedule-one.js";
import { makeNode, makePod } from "./testing.js";

function setup(bindImpl: (pod: Pod, node: string) => Promise<void>) {
  const pods = new Map<string, Pod>();
  const events: string[] = [];
  const statuses: string[] = [];
  const api: ClusterApi = {
    bind: bindImpl,
    deletePod: async () => {},
    patchPodStatus: async (p, st) => void statuses.push(`${p.metadata.name} ${JSON.stringify(st)}`),
  };
  const cache = new Cache();
  let queue: SchedulingQueue | undefined;
  const fwk = new Framework({
    registry: inTreeRegistry(), profile: defaultProfile(), api,
    recorder: (p, type, reason, _a, msg) => void events.push(`${p.metadata.name} ${type} ${reason} ${msg}`),
    nominator: { nominatedPodsForNode: (n) => queue!.nominator.nominatedPodsForNode(n), nominatedNodeOf: (u) => queue!.nominator.nominatedNodeOf(u) },
  });
  queue = new SchedulingQueue({ less: (a, b) => fwk.queueSortPlugin!.less(a, b), events: fwk.eventsToRegister(), initialBackoffMs: 10, maxBackoffMs: 20 });
  const loop = new SchedulerLoop({ fwk, cache, queue, api, recorder: fwk.recorder, getPod: (ns, n) => pods.get(`${ns}/${n}`) });
  const add = (p: Pod): void => {
    pods.set(`${p.metadata.namespace}/${p.metadata.name}`, p);
    queue!.add(p);
  };
  return { cache, queue, loop, events, statuses, add, pods };
}

async function until(what: string, f: () => boolean): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!f()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("the loop assumes, binds and reports; the next pod sees the assumed one's resources", { timeout: 5000 }, async () => {
  const bound: string[] = [];
  const s = setup(async (p, n) => void bound.push(`${p.metadata.name}->${n}`));
  s.cache.addNode(makeNode("n1", { cpu: "1" }));
  s.cache.addNode(makeNode("n2", { cpu: "1" }));
  s.queue.run();
  s.loop.start();
  s.add(makePod("a", { cpu: "800m" }));
  s.add(makePod("b", { cpu: "800m" }));
  await until("two bindings", () => s.loop.stats.bound === 2);
  const nodes = bound.map((b) => b.split("->")[1]).sort();
  assert.deepEqual(nodes, ["n1", "n2"], "one per node: the first was assumed before the second was scheduled");
  assert.ok(s.events.some((e) => /^a Normal Scheduled Successfully assigned default\/a to n[12]$/.test(e)));
  await s.loop.stop();
});

test("a failed binding is forgotten and the pod retried after backoff", { timeout: 5000 }, async () => {
  let calls = 0;
  const s = setup(async () => {
    if (++calls === 1) throw new Error("etcd hiccup");
  });
  s.cache.addNode(makeNode("n1", { cpu: "1" }));
  s.queue.run();
  s.loop.start();
  s.add(makePod("a", { cpu: "800m" }));
  await until("bound on retry", () => s.loop.stats.bound === 1);
  assert.equal(calls, 2);
  assert.equal(s.loop.stats.errors, 1);
  assert.ok(s.events.some((e) => e.includes("a Warning FailedScheduling") && e.includes("etcd hiccup")));
  assert.ok(s.statuses.some((x) => x.includes('"reason":"SchedulerError"')));
  assert.equal(s.cache.get("n1")!.pods.length, 1, "only the second assumption remains");
  await s.loop.stop();
});

test("an unschedulable pod is parked, reported once per message, and deleted pods are dropped", { timeout: 5000 }, async () => {
  const s = setup(async () => {});
  s.cache.addNode(makeNode("n1", { cpu: "1" }));
  s.queue.run();
  s.loop.start();
  s.add(makePod("big", { cpu: "2" }));
  await until("a failure", () => s.loop.stats.unschedulable === 1);
  assert.equal(s.queue.where("uid-default-big"), "unschedulable");
  assert.deepEqual(s.events, ["big Warning FailedScheduling 0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.."]);
  assert.match(s.statuses[0]!, /"type":"PodScheduled","status":"False","reason":"Unschedulable"/);
  s.pods.delete("default/big");
  s.queue.delete(makePod("big"));
  assert.equal(s.queue.where("uid-default-big"), undefined);
  await s.loop.stop();
});
