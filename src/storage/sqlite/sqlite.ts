/**
 * The embedded durable backend: a kine-like revisioned log in `<dataDir>/state.db`, on
 * better-sqlite3 with WAL and synchronous=FULL.
 *
 * Writes are group-committed on a writer thread (`writer.ts`): while one batch commits (and
 * fsyncs) there, the event loop keeps serving requests and queues the next writes; when the
 * batch's reply arrives, everything queued goes out as the next batch, each write with its
 * own compare-and-swap check and its own revision. A write's promise resolves only after its
 * transaction committed; watchers are fed in the same tick, right after. Reads run on this
 * thread's own connection (WAL readers never wait for the writer), always at the newest
 * revision whose reply has arrived, so they never see a write before its writer does.
 *
 * One process per data dir: `state.lock`, a side file held under an exclusive SQLite lock for
 * the backend's life, makes a second open fail at once.
 */

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
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
import type { OpOutcome, WriteOp, WriterData, WriterReply, WriterRequest } from "./protocol.js";

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

interface PendingWrite extends WriteOp {
  finish(applied: Applied): void;
  fail(err: Error): void;
}

/**
 * The writer holds no more than a batch of values at a time: a small young generation keeps
 * the thread's idle memory down (V8's default sizes it like a main thread's).
 */
const WRITER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 };

/**
 * Starts the writer thread. From the compiled build it is `writer.js`. From the .ts sources
 * (tests, benchmarks under tsx) a worker does not inherit tsx's loader, so a one-line entry
 * registers it first and then imports `writer.ts`.
 */
function startWriter(data: WriterData): Worker {
  // No inherited flags: the writer needs none, and some (`--input-type`, `-e`) stop a worker from starting.
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL("./writer.js", import.meta.url), { workerData: data, execArgv: [], resourceLimits: WRITER_LIMITS });
  const tsx = import.meta.resolve("tsx/esm/api");
  const entry = new URL("./writer.ts", import.meta.url).href;
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(code, { eval: true, workerData: data, execArgv: [], resourceLimits: WRITER_LIMITS });
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
  /** A batch is on the writer thread; the next one waits for its reply. */
  private inFlight = false;
  private nextRequest = 1;
  private readonly replies = new Map<number, (r: WriterReply) => void>();
  /** Set when the writer thread died: every later write fails with it. */
  private broken: Error | undefined;
  private readonly counters: SqliteStats = { commits: 0, writes: 0 };
  private closed = false;
  private readonly hub: WatchHub;
  private readonly maxBatch: number;
  private readonly sweepChunk: number;
  private readonly variants = new Map<string, Statement>();
  private readonly stmt: {
    at: Statement<[string, number], VersionRow>;
    maxId: Statement<[], { id: number | null }>;
    getMeta: Statement<[string], { value: number }>;
  };

  private constructor(
    private readonly db: SqliteDatabase,
    private readonly lock: SqliteDatabase,
    private readonly writer: Worker,
    opts: SqliteBackendOptions,
  ) {
    this.maxBatch = opts.maxBatch ?? 1000;
    this.sweepChunk = opts.sweepChunk ?? 10_000;
    this.stmt = {
      at: db.prepare(
        "SELECT id AS modRevision, deleted, create_revision AS createRevision, value FROM kv WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1",
      ),
      maxId: db.prepare("SELECT MAX(id) AS id FROM kv"),
      getMeta: db.prepare("SELECT value FROM meta WHERE name = ?"),
    };
    this.compactedTo = this.stmt.getMeta.get("compact_revision")?.value ?? 0;
    this.sweptTo = this.stmt.getMeta.get("compact_progress")?.value ?? 0;
    // Compaction may have removed the newest rows (tombstones), but never above the compact revision.
    this.revision = Math.max(this.stmt.maxId.get()?.id ?? 0, this.compactedTo);
    this.hub = new WatchHub({ history: (p, after, upto, limit) => this.history(p, after, upto, limit) }, this.revision);
    writer.on("message", (r: WriterReply) => {
      const done = this.replies.get(r.id);
      this.replies.delete(r.id);
      done?.(r);
    });
    const died = (err: Error): void => {
      this.broken ??= err;
      const waiting = [...this.replies.values()];
      this.replies.clear();
      for (const w of waiting) w({ id: 0, ok: false, error: err.message });
      for (const op of this.queue.splice(0)) op.fail(err);
    };
    writer.on("error", (err) => died(new Error(`sqlite writer thread failed: ${err.message}`, { cause: err })));
    writer.on("exit", (code) => died(new Error(this.closed ? CLOSED : `sqlite writer thread exited (code ${code})`)));
    // A sweep cut short by a crash resumes in the background; a failure is retried by the next compact().
    if (this.sweptTo < this.compactedTo) this.startSweep().catch(() => undefined);
  }

  /** Opens (or creates) `<dataDir>/state.db` and resumes at its newest revision. */
  static async open(opts: SqliteBackendOptions): Promise<SqliteBackend> {
    mkdirSync(opts.dataDir, { recursive: true });
    const file = join(opts.dataDir, "state.db");
    const busyTimeoutMs = opts.busyTimeoutMs ?? 2000;
    const lock = SqliteBackend.takeLock(join(opts.dataDir, "state.lock"), file, busyTimeoutMs);
    let db: SqliteDatabase | undefined;
    try {
      db = new Database(file, { timeout: busyTimeoutMs });
      applyPragmas(db);
      migrate(db);
    } catch (err) {
      db?.close();
      lock.close();
      throw err;
    }
    const data: WriterData = { file, busyTimeoutMs };
    const writer = startWriter(data);
    try {
      await new Promise<void>((resolve, reject) => {
        writer.once("online", resolve);
        writer.once("error", reject);
      });
    } catch (err) {
      db.close();
      lock.close();
      throw err;
    }
    return new SqliteBackend(db, lock, writer, opts);
  }

  /**
   * The data dir's lock: an exclusive SQLite lock on a side file, kept until close (or the
   * process's death, when the OS drops it). state.db itself stays shared between this
   * thread's reader and the writer thread.
   */
  private static takeLock(lockFile: string, file: string, busyTimeoutMs: number): SqliteDatabase {
    const lock = new Database(lockFile, { timeout: busyTimeoutMs });
    try {
      lock.pragma("locking_mode = EXCLUSIVE");
      lock.exec("BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS owner (pid INTEGER); COMMIT");
      return lock;
    } catch (err) {
      lock.close();
      if (err instanceof Error && /database is locked|SQLITE_BUSY/i.test(`${err.message} ${(err as { code?: string }).code ?? ""}`)) {
        throw new Error(`sqlite: ${file} is in use by another process`, { cause: err });
      }
      throw err;
    }
  }

  private request(req: WriterRequest): Promise<WriterReply> {
    if (this.broken) return Promise.reject(this.broken);
    return new Promise((resolve) => {
      this.replies.set(req.id, resolve);
      this.writer.postMessage(req);
    });
  }

  private async call(req: WriterRequest): Promise<OpOutcome[] | undefined> {
    const r = await this.request(req);
    if (!r.ok) throw new Error(r.error);
    return r.outcomes;
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

  async compact(revision: number): Promise<void> {
    this.ensureOpen();
    if (revision > this.revision) throw new FutureRevisionError(revision, this.revision);
    if (revision > this.compactedTo) {
      // Raise the bar first, for readers and replaying watchers at once and then durably, so
      // that no reader can see history that is half swept; then delete in chunks, each its
      // own transaction. (A crash before the mark is durable only leaves more history.)
      this.compactedTo = revision;
      this.hub.compacted(revision);
      await this.call({ id: this.nextRequest++, type: "compact", revision });
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
    while ((this.queue.length > 0 || this.inFlight) && !this.broken) {
      if (!this.inFlight) this.flush();
      await new Promise<void>((r) => setImmediate(r));
    }
    this.closed = true;
    this.hub.closeAll(new Error(CLOSED));
    await this.sweeping.catch(() => undefined);
    if (!this.broken) await this.request({ id: this.nextRequest++, type: "close" }).catch(() => undefined);
    await this.writer.terminate().catch(() => undefined);
    this.db.close();
    this.lock.close();
  }

  private ensureOpen(): void {
    if (this.closed) throw new Error(CLOSED);
  }

  private enqueue(op: PendingWrite): void {
    if (this.closed || this.broken) {
      op.fail(this.broken ?? new Error(CLOSED));
      return;
    }
    this.queue.push(op);
    if (!this.flushScheduled && !this.inFlight) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /**
   * Sends one batch to the writer thread; when it has committed, feeds watchers, settles the
   * writers' promises, and sends whatever queued up meanwhile as the next batch.
   */
  private flush(): void {
    this.flushScheduled = false;
    if (this.queue.length === 0 || this.inFlight) return;
    const ops = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
    this.queue = ops === this.queue ? [] : this.queue.slice(ops.length);
    this.inFlight = true;
    const batch: WriteOp[] = ops.map((o) => ({ kind: o.kind, key: o.key, value: o.value, expected: o.expected }));
    this.request({ id: this.nextRequest++, type: "batch", ops: batch, revision: this.revision }).then(
      (reply) => this.settle(ops, reply),
      (err: Error) => this.settle(ops, { id: 0, ok: false, error: err.message }),
    );
  }

  private settle(ops: PendingWrite[], reply: WriterReply): void {
    this.inFlight = false;
    if (!reply.ok || !reply.outcomes) {
      // The transaction rolled back: nothing in this batch happened.
      const e = this.broken ?? new Error(reply.ok ? "sqlite writer sent no outcomes" : reply.error);
      for (const op of ops) op.fail(e);
    } else {
      this.counters.commits++;
      this.counters.writes += ops.length;
      const applied = ops.map((op, i) => this.applied(op, reply.outcomes![i]!));
      const events: WatchEvent[] = [];
      for (const o of applied) {
        if (o instanceof Error) continue;
        this.revision = o.revision;
        const ev: WatchEvent = { type: o.deleted ? "delete" : "put", kv: o.kv };
        if (o.prev) ev.prev = o.prev;
        events.push(ev);
      }
      this.hub.publish(events);
      for (let i = 0; i < ops.length; i++) {
        const o = applied[i]!;
        if (o instanceof Error) ops[i]!.fail(o);
        else ops[i]!.finish(o);
      }
    }
    if (this.queue.length > 0) this.flush();
  }

  /** A write's result from the writer's outcome and what this thread already has (key, value). */
  private applied(op: PendingWrite, o: OpOutcome): Applied | Error {
    if (!o.ok) {
      if (o.error === "exists") return new KeyExistsError(op.key);
      if (o.error === "notfound") return new KeyNotFoundError(op.key);
      return new RevisionMismatchError(op.key, { key: op.key, ...o.live });
    }
    const prev: KeyValue | undefined = o.prev && { key: op.key, ...o.prev };
    if (op.kind === "delete") return { revision: o.revision, kv: { ...prev!, modRevision: o.revision }, prev, deleted: true };
    return { revision: o.revision, kv: { key: op.key, value: op.value, createRevision: o.createRevision, modRevision: o.revision }, prev, deleted: false };
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

  /** Deletes superseded rows up to the compact revision, a chunk per writer transaction. */
  private async sweep(): Promise<void> {
    while (!this.closed && this.sweptTo < this.compactedTo) {
      const to = Math.min(this.sweptTo + this.sweepChunk, this.compactedTo);
      await this.call({ id: this.nextRequest++, type: "sweep", from: this.sweptTo, to });
      this.sweptTo = to;
    }
  }
}
