/**
 * API benchmark (issue 2, point 14): the API server driven over HTTPS the way clients drive it
 * (HTTP/2, client certificate, JSON), each figure beside a baseline measured in the same run.
 *
 * - creates/s with 1 and 32 clients vs raw durable better-sqlite3 inserts (bench/storage.ts's
 *   `openRaw`/`drive`) at the same concurrency, alternating short slices of each;
 * - create latency at a paced (open-loop) 1,000 creates/s, measured from each request's
 *   scheduled send time so that a stall is not hidden by the sender waiting on it;
 * - get / list / page latency with N pods stored vs the storage backend's own get/list;
 * - watch delivery to 100 watchers during a burst of creates;
 * - process start → /readyz and idle RSS (bench/lib/startup.ts).
 *
 * The server runs in this process (`startCluster`), so client-side TLS and HTTP/2 work shares
 * its event loop; figures are therefore conservative. Run alone with
 * `node --import tsx bench/api.ts [--quick]`, or call `runApiBench`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startCluster, type Cluster } from "../src/cli/cluster.js";
import { drive, openRaw } from "./storage.js";
import { ApiClient, expectStatus, readCreds, type Creds } from "./lib/client.js";
import { configMapJson, namespaceJson, podJson } from "./lib/objects.js";
import { runStartupBench, type StartupResult } from "./lib/startup.js";
import { fmt, mark, summarize, table, timeRuns, type Latency } from "./lib/stats.js";

export interface ApiBenchOptions {
  /** Small counts for CI smoke runs; explicit options below still win. */
  quick?: boolean;
  /** Time per create measurement (split into alternating raw/API slices). */
  createMs?: number;
  concurrencies?: number[];
  pacedRate?: number;
  pacedMs?: number;
  /** Pods stored for the read benchmarks. */
  listPods?: number;
  getRuns?: number;
  listRuns?: number;
  pageRuns?: number;
  watchers?: number;
  /** Creates in the watch burst (each delivered to every watcher). */
  watchWrites?: number;
  /** Measure process startup and idle RSS (spawns child servers). */
  startup?: boolean;
  idleMs?: number;
  /** Parent of the temporary data dirs (removed afterwards). */
  dir?: string;
  /** Progress lines (to stderr by default). */
  log?: (line: string) => void;
}

export interface CreateRate {
  concurrency: number;
  apiPerSec: number;
  rawPerSec: number;
  ratio: number;
}

export interface ApiBenchResult {
  creates: CreateRate[];
  paced: { targetPerSec: number; achievedPerSec: number; sent: number; latency: Latency };
  reads: {
    pods: number;
    listBytes: number;
    get: { api: Latency; backend: Latency };
    list: { api: Latency; backend: Latency };
    page: { limit: number; api: Latency; table: Latency; backend: Latency };
  };
  watch: { watchers: number; writes: number; delivered: number; expected: number; eventsPerSec: number; writesPerSec: number; delay: Latency };
  startup?: StartupResult;
}

export interface Check {
  name: string;
  ok: boolean;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
const SLICES = 4;

function defaults(o: ApiBenchOptions): Required<Omit<ApiBenchOptions, "quick" | "dir" | "log">> {
  const q = o.quick ?? false;
  return {
    createMs: o.createMs ?? (q ? 800 : 4000),
    concurrencies: o.concurrencies ?? [1, 32],
    pacedRate: o.pacedRate ?? 1000,
    pacedMs: o.pacedMs ?? (q ? 1500 : 5000),
    listPods: o.listPods ?? (q ? 2000 : 10_000),
    getRuns: o.getRuns ?? (q ? 300 : 3000),
    listRuns: o.listRuns ?? (q ? 5 : 30),
    pageRuns: o.pageRuns ?? (q ? 30 : 200),
    watchers: o.watchers ?? 100,
    watchWrites: o.watchWrites ?? (q ? 200 : 2000),
    startup: o.startup ?? true,
    idleMs: o.idleMs ?? 1000,
  };
}

async function connectMany(n: number, url: string, creds: Creds): Promise<ApiClient[]> {
  return Promise.all(Array.from({ length: n }, () => ApiClient.connect(url, creds)));
}

/** Runs `total` jobs on `workers` concurrent loops (worker w uses clients[w % clients.length]). */
async function pool(total: number, workers: number, job: (i: number, w: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: workers }, async (_, w) => {
    for (let i = next++; i < total; i = next++) await job(i, w);
  }));
}

function createPath(namespace: string, plural: string): string {
  return `/api/v1/namespaces/${namespace}/${plural}`;
}

async function createNamespace(c: ApiClient, name: string): Promise<void> {
  expectStatus(await c.request("POST", "/api/v1/namespaces", namespaceJson(name)), `create namespace ${name}`, 201);
}

async function benchCreates(cluster: Cluster, creds: Creds, dir: string, o: ReturnType<typeof defaults>, log: (s: string) => void): Promise<CreateRate[]> {
  const out: CreateRate[] = [];
  for (const concurrency of o.concurrencies) {
    log(`api: creates/s with ${concurrency} client(s)`);
    const ns = `bench-create-${concurrency}`;
    const clients = await connectMany(concurrency, cluster.url, creds);
    try {
      await createNamespace(clients[0]!, ns);
      // The raw side stores what the API stores, byte for byte in size.
      const sample = expectStatus(await clients[0]!.request("POST", createPath(ns, "pods"), podJson(ns, "sample")), "create pod", 201).body;
      const raw = openRaw(join(dir, `raw-${concurrency}`));
      let apiDone = 0, apiMs = 0, rawDone = 0, rawMs = 0;
      try {
        for (let s = 0; s < SLICES; s++) {
          const r = await drive(concurrency, o.createMs / SLICES, async (key) => raw.insert(key, sample), `r${s}`);
          rawDone += r.done;
          rawMs += r.ms;
          // drive's keys are /registry/bench/<tag>/w<writer>/k<i>: the writer picks its client.
          const a = await drive(concurrency, o.createMs / SLICES, async (key) => {
            const [, , , tag, w, k] = key.split("/");
            const name = `${tag}-${w}-${k}`;
            expectStatus(await clients[Number(w!.slice(1))]!.request("POST", createPath(ns, "pods"), podJson(ns, name)), `create pod ${name}`, 201);
          }, `s${s}`);
          apiDone += a.done;
          apiMs += a.ms;
        }
      } finally {
        raw.db.close();
      }
      const apiPerSec = apiDone / (apiMs / 1000);
      const rawPerSec = rawDone / (rawMs / 1000);
      out.push({ concurrency, apiPerSec, rawPerSec, ratio: apiPerSec / rawPerSec });
    } finally {
      for (const c of clients) c.close();
    }
  }
  return out;
}

async function benchPaced(cluster: Cluster, creds: Creds, o: ReturnType<typeof defaults>, log: (s: string) => void): Promise<ApiBenchResult["paced"]> {
  log(`api: create latency at ${o.pacedRate}/s for ${o.pacedMs} ms`);
  const ns = "bench-paced";
  const clients = await connectMany(8, cluster.url, creds);
  try {
    await createNamespace(clients[0]!, ns);
    const total = Math.round((o.pacedRate * o.pacedMs) / 1000);
    const interval = 1000 / o.pacedRate;
    const lat: number[] = [];
    const pending: Promise<void>[] = [];
    let inflight = 0;
    let failure: Error | undefined;
    const t0 = performance.now() + 5;
    let sent = 0;
    while (sent < total && !failure) {
      const due = Math.min(total, Math.floor((performance.now() - t0) / interval) + 1);
      for (; sent < due; sent++) {
        const scheduled = t0 + sent * interval;
        const name = `paced-${sent}`;
        inflight++;
        pending.push(clients[sent % clients.length]!.request("POST", createPath(ns, "pods"), podJson(ns, name)).then((r) => {
          inflight--;
          expectStatus(r, `create pod ${name}`, 201);
          lat.push(performance.now() - scheduled);
        }).catch((e: unknown) => { failure ??= e instanceof Error ? e : new Error(String(e)); }));
      }
      if (inflight > 5000) failure = new Error(`paced creates: more than 5000 requests in flight; the server cannot sustain ${o.pacedRate}/s`);
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(pending);
    if (failure) throw failure;
    const elapsed = performance.now() - t0;
    return { targetPerSec: o.pacedRate, achievedPerSec: total / (elapsed / 1000), sent: total, latency: summarize(lat) };
  } finally {
    for (const c of clients) c.close();
  }
}

async function benchReads(cluster: Cluster, creds: Creds, o: ReturnType<typeof defaults>, log: (s: string) => void): Promise<ApiBenchResult["reads"]> {
  const ns = "bench-list";
  const writers = await connectMany(32, cluster.url, creds);
  const names = Array.from({ length: o.listPods }, (_, i) => `pod-${String(i).padStart(6, "0")}`);
  try {
    log(`api: storing ${o.listPods} pods`);
    await createNamespace(writers[0]!, ns);
    await pool(names.length, 32, async (i, w) => {
      expectStatus(await writers[w]!.request("POST", createPath(ns, "pods"), podJson(ns, names[i]!)), `create pod ${names[i]}`, 201);
    });
  } finally {
    for (const c of writers) c.close();
  }
  const prefix = `/registry/core/pods/${ns}/`;
  const check = await cluster.backend.list(prefix);
  if (check.kvs.length !== o.listPods) throw new Error(`backend list of ${prefix} has ${check.kvs.length} keys, expected ${o.listPods} (storage key layout changed?)`);

  const c = await ApiClient.connect(cluster.url, creds);
  try {
    log("api: get / list latency");
    const path = createPath(ns, "pods");
    let listBytes = 0;
    const get = async (i: number): Promise<void> => {
      expectStatus(await c.request("GET", `${path}/${names[(i * 7919) % names.length]}`), "get pod", 200);
    };
    for (let i = 0; i < 50; i++) await get(i);
    const getApi = await timeRuns(o.getRuns, get);
    const getBackend = await timeRuns(o.getRuns, (i) => cluster.backend.get(prefix + names[(i * 7919) % names.length]));

    const list = async (): Promise<void> => {
      const r = expectStatus(await c.request("GET", path), "list pods", 200);
      listBytes = r.body.length;
    };
    await list();
    const listApi = await timeRuns(o.listRuns, list);
    const listBackend = await timeRuns(o.listRuns, () => cluster.backend.list(prefix));

    const limit = 500;
    const pageApi = await timeRuns(o.pageRuns, async () => { expectStatus(await c.request("GET", `${path}?limit=${limit}`), "list page", 200); });
    const pageTable = await timeRuns(o.pageRuns, async () => {
      expectStatus(await c.request("GET", `${path}?limit=${limit}`, undefined, { accept: TABLE_ACCEPT }), "list page as Table", 200);
    });
    const pageBackend = await timeRuns(o.pageRuns, () => cluster.backend.list(prefix, { limit }));
    return {
      pods: o.listPods,
      listBytes,
      get: { api: getApi, backend: getBackend },
      list: { api: listApi, backend: listBackend },
      page: { limit, api: pageApi, table: pageTable, backend: pageBackend },
    };
  } finally {
    c.close();
  }
}

async function benchWatch(cluster: Cluster, creds: Creds, o: ReturnType<typeof defaults>, log: (s: string) => void): Promise<ApiBenchResult["watch"]> {
  log(`api: watch delivery, ${o.watchers} watchers × ${o.watchWrites} creates`);
  const ns = "bench-watch";
  const writers = await connectMany(32, cluster.url, creds);
  const watcherClients = await connectMany(o.watchers, cluster.url, creds);
  const W = o.watchWrites;
  // arrivals[w][i]: when watcher w saw the ADDED event of object i (0 = not yet).
  const arrivals = Array.from({ length: o.watchers }, () => new Float64Array(W));
  const acks = new Float64Array(W);
  let delivered = 0;
  let lastArrival = 0;
  const streams: { close(): void }[] = [];
  try {
    await createNamespace(writers[0]!, ns);
    const path = createPath(ns, "configmaps");
    const rv = (JSON.parse(expectStatus(await writers[0]!.request("GET", path), "list configmaps", 200).body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const marker = '"name":"ev-';
    for (let w = 0; w < o.watchers; w++) {
      const seen = arrivals[w]!;
      // The name is cut out of the line rather than JSON.parse'd: the watchers share this
      // process's one thread with the server, and 100 full parses per event would crowd it.
      streams.push(await watcherClients[w]!.watch(`${path}?watch=1&resourceVersion=${rv}`, (line, at) => {
        if (!line.startsWith('{"type":"ADDED"')) return;
        const s = line.indexOf(marker);
        if (s < 0) return;
        const i = Number(line.slice(s + marker.length, line.indexOf('"', s + marker.length)));
        if (seen[i] === 0) {
          seen[i] = at;
          delivered++;
          lastArrival = at;
        }
      }));
    }
    const start = performance.now();
    await pool(W, 32, async (i, w) => {
      expectStatus(await writers[w]!.request("POST", path, configMapJson(ns, `ev-${i}`)), `create configmap ev-${i}`, 201);
      acks[i] = performance.now();
    });
    const writesDone = performance.now();
    const expected = W * o.watchers;
    const deadline = writesDone + 15_000;
    while (delivered < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const delays: number[] = [];
    for (const seen of arrivals) for (let i = 0; i < W; i++) if (seen[i]! > 0) delays.push(Math.max(0, seen[i]! - acks[i]!));
    return {
      watchers: o.watchers,
      writes: W,
      delivered,
      expected,
      eventsPerSec: delivered / ((lastArrival - start) / 1000),
      writesPerSec: W / ((writesDone - start) / 1000),
      delay: summarize(delays),
    };
  } finally {
    for (const s of streams) s.close();
    for (const c of [...writers, ...watcherClients]) c.close();
  }
}

export async function runApiBench(opts: ApiBenchOptions = {}): Promise<ApiBenchResult> {
  const o = defaults(opts);
  const log = opts.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  const root = mkdtempSync(join(opts.dir ?? tmpdir(), "timonel-bench-api-"));
  try {
    let startup: StartupResult | undefined;
    if (o.startup) {
      log("api: process start → /readyz, idle RSS");
      startup = await runStartupBench({ repoRoot: REPO_ROOT, dataDir: join(root, "startup"), idleMs: o.idleMs });
    }
    const cluster = await startCluster({ dataDir: join(root, "cluster"), port: 0, host: "127.0.0.1", storage: "sqlite" });
    try {
      const creds = readCreds(cluster.dataDir);
      const creates = await benchCreates(cluster, creds, root, o, log);
      const paced = await benchPaced(cluster, creds, o, log);
      const reads = await benchReads(cluster, creds, o, log);
      const watch = await benchWatch(cluster, creds, o, log);
      return { creates, paced, reads, watch, ...(startup ? { startup } : {}) };
    } finally {
      await cluster.stop();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const MB = 1024 * 1024;

/** Every issue-2 target with whether this run met it. */
export function apiChecks(r: ApiBenchResult): Check[] {
  const checks: Check[] = r.creates.map((c) => ({ name: `creates/s with ${c.concurrency} client(s) ≥ 0.5 × raw`, ok: c.ratio >= 0.5 }));
  checks.push({ name: "create p99 ≤ 50 ms at 1,000/s", ok: r.paced.latency.p99Ms <= 50 && r.paced.achievedPerSec >= 0.95 * r.paced.targetPerSec });
  checks.push({ name: `list of ${r.reads.pods} pods ≤ 200 ms (p50)`, ok: r.reads.list.api.p50Ms <= 200 });
  checks.push({ name: "watch ≥ 50,000 events/s", ok: r.watch.eventsPerSec >= 50_000 && r.watch.delivered === r.watch.expected });
  checks.push({ name: "watch delay p99 ≤ 100 ms", ok: r.watch.delay.p99Ms <= 100 });
  if (r.startup) {
    checks.push({ name: "idle RSS ≤ 80 MB", ok: r.startup.warm.rssBytes <= 80 * MB });
    checks.push({ name: "ready ≤ 300 ms (warm start)", ok: r.startup.warm.readyMs <= 300 });
    checks.push({ name: "ready ≤ 300 ms (first start)", ok: r.startup.cold.readyMs <= 300 });
  }
  return checks;
}

export function formatApiBench(r: ApiBenchResult): string {
  const checks = new Map(apiChecks(r).map((c) => [c.name, c.ok]));
  const rows: string[][] = [["api (HTTPS, HTTP/2, JSON; in-process server, sqlite)", "measured", "baseline", "ratio", "target", ""]];
  for (const c of r.creates) {
    rows.push([`creates/s, ${c.concurrency} client${c.concurrency === 1 ? "" : "s"} (pods) ¹`, fmt.int(c.apiPerSec), fmt.int(c.rawPerSec), fmt.ratio(c.ratio), "≥ 0.50×",
      mark(checks.get(`creates/s with ${c.concurrency} client(s) ≥ 0.5 × raw`))]);
  }
  rows.push([`create latency at ${fmt.int(r.paced.targetPerSec)}/s (got ${fmt.int(r.paced.achievedPerSec)}/s), p50 / p99 ms`, fmt.lat(r.paced.latency), "", "", "p99 ≤ 50",
    mark(checks.get("create p99 ≤ 50 ms at 1,000/s"))]);
  const rd = r.reads;
  const ratio50 = (a: Latency, b: Latency): string => fmt.ratio(a.p50Ms / b.p50Ms);
  rows.push([`get one pod of ${fmt.int(rd.pods)}, p50 / p99 ms ²`, fmt.lat(rd.get.api), fmt.lat(rd.get.backend), ratio50(rd.get.api, rd.get.backend), "", ""]);
  rows.push([`list all ${fmt.int(rd.pods)} pods (${fmt.mb(rd.listBytes)}), p50 / p99 ms ²`, fmt.lat(rd.list.api), fmt.lat(rd.list.backend), ratio50(rd.list.api, rd.list.backend), "p50 ≤ 200",
    mark(checks.get(`list of ${rd.pods} pods ≤ 200 ms (p50)`))]);
  rows.push([`list page of ${rd.page.limit}, p50 / p99 ms ²`, fmt.lat(rd.page.api), fmt.lat(rd.page.backend), ratio50(rd.page.api, rd.page.backend), "", ""]);
  rows.push([`list page of ${rd.page.limit} as Table (kubectl get), p50 / p99 ms ²`, fmt.lat(rd.page.table), fmt.lat(rd.page.backend), ratio50(rd.page.table, rd.page.backend), "", ""]);
  const w = r.watch;
  const missing = w.expected - w.delivered;
  rows.push([`watch: ${w.watchers} watchers × ${fmt.int(w.writes)} creates (at ${fmt.int(w.writesPerSec)}/s), events/s${missing ? `, ${fmt.int(missing)} MISSING` : ""}`,
    fmt.int(w.eventsPerSec), "", "", "≥ 50,000", mark(checks.get("watch ≥ 50,000 events/s"))]);
  rows.push(["watch: create ack → event, p50 / p99 ms", fmt.lat(w.delay), "", "", "p99 ≤ 100", mark(checks.get("watch delay p99 ≤ 100 ms"))]);
  if (r.startup) {
    const s = r.startup;
    rows.push([`start → /readyz 200, warm start (${s.runtime}), ms ³`, fmt.ms(s.warm.readyMs), fmt.ms(s.baseline.readyMs), fmt.ratio(s.warm.readyMs / s.baseline.readyMs), "≤ 300",
      mark(checks.get("ready ≤ 300 ms (warm start)"))]);
    rows.push([`start → /readyz 200, first start (${s.runtime}), ms ³`, fmt.ms(s.cold.readyMs), fmt.ms(s.baseline.readyMs), fmt.ratio(s.cold.readyMs / s.baseline.readyMs), "≤ 300",
      mark(checks.get("ready ≤ 300 ms (first start)"))]);
    rows.push([`idle RSS, warm start (${s.runtime}) ³`, fmt.mb(s.warm.rssBytes), fmt.mb(s.baseline.rssBytes), fmt.ratio(s.warm.rssBytes / s.baseline.rssBytes), "≤ 80 MB",
      mark(checks.get("idle RSS ≤ 80 MB"))]);
  }
  const notes = [
    "¹ baseline: raw better-sqlite3 autocommit inserts of the same stored bytes (WAL, synchronous=FULL), same number of concurrent writers.",
    "² baseline: the storage backend's own get/list of the same keys, in process (no HTTP, no decoding).",
    "³ baseline: a bare `node -e` HTTP/2+TLS server on the same certificate; RSS sampled from /proc/<pid>/status after 1 s idle.",
  ];
  if (r.startup?.runtime === "tsx") notes.push("  (the server ran from TypeScript sources through tsx, which adds memory and start time; `npm run build` first to measure dist/)");
  return `${table(rows)}\n${notes.join("\n")}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const result = await runApiBench({ quick: process.argv.includes("--quick") });
  console.log(formatApiBench(result));
}
