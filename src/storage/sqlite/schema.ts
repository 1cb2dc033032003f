/**
 * The SQLite file layout and connection settings of the sqlite backend. One log table, shaped
 * like kine's: every write is a row whose id is its revision.
 */

import type { Database } from "better-sqlite3";

/**
 * Connection settings. WAL lets reads run beside the writer; synchronous=FULL makes every
 * commit fsync the WAL, so a resolved write survives power loss. The backend's reader (main
 * thread) and writer (worker thread) connections share the file, so there is no
 * locking_mode=EXCLUSIVE here: the backend holds a lock file instead (sqlite.ts). Exported so
 * the benchmark's raw baseline runs with exactly the same settings.
 */
export const SQLITE_PRAGMAS: readonly string[] = [
  "journal_mode = WAL",
  "synchronous = FULL",
  "temp_store = MEMORY",
  "cache_size = -32000",
  "journal_size_limit = 67108864",
];

export const SCHEMA_VERSION = 1;

/**
 * kv: the log. `created` marks the first write of a key's incarnation, `deleted` a tombstone
 * (which keeps the deleted value, so delete events carry it). `prev_revision` is the id of the
 * row this one replaced.
 *
 * kv_name_id serves get (seek to the newest id of one name), list (group by name, max id ≤
 * revision) and compaction; `deleted` rides along so listing and counting decide liveness
 * from the index alone. Watch replay walks the primary key.
 *
 * meta: compact_revision (reads and watches below it fail) and compact_progress (how far
 * the sweep of superseded rows got; a sweep interrupted by a crash resumes from there).
 */
const DDL = `
CREATE TABLE IF NOT EXISTS kv (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  created INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS kv_name_id ON kv (name, id, deleted);
CREATE TABLE IF NOT EXISTS meta (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
`;

export function applyPragmas(db: Database): void {
  for (const p of SQLITE_PRAGMAS) db.pragma(p);
  const mode = db.pragma("journal_mode", { simple: true });
  if (mode !== "wal") throw new Error(`sqlite: could not enable WAL (journal_mode is ${String(mode)})`);
}

/** Creates the tables on a new file; refuses a file written by a newer, unknown layout. */
export function migrate(db: Database): void {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(`sqlite: state.db has schema version ${version}, newer than this build understands (${SCHEMA_VERSION})`);
  }
  // EXCLUSIVE: no other connection reads a half-made layout.
  db.exec("BEGIN EXCLUSIVE");
  try {
    db.exec(DDL);
    if (version < SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
    db.exec("COMMIT");
  } catch (err) {
    if (db.inTransaction) db.exec("ROLLBACK");
    throw err;
  }
}
