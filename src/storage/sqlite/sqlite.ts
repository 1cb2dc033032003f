/**
 * The embedded durable backend: a kine-like revisioned log in `<dataDir>/state.db`, on
 * better-sqlite3 with WAL and synchronous=FULL.
 *
 * Writes go through a queue and are group-committed: everything queued by the time the
 * event loop reaches its check phase (setImmediate) runs in one transaction, each write with
 * its own compare-and-swap check and its own revision, so concurrent writers share one fsync.
 * better-sqlite3 commits synchronously, so writes whose requests arrive while a commit blocks
 * the loop are simply picked up by the next batch. A write's promise resolves only after its
 * transaction committed; watchers are fed in the same tick, right after the commit.
 */

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { Database as SqliteDatabase, Statement } from "better-sqlite3";
import {
  FutureRevisionError,
  KeyExistsError,
  KeyNotFoundError,
  RevisionMismatchError,
  type Backend,
  type DeleteResult,
  type GetResult,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type WatchEvent,
  type WatchOptions,
  type Watcher,
  type WriteResult,
} from "../backend.js";
import { prefixEnd, readRevision } from "../revision.js";
import { WatchHub } from "../watch-hub.js";
import { applyPragmas, migrate } from "./schema.js";

export interface SqliteBackendOptions {
  /** Directory holding state.db (created if missing). */
  dataDir: string;
  /** Most writes committed in one transaction. */
  maxBatch?: number;
  /** How long open waits for another holder of the file lock before failing. */
  busyTimeoutMs?: number;
  /** Revisions swept per compaction transaction (tests use small values to cross chunk edges). */
  sweepChunk?: number;
}

/** Counters for tests and benchmarks: how well writes are being grouped. */
export interface SqliteStats {
  /** Write transactions committed. */
  commits: number;
  /** Writes (successful or not) that went through those transactions. */
  writes: number;
}

/** The newest row of a key, as the write path needs it. */
interface LatestRow {
  id: number;
  deleted: number;
  createRevision: number;
  value: string;
}

/** A row as read at some revision. */
interface VersionRow {
  modRevision: number;
  deleted: number;
  createRevision: number;
  value: string;
}

interface HistoryRow {
  id: number;
  name: string;
  deleted: number;
  createRevision: number;
  value: string;
  prevId: number | null;
  prevCreateRevision: number | null;
  prevValue: string | null;
}

/** What a successful write did; each public method picks its result shape from it. */
interface Applied {
  revision: number;
  kv: KeyValue;
  prev: KeyValue | undefined;
  deleted: boolean;
}

interface PendingWrite {
  kind: "create" | "update" | "delete";
  key: string;
  value: string;
  expected: number | undefined;
  finish(applied: Applied): void;
  fail(err: Error): void;
}

/**
 * How a prefix becomes a WHERE clause on `name`: a range when we can write its end, a full
 * scan with instr() otherwise, nothing for the empty prefix. `after` says the lower bound is
 * an exclusive startAfter key rather than the prefix itself.
 */
type PrefixShape = "all" | "range" | "scan";

interface PrefixBounds {
  shape: PrefixShape;
  after: boolean;
  params: { lo: string; hi: string; prefix: string };
}

function prefixBounds(prefix: string, startAfter?: string): PrefixBounds {
  const hi = prefixEnd(prefix);
  const shape: PrefixShape = prefix === "" ? "all" : hi === undefined ? "scan" : "range";
  const after = startAfter !== undefined && startAfter >= prefix;
  return { shape, after, params: { lo: after ? startAfter! : prefix, hi: hi ?? "", prefix } };
}

function nameCondition(table: string, b: { shape: PrefixShape; after: boolean }): string {
  const lower = `${table}.name ${b.after ? ">" : ">="} @lo`;
  switch (b.shape) {
    case "all":
      return b.after ? lower : "1";
    case "range":
      return `${lower} AND ${table}.name < @hi`;
    case "scan":
      return `${lower} AND instr(${table}.name, @prefix) = 1`;
  }
}

const CLOSED = "storage backend closed";

export class SqliteBackend implements Backend {
  readonly name = "sqlite";
  private revision: number;
  private compactedTo: number;
  private sweptTo: number;
  private sweeping: Promise<void> = Promise.resolve();
  private queue: PendingWrite[] = [];
  private flushScheduled = false;
  private readonly counters: SqliteStats = { commits: 0, writes: 0 };
  private closed = false;
  private readonly hub: WatchHub;
  private readonly maxBatch: number;
  private readonly sweepChunk: number;
  private readonly variants = new Map<string, Statement>();
  private readonly stmt: {
    latest: Statement<[string], LatestRow>;
    at: Statement<[string, number], VersionRow>;
    insert: Statement<[number, string, number, number, number, number, string]>;
    maxId: Statement<[], { id: number | null }>;
    getMeta: Statement<[string], { value: number }>;
    setMeta: Statement<[string, number]>;
    sweepSuperseded: Statement<{ from: number; to: number }>;
    sweepTombstones: Statement<{ from: number; to: number }>;
  };
  private readonly commitBatch: (ops: PendingWrite[]) => Array<Applied | Error>;

  private constructor(private readonly db: SqliteDatabase, opts: SqliteBackendOptions) {
    this.maxBatch = opts.maxBatch ?? 1000;
    this.sweepChunk = opts.sweepChunk ?? 10_000;
    this.stmt = {
      latest: db.prepare(
        "SELECT id, deleted, create_revision AS createRevision, value FROM kv WHERE name = ? ORDER BY id DESC LIMIT 1",
      ),
      at: db.prepare(
        "SELECT id AS modRevision, deleted, create_revision AS createRevision, value FROM kv WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1",
      ),
      insert: db.prepare(
        "INSERT INTO kv (id, name, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ),
      maxId: db.prepare("SELECT MAX(id) AS id FROM kv"),
      getMeta: db.prepare("SELECT value FROM meta WHERE name = ?"),
      setMeta: db.prepare("INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value"),
      // Within the swept range, every row older than its key's newest row in that range is
      // superseded at or below the compact revision; nothing can read it any more.
      sweepSuperseded: db.prepare(`
        DELETE FROM kv WHERE id IN (
          SELECT old.id FROM (SELECT name, MAX(id) AS top FROM kv WHERE id > @from AND id <= @to GROUP BY name) AS r
          JOIN kv AS old ON old.name = r.name AND old.id < r.top
        )`),
      // A tombstone at or below the compact revision only says "absent", which missing rows say too.
      sweepTombstones: db.prepare("DELETE FROM kv WHERE deleted = 1 AND id > @from AND id <= @to"),
    };
    this.compactedTo = this.stmt.getMeta.get("compact_revision")?.value ?? 0;
    this.sweptTo = this.stmt.getMeta.get("compact_progress")?.value ?? 0;
    // Compaction may have removed the newest rows (tombstones), but never above the compact revision.
    this.revision = Math.max(this.stmt.maxId.get()?.id ?? 0, this.compactedTo);
    this.hub = new WatchHub({ history: (p, after, upto, limit) => this.history(p, after, upto, limit) }, this.revision);
    this.commitBatch = db.transaction((ops: PendingWrite[]) => this.applyBatch(ops));
    // A sweep cut short by a crash resumes in the background; a failure is retried by the next compact().
    if (this.sweptTo < this.compactedTo) this.startSweep().catch(() => undefined);
  }

  /** Opens (or creates) `<dataDir>/state.db` and resumes at its newest revision. */
  static async open(opts: SqliteBackendOptions): Promise<SqliteBackend> {
    mkdirSync(opts.dataDir, { recursive: true });
    const file = join(opts.dataDir, "state.db");
    const db = new Database(file, { timeout: opts.busyTimeoutMs ?? 2000 });
    try {
      applyPragmas(db);
      migrate(db);
    } catch (err) {
      db.close();
      if (err instanceof Error && /database is locked|SQLITE_BUSY/i.test(`${err.message} ${(err as { code?: string }).code ?? ""}`)) {
        throw new Error(`sqlite: ${file} is in use by another process`, { cause: err });
      }
      throw err;
    }
    return new SqliteBackend(db, opts);
  }

  get stats(): SqliteStats {
    return { ...this.counters };
  }

  async currentRevision(): Promise<number> {
    this.ensureOpen();
    return this.revision;
  }

  async get(key: string, revision?: number): Promise<GetResult> {
    this.ensureOpen();
    const at = readRevision(revision, this.revision, this.compactedTo);
    const row = this.stmt.at.get(key, at);
    if (!row || row.deleted) return { revision: at };
    return { revision: at, kv: { key, value: row.value, createRevision: row.createRevision, modRevision: row.modRevision } };
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.ensureOpen();
    const at = readRevision(opts.revision, this.revision, this.compactedTo);
    const b = prefixBounds(prefix, opts.startAfter);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const kvs = this.variant("list", b).all({ ...b.params, rev: at, limit: limit ? limit + 1 : -1 }) as KeyValue[];
    if (!limit || kvs.length <= limit) return { revision: at, kvs, more: false, remaining: 0 };
    kvs.length = limit;
    const rest = prefixBounds(prefix, kvs[limit - 1]!.key);
    const remaining = (this.variant("count", rest).get({ ...rest.params, rev: at }) as number) ?? 0;
    return { revision: at, kvs, more: true, remaining };
  }

  async count(prefix: string): Promise<{ revision: number; count: number }> {
    this.ensureOpen();
    const b = prefixBounds(prefix);
    const count = this.variant("count", b).get({ ...b.params, rev: this.revision }) as number;
    return { revision: this.revision, count };
  }

  create(key: string, value: string): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      this.enqueue({ kind: "create", key, value, expected: undefined, finish: (a) => resolve({ revision: a.revision, kv: a.kv }), fail: reject });
    });
  }

  update(key: string, value: string, expectedModRevision: number): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      this.enqueue({ kind: "update", key, value, expected: expectedModRevision, finish: (a) => resolve({ revision: a.revision, kv: a.kv }), fail: reject });
    });
  }

  delete(key: string, expectedModRevision?: number): Promise<DeleteResult> {
    return new Promise((resolve, reject) => {
      this.enqueue({ kind: "delete", key, value: "", expected: expectedModRevision, finish: (a) => resolve({ revision: a.revision, prev: a.prev! }), fail: reject });
    });
  }

  watch(prefix: string, opts: WatchOptions): Watcher {
    this.ensureOpen();
    return this.hub.watch(prefix, opts, this.compactedTo);
  }

  compact(revision: number): Promise<void> {
    try {
      this.ensureOpen();
      if (revision > this.revision) throw new FutureRevisionError(revision, this.revision);
    } catch (err) {
      return Promise.reject(err);
    }
    if (revision > this.compactedTo) {
      // Raise the bar first (durably, and for replaying watchers) so no reader can see
      // history that is half swept; then delete in chunks that do not stall the loop.
      this.stmt.setMeta.run("compact_revision", revision);
      this.compactedTo = revision;
      this.hub.compacted(revision);
    }
    return this.startSweep();
  }

  async compactRevision(): Promise<number> {
    this.ensureOpen();
    return this.compactedTo;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Writes already accepted are committed (and acknowledged) before the file closes.
    while (this.queue.length > 0) this.flush();
    this.closed = true;
    this.hub.closeAll(new Error(CLOSED));
    await this.sweeping.catch(() => undefined);
    this.db.close();
  }

  private ensureOpen(): void {
    if (this.closed) throw new Error(CLOSED);
  }

  private enqueue(op: PendingWrite): void {
    if (this.closed) {
      op.fail(new Error(CLOSED));
      return;
    }
    this.queue.push(op);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Commits one batch, then feeds watchers, then settles the writers' promises. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.queue.length === 0) return;
    const ops = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
    this.queue = ops === this.queue ? [] : this.queue.slice(ops.length);
    if (this.queue.length > 0 && !this.closed) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    let outcomes: Array<Applied | Error>;
    try {
      outcomes = this.commitBatch(ops);
    } catch (err) {
      // The transaction rolled back: nothing in this batch happened.
      const e = err instanceof Error ? err : new Error(String(err));
      for (const op of ops) op.fail(e);
      return;
    }
    this.counters.commits++;
    this.counters.writes += ops.length;
    const events: WatchEvent[] = [];
    for (const o of outcomes) {
      if (o instanceof Error) continue;
      this.revision = o.revision;
      const ev: WatchEvent = { type: o.deleted ? "delete" : "put", kv: o.kv };
      if (o.prev) ev.prev = o.prev;
      events.push(ev);
    }
    this.hub.publish(events);
    for (let i = 0; i < ops.length; i++) {
      const o = outcomes[i]!;
      if (o instanceof Error) ops[i]!.fail(o);
      else ops[i]!.finish(o);
    }
  }

  /** Runs inside the transaction: each write checks against what the ones before it wrote. */
  private applyBatch(ops: PendingWrite[]): Array<Applied | Error> {
    let rev = this.revision;
    const out: Array<Applied | Error> = [];
    for (const op of ops) {
      const latest = this.stmt.latest.get(op.key);
      const live = latest && !latest.deleted ? latest : undefined;
      const liveKv: KeyValue | undefined = live && { key: op.key, value: live.value, createRevision: live.createRevision, modRevision: live.id };
      if (op.kind === "create") {
        if (liveKv) {
          out.push(new KeyExistsError(op.key));
          continue;
        }
        rev++;
        this.stmt.insert.run(rev, op.key, 1, 0, rev, latest?.id ?? 0, op.value);
        out.push({ revision: rev, kv: { key: op.key, value: op.value, createRevision: rev, modRevision: rev }, prev: undefined, deleted: false });
        continue;
      }
      if (!liveKv) {
        out.push(new KeyNotFoundError(op.key));
        continue;
      }
      if (op.expected !== undefined && op.expected !== liveKv.modRevision) {
        out.push(new RevisionMismatchError(op.key, liveKv));
        continue;
      }
      rev++;
      if (op.kind === "update") {
        this.stmt.insert.run(rev, op.key, 0, 0, liveKv.createRevision, liveKv.modRevision, op.value);
        out.push({ revision: rev, kv: { key: op.key, value: op.value, createRevision: liveKv.createRevision, modRevision: rev }, prev: liveKv, deleted: false });
      } else {
        this.stmt.insert.run(rev, op.key, 0, 1, liveKv.createRevision, liveKv.modRevision, liveKv.value);
        out.push({ revision: rev, kv: { ...liveKv, modRevision: rev }, prev: liveKv, deleted: true });
      }
    }
    return out;
  }

  private variant(kind: "list" | "count" | "history", b: { shape: PrefixShape; after: boolean }): Statement {
    const id = `${kind}:${b.shape}:${b.after}`;
    let s = this.variants.get(id);
    if (s) return s;
    if (kind === "history") {
      s = this.db.prepare(`
        SELECT kv.id, kv.name, kv.deleted, kv.create_revision AS createRevision, kv.value,
               p.id AS prevId, p.create_revision AS prevCreateRevision, p.value AS prevValue
        FROM kv LEFT JOIN kv AS p ON p.id = kv.prev_revision AND kv.created = 0
        WHERE kv.id > @after AND kv.id <= @upto AND ${nameCondition("kv", b)}
        ORDER BY kv.id LIMIT @limit`);
    } else if (kind === "list") {
      // Walk kv_name_id in key order and keep each key's newest row at the revision: the
      // order comes from the index (no sort), so a page stops after `limit` rows, and the
      // table is read only for the rows returned.
      s = this.db.prepare(`
        SELECT kv.name AS key, kv.value AS value, kv.create_revision AS createRevision, kv.id AS modRevision
        FROM kv
        WHERE ${nameCondition("kv", b)} AND kv.deleted = 0
          AND kv.id = (SELECT MAX(k2.id) FROM kv AS k2 WHERE k2.name = kv.name AND k2.id <= @rev)
        ORDER BY kv.name LIMIT @limit`);
    } else {
      // MAX(id) with a bare `deleted` column: SQLite takes `deleted` from the max row, so
      // counting live keys needs the covering index alone.
      s = this.db.prepare(`
        SELECT COUNT(*) FROM (
          SELECT MAX(id) AS id, deleted FROM kv WHERE ${nameCondition("kv", b)} AND id <= @rev GROUP BY name
        ) WHERE deleted = 0`).pluck();
    }
    this.variants.set(id, s);
    return s;
  }

  private history(prefix: string, after: number, upto: number, limit: number): WatchEvent[] {
    if (this.closed) return [];
    const b = prefixBounds(prefix);
    const rows = this.variant("history", b).all({ ...b.params, after, upto, limit }) as HistoryRow[];
    return rows.map((r) => {
      const kv: KeyValue = { key: r.name, value: r.value, createRevision: r.createRevision, modRevision: r.id };
      const ev: WatchEvent = { type: r.deleted ? "delete" : "put", kv };
      if (r.prevId !== null) ev.prev = { key: r.name, value: r.prevValue!, createRevision: r.prevCreateRevision!, modRevision: r.prevId };
      return ev;
    });
  }

  /** Queues a sweep after the running one; a sweep with nothing left to delete ends at once. */
  private startSweep(): Promise<void> {
    const run = this.sweeping.catch(() => undefined).then(() => this.sweep());
    this.sweeping = run;
    return run;
  }

  /** Deletes superseded rows up to the compact revision, a chunk per transaction. */
  private async sweep(): Promise<void> {
    const chunk = this.db.transaction((from: number, to: number) => {
      this.stmt.sweepSuperseded.run({ from, to });
      this.stmt.sweepTombstones.run({ from, to });
      this.stmt.setMeta.run("compact_progress", to);
    });
    while (!this.closed && this.sweptTo < this.compactedTo) {
      const to = Math.min(this.sweptTo + this.sweepChunk, this.compactedTo);
      chunk(this.sweptTo, to);
      this.sweptTo = to;
      await new Promise<void>((r) => setImmediate(r));
    }
  }
}
