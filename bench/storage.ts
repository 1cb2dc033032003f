/**
 * Storage benchmark: SqliteBackend against raw better-sqlite3 with the same pragmas, table
 * and concurrency, so the ratio shows what the backend layer costs (or, with group commit,
 * gains). Run alone with `node --import tsx bench/storage.ts`, or call `runStorageBench`.
 *
 * Concurrency is simulated the same way on both sides: N async writers, each awaiting its
 * write before issuing the next. Raw writes are one autocommit INSERT each (a commit and an
 * fsync per write), which is what N independent clients of a plain SQLite file would do.
 */

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { applyPragmas, migrate } from "../src/storage/sqlite/schema.js";
import { SqliteBackend } from "../src/storage/sqlite/sqlite.js";

export interface StorageBenchOptions {
  /** How long each create measurement runs. */
  durationMs?: number;
  /** Writer counts to measure creates/s at. */
  concurrencies?: number[];
  /** Keys under the listed prefix. */
  listKeys?: number;
  /** How many timed full lists. */
  listRuns?: number;
  /** Size of each stored value. */
  valueBytes?: number;
  /** Where the temporary databases go (removed afterwards). */
  dir?: string;
}

export interface CreateFigure {
  concurrency: number;
  backendPerSec: number;
  rawPerSec: number;
  /** backend / raw. */
  ratio: number;
  /** Average writes per committed transaction in the backend (group commit at work). */
  writesPerCommit: number;
}

export interface LatencyFigure {
  p50Ms: number;
  p99Ms: number;
}

export interface StorageBenchResult {
  creates: CreateFigure[];
  list: { keys: number; backend: LatencyFigure; raw: LatencyFigure };
  page: { limit: number; backend: LatencyFigure };
  get: { backend: LatencyFigure };
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

async function latency(runs: number, fn: () => unknown): Promise<LatencyFigure> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50Ms: percentile(times, 0.5), p99Ms: percentile(times, 0.99) };
}

const SLICES = 4;

/** Runs `concurrency` writers for `durationMs`; returns how many writes completed, in how long. */
export async function drive(
  concurrency: number,
  durationMs: number,
  write: (key: string) => Promise<unknown>,
  tag: string,
): Promise<{ done: number; ms: number }> {
  let done = 0;
  const start = performance.now();
  const end = start + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = 0; performance.now() < end; i++) {
        await write(`/registry/bench/${tag}/w${w}/k${i}`);
        done++;
      }
    }),
  );
  return { done, ms: performance.now() - start };
}

/** A plain better-sqlite3 file with the backend's pragmas and table, written directly. */
export function openRaw(dir: string): { db: Database.Database; insert: (key: string, value: string) => void } {
  mkdirSync(dir, { recursive: true });
  const db = new Database(join(dir, "raw.db"));
  applyPragmas(db);
  migrate(db);
  const stmt = db.prepare("INSERT INTO kv (id, name, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, 1, 0, ?, 0, ?)");
  let id = 0;
  return {
    db,
    insert: (key, value) => {
      id++;
      stmt.run(id, key, id, value);
    },
  };
}

export async function runStorageBench(opts: StorageBenchOptions = {}): Promise<StorageBenchResult> {
  const durationMs = opts.durationMs ?? 2000;
  const concurrencies = opts.concurrencies ?? [1, 32];
  const listKeys = opts.listKeys ?? 10_000;
  const listRuns = opts.listRuns ?? 30;
  const value = JSON.stringify({ kind: "Pod", apiVersion: "v1", pad: "x".repeat(Math.max(0, (opts.valueBytes ?? 1000) - 40)) });
  const root = mkdtempSync(join(opts.dir ?? tmpdir(), "timonel-bench-storage-"));
  let n = 0;
  const fresh = (): string => join(root, `case${n++}`);
  try {
    const creates: CreateFigure[] = [];
    for (const concurrency of concurrencies) {
      // Alternate short slices of raw and backend so load from elsewhere on the machine
      // (and file growth) hits both sides alike.
      const raw = openRaw(fresh());
      const backend = await SqliteBackend.open({ dataDir: fresh() });
      let rawDone = 0;
      let backendDone = 0;
      let rawMs = 0;
      let backendMs = 0;
      for (let slice = 0; slice < SLICES; slice++) {
        const r = await drive(concurrency, durationMs / SLICES, async (key) => raw.insert(key, value), `r${slice}`);
        rawDone += r.done;
        rawMs += r.ms;
        const b = await drive(concurrency, durationMs / SLICES, (key) => backend.create(key, value), `b${slice}`);
        backendDone += b.done;
        backendMs += b.ms;
      }
      const { commits, writes } = backend.stats;
      raw.db.close();
      await backend.close();
      const rawPerSec = rawDone / (rawMs / 1000);
      const backendPerSec = backendDone / (backendMs / 1000);
      creates.push({ concurrency, backendPerSec, rawPerSec, ratio: backendPerSec / rawPerSec, writesPerCommit: writes / Math.max(1, commits) });
    }

    // Reads: a prefix of listKeys keys beside other data, as pods sit beside other kinds.
    const backend = await SqliteBackend.open({ dataDir: fresh() });
    const raw = openRaw(fresh());
    try {
      const keys = Array.from({ length: listKeys }, (_, i) => `/registry/pods/default/pod-${String(i).padStart(6, "0")}`);
      for (let i = 0; i < keys.length; i += 1000) await Promise.all(keys.slice(i, i + 1000).map((k) => backend.create(k, value)));
      await Promise.all(Array.from({ length: 1000 }, (_, i) => backend.create(`/registry/services/default/svc-${i}`, value)));
      raw.db.transaction(() => {
        for (const k of keys) raw.insert(k, value);
        for (let i = 0; i < 1000; i++) raw.insert(`/registry/services/default/svc-${i}`, value);
      })();
      const rawList = raw.db.prepare("SELECT name AS key, value, create_revision AS createRevision, id AS modRevision FROM kv WHERE name >= ? AND name < ? ORDER BY name");

      await backend.list("/registry/pods/");
      const listB = await latency(listRuns, () => backend.list("/registry/pods/"));
      const listR = await latency(listRuns, () => rawList.all("/registry/pods/", "/registry/pods0"));
      const pageB = await latency(listRuns * 5, () => backend.list("/registry/pods/", { limit: 500 }));
      let g = 0;
      const getB = await latency(2000, () => backend.get(keys[(g += 7919) % keys.length]!));
      return { creates, list: { keys: listKeys, backend: listB, raw: listR }, page: { limit: 500, backend: pageB }, get: { backend: getB } };
    } finally {
      raw.db.close();
      await backend.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export function formatStorageBench(r: StorageBenchResult): string {
  const rows: string[][] = [["storage (sqlite, WAL, synchronous=FULL)", "SqliteBackend", "raw better-sqlite3", "ratio"]];
  const int = (x: number) => Math.round(x).toLocaleString("en-US");
  const ms = (x: LatencyFigure) => `${x.p50Ms.toFixed(2)} / ${x.p99Ms.toFixed(2)}`;
  for (const c of r.creates) {
    rows.push([`creates/s, ${c.concurrency} writer${c.concurrency === 1 ? "" : "s"} (${c.writesPerCommit.toFixed(1)} writes/commit)`, int(c.backendPerSec), int(c.rawPerSec), `${c.ratio.toFixed(2)}×`]);
  }
  rows.push([`list ${int(r.list.keys)} keys, p50 / p99 ms`, ms(r.list.backend), ms(r.list.raw), `${(r.list.backend.p50Ms / r.list.raw.p50Ms).toFixed(2)}× (p50)`]);
  rows.push([`list page of ${r.page.limit}, p50 / p99 ms`, ms(r.page.backend), "", ""]);
  rows.push(["get one key, p50 / p99 ms", `${r.get.backend.p50Ms.toFixed(3)} / ${r.get.backend.p99Ms.toFixed(3)}`, "", ""]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ")).join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const started = performance.now();
  const result = await runStorageBench();
  console.log(formatStorageBench(result));
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
