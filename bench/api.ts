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
 * The server runs in this process (`startCluster`, SQLite in a temporary data dir); its clients
 * run in a child process (bench/lib/load.ts), so client work does not share the server's event
 * loop. Run alone with `node --import tsx bench/api.ts [--quick] [--sections a,b]`, or call
 * `runApiBench`.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { startCluster, type Cluster } from "../src/cli/cluster.js";
import { drive, openRaw } from "./storage.js";
import { LoadGenerator, podName } from "./lib/load.js";
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
  /** Which parts to run (default all); `startup` spawns child servers. */
  sections?: Section[];
  idleMs?: number;
  /** Parent of the temporary data dirs (removed afterwards). */
  dir?: string;
  /** Progress lines (to stderr by default). */
  log?: (line: string) => void;
}

export const SECTIONS = ["startup", "creates", "paced", "reads", "watch"] as const;
export type Section = (typeof SECTIONS)[number];

export interface PacedFigure {
  kind: "pods" | "configmaps";
  targetPerSec: number;
  achievedPerSec: number;
  sent: number;
  /** The backlog reached a second's worth of requests and sending stopped early. */
  saturated: boolean;
  latency: Latency;
}

export interface CreateRate {
  concurrency: number;
  /** CPU the server process spent per create (its clients run elsewhere), in ms. */
  serverCpuMsPerCreate: number;
  /** The part of it on the event loop's thread (Linux only): the SQLite writer thread's share is the rest. */
  mainThreadCpuMsPerCreate?: number;
  apiPerSec: number;
  rawPerSec: number;
  ratio: number;
  /** Writes per SQLite transaction during the API slices (how well group commit groups them). */
  writesPerCommit?: number;
}

export interface ApiBenchResult {
  creates?: CreateRate[];
  /** One figure per kind: pods (defaulting and validation heavy) and configmaps. */
  paced?: PacedFigure[];
  reads?: {
    pods: number;
    listBytes: number;
    get: { api: Latency; backend: Latency };
    list: { api: Latency; backend: Latency };
    page: { limit: number; api: Latency; table: Latency; backend: Latency };
  };
  watch?: { watchers: number; writes: number; delivered: number; expected: number; eventsPerSec: number; writesPerSec: number; delay: Latency; delayFromSend: Latency };
  startup?: StartupResult;
  /** Load generator CPU (share of one core) per figure; near 1 means the figure may be client-bound. */
  generatorCpu: { figure: string; share: number }[];
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
    createMs: o.createMs ?? (q ? 600 : 4000),
    concurrencies: o.concurrencies ?? [1, 32],
    pacedRate: o.pacedRate ?? 1000,
    pacedMs: o.pacedMs ?? (q ? 1000 : 5000),
    listPods: o.listPods ?? (q ? 1500 : 10_000),
    getRuns: o.getRuns ?? (q ? 300 : 3000),
    listRuns: o.listRuns ?? (q ? 5 : 30),
    pageRuns: o.pageRuns ?? (q ? 30 : 200),
    watchers: o.watchers ?? 100,
    watchWrites: o.watchWrites ?? (q ? 200 : 2000),
    sections: o.sections ?? [...SECTIONS],
    idleMs: o.idleMs ?? 1000,
  };
}

type Opts = ReturnType<typeof defaults>;

type CommitStats = () => { commits: number; writes: number } | undefined;

async function benchCreates(gen: LoadGenerator, dir: string, o: Opts, log: (s: string) => void, cpu: ApiBenchResult["generatorCpu"], commitStats: CommitStats): Promise<CreateRate[]> {
  const out: CreateRate[] = [];
  for (const concurrency of o.concurrencies) {
    log(`api: creates/s with ${concurrency} client(s)`);
    const ns = `bench-create-${concurrency}`;
    await gen.call("connect", { clients: concurrency });
    await gen.call("createNamespace", { name: ns });
    // The raw side stores what the API stores, byte for byte in size.
    const sample = await gen.call("createOne", { ns, name: "sample" });
    const raw = openRaw(join(dir, `raw-${concurrency}`));
    let apiDone = 0, apiMs = 0, rawDone = 0, rawMs = 0, busiest = 0, serverCpuMs = 0, commits = 0, writes = 0;
    let mainCpuMs: number | undefined = 0;
    try {
      // Alternating short slices, so that load from elsewhere on the machine (the disk's
      // fsync latency varies a lot on shared hosts) hits both sides alike.
      for (let s = 0; s < SLICES; s++) {
        const r = await drive(concurrency, o.createMs / SLICES, async (key) => raw.insert(key, sample), `r${s}`);
        rawDone += r.done;
        rawMs += r.ms;
        const cpu0 = process.cpuUsage();
        const main0 = mainThreadCpuMs();
        const stats0 = commitStats();
        const a = await gen.call("creates", { ns, concurrency, ms: o.createMs / SLICES, tag: `s${s}` });
        const used = process.cpuUsage(cpu0);
        const main1 = mainThreadCpuMs();
        mainCpuMs = mainCpuMs !== undefined && main0 !== undefined && main1 !== undefined ? mainCpuMs + main1 - main0 : undefined;
        const stats1 = commitStats();
        if (stats0 && stats1) {
          commits += stats1.commits - stats0.commits;
          writes += stats1.writes - stats0.writes;
        }
        serverCpuMs += (used.user + used.system) / 1000;
        busiest = Math.max(busiest, gen.lastBusy.cpuShare);
        apiDone += a.done;
        apiMs += a.ms;
      }
    } finally {
      raw.db.close();
    }
    const apiPerSec = apiDone / (apiMs / 1000);
    const rawPerSec = rawDone / (rawMs / 1000);
    out.push({ concurrency, apiPerSec, rawPerSec, ratio: apiPerSec / rawPerSec, serverCpuMsPerCreate: serverCpuMs / apiDone, ...(mainCpuMs !== undefined ? { mainThreadCpuMsPerCreate: mainCpuMs / apiDone } : {}), ...(commits ? { writesPerCommit: writes / commits } : {}) });
    cpu.push({ figure: `creates/s with ${concurrency} client(s)`, share: busiest });
  }
  return out;
}

/**
 * CPU time of this process's main thread in ms, from /proc (utime + stime, in 10 ms ticks):
 * process.cpuUsage also counts the SQLite writer thread. Undefined where /proc is missing.
 */
function mainThreadCpuMs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

async function benchPaced(gen: LoadGenerator, o: Opts, log: (s: string) => void, cpu: ApiBenchResult["generatorCpu"]): Promise<PacedFigure[]> {
  const ns = "bench-paced";
  await gen.call("createNamespace", { name: ns });
  const out: PacedFigure[] = [];
  for (const kind of ["pods", "configmaps"] as const) {
    log(`api: ${kind} create latency at ${o.pacedRate}/s for ${o.pacedMs} ms`);
    const r = await gen.call("paced", { ns, kind, rate: o.pacedRate, ms: o.pacedMs, clients: 8 });
    const sent = r.latenciesMs.length;
    cpu.push({ figure: `paced ${kind} creates`, share: gen.lastBusy.cpuShare });
    out.push({ kind, targetPerSec: o.pacedRate, achievedPerSec: sent / (r.elapsedMs / 1000), sent, saturated: r.saturated, latency: summarize(r.latenciesMs) });
  }
  return out;
}

async function benchReads(gen: LoadGenerator, cluster: Cluster, o: Opts, log: (s: string) => void): Promise<NonNullable<ApiBenchResult["reads"]>> {
  const ns = "bench-list";
  log(`api: storing ${o.listPods} pods`);
  await gen.call("createNamespace", { name: ns });
  await gen.call("seed", { ns, count: o.listPods, concurrency: 32 });
  const prefix = `/registry/core/pods/${ns}/`;
  const check = await cluster.backend.list(prefix);
  if (check.kvs.length !== o.listPods) throw new Error(`backend list of ${prefix} has ${check.kvs.length} keys, expected ${o.listPods} (storage key layout changed?)`);

  log("api: get / list latency");
  const path = `/api/v1/namespaces/${ns}/pods`;
  const names = (n: number): string[] => Array.from({ length: n }, (_, i) => podName((i * 7919) % o.listPods));
  const times = async (paths: string[], accept?: string): Promise<{ lat: Latency; bytes: number }> => {
    await gen.call("reads", { paths: paths.slice(0, Math.max(1, Math.ceil(paths.length / 10))), ...(accept ? { accept } : {}) });
    const r = await gen.call("reads", { paths, ...(accept ? { accept } : {}) });
    return { lat: summarize(r.timesMs), bytes: r.bytes };
  };
  const getApi = await times(names(o.getRuns).map((n) => `${path}/${n}`));
  const getBackend = await timeRuns(o.getRuns, (i) => cluster.backend.get(prefix + podName((i * 7919) % o.listPods)));
  const listApi = await times(Array.from({ length: o.listRuns }, () => path));
  const listBackend = await timeRuns(o.listRuns, () => cluster.backend.list(prefix));
  const limit = 500;
  const pageApi = await times(Array.from({ length: o.pageRuns }, () => `${path}?limit=${limit}`));
  const pageTable = await times(Array.from({ length: o.pageRuns }, () => `${path}?limit=${limit}`), TABLE_ACCEPT);
  const pageBackend = await timeRuns(o.pageRuns, () => cluster.backend.list(prefix, { limit }));
  return {
    pods: o.listPods,
    listBytes: listApi.bytes,
    get: { api: getApi.lat, backend: getBackend },
    list: { api: listApi.lat, backend: listBackend },
    page: { limit, api: pageApi.lat, table: pageTable.lat, backend: pageBackend },
  };
}

async function benchWatch(gen: LoadGenerator, o: Opts, log: (s: string) => void, cpu: ApiBenchResult["generatorCpu"]): Promise<NonNullable<ApiBenchResult["watch"]>> {
  log(`api: watch delivery, ${o.watchers} watchers × ${o.watchWrites} creates`);
  const ns = "bench-watch";
  await gen.call("createNamespace", { name: ns });
  const r = await gen.call("watch", { ns, watchers: o.watchers, writes: o.watchWrites, writers: 32, timeoutMs: 15_000 });
  cpu.push({ figure: "watch delivery", share: gen.lastBusy.cpuShare });
  return {
    watchers: o.watchers,
    writes: o.watchWrites,
    delivered: r.delivered,
    expected: r.expected,
    eventsPerSec: r.delivered / (r.spanMs / 1000),
    writesPerSec: o.watchWrites / (r.writeMs / 1000),
    delay: summarize(r.ackToEventMs),
    delayFromSend: summarize(r.sendToEventMs),
  };
}

export async function runApiBench(opts: ApiBenchOptions = {}): Promise<ApiBenchResult> {
  const o = defaults(opts);
  const t0 = performance.now();
  const log = opts.log ?? ((s: string) => process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${s}\n`));
  const want = (s: Section): boolean => o.sections.includes(s);
  const root = mkdtempSync(join(opts.dir ?? tmpdir(), "timonel-bench-api-"));
  const result: ApiBenchResult = { generatorCpu: [] };
  try {
    if (want("startup")) {
      log("api: process start → /readyz, idle RSS");
      result.startup = await runStartupBench({ repoRoot: REPO_ROOT, dataDir: join(root, "startup"), buildDir: join(root, "build"), idleMs: o.idleMs });
    }
    if (!SECTIONS.some((s) => s !== "startup" && want(s))) return result;
    // The API server alone, as the raw-SQLite baseline is storage alone: no scheduler or
    // controllers reacting to the pods the benchmark creates.
    const cluster = await startCluster({ dataDir: join(root, "cluster"), port: 0, host: "127.0.0.1", storage: "sqlite", components: false });
    const gen = LoadGenerator.start(cluster.url, cluster.dataDir);
    try {
      const commitStats: CommitStats = () => (cluster.backend as { stats?: { commits: number; writes: number } }).stats;
      if (want("creates")) result.creates = await benchCreates(gen, root, o, log, result.generatorCpu, commitStats);
      if (want("paced")) result.paced = await benchPaced(gen, o, log, result.generatorCpu);
      if (want("reads")) result.reads = await benchReads(gen, cluster, o, log);
      if (want("watch")) result.watch = await benchWatch(gen, o, log, result.generatorCpu);
      return result;
    } finally {
      await gen.stop();
      await cluster.stop();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const MB = 1024 * 1024;

/** Every issue-2 target this run measured, with whether it was met. */
export function apiChecks(r: ApiBenchResult): Check[] {
  const checks: Check[] = (r.creates ?? []).map((c) => ({ name: `creates/s with ${c.concurrency} client(s) ≥ 0.5 × raw`, ok: c.ratio >= 0.5 }));
  for (const p of r.paced ?? []) {
    checks.push({ name: `${p.kind} create p99 ≤ 50 ms at ${p.targetPerSec}/s`, ok: !p.saturated && p.latency.p99Ms <= 50 && p.achievedPerSec >= 0.95 * p.targetPerSec });
  }
  if (r.reads) checks.push({ name: `list of ${r.reads.pods} pods ≤ 200 ms (p50)`, ok: r.reads.list.api.p50Ms <= 200 });
  if (r.watch) {
    checks.push({ name: "watch ≥ 50,000 events/s", ok: r.watch.eventsPerSec >= 50_000 && r.watch.delivered === r.watch.expected });
    checks.push({ name: "watch delay p99 ≤ 100 ms", ok: r.watch.delay.p99Ms <= 100 });
  }
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
  const notes: string[] = [];
  for (const c of r.creates ?? []) {
    const perCommit = c.writesPerCommit ? `, ${c.writesPerCommit.toFixed(1)} per commit` : "";
    rows.push([`creates/s, ${c.concurrency} client${c.concurrency === 1 ? "" : "s"} (pods; server CPU ${c.serverCpuMsPerCreate.toFixed(2)} ms each${c.mainThreadCpuMsPerCreate !== undefined ? `, ${c.mainThreadCpuMsPerCreate.toFixed(2)} on the event loop` : ""}${perCommit}) ¹`, fmt.int(c.apiPerSec), fmt.int(c.rawPerSec), fmt.ratio(c.ratio), "≥ 0.50×",
      mark(checks.get(`creates/s with ${c.concurrency} client(s) ≥ 0.5 × raw`))]);
  }
  if (r.creates) notes.push("¹ baseline: raw better-sqlite3 autocommit inserts of the same stored bytes (WAL, synchronous=FULL), same number of concurrent writers.");
  for (const p of r.paced ?? []) {
    const got = p.saturated ? `saturated at ${fmt.int(p.achievedPerSec)}/s` : `got ${fmt.int(p.achievedPerSec)}/s`;
    rows.push([`${p.kind} create latency at ${fmt.int(p.targetPerSec)}/s (${got}), p50 / p99 ms`, fmt.lat(p.latency), "", "", "p99 ≤ 50",
      mark(checks.get(`${p.kind} create p99 ≤ 50 ms at ${p.targetPerSec}/s`))]);
  }
  const rd = r.reads;
  if (rd) {
    const ratio50 = (a: Latency, b: Latency): string => fmt.ratio(a.p50Ms / b.p50Ms);
    rows.push([`get one pod of ${fmt.int(rd.pods)}, p50 / p99 ms ²`, fmt.lat(rd.get.api), fmt.lat(rd.get.backend), ratio50(rd.get.api, rd.get.backend), "", ""]);
    rows.push([`list all ${fmt.int(rd.pods)} pods (${fmt.mb(rd.listBytes)}), p50 / p99 ms ²`, fmt.lat(rd.list.api), fmt.lat(rd.list.backend), ratio50(rd.list.api, rd.list.backend), "p50 ≤ 200",
      mark(checks.get(`list of ${rd.pods} pods ≤ 200 ms (p50)`))]);
    rows.push([`list page of ${rd.page.limit}, p50 / p99 ms ²`, fmt.lat(rd.page.api), fmt.lat(rd.page.backend), ratio50(rd.page.api, rd.page.backend), "", ""]);
    rows.push([`list page of ${rd.page.limit} as Table (kubectl get), p50 / p99 ms ²`, fmt.lat(rd.page.table), fmt.lat(rd.page.backend), ratio50(rd.page.table, rd.page.backend), "", ""]);
    notes.push("² baseline: the storage backend's own get/list of the same keys, in process (no HTTP, no decoding).");
  }
  const w = r.watch;
  if (w) {
    const missing = w.expected - w.delivered;
    rows.push([`watch: ${w.watchers} watchers × ${fmt.int(w.writes)} creates (at ${fmt.int(w.writesPerSec)}/s), events/s${missing ? `, ${fmt.int(missing)} MISSING` : ""}`,
      fmt.int(w.eventsPerSec), "", "", "≥ 50,000", mark(checks.get("watch ≥ 50,000 events/s"))]);
    rows.push(["watch: create ack → event (signed), p50 / p99 ms", fmt.lat(w.delay), "", "", "p99 ≤ 100", mark(checks.get("watch delay p99 ≤ 100 ms"))]);
    rows.push(["watch: create sent → event, p50 / p99 ms", fmt.lat(w.delayFromSend), "", "", "", ""]);
  }
  const s = r.startup;
  if (s) {
    const rt = s.runtime === "tsx" ? "tsx" : "compiled";
    rows.push([`start → /readyz 200, warm start (${rt}), ms ³`, fmt.ms(s.warm.readyMs), fmt.ms(s.baseline.readyMs), fmt.ratio(s.warm.readyMs / s.baseline.readyMs), "≤ 300",
      mark(checks.get("ready ≤ 300 ms (warm start)"))]);
    rows.push([`start → /readyz 200, first start (${rt}), ms ³`, fmt.ms(s.cold.readyMs), fmt.ms(s.baseline.readyMs), fmt.ratio(s.cold.readyMs / s.baseline.readyMs), "≤ 300",
      mark(checks.get("ready ≤ 300 ms (first start)"))]);
    rows.push([`idle RSS, warm start (${rt}) ³`, fmt.mb(s.warm.rssBytes), fmt.mb(s.baseline.rssBytes), fmt.ratio(s.warm.rssBytes / s.baseline.rssBytes), "≤ 80 MB",
      mark(checks.get("idle RSS ≤ 80 MB"))]);
    notes.push("³ baseline: a bare `node -e` HTTP/2+TLS server on the same certificate; RSS sampled from /proc/<pid>/status after 1 s idle.");
    if (s.runtime === "tsx") notes.push("  (the compiled build failed, so the server ran from TypeScript sources through tsx, which adds memory and start time)");
    if (s.runtime === "fresh build") notes.push("  (dist/ was older than src/, so the current sources were transpiled into a scratch dir and run from there)");
  }
  const bound = r.generatorCpu.filter((g) => g.share >= 0.8);
  if (bound.length) {
    notes.push(`! the load generator was busy (${bound.map((g) => `${g.figure}: ${Math.round(g.share * 100)}% of a core`).join(", ")}); those figures may be client-bound.`);
  }
  return `${table(rows)}\n${notes.join("\n")}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  // Standalone: `node --import tsx bench/api.ts [--quick] [--sections creates,watch]` (handy under --cpu-prof).
  const { values } = parseArgs({ options: { quick: { type: "boolean" }, sections: { type: "string" } } });
  const sections = values.sections?.split(",").map((x) => x.trim());
  const bad = sections?.filter((x) => !(SECTIONS as readonly string[]).includes(x));
  if (bad?.length) throw new Error(`unknown section(s) ${bad.join(", ")}; known: ${SECTIONS.join(", ")}`);
  const result = await runApiBench({ quick: values.quick ?? false, ...(sections ? { sections: sections as Section[] } : {}) });
  console.log(formatApiBench(result));
}
