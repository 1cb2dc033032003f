/**
 * Messages between the sqlite backend (main thread: reads, watch, promises) and its writer
 * thread (`writer.ts`: every write transaction, so an fsync never blocks the event loop).
 * Values travel only where the other side lacks them: a write's new value stays on the main
 * thread, a replaced value (needed for watch events and CAS errors) comes back.
 */

export interface WriteOp {
  kind: "create" | "update" | "delete";
  key: string;
  /** Empty for deletes. */
  value: string;
  expected: number | undefined;
}

/** The live row a write replaced or conflicted with. */
export interface LiveRow {
  value: string;
  createRevision: number;
  modRevision: number;
}

export type OpOutcome =
  | { ok: true; revision: number; createRevision: number; prev?: LiveRow }
  | { ok: false; error: "exists" }
  | { ok: false; error: "notfound" }
  | { ok: false; error: "mismatch"; live: LiveRow };

export type WriterRequest =
  | { id: number; type: "batch"; ops: WriteOp[]; revision: number }
  | { id: number; type: "compact"; revision: number }
  | { id: number; type: "sweep"; from: number; to: number }
  | { id: number; type: "close" };

export type WriterReply =
  | { id: number; ok: true; outcomes?: OpOutcome[] }
  | { id: number; ok: false; error: string };

export interface WriterData {
  file: string;
  busyTimeoutMs: number;
}
