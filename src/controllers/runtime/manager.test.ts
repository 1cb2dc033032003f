/**
 * The manager without a server: workers, result handling (requeueAfter, requeue, errors with
 * backoff, terminal errors), metrics, and a stop that waits for in-flight reconciles.
 * Integration tests against a real API server live in test/controllers/runtime/.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiClient, SharedInformerFactory, type Transport } from "../../client/index.js";
import { startControllerManager } from "./manager.js";
import { TerminalError, type ControllerFactory, type Enqueuer, type ReconcileContext, type ReconcileResult } from "./types.js";

const offline: Transport = {
  request: () => Promise.reject(new Error("offline")),
  stream: (_req, _onLine, onEnd) => { queueMicrotask(() => onEnd(new Error("offline"))); return { close() {} }; },
};
const client = new ApiClient(offline);
const quiet = (): void => {};

function controller(name: string, keys: string[], reconcile: (key: string, ctx: ReconcileContext) => Promise<ReconcileResult | void>, workers?: number): ControllerFactory & { enqueue?: Enqueuer } {
  const f: ControllerFactory & { enqueue?: Enqueuer } = () => ({
    name,
    workers,
    waitFor: [],
    setup(q) { f.enqueue = q; for (const k of keys) q.add(k); },
    reconcile,
  });
  return f;
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 2));
  }
}

test("every key is reconciled once, with up to N workers at a time", async () => {
  const seen: string[] = [];
  let active = 0;
  let maxActive = 0;
  const keys = Array.from({ length: 20 }, (_, i) => `ns/k${i}`);
  const f = controller("a", [...keys, ...keys], async (key) => {
    active++;
    maxActive = Math.max(maxActive, active);
    await new Promise((r) => setTimeout(r, 5));
    seen.push(key);
    active--;
  }, 3);
  const mgr = await startControllerManager(client, [f], { log: quiet });
  await until(() => seen.length === 20);
  assert.deepEqual([...seen].sort(), [...keys].sort(), "duplicates are folded by the queue");
  assert.equal(maxActive, 3);
  assert.equal(mgr.isLeader(), true);
  const [m] = mgr.metrics();
  assert.equal(m!.name, "a");
  assert.equal(m!.reconciles, 20);
  assert.equal(m!.errors, 0);
  assert.ok(m!.reconcileP50Ms >= 4 && m!.reconcileP99Ms >= m!.reconcileP50Ms, JSON.stringify(m));
  await mgr.stop();
  assert.equal(mgr.isLeader(), false);
});

test("errors are retried with backoff, terminal errors are not, requeueAfter comes back later", async () => {
  const calls = new Map<string, number>();
  const at = new Map<string, number[]>();
  const f = controller("b", ["ns/flaky", "ns/terminal", "ns/later", "ns/again"], async (key) => {
    const n = (calls.get(key) ?? 0) + 1;
    calls.set(key, n);
    at.set(key, [...(at.get(key) ?? []), performance.now()]);
    if (key === "ns/flaky" && n < 4) throw new Error("conflict");
    if (key === "ns/terminal") throw new TerminalError("bad spec");
    if (key === "ns/later" && n === 1) return { requeueAfterMs: 50 };
    if (key === "ns/again" && n < 3) return { requeue: true };
  });
  const logs: string[] = [];
  const mgr = await startControllerManager(client, [f], { log: (m) => logs.push(m) });
  await until(() => calls.get("ns/flaky") === 4 && calls.get("ns/later") === 2 && calls.get("ns/again") === 3);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(calls.get("ns/terminal"), 1);
  assert.equal(calls.get("ns/flaky"), 4);
  const later = at.get("ns/later")!;
  assert.ok(later[1]! - later[0]! >= 45, `requeued after ${later[1]! - later[0]!} ms`);
  // Exponential per-key backoff: 5, 10, 20 ms between the flaky attempts.
  const flaky = at.get("ns/flaky")!;
  assert.ok(flaky[3]! - flaky[0]! >= 30, `three retries took ${flaky[3]! - flaky[0]!} ms`);
  const m = mgr.metrics()[0]!;
  assert.equal(m.errors, 4);
  assert.ok(logs.some((l) => l.includes("ns/terminal") && l.includes("terminal")), logs.join("\n"));
  assert.ok(logs.some((l) => l.includes("ns/flaky") && l.includes("will retry")));
  await mgr.stop();
});

test("stop aborts the signal, waits for in-flight reconciles and takes no new keys", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  let started = 0;
  let finished = 0;
  let aborted = false;
  const f = controller("c", ["ns/slow"], async (key, ctx) => {
    started++;
    if (key === "ns/slow") {
      await gate;
      aborted = ctx.signal.aborted;
    }
    finished++;
  }, 1);
  const mgr = await startControllerManager(client, [f], { log: quiet, workers: { c: 1 } });
  await until(() => started === 1);
  f.enqueue!.add("ns/queued");
  let stopped = false;
  const stopping = mgr.stop().then(() => { stopped = true; });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(stopped, false, "stop waits for the reconcile in flight");
  release();
  await stopping;
  assert.equal(aborted, true);
  assert.equal(finished, 1);
  assert.equal(started, 1, "the queued key was not worked on after stop");
  assert.equal(mgr.metrics()[0]!.queueDepth, 0);
});

test("per-controller worker counts from the options override the spec", async () => {
  let active = 0;
  let maxActive = 0;
  const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);
  let done = 0;
  const f = controller("d", keys, async () => {
    active++;
    maxActive = Math.max(maxActive, active);
    await new Promise((r) => setTimeout(r, 3));
    active--;
    done++;
  }, 5);
  const mgr = await startControllerManager(client, [f], { log: quiet, workers: { d: 2 } });
  await until(() => done === 10);
  assert.equal(maxActive, 2);
  await mgr.stop();
});

test("with the process's shared informers, stop detaches the controllers and leaves the informers running", async () => {
  // One ConfigMap listed, then a watch the test feeds by hand.
  let feed: ((line: string) => void) | undefined;
  let lists = 0;
  const cm = (name: string, rv: number): string => JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "ns", resourceVersion: String(rv) } });
  const transport: Transport = {
    request: async () => {
      lists++;
      return { status: 200, headers: {}, body: `{"apiVersion":"v1","kind":"ConfigMapList","metadata":{"resourceVersion":"1"},"items":[${cm("a", 1)}]}` };
    },
    stream: (_req, onLine) => { feed = onLine; return { close() {} }; },
  };
  const shared = new SharedInformerFactory(new ApiClient(transport));
  const heard: string[] = [];
  const reconciled: string[] = [];
  const f: ControllerFactory = (deps) => {
    const inf = deps.informers.forKind("v1", "ConfigMap");
    return {
      name: "cm",
      waitFor: [inf],
      setup(q) { inf.addHandler({ onAdd: (o) => { heard.push(o.metadata.name!); q.add(`ns/${o.metadata.name}`); } }); },
      reconcile: async (key) => { reconciled.push(key); },
    };
  };
  const first = await startControllerManager(client, [f], { log: quiet, informers: shared });
  await until(() => reconciled.length === 1);
  await first.stop();
  const inf = shared.forKind("v1", "ConfigMap");
  assert.equal(inf.isStopped, false, "the shared informer outlives the manager");
  feed!(`{"type":"ADDED","object":${cm("b", 2)}}`);
  assert.equal(inf.get("ns/b")?.metadata.name, "b");
  assert.deepEqual(heard, ["a"], "a stopped manager's handlers are gone");
  // A second manager (as a new term of leadership would) reads the same cache: no new list.
  const second = await startControllerManager(client, [f], { log: quiet, informers: shared });
  await until(() => reconciled.length === 3);
  assert.deepEqual(heard, ["a", "a", "b"]);
  assert.equal(lists, 1);
  await second.stop();
  shared.stop();
});
