/**
 * The storage conformance suite: one set of node:test cases every Backend must pass. Each
 * backend's test file calls `backendConformance(name, open)`; `open` must return a fresh,
 * empty backend each time (the suite closes it).
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CompactedError,
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionMismatchError,
  type Backend,
  type WatchEvent,
  type Watcher,
} from "./backend.js";

const WAIT_MS = 5000;

/** Polls `cond` until it holds; fails with `what` after a bound so a broken watch cannot hang. */
async function waitFor(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Lets pending timers and immediates run, so "nothing more arrives" can be checked. */
async function settle(ms = 30): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

interface Recorder {
  events: WatchEvent[];
  errors: Error[];
  /** Revision of every event, in delivery order. */
  revisions(): number[];
  watcher: Watcher;
}

function record(b: Backend, prefix: string, afterRevision: number): Recorder {
  const events: WatchEvent[] = [];
  const errors: Error[] = [];
  const watcher = b.watch(prefix, {
    afterRevision,
    onEvents: (evs) => {
      assert.ok(evs.length > 0, "onEvents is never called with an empty batch");
      events.push(...evs);
    },
    onError: (err) => errors.push(err),
  });
  return { events, errors, watcher, revisions: () => events.map((e) => e.kv.modRevision) };
}

function assertStrictlyIncreasing(revs: number[], what: string): void {
  for (let i = 1; i < revs.length; i++) {
    assert.ok(revs[i]! > revs[i - 1]!, `${what}: revision ${revs[i]} follows ${revs[i - 1]} at index ${i}`);
  }
}

export function backendConformance(name: string, open: () => Promise<Backend>): void {
  /** Runs `fn` on a fresh backend and always closes it. */
  const withBackend = (fn: (b: Backend) => Promise<void>) => async () => {
    const b = await open();
    try {
      await fn(b);
    } finally {
      await b.close();
    }
  };

  describe(`storage conformance: ${name}`, () => {
    describe("create and get", () => {
      it("starts empty and reports its name", withBackend(async (b) => {
        assert.equal(b.name, name);
        const rev = await b.currentRevision();
        assert.equal((await b.list("")).kvs.length, 0);
        assert.equal((await b.get("/nope")).revision, rev);
      }));

      it("create returns the new kv; get reads it back", withBackend(async (b) => {
        const before = await b.currentRevision();
        const w = await b.create("/a/one", "v1");
        assert.ok(w.revision > before);
        assert.deepEqual(w.kv, { key: "/a/one", value: "v1", createRevision: w.revision, modRevision: w.revision });
        assert.equal(await b.currentRevision(), w.revision);
        const g = await b.get("/a/one");
        assert.equal(g.revision, w.revision);
        assert.deepEqual(g.kv, w.kv);
      }));

      it("create of an existing key fails with KeyExistsError", withBackend(async (b) => {
        await b.create("/a/one", "v1");
        await assert.rejects(b.create("/a/one", "v2"), (err: unknown) => {
          assert.ok(err instanceof KeyExistsError);
          assert.equal(err.key, "/a/one");
          return true;
        });
        assert.equal((await b.get("/a/one")).kv?.value, "v1");
      }));

      it("get of a missing key returns no kv and the current revision", withBackend(async (b) => {
        const w = await b.create("/a/one", "v1");
        const g = await b.get("/a/two");
        assert.equal(g.kv, undefined);
        assert.equal(g.revision, w.revision);
      }));

      it("keeps values byte for byte (unicode, empty, large)", withBackend(async (b) => {
        const values = ["", "ñandú 🚀 \u0000 end", "x".repeat(200_000)];
        for (const [i, v] of values.entries()) await b.create(`/v/${i}`, v);
        for (const [i, v] of values.entries()) assert.equal((await b.get(`/v/${i}`)).kv?.value, v);
      }));
    });

    describe("update", () => {
      it("succeeds when the expected revision matches and keeps createRevision", withBackend(async (b) => {
        const c = await b.create("/a/k", "v1");
        const u = await b.update("/a/k", "v2", c.kv.modRevision);
        assert.ok(u.revision > c.revision);
        assert.deepEqual(u.kv, { key: "/a/k", value: "v2", createRevision: c.revision, modRevision: u.revision });
        assert.deepEqual((await b.get("/a/k")).kv, u.kv);
      }));

      it("fails on a stale revision with RevisionMismatchError carrying the current kv", withBackend(async (b) => {
        const c = await b.create("/a/k", "v1");
        const u = await b.update("/a/k", "v2", c.kv.modRevision);
        await assert.rejects(b.update("/a/k", "v3", c.kv.modRevision), (err: unknown) => {
          assert.ok(err instanceof RevisionMismatchError);
          assert.equal(err.key, "/a/k");
          assert.deepEqual(err.current, u.kv);
          return true;
        });
        assert.equal((await b.get("/a/k")).kv?.value, "v2");
      }));

      it("fails on a missing or deleted key with KeyNotFoundError", withBackend(async (b) => {
        await assert.rejects(b.update("/a/none", "v", 1), KeyNotFoundError);
        const c = await b.create("/a/k", "v1");
        await b.delete("/a/k");
        await assert.rejects(b.update("/a/k", "v2", c.kv.modRevision), KeyNotFoundError);
      }));

      it("failed writes do not consume revisions", withBackend(async (b) => {
        const c = await b.create("/a/k", "v1");
        await assert.rejects(b.create("/a/k", "again"));
        await assert.rejects(b.update("/a/k", "v", c.revision + 100));
        await assert.rejects(b.update("/a/none", "v", 1));
        await assert.rejects(b.delete("/a/none"));
        await assert.rejects(b.delete("/a/k", c.revision + 100));
        assert.equal(await b.currentRevision(), c.revision);
      }));
    });

    describe("delete", () => {
      it("removes the key and returns the deleted kv", withBackend(async (b) => {
        const c = await b.create("/a/k", "v1");
        const d = await b.delete("/a/k");
        assert.ok(d.revision > c.revision);
        assert.deepEqual(d.prev, c.kv);
        assert.equal((await b.get("/a/k")).kv, undefined);
        assert.equal(await b.currentRevision(), d.revision);
        await assert.rejects(b.delete("/a/k"), KeyNotFoundError);
      }));

      it("with an expected revision is compare-and-swap", withBackend(async (b) => {
        const c = await b.create("/a/k", "v1");
        const u = await b.update("/a/k", "v2", c.revision);
        await assert.rejects(b.delete("/a/k", c.revision), (err: unknown) => {
          assert.ok(err instanceof RevisionMismatchError);
          assert.deepEqual(err.current, u.kv);
          return true;
        });
        assert.equal((await b.get("/a/k")).kv?.value, "v2");
        const d = await b.delete("/a/k", u.revision);
        assert.deepEqual(d.prev, u.kv);
      }));

      it("a key created again after delete is a new incarnation", withBackend(async (b) => {
        const c1 = await b.create("/a/k", "v1");
        await b.delete("/a/k");
        const c2 = await b.create("/a/k", "v2");
        assert.equal(c2.kv.createRevision, c2.revision);
        assert.ok(c2.kv.createRevision > c1.kv.createRevision);
        assert.equal((await b.get("/a/k", c1.revision)).kv?.value, "v1");
      }));
    });

    describe("revisions", () => {
      it("increase strictly across all keys and write kinds", withBackend(async (b) => {
        const revs: number[] = [];
        for (let i = 0; i < 5; i++) revs.push((await b.create(`/r/${i}`, "v")).revision);
        revs.push((await b.update("/r/0", "w", revs[0]!)).revision);
        revs.push((await b.delete("/r/1")).revision);
        revs.push((await b.create("/other/x", "v")).revision);
        assertStrictlyIncreasing(revs, "write revisions");
        assert.equal(await b.currentRevision(), revs[revs.length - 1]);
      }));

      it("get at an older revision reads the value as it was", withBackend(async (b) => {
        const c = await b.create("/a/k", "v1");
        await b.create("/a/other", "x");
        const u = await b.update("/a/k", "v2", c.revision);
        const d = await b.delete("/a/k");
        assert.deepEqual((await b.get("/a/k", c.revision)).kv, c.kv);
        assert.equal((await b.get("/a/k", c.revision)).revision, c.revision);
        assert.deepEqual((await b.get("/a/k", u.revision)).kv, u.kv);
        assert.equal((await b.get("/a/k", d.revision)).kv, undefined);
        assert.equal((await b.get("/a/k", c.revision - 1)).kv, undefined);
      }));

      it("get and list at a future revision fail with FutureRevisionError", withBackend(async (b) => {
        const c = await b.create("/a/k", "v1");
        await assert.rejects(b.get("/a/k", c.revision + 1), (err: unknown) => {
          assert.ok(err instanceof FutureRevisionError);
          assert.equal(err.requested, c.revision + 1);
          assert.equal(err.current, c.revision);
          return true;
        });
        await assert.rejects(b.list("/a/", { revision: c.revision + 5 }), FutureRevisionError);
      }));
    });

    describe("list and count", () => {
      it("lists keys under the prefix in key order, without deleted keys", withBackend(async (b) => {
        for (const k of ["/p/c", "/p/a", "/p0", "/pa/x", "/p/b", "/o/z", "/p/", "/p/a/nested"]) await b.create(k, `v${k}`);
        await b.delete("/p/b");
        const l = await b.list("/p/");
        assert.deepEqual(l.kvs.map((kv) => kv.key), ["/p/", "/p/a", "/p/a/nested", "/p/c"]);
        assert.equal(l.kvs[1]!.value, "v/p/a");
        assert.equal(l.revision, await b.currentRevision());
        assert.equal(l.more, false);
        assert.deepEqual((await b.list("")).kvs.map((kv) => kv.key), ["/o/z", "/p/", "/p/a", "/p/a/nested", "/p/c", "/p0", "/pa/x"]);
        assert.deepEqual((await b.list("/p/a")).kvs.map((kv) => kv.key), ["/p/a", "/p/a/nested"]);
        assert.deepEqual((await b.list("/q/")).kvs, []);
      }));

      it("pages with limit and startAfter, reporting more and remaining", withBackend(async (b) => {
        const keys = Array.from({ length: 10 }, (_, i) => `/p/k${i}`);
        for (const k of [...keys].reverse()) await b.create(k, k);
        await b.create("/q/after", "x");
        const p1 = await b.list("/p/", { limit: 4 });
        assert.deepEqual(p1.kvs.map((kv) => kv.key), keys.slice(0, 4));
        assert.equal(p1.more, true);
        assert.equal(p1.remaining, 6);
        const p2 = await b.list("/p/", { limit: 4, startAfter: p1.kvs[3]!.key, revision: p1.revision });
        assert.deepEqual(p2.kvs.map((kv) => kv.key), keys.slice(4, 8));
        assert.equal(p2.more, true);
        assert.equal(p2.remaining, 2);
        const p3 = await b.list("/p/", { limit: 4, startAfter: p2.kvs[3]!.key, revision: p1.revision });
        assert.deepEqual(p3.kvs.map((kv) => kv.key), keys.slice(8));
        assert.equal(p3.more, false);
        assert.ok(!p3.remaining);
        const exact = await b.list("/p/", { limit: 10 });
        assert.equal(exact.kvs.length, 10);
        assert.equal(exact.more, false);
        // A startAfter before the prefix starts at the prefix; past the last key gives nothing.
        assert.equal((await b.list("/p/", { startAfter: "/a" })).kvs.length, 10);
        assert.equal((await b.list("/p/", { startAfter: "/p/k9" })).kvs.length, 0);
        assert.equal((await b.list("/p/", { startAfter: "/p/k5" })).kvs[0]!.key, "/p/k6");
      }));

      it("lists at an older revision, consistently across pages while writes continue", withBackend(async (b) => {
        for (let i = 0; i < 6; i++) await b.create(`/p/k${i}`, `v${i}`);
        const p1 = await b.list("/p/", { limit: 3 });
        const snapshot = p1.revision;
        // Change everything the next page would read, and add keys before and after it.
        const k3 = await b.get("/p/k3");
        await b.update("/p/k3", "changed", k3.kv!.modRevision);
        await b.delete("/p/k4");
        await b.create("/p/k45", "new");
        await b.create("/p/k9", "new");
        await b.delete("/p/k0");
        const p2 = await b.list("/p/", { limit: 3, startAfter: p1.kvs[2]!.key, revision: snapshot });
        assert.equal(p2.revision, snapshot);
        assert.deepEqual(p2.kvs.map((kv) => [kv.key, kv.value]), [["/p/k3", "v3"], ["/p/k4", "v4"], ["/p/k5", "v5"]]);
        assert.equal(p2.more, false);
        const whole = await b.list("/p/", { revision: snapshot });
        assert.deepEqual(whole.kvs.map((kv) => kv.key), ["/p/k0", "/p/k1", "/p/k2", "/p/k3", "/p/k4", "/p/k5"]);
        assert.equal(whole.kvs[3]!.modRevision, k3.kv!.modRevision);
        const now = await b.list("/p/");
        assert.deepEqual(now.kvs.map((kv) => kv.key), ["/p/k1", "/p/k2", "/p/k3", "/p/k45", "/p/k5", "/p/k9"]);
      }));

      it("handles prefixes that end in unusual characters", withBackend(async (b) => {
        for (const k of ["/u/😀a", "/u/😀b", "/u/😁", "/u/\uffff", "/u/\uffffz", "/u/\ud7ffq", "/u/\ud7ff", "/u/z"]) await b.create(k, "v");
        const keys = async (prefix: string) => (await b.list(prefix)).kvs.map((kv) => kv.key).sort();
        assert.deepEqual(await keys("/u/😀"), ["/u/😀a", "/u/😀b"]);
        assert.deepEqual(await keys("/u/\uffff"), ["/u/\uffff", "/u/\uffffz"]);
        assert.deepEqual(await keys("/u/\ud7ff"), ["/u/\ud7ff", "/u/\ud7ffq"]);
        assert.equal((await b.count("/u/😀")).count, 2);
        const page = await b.list("/u/\uffff", { limit: 1 });
        assert.equal(page.more, true);
        assert.equal(page.remaining, 1);
      }));

      it("counts live keys under a prefix", withBackend(async (b) => {
        for (let i = 0; i < 7; i++) await b.create(`/c/${i}`, "v");
        await b.create("/d/0", "v");
        await b.delete("/c/3");
        const c = await b.count("/c/");
        assert.equal(c.count, 6);
        assert.equal(c.revision, await b.currentRevision());
        assert.equal((await b.count("")).count, 7);
        assert.equal((await b.count("/e/")).count, 0);
      }));
    });

    describe("compaction", () => {
      it("reads below the compact revision fail; the latest values survive", withBackend(async (b) => {
        const a1 = await b.create("/a/x", "1");
        const a2 = await b.update("/a/x", "2", a1.revision);
        await b.create("/a/gone", "g");
        await b.delete("/a/gone");
        const keep = await b.create("/a/y", "y");
        const at = await b.currentRevision();
        await b.compact(a2.revision);
        assert.equal(await b.compactRevision(), a2.revision);
        await assert.rejects(b.get("/a/x", a1.revision), (err: unknown) => {
          assert.ok(err instanceof CompactedError);
          assert.equal(err.requested, a1.revision);
          assert.equal(err.compacted, a2.revision);
          return true;
        });
        await assert.rejects(b.list("/a/", { revision: a1.revision }), CompactedError);
        assert.equal((await b.get("/a/x", a2.revision)).kv?.value, "2");
        assert.deepEqual((await b.list("/a/", { revision: a2.revision })).kvs.map((kv) => kv.key), ["/a/x"]);

        await b.compact(at);
        assert.deepEqual((await b.list("/a/")).kvs, [{ key: "/a/x", value: "2", createRevision: a1.revision, modRevision: a2.revision }, keep.kv]);
        assert.equal((await b.get("/a/gone")).kv, undefined);
        assert.equal((await b.count("/a/")).count, 2);
        // Compacting to an older revision changes nothing; to a future one is an error.
        await b.compact(a1.revision);
        assert.equal(await b.compactRevision(), at);
        await assert.rejects(b.compact(at + 10), FutureRevisionError);
        // Writes go on as before.
        const u = await b.update("/a/x", "3", a2.revision);
        assert.ok(u.revision > at);
        assert.equal(u.kv.createRevision, a1.revision);
        await assert.rejects(b.create("/a/y", "dup"), KeyExistsError);
        assert.equal((await b.create("/a/gone", "back")).kv.value, "back");
      }));
    });

    describe("watch", () => {
      it("replays history from a revision, then delivers live events, filtered by prefix", withBackend(async (b) => {
        const start = await b.currentRevision();
        const c1 = await b.create("/w/a", "a1");
        await b.create("/x/ignored", "x");
        const c2 = await b.create("/w/b", "b1");
        const rec = record(b, "/w/", start);
        await waitFor(() => rec.events.length >= 2, "replayed events");
        assert.deepEqual(rec.events, [
          { type: "put", kv: c1.kv },
          { type: "put", kv: c2.kv },
        ]);
        const u = await b.update("/w/a", "a2", c1.revision);
        await b.create("/x/ignored2", "x");
        const d = await b.delete("/w/b");
        const c3 = await b.create("/w/c", "c1");
        await waitFor(() => rec.events.length >= 5, "live events");
        await settle();
        assert.deepEqual(rec.events.slice(2), [
          { type: "put", kv: u.kv, prev: c1.kv },
          { type: "delete", kv: { key: "/w/b", value: "b1", createRevision: c2.revision, modRevision: d.revision }, prev: c2.kv },
          { type: "put", kv: c3.kv },
        ]);
        assert.deepEqual(rec.errors, []);
        rec.watcher.close();
      }));

      it("a watch from the middle of history starts after that revision", withBackend(async (b) => {
        const revs: number[] = [];
        for (let i = 0; i < 5; i++) revs.push((await b.create(`/w/${i}`, "v")).revision);
        const rec = record(b, "/w/", revs[2]!);
        await waitFor(() => rec.events.length >= 2, "events after the start revision");
        await settle();
        assert.deepEqual(rec.revisions(), revs.slice(3));
        rec.watcher.close();
      }));

      it("a replayed update or delete carries the previous value", withBackend(async (b) => {
        const start = await b.currentRevision();
        const c = await b.create("/w/k", "v1");
        const u = await b.update("/w/k", "v2", c.revision);
        const d = await b.delete("/w/k");
        const c2 = await b.create("/w/k", "v3");
        const rec = record(b, "/w/", start);
        await waitFor(() => rec.events.length >= 4, "replayed events");
        assert.deepEqual(rec.events, [
          { type: "put", kv: c.kv },
          { type: "put", kv: u.kv, prev: c.kv },
          { type: "delete", kv: { ...u.kv, modRevision: d.revision }, prev: u.kv },
          { type: "put", kv: c2.kv },
        ]);
        rec.watcher.close();
      }));

      it("a watch from the current or a future revision only sees newer events", withBackend(async (b) => {
        await b.create("/w/old", "v");
        const now = await b.currentRevision();
        const live = record(b, "/w/", now);
        const future = record(b, "/w/", now + 2);
        const r1 = await b.create("/w/1", "v");
        const r2 = await b.create("/w/2", "v");
        const r3 = await b.create("/w/3", "v");
        await waitFor(() => live.events.length >= 3 && future.events.length >= 1, "events");
        await settle();
        assert.deepEqual(live.revisions(), [r1.revision, r2.revision, r3.revision]);
        assert.deepEqual(future.revisions(), [r3.revision]);
        live.watcher.close();
        future.watcher.close();
      }));

      it("replay then live has no gap and no duplicate while writes continue", withBackend(async (b) => {
        const written: number[] = [];
        const history = await Promise.all(Array.from({ length: 2500 }, (_, i) => b.create(`/g/${String(i).padStart(5, "0")}`, "v")));
        written.push(...history.map((w) => w.revision));
        const rec = record(b, "/g/", 0);
        // Keep writing while the watcher replays.
        for (let round = 0; round < 10; round++) {
          const ws = await Promise.all(Array.from({ length: 50 }, (_, i) => b.create(`/g/r${round}-${i}`, "v")));
          written.push(...ws.map((w) => w.revision));
          const u = await b.update(history[round]!.kv.key, "u", history[round]!.revision);
          written.push(u.revision);
        }
        written.sort((x, y) => x - y);
        await waitFor(() => rec.events.length >= written.length, `${written.length} events`);
        await settle();
        assertStrictlyIncreasing(rec.revisions(), "watch revisions");
        assert.deepEqual(rec.revisions(), written);
        assert.deepEqual(rec.errors, []);
        rec.watcher.close();
      }));

      it("many watchers on different prefixes each get exactly their events", withBackend(async (b) => {
        const start = await b.currentRevision();
        const recs = Array.from({ length: 20 }, (_, i) => record(b, `/m/${i % 4}/`, start));
        const all = record(b, "", start);
        const ws = await Promise.all(Array.from({ length: 40 }, (_, i) => b.create(`/m/${i % 4}/k${i}`, "v")));
        await waitFor(() => all.events.length >= 40 && recs.every((r) => r.events.length >= 10), "events on every watcher");
        await settle();
        for (const [i, r] of recs.entries()) {
          const expected = ws.filter((w) => w.kv.key.startsWith(`/m/${i % 4}/`)).map((w) => w.revision).sort((x, y) => x - y);
          assert.deepEqual(r.revisions(), expected);
          r.watcher.close();
        }
        assert.equal(all.events.length, 40);
        all.watcher.close();
      }));

      it("close() on a watcher stops delivery", withBackend(async (b) => {
        const rec = record(b, "/w/", await b.currentRevision());
        await b.create("/w/1", "v");
        await waitFor(() => rec.events.length === 1, "first event");
        rec.watcher.close();
        rec.watcher.close();
        await b.create("/w/2", "v");
        await settle();
        assert.equal(rec.events.length, 1);
        assert.deepEqual(rec.errors, []);
      }));

      it("a watch from a compacted revision throws CompactedError; from the compact revision it works", withBackend(async (b) => {
        const c1 = await b.create("/w/a", "1");
        const c2 = await b.update("/w/a", "2", c1.revision);
        await b.compact(c2.revision);
        assert.throws(() => b.watch("/w/", { afterRevision: c1.revision, onEvents: () => {} }), (err: unknown) => {
          assert.ok(err instanceof CompactedError);
          assert.equal(err.requested, c1.revision);
          assert.equal(err.compacted, c2.revision);
          return true;
        });
        const rec = record(b, "/w/", c2.revision);
        const u = await b.update("/w/a", "3", c2.revision);
        await waitFor(() => rec.events.length === 1, "event after compaction");
        assert.deepEqual(rec.events[0], { type: "put", kv: u.kv, prev: c2.kv });
        rec.watcher.close();
      }));

      it("a watcher still replaying fails with CompactedError when its history is compacted", withBackend(async (b) => {
        const start = await b.currentRevision();
        for (let i = 0; i < 5; i++) await b.create(`/w/${i}`, "v");
        const rec = record(b, "/w/", start);
        const done = b.compact(await b.currentRevision());
        await waitFor(() => rec.errors.length === 1, "the compaction error");
        await done;
        assert.ok(rec.errors[0] instanceof CompactedError);
        await b.create("/w/late", "v");
        await settle();
        assert.equal(rec.errors.length, 1);
        assert.deepEqual(rec.events, []);
      }));

      it("events stay in revision order when a watcher writes from its callback", withBackend(async (b) => {
        const seen: number[][] = [[], []];
        const watchers = [0, 1].map((i) =>
          b.watch("/cb/", {
            afterRevision: 0,
            onEvents: (evs) => {
              for (const e of evs) {
                seen[i]!.push(e.kv.modRevision);
                if (i === 0 && e.kv.key === "/cb/first") void b.create("/cb/second", "v");
              }
            },
          }),
        );
        await b.create("/cb/first", "v");
        await waitFor(() => seen[0]!.length === 2 && seen[1]!.length === 2, "both events on both watchers");
        for (const s of seen) assertStrictlyIncreasing(s, "callback-written events");
        for (const w of watchers) w.close();
      }));
    });

    describe("concurrency", () => {
      it("parallel creates all succeed with distinct revisions", withBackend(async (b) => {
        const ws = await Promise.all(Array.from({ length: 200 }, (_, i) => b.create(`/c/${i}`, `v${i}`)));
        const revs = ws.map((w) => w.revision);
        assert.equal(new Set(revs).size, 200);
        assert.equal(Math.max(...revs), await b.currentRevision());
        assert.equal((await b.count("/c/")).count, 200);
        for (const w of ws.slice(0, 20)) assert.deepEqual((await b.get(w.kv.key)).kv, w.kv);
      }));

      it("parallel creates of one key: exactly one wins", withBackend(async (b) => {
        const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => b.create("/c/same", `v${i}`)));
        assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
        for (const r of results) if (r.status === "rejected") assert.ok(r.reason instanceof KeyExistsError);
      }));

      it("parallel updates from the same revision: exactly one wins, the rest see a mismatch", withBackend(async (b) => {
        const c = await b.create("/c/k", "v0");
        const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => b.update("/c/k", `v${i + 1}`, c.revision)));
        const won = results.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<Backend["update"]>>> => r.status === "fulfilled");
        assert.equal(won.length, 1);
        for (const r of results) {
          if (r.status === "rejected") {
            assert.ok(r.reason instanceof RevisionMismatchError);
            assert.deepEqual(r.reason.current, won[0]!.value.kv);
          }
        }
      }));

      it("mixed concurrent writes on many keys keep each key's history linear", withBackend(async (b) => {
        const keys = Array.from({ length: 10 }, (_, i) => `/c/${i}`);
        await Promise.all(keys.map((k) => b.create(k, "0")));
        const start = await b.currentRevision();
        const rec = record(b, "/c/", start);
        await Promise.all(keys.map(async (k) => {
          for (let n = 1; n <= 10; n++) {
            const cur = await b.get(k);
            await b.update(k, String(n), cur.kv!.modRevision);
          }
        }));
        await waitFor(() => rec.events.length === 100, "100 update events");
        assertStrictlyIncreasing(rec.revisions(), "events");
        for (const k of keys) {
          const mine = rec.events.filter((e) => e.kv.key === k);
          assert.deepEqual(mine.map((e) => e.kv.value), Array.from({ length: 10 }, (_, i) => String(i + 1)));
          for (let i = 1; i < mine.length; i++) assert.deepEqual(mine[i]!.prev, mine[i - 1]!.kv);
        }
        rec.watcher.close();
      }));
    });

    describe("close", () => {
      it("stops watchers with an error and rejects later calls", withBackend(async (b) => {
        const rec = record(b, "/z/", await b.currentRevision());
        await b.create("/z/1", "v");
        await waitFor(() => rec.events.length === 1, "an event before close");
        await b.close();
        assert.equal(rec.errors.length, 1);
        assert.equal(rec.events.length, 1);
        await assert.rejects(b.get("/z/1"));
        await assert.rejects(b.create("/z/2", "v"));
        assert.throws(() => b.watch("/z/", { afterRevision: 0, onEvents: () => {} }));
        await b.close();
        await settle();
        assert.equal(rec.errors.length, 1);
      }));
    });
  });
}
