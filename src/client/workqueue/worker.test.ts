import { test } from "node:test";
import assert from "node:assert/strict";
import { RateLimitedQueue } from "./queue.js";
import { ItemExponentialFailureRateLimiter } from "./ratelimit.js";
import { runWorker } from "./worker.js";

test("a failing key is reported and retried until it succeeds; shutdown ends the worker", async () => {
  const q = new RateLimitedQueue<string>({ rateLimiter: new ItemExponentialFailureRateLimiter(1, 5) });
  const seen: string[] = [];
  const errors: string[] = [];
  let failures = 2;
  const done = runWorker(q, {
    handle: async (k) => {
      seen.push(k);
      if (k === "bad" && failures-- > 0) throw new Error("boom");
    },
    onError: (err, what) => errors.push(`${what}: ${(err as Error).message}`),
    describe: (k) => `key ${k}`,
  });
  q.add("good");
  q.add("bad");
  for (let i = 0; i < 200 && seen.filter((k) => k === "bad").length < 3; i++) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(seen, ["good", "bad", "bad", "bad"]);
  assert.deepEqual(errors, ["key bad: boom", "key bad: boom"]);
  assert.equal(q.numRequeues("bad"), 0, "success forgets the key's backoff");
  q.shutDown();
  await done;
});

test("once stopped, failures are neither reported nor requeued", async () => {
  const q = new RateLimitedQueue<string>();
  const errors: unknown[] = [];
  const done = runWorker(q, { handle: async () => { throw new Error("x"); }, onError: (e) => errors.push(e), stopped: () => true });
  q.add("k");
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(errors.length, 0);
  assert.equal(q.len(), 0);
  q.shutDown();
  await done;
});
