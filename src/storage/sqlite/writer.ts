/**
 * The sqlite backend's writer thread (a worker_thread, one per backend). It owns the only
 * connection that writes: batches of creates/updates/deletes (each with its own
 * compare-and-swap check and revision, in one transaction, one fsync), the compact-revision
 * mark and the compaction sweep. The main thread keeps a second connection for reads; WAL
 * lets both run at once, and a commit is visible to the reader before its reply is posted.
 */
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { applyPragmas } from "./schema.js";
import type { LiveRow, OpOutcome, WriteOp, WriterData, WriterReply, WriterRequest } from "./protocol.js";

interface LatestRow {
  id: number;
  deleted: number;
  createRevision: number;
  value: string;
}

const data = workerData as WriterData;
const port = parentPort!;
const db = new Database(data.file, { timeout: data.busyTimeoutMs });
applyPragmas(db);

const latest = db.prepare<[string], LatestRow>(
  "SELECT id, deleted, create_revision AS createRevision, value FROM kv WHERE name = ? ORDER BY id DESC LIMIT 1",
);
const insert = db.prepare<[number, string, number, number, number, number, string]>(
  "INSERT INTO kv (id, name, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?, ?)",
);
const setMeta = db.prepare<[string, number]>("INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value");
// Within the swept range, every row older than its key's newest row in that range is
// superseded at or below the compact revision; nothing can read it any more.
const sweepSuperseded = db.prepare<{ from: number; to: number }>(`
  DELETE FROM kv WHERE id IN (
    SELECT old.id FROM (SELECT name, MAX(id) AS top FROM kv WHERE id > @from AND id <= @to GROUP BY name) AS r
    JOIN kv AS old ON old.name = r.name AND old.id < r.top
  )`);
// A tombstone at or below the compact revision only says "absent", which missing rows say too.
const sweepTombstones = db.prepare<{ from: number; to: number }>("DELETE FROM kv WHERE deleted = 1 AND id > @from AND id <= @to");

/** Each write checks against what the ones before it in the batch wrote. */
const applyBatch = db.transaction((ops: WriteOp[], startRevision: number): OpOutcome[] => {
  let rev = startRevision;
  const out: OpOutcome[] = [];
  for (const op of ops) {
    const row = latest.get(op.key);
    const live: LiveRow | undefined = row && !row.deleted ? { value: row.value, createRevision: row.createRevision, modRevision: row.id } : undefined;
    if (op.kind === "create") {
      if (live) {
        out.push({ ok: false, error: "exists" });
        continue;
      }
      rev++;
      insert.run(rev, op.key, 1, 0, rev, row?.id ?? 0, op.value);
      out.push({ ok: true, revision: rev, createRevision: rev });
      continue;
    }
    if (!live) {
      out.push({ ok: false, error: "notfound" });
      continue;
    }
    if (op.expected !== undefined && op.expected !== live.modRevision) {
      out.push({ ok: false, error: "mismatch", live });
      continue;
    }
    rev++;
    if (op.kind === "update") insert.run(rev, op.key, 0, 0, live.createRevision, live.modRevision, op.value);
    else insert.run(rev, op.key, 0, 1, live.createRevision, live.modRevision, live.value);
    out.push({ ok: true, revision: rev, createRevision: live.createRevision, prev: live });
  }
  return out;
});

const sweepChunk = db.transaction((from: number, to: number) => {
  sweepSuperseded.run({ from, to });
  sweepTombstones.run({ from, to });
  setMeta.run("compact_progress", to);
});

function handle(req: WriterRequest): WriterReply {
  switch (req.type) {
    case "batch":
      return { id: req.id, ok: true, outcomes: applyBatch(req.ops, req.revision) };
    case "compact":
      setMeta.run("compact_revision", req.revision);
      return { id: req.id, ok: true };
    case "sweep":
      sweepChunk(req.from, req.to);
      return { id: req.id, ok: true };
    case "close":
      db.close();
      return { id: req.id, ok: true };
  }
}

port.on("message", (req: WriterRequest) => {
  let reply: WriterReply;
  try {
    reply = handle(req);
  } catch (err) {
    reply = { id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
  if (req.type === "close") port.close();
});
