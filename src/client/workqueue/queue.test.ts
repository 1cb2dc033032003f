import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "./clock.js";
import { Heap } from "./heap.js";
import { RateLimitedQueue } from "./queue.js";
import { BucketRateLimiter, ItemExponentialFailureRateLimiter, defaultControllerRateLimiter } from "./ratelimit.js";

/** Resolves with the key when get() settles within the current macrotask, else "pending". */
async function poll<K>(p: Promise<K>): Promise<K | "pending"> {
  return Promise.race([p, new Promise<"pending">((r) => setImmediate(() => r("pending")))]);
}

test("adds are deduplicated while a key waits", async () => {
  const q = new RateLimitedQueue();
  q.add("a");
  q.add("b");
  q.add("a");
  assert.equal(q.len(), 2);
  assert.equal(await q.get(), "a");
  assert.equal(await q.get(), "b");
  assert.equal(q.len(), 0);
});

test("a key being processed is not handed out again until done, then requeued once", async () => {
  const q = new RateLimitedQueue();
  q.add("a");
  const k = await q.get();
  assert.equal(k, "a");
  q.add("a");
  q.add("a");
  assert.equal(q.len(), 0, "dirty while processing, not queued");
  const second = q.get();
  assert.equal(await poll(second), "pending");
  q.done("a");
  assert.equal(await second, "a");
  q.done("a");
  assert.equal(q.len(), 0);
  assert.equal(await poll(q.get()), "pending");
  q.shutDown();
});

test("done without a new add does not requeue", async () => {
  const q = new RateLimitedQueue();
  q.add("x");
  await q.get();
  q.done("x");
  assert.equal(q.len(), 0);
});

test("waiting getters are served in order", async () => {
  const q = new RateLimitedQueue<number>();
  const g1 = q.get();
  const g2 = q.get();
  q.add(1);
  q.add(2);
  assert.deepEqual(await Promise.all([g1, g2]), [1, 2]);
});

test("shutDown wakes waiting getters, drops later adds, and still hands out queued keys", async () => {
  const q = new RateLimitedQueue();
  const waiting = [q.get(), q.get()];
  q.shutDown();
  assert.deepEqual(await Promise.all(waiting), [undefined, undefined]);
  q.add("late");
  assert.equal(q.len(), 0);
  assert.equal(await q.get(), undefined);

  const q2 = new RateLimitedQueue();
  q2.add("queued");
  q2.shutDown();
  assert.equal(await q2.get(), "queued");
  assert.equal(await q2.get(), undefined);
  assert.equal(q2.isShuttingDown, true);
});

test("shutDownWithDrain waits for keys being processed", async () => {
  const q = new RateLimitedQueue();
  q.add("a");
  await q.get();
  let drained = false;
  const p = q.shutDownWithDrain().then(() => { drained = true; });
  await new Promise((r) => setImmediate(r));
  assert.equal(drained, false);
  q.done("a");
  await p;
  assert.equal(drained, true);
});

test("exponential backoff grows base·2^n, is capped, and resets on forget", () => {
  const l = new ItemExponentialFailureRateLimiter<string>(5, 1000);
  assert.deepEqual([1, 2, 3, 4, 5].map(() => l.when("k")), [5, 10, 20, 40, 80]);
  assert.equal(l.numRequeues("k"), 5);
  for (let i = 0; i < 100; i++) l.when("k");
  assert.equal(l.when("k"), 1000);
  assert.equal(l.when("other"), 5, "per item");
  l.forget("k");
  assert.equal(l.numRequeues("k"), 0);
  assert.equal(l.when("k"), 5);
});

test("token bucket: burst is free, then one token per 1/qps", () => {
  const clock = new FakeClock();
  const b = new BucketRateLimiter<string>(10, 3, clock);
  assert.deepEqual([b.when("a"), b.when("b"), b.when("c")], [0, 0, 0]);
  assert.equal(Math.round(b.when("d")), 100);
  assert.equal(Math.round(b.when("e")), 200);
  clock.advance(1000);
  // 10 tokens refilled minus the 2 owed, capped at the burst of 3.
  assert.equal(b.when("f"), 0);
});

test("the default controller limiter takes the max of backoff and bucket", () => {
  const clock = new FakeClock();
  const l = defaultControllerRateLimiter<string>({ baseDelayMs: 5, maxDelayMs: 10_000, qps: 10, burst: 2 }, clock);
  assert.equal(l.when("a"), 5, "bucket has tokens: the item backoff wins");
  assert.equal(l.when("a"), 10);
  // Bucket now empty: a fresh key waits for the bucket, not its own 5 ms.
  assert.equal(Math.round(l.when("b")), 100);
  assert.equal(l.numRequeues("a"), 2);
});

test("addRateLimited delays by the limiter; forget resets the count", () => {
  const clock = new FakeClock();
  const q = new RateLimitedQueue<string>({ clock, baseDelayMs: 10, maxDelayMs: 1000, qps: 1000, burst: 1000 });
  q.addRateLimited("k");
  assert.equal(q.len(), 0);
  clock.advance(9);
  assert.equal(q.len(), 0);
  clock.advance(1);
  assert.equal(q.len(), 1);
  assert.equal(q.numRequeues("k"), 1);
  q.addRateLimited("j"); // 10 ms
  q.addRateLimited("j"); // 20 ms, but j already waits for an earlier time
  assert.equal(q.numRequeues("j"), 2);
  clock.advance(10);
  assert.equal(q.len(), 2, "j came due with its earlier time");
  q.forget("j");
  assert.equal(q.numRequeues("j"), 0);
  q.shutDown();
});

test("addAfter fires in time order with one timer, keeping the earlier time for a key", async () => {
  const clock = new FakeClock();
  const q = new RateLimitedQueue<string>({ clock });
  q.addAfter("c", 30);
  q.addAfter("a", 10);
  q.addAfter("b", 20);
  q.addAfter("a", 50); // later than its pending time: ignored
  q.addAfter("b", 5); // earlier: moves up
  assert.equal(clock.pending(), 1, "a single timer for the whole heap");
  clock.advance(5);
  assert.equal(q.len(), 1);
  clock.advance(25);
  assert.equal(q.len(), 3);
  assert.deepEqual([await q.get(), await q.get(), await q.get()], ["b", "a", "c"]);
  assert.equal(clock.pending(), 0);
  q.addAfter("now", 0);
  assert.equal(q.len(), 1, "no delay adds at once");
  q.addAfter("z", 100);
  q.shutDown();
  assert.equal(clock.pending(), 0, "shutDown cancels the timer");
});

test("a delayed key already queued is not duplicated", async () => {
  const clock = new FakeClock();
  const q = new RateLimitedQueue<string>({ clock });
  q.add("a");
  q.addAfter("a", 10);
  clock.advance(10);
  assert.equal(q.len(), 1);
});

test("real timers: addAfter wakes a waiting getter", async () => {
  const q = new RateLimitedQueue<string>();
  const t0 = performance.now();
  q.addAfter("late", 30);
  q.addAfter("early", 10);
  assert.equal(await q.get(), "early");
  assert.equal(await q.get(), "late");
  assert.ok(performance.now() - t0 >= 25);
  q.shutDown();
});

test("heap pops in order", () => {
  const h = new Heap<number>((a, b) => a < b);
  const xs = Array.from({ length: 200 }, (_, i) => (i * 7919) % 211);
  for (const x of xs) h.push(x);
  const out: number[] = [];
  while (h.size) out.push(h.pop()!);
  assert.deepEqual(out, [...xs].sort((a, b) => a - b));
});
