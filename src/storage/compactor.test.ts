import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startCompactor } from "./compactor.js";
import { MemoryBackend } from "./memory/memory.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe("startCompactor", () => {
  it("compacts to the newest revision sampled longer than the window ago", async () => {
    const b = new MemoryBackend();
    let clock = 0;
    const r0 = (await b.create("/k/0", "v")).revision;
    const c = startCompactor(b, { windowMs: 500, intervalMs: 10, now: () => clock });
    try {
      await sleep(30); // several ticks at t=0: nothing is older than the window yet
      assert.equal(await b.compactRevision(), 0);
      const r1 = (await b.create("/k/1", "v")).revision;
      clock = 400; // samples at t=0 are still inside the window
      await sleep(30);
      assert.equal(await b.compactRevision(), 0);
      clock = 800; // t=0 (r0) aged out; t=400 (r1) has not
      await waitFor(async () => (await b.compactRevision()) === r0, `compaction to ${r0}`);
      clock = 1000;
      const r2 = (await b.create("/k/2", "v")).revision;
      clock = 1450; // t=400 and t=800 (both r1) aged out; t=1000 (r1 or r2) has not
      await waitFor(async () => (await b.compactRevision()) === r1, `compaction to ${r1}`);
      assert.ok((await b.get("/k/2", r2)).kv);
    } finally {
      c.stop();
      await b.close();
    }
  });

  it("keeps a window of history readable on the real clock, and stops", async () => {
    const b = new MemoryBackend();
    const c = startCompactor(b, { windowMs: 60, intervalMs: 10 });
    try {
      const started = Date.now();
      const written: Array<{ at: number; rev: number }> = [];
      while (Date.now() - started < 250) {
        written.push({ at: Date.now(), rev: (await b.create(`/k/${written.length}`, "v")).revision });
        await sleep(5);
      }
      const compacted = await b.compactRevision();
      assert.ok(compacted > 0, "something was compacted");
      // Whatever was written within the window is still readable.
      const recent = written.filter((w) => w.at >= Date.now() - 60);
      for (const w of recent) assert.ok(w.rev >= compacted);
      c.stop();
      const after = await b.currentRevision();
      await b.create("/k/late", "v");
      await sleep(100);
      assert.ok((await b.compactRevision()) < after, "no compaction after stop");
    } finally {
      c.stop();
      await b.close();
    }
  });

  it("reports failures through onError and keeps going", async () => {
    const b = new MemoryBackend();
    await b.close();
    const errors: Error[] = [];
    const c = startCompactor(b, { windowMs: 10, intervalMs: 5, onError: (e) => errors.push(e) });
    await sleep(30);
    c.stop();
    assert.ok(errors.length >= 2);
    assert.match(errors[0]!.message, /closed/);
  });
});
