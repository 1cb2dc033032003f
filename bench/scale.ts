/**
 * Scale benchmark (issue 3, point 5): one `startCluster` process — API server on SQLite,
 * scheduler, controllers and N simulated nodes — filled with P pods through ReplicaSets
 * (P/100 sets of 100 replicas, 30 sets per namespace), while a separate client keeps up a
 * steady, open-loop trickle of reads (get pod, a page of 500 pods, get node) and writes
 * (ConfigMap create, update, delete), timed from each request's scheduled send time.
 *
 * - The server runs in a child process of its own (lib/scale-server.ts), compiled JavaScript
 *   when possible; the measuring client in another (lib/scale-probe*.ts); this process only
 *   creates the ReplicaSets and watches progress (a ReplicaSet list every couple of seconds,
 *   summing status.readyReplicas). At the end, every Running pod is counted exactly with a
 *   paged list (fieldSelector=status.phase=Running, 500 a page), as `kubectl get pods -A` pages.
 * - Baseline, same run: the same probes against an idle cluster (same components, no
 *   simulated nodes, no fill) with the probe's own fixtures only.
 * - Phases of the scale run: "nodes only" (nodes registered and heartbeating, no pods),
 *   "fill" (first ReplicaSet created → every pod Ready), "steady" (everything Running).
 * - RSS is read from /proc/<pid>/status (VmRSS now, VmHWM the peak), with the child's own
 *   heap figures and event-loop delay beside it. With `profileDir`, a CPU profile of the fill
 *   and a heap snapshot at the end (or at the point where it breaks) are written there.
 *
 * Run alone with `node --import tsx bench/scale.ts [--quick]`, or call `runScaleBench`.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { expectStatus, readCreds } from "./lib/client.js";
import { GoLikeClient as ApiClient } from "./lib/scale-client.js";
import { namespaceJson } from "./lib/objects.js";
import { Probe, readKinds, writeKinds, type PhaseSamples, type ProbeKind } from "./lib/scale-probe.js";
import { startScaleServer, type ScaleServer, type ServerMem } from "./lib/scale-server.js";
import type { Runtime } from "./lib/startup.js";
import { fmt, mark, percentile, table } from "./lib/stats.js";

export interface Check {
  name: string;
  ok: boolean;
}

export interface ScaleBenchOptions {
  /** Simulated nodes (default 5,000; quick 500). */
  nodes?: number;
  /** Pods to fill (default 150,000; quick 5,000). */
  pods?: number;
  /** CI smoke sizes: 500 nodes, 5,000 pods, short phases (< 60 s in all). */
  quick?: boolean;
  /** Probe rates (default 20/s each). */
  readsPerSec?: number;
  writesPerSec?: number;
  /** Baseline probing time (default 30 s; quick 5 s). */
  baselineMs?: number;
  /** "nodes only" phase (default 15 s; quick 3 s). */
  nodesOnlyMs?: number;
  /** Steady-state probing after the fill (default 60 s; quick 5 s). */
  steadyMs?: number;
  /** Give up on the fill after this long (default 30 min; quick 90 s). */
  fillTimeoutMs?: number;
  /** Run the server's TypeScript through tsx instead of compiled JavaScript. */
  tsx?: boolean;
  /** --max-old-space-size of the server (default: Node's, as `timonel up` runs). */
  heapMb?: number;
  /**
   * Write a CPU profile of the fill (its first `profileMs`, default 120 s) and a heap snapshot
   * (at the end, or once `snapshotAtPods` pods are stored) here. Both disturb the figures.
   */
  profileDir?: string;
  profileMs?: number;
  snapshotAtPods?: number;
  /** Parent of the temporary data dirs (removed afterwards). */
  dir?: string;
  /** Progress lines (stderr by default). */
  log?: (line: string) => void;
}

export interface LatStats {
  n: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface PhaseStats {
  phase: string;
  ms: number;
  reads: LatStats;
  writes: LatStats;
  byKind: Partial<Record<ProbeKind, LatStats>>;
  errors: number;
  firstErrors: string[];
  skipped: number;
}

/** One progress sample of the scale run. */
export interface TimelinePoint {
  /** Seconds since the first ReplicaSet was created. */
  t: number;
  /** Σ status.replicas and Σ status.readyReplicas over the fill's ReplicaSets. */
  created: number;
  ready: number;
  /** Pods in storage (fill only). */
  stored: number;
  rss: number;
  heapUsed?: number;
  /** Server CPU since the previous sample, in cores (1 = one full core). */
  cpuCores: number;
  loopMaxMs?: number;
}

export interface ScaleBenchResult {
  nodes: number;
  pods: number;
  replicaSets: number;
  namespaces: number;
  runtime: Runtime;
  readsPerSec: number;
  writesPerSec: number;
  baseline: { phases: PhaseStats[]; rss: number };
  /** Spawn → cluster started with every node registered (and its Lease created). */
  registerMs: number;
  phases: PhaseStats[];
  fill: {
    complete: boolean;
    ready: number;
    ms: number;
    podsPerSec: number;
    /** When Σ status.replicas first reached the target (every pod created), s after the start. */
    createdAtS?: number;
    failure?: string;
  };
  /** The exact count at the end: Running pods over a paged, field-selected list. */
  running?: { count: number; ms: number; pages: number; pageP50Ms: number; pageP99Ms: number };
  rss: { afterNodes: number; endOfFill: number; end: number; peak: number };
  heap?: { usedEnd: number; limit: number; peakUsed: number };
  /** Server CPU over the fill, in cores. */
  fillCpuCores: number;
  loadavg: { start: number[]; end: number[] };
  timeline: TimelinePoint[];
  /** Profiles and snapshots written, with sizes. */
  artifacts: string[];
}

const fillReplicas = 100;
const setsPerNamespace = 30;
const probeNs = "scale-probe";
const probePods = 1000;

/** The fill's pod template: a small web container, as a Deployment's pods would be. */
function replicaSetJson(ns: string, name: string, replicas: number): string {
  return JSON.stringify({
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, tier: "web" } },
        spec: {
          containers: [{
            name: "web",
            image: "nginx:1.27",
            ports: [{ containerPort: 80, name: "http" }],
            env: [{ name: "MODE", value: "bench" }],
            // Small requests: 30 a node use 3 of a simulated node's 32 CPUs.
            resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "128Mi" } },
            readinessProbe: { httpGet: { path: "/", port: 80 }, periodSeconds: 5 },
          }],
        },
      },
    },
  });
}

function latStats(samples: number[]): LatStats {
  const s = Array.from(Float64Array.from(samples).sort());
  return { n: s.length, p50Ms: percentile(s, 0.5), p99Ms: percentile(s, 0.99), maxMs: s.length ? s[s.length - 1]! : NaN };
}

function phaseStats(p: PhaseSamples): PhaseStats {
  const all = (kinds: readonly ProbeKind[]): number[] => kinds.flatMap((k) => p.byKind[k] ?? []);
  const byKind: Partial<Record<ProbeKind, LatStats>> = {};
  for (const k of [...readKinds, ...writeKinds]) if (p.byKind[k]?.length) byKind[k] = latStats(p.byKind[k]!);
  const errors = Object.values(p.errors).reduce((a, b) => a + (b ?? 0), 0);
  return {
    phase: p.phase, ms: p.ms, reads: latStats(all(readKinds)), writes: latStats(all(writeKinds)), byKind, errors,
    firstErrors: Object.entries(p.firstError).map(([k, e]) => `${k}: ${e}`), skipped: p.skipped,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` over 0..n-1 with at most `limit` in flight. */
async function pool(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, n) }, async () => {
    for (let i = next++; i < n; i = next++) await fn(i);
  }));
}

async function waitForServiceAccount(c: ApiClient, ns: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while ((await c.request("GET", `/api/v1/namespaces/${ns}/serviceaccounts/default`)).status !== 200) {
    if (Date.now() > deadline) throw new Error(`no default ServiceAccount in ${ns} after 120 s`);
    await sleep(100);
  }
}

/** Σ status.replicas and Σ status.readyReplicas over the fill's ReplicaSets, and the pods stored. */
async function progress(c: ApiClient): Promise<{ created: number; ready: number; stored: number }> {
  const r = expectStatus(await c.request("GET", "/apis/apps/v1/replicasets"), "list replicasets", 200);
  const list = JSON.parse(r.body) as { items: { status?: { replicas?: number; readyReplicas?: number } }[] };
  let created = 0;
  let ready = 0;
  for (const rs of list.items) {
    created += rs.status?.replicas ?? 0;
    ready += rs.status?.readyReplicas ?? 0;
  }
  const p = JSON.parse(expectStatus(await c.request("GET", "/api/v1/pods?limit=1"), "count pods", 200).body) as { metadata: { remainingItemCount?: number }; items: unknown[] };
  return { created, ready, stored: (p.metadata.remainingItemCount ?? 0) + p.items.length - probePods };
}

/** Counts Running pods exactly, 500 a page, as a chunked `kubectl get pods -A` reads them. */
async function countRunning(c: ApiClient): Promise<NonNullable<ScaleBenchResult["running"]>> {
  const times: number[] = [];
  let count = 0;
  let cont = "";
  const t0 = performance.now();
  do {
    const t = performance.now();
    const q = `/api/v1/pods?limit=500&fieldSelector=status.phase%3DRunning${cont ? `&continue=${encodeURIComponent(cont)}` : ""}`;
    const page = JSON.parse(expectStatus(await c.request("GET", q), "list running pods", 200).body) as { metadata: { continue?: string }; items: unknown[] };
    times.push(performance.now() - t);
    count += page.items.length;
    cont = page.metadata.continue ?? "";
  } while (cont);
  const s = times.slice().sort((a, b) => a - b);
  return { count, ms: performance.now() - t0, pages: times.length, pageP50Ms: percentile(s, 0.5), pageP99Ms: percentile(s, 0.99) };
}

/** Asks the server for its memory figures without ever waiting long on a stuck event loop. */
function memSoon(server: ScaleServer, ms: number): Promise<ServerMem | undefined> {
  return Promise.race([server.mem().catch(() => undefined), sleep(ms).then(() => undefined)]);
}

function fileSize(path: string): string {
  try {
    return fmt.mb(statSync(path).size);
  } catch {
    return "?";
  }
}

interface Resolved {
  nodes: number;
  pods: number;
  quick: boolean;
  readsPerSec: number;
  writesPerSec: number;
  baselineMs: number;
  nodesOnlyMs: number;
  steadyMs: number;
  fillTimeoutMs: number;
  tsx: boolean;
  heapMb?: number;
  profileDir?: string;
  profileMs: number;
  snapshotAtPods?: number;
  log: (line: string) => void;
}

async function baselineRun(o: Resolved, root: string, buildDir: string): Promise<ScaleBenchResult["baseline"]> {
  const dataDir = join(root, "baseline");
  o.log("scale bench: baseline — idle cluster, no simulated nodes");
  const server = await startScaleServer({ repoRoot: repoRoot(), dataDir, buildDir, nodes: 0, tsx: o.tsx, heapMb: o.heapMb });
  const probe = Probe.start(server.url, dataDir);
  try {
    await probe.call("setup", { namespace: probeNs, pods: probePods, node: true });
    await probe.call("start", { readsPerSec: o.readsPerSec, writesPerSec: o.writesPerSec, nodeNames: [], phase: "baseline (idle)" });
    await sleep(o.baselineMs);
    const samples = await probe.call("stop", {});
    return { phases: samples.map(phaseStats), rss: server.proc().rss };
  } finally {
    await probe.close();
    await server.stop();
  }
}

function repoRoot(): string {
  return fileURLToPath(new URL("..", import.meta.url));
}

export async function runScaleBench(opts: ScaleBenchOptions = {}): Promise<ScaleBenchResult> {
  const quick = opts.quick ?? false;
  const o: Resolved = {
    nodes: opts.nodes ?? (quick ? 500 : 5000),
    pods: opts.pods ?? (quick ? 5000 : 150_000),
    quick,
    readsPerSec: opts.readsPerSec ?? 20,
    writesPerSec: opts.writesPerSec ?? 20,
    baselineMs: opts.baselineMs ?? (quick ? 4000 : 30_000),
    nodesOnlyMs: opts.nodesOnlyMs ?? (quick ? 2000 : 15_000),
    steadyMs: opts.steadyMs ?? (quick ? 4000 : 60_000),
    fillTimeoutMs: opts.fillTimeoutMs ?? (quick ? 90_000 : 30 * 60_000),
    tsx: opts.tsx ?? false,
    heapMb: opts.heapMb,
    profileDir: opts.profileDir,
    profileMs: opts.profileMs ?? 120_000,
    snapshotAtPods: opts.snapshotAtPods,
    log: opts.log ?? ((l) => process.stderr.write(`${l}\n`)),
  };
  const root = mkdtempSync(join(opts.dir ?? os.tmpdir(), "timonel-bench-scale-"));
  const buildDir = join(root, "build");
  const loadStart = os.loadavg();
  try {
    const baseline = await baselineRun(o, root, buildDir);
    return await scaleRun(o, root, buildDir, baseline, loadStart);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function scaleRun(o: Resolved, root: string, buildDir: string, baseline: ScaleBenchResult["baseline"], loadStart: number[]): Promise<ScaleBenchResult> {
  const dataDir = join(root, "scale");
  const sets = Math.ceil(o.pods / fillReplicas);
  const namespaces = Math.ceil(sets / setsPerNamespace);
  const artifacts: string[] = [];
  o.log(`scale bench: starting a cluster with ${o.nodes} simulated nodes`);
  const server = await startScaleServer({ repoRoot: repoRoot(), dataDir, buildDir, nodes: o.nodes, tsx: o.tsx, heapMb: o.heapMb, timeoutMs: 20 * 60_000 });
  o.log(`scale bench: ${o.nodes} nodes registered in ${(server.startMs / 1000).toFixed(1)} s (${server.runtime}), RSS ${fmt.mb(server.proc().rss)}`);
  const probe = Probe.start(server.url, dataDir);
  const driver = await ApiClient.connect(server.url, readCreds(dataDir));
  const nodeNames = Array.from({ length: o.nodes }, (_, i) => `sim-node-${(i * 7919) % o.nodes}`);
  const timeline: TimelinePoint[] = [];
  let failure: string | undefined;
  let fillMs = NaN;
  let createdAtS: number | undefined;
  let ready = 0;
  let peakHeap = 0;
  let lastMem: ServerMem | undefined;
  let endOfFillRss = NaN;
  let fillCpuCores = NaN;
  let running: ScaleBenchResult["running"];
  let samples: PhaseSamples[] = [];
  try {
    await probe.call("setup", { namespace: probeNs, pods: probePods, node: false });
    await probe.call("start", { readsPerSec: o.readsPerSec, writesPerSec: o.writesPerSec, nodeNames, phase: "nodes only" });
    await sleep(o.nodesOnlyMs);
    const afterNodes = server.proc().rss;

    // The fill: namespaces first (each needs its default ServiceAccount before pods are admitted).
    await pool(namespaces, 8, async (i) => {
      expectStatus(await driver.request("POST", "/api/v1/namespaces", namespaceJson(`fill-${i}`)), `create namespace fill-${i}`, 201);
    });
    for (let i = 0; i < namespaces; i++) await waitForServiceAccount(driver, `fill-${i}`);
    await probe.call("phase", { phase: "fill" });
    const t0 = performance.now();
    const cpu0 = server.proc().cpuSeconds;
    // Coarse sampling (5 ms): a long fill stays a small profile and a small disturbance.
    let profiling = o.profileDir ? await server.profileStart(5000).then(() => true) : false;
    const stopProfile = async (): Promise<void> => {
      if (!profiling || server.exited()) return;
      profiling = false;
      const path = await server.profileStop(join(o.profileDir!, "scale-fill.cpuprofile"));
      artifacts.push(`${path} (${fileSize(path)}, the fill's first ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    };
    let snapshotTaken = false;
    await pool(sets, 8, async (i) => {
      const replicas = Math.min(fillReplicas, o.pods - i * fillReplicas);
      const ns = `fill-${Math.floor(i / setsPerNamespace)}`;
      expectStatus(await driver.request("POST", `/apis/apps/v1/namespaces/${ns}/replicasets`, replicaSetJson(ns, `rs-${i}`, replicas)), `create replicaset ${i}`, 201);
    });
    o.log(`scale bench: ${sets} ReplicaSets created in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    let lastCpu = cpu0;
    let lastT = t0;
    let lastLog = 0;
    let progressErrors = 0;
    for (;;) {
      const exit = server.exited();
      if (exit) {
        const fatal = exit.stderr.split("\n").find((l) => l.includes("FATAL ERROR"));
        failure = `server exited (${exit.signal ?? `code ${exit.code}`}) after ${((performance.now() - t0) / 1000).toFixed(0)} s: ${fatal?.trim() ?? exit.stderr.trim().split("\n").slice(-6).join(" | ")}`;
        break;
      }
      const p = await progress(driver).catch((e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }));
      const now = performance.now();
      let proc: ReturnType<ScaleServer["proc"]>;
      try {
        proc = server.proc();
      } catch {
        // Gone from /proc: the exit event is on its way.
        await sleep(500);
        continue;
      }
      const mem = await memSoon(server, 2000);
      if (mem) {
        lastMem = mem;
        peakHeap = Math.max(peakHeap, mem.heapUsed);
      }
      if ("error" in p) {
        // The server may be dying (its exit is noticed a moment later) or just very slow.
        if (++progressErrors > 5) throw new Error(p.error);
        await sleep(1000);
        continue;
      }
      progressErrors = 0;
      ready = p.ready;
      const point: TimelinePoint = {
        t: (now - t0) / 1000, created: p.created, ready: p.ready, stored: p.stored, rss: proc.rss, heapUsed: mem?.heapUsed,
        cpuCores: (proc.cpuSeconds - lastCpu) / ((now - lastT) / 1000), loopMaxMs: mem?.loopMaxMs,
      };
      timeline.push(point);
      lastCpu = proc.cpuSeconds;
      lastT = now;
      if (createdAtS === undefined && p.created >= o.pods) createdAtS = point.t;
      if (profiling && now - t0 > o.profileMs) await stopProfile();
      if (o.profileDir && o.snapshotAtPods !== undefined && !snapshotTaken && p.stored >= o.snapshotAtPods) {
        snapshotTaken = true;
        o.log(`scale bench: ${p.stored} pods stored; writing a heap snapshot (the server stalls meanwhile)`);
        const path = await server.heapSnapshot(join(o.profileDir, `scale-${p.stored}-pods.heapsnapshot`));
        artifacts.push(`${path} (${fileSize(path)}, at ${p.stored} pods, heap ${mem ? fmt.mb(mem.heapUsed) : "?"} before)`);
      }
      if (now - lastLog > (o.quick ? 5000 : 15_000)) {
        lastLog = now;
        o.log(`scale bench: ${point.t.toFixed(0)} s: ${p.stored} pods stored, ${p.created} counted by ReplicaSets, ${p.ready} ready; RSS ${fmt.mb(proc.rss)}, heap ${mem ? fmt.mb(mem.heapUsed) : "?"}, CPU ${point.cpuCores.toFixed(2)} cores, loop max ${mem ? fmt.ms(mem.loopMaxMs) : "?"} ms; load ${os.loadavg()[0]!.toFixed(2)}`);
      }
      if (p.ready >= o.pods) {
        fillMs = now - t0;
        break;
      }
      if (now - t0 > o.fillTimeoutMs) {
        failure = `fill timed out after ${(o.fillTimeoutMs / 1000).toFixed(0)} s with ${p.ready} of ${o.pods} pods ready (${p.stored} stored)`;
        break;
      }
      await sleep(o.quick ? 500 : 2000);
    }
    if (!server.exited()) {
      const end = server.proc();
      fillCpuCores = (end.cpuSeconds - cpu0) / ((performance.now() - t0) / 1000);
      endOfFillRss = end.rss;
    } else {
      fillCpuCores = (lastCpu - cpu0) / ((lastT - t0) / 1000);
      endOfFillRss = timeline.at(-1)?.rss ?? NaN;
    }
    await stopProfile();
    if (!failure) {
      o.log(`scale bench: all ${o.pods} pods ready in ${(fillMs / 1000).toFixed(1)} s; steady state for ${o.steadyMs / 1000} s`);
      await probe.call("phase", { phase: "steady" });
      await sleep(o.steadyMs);
    }
    samples = await probe.call("stop", {});
    if (!failure) {
      running = await countRunning(driver);
      o.log(`scale bench: ${running.count} pods Running (counted in ${(running.ms / 1000).toFixed(1)} s, ${running.pages} pages)`);
    }
    const m = server.exited() ? undefined : await memSoon(server, 10_000);
    if (m) {
      lastMem = m;
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }
    // A dead server's last figures are the last sample's (its VmHWM is gone with it). Read
    // before any snapshot: writing one inflates RSS by about the heap's size.
    const end = server.exited() ? { rss: endOfFillRss, hwm: Math.max(...timeline.map((p) => p.rss)) } : server.proc();
    if (o.profileDir && !snapshotTaken && !server.exited()) {
      o.log("scale bench: writing a heap snapshot");
      const path = await server.heapSnapshot(join(o.profileDir, "scale-end.heapsnapshot"));
      artifacts.push(`${path} (${fileSize(path)})`);
    }
    return {
      nodes: o.nodes, pods: o.pods, replicaSets: sets, namespaces, runtime: server.runtime, readsPerSec: o.readsPerSec, writesPerSec: o.writesPerSec,
      baseline, registerMs: server.startMs, phases: samples.map(phaseStats),
      fill: { complete: !failure, ready, ms: failure ? NaN : fillMs, podsPerSec: failure ? NaN : (o.pods * 1000) / fillMs, createdAtS, failure },
      running,
      rss: { afterNodes, endOfFill: endOfFillRss, end: end.rss, peak: end.hwm },
      heap: lastMem ? { usedEnd: lastMem.heapUsed, limit: lastMem.heapLimit, peakUsed: peakHeap } : undefined,
      fillCpuCores, loadavg: { start: loadStart, end: os.loadavg() }, timeline, artifacts,
    };
  } finally {
    driver.close();
    await probe.close();
    await server.stop();
  }
}

/** Targets: every pod Running; read and write p99 < 1 s while filling and at steady state. */
export function scaleChecks(r: ScaleBenchResult): Check[] {
  const checks: Check[] = [{ name: `${fmt.int(r.pods)} pods Running on ${fmt.int(r.nodes)} nodes`, ok: r.fill.complete && (r.running?.count ?? 0) >= r.pods }];
  for (const phase of ["fill", "steady"]) {
    const p = r.phases.find((x) => x.phase === phase);
    checks.push({ name: `read p99 < 1 s (${phase})`, ok: !!p && p.reads.n > 0 && p.reads.p99Ms < 1000 });
    checks.push({ name: `write p99 < 1 s (${phase})`, ok: !!p && p.writes.n > 0 && p.writes.p99Ms < 1000 });
  }
  return checks;
}

const lat3 = (l: LatStats): string => (l.n ? `${fmt.ms(l.p50Ms)} / ${fmt.ms(l.p99Ms)} / ${fmt.ms(l.maxMs)}` : "—");

export function formatScaleBench(r: ScaleBenchResult): string {
  const checks = new Map(scaleChecks(r).map((c) => [c.name, c.ok]));
  const base = r.baseline.phases[0];
  const rows: string[][] = [[`probes: ${r.readsPerSec} reads/s + ${r.writesPerSec} writes/s, ms from scheduled send`, "time", "reads p50 / p99 / max", "× base p99", "writes p50 / p99 / max", "× base p99", "errors", "target", ""]];
  for (const p of [...r.baseline.phases, ...r.phases]) {
    const isBase = p === base;
    const target = p.phase === "fill" || p.phase === "steady";
    const ok = target ? (checks.get(`read p99 < 1 s (${p.phase})`) ?? false) && (checks.get(`write p99 < 1 s (${p.phase})`) ?? false) : undefined;
    rows.push([
      p.phase, `${(p.ms / 1000).toFixed(0)} s`,
      lat3(p.reads), isBase || !base ? "" : fmt.ratio(p.reads.p99Ms / base.reads.p99Ms),
      lat3(p.writes), isBase || !base ? "" : fmt.ratio(p.writes.p99Ms / base.writes.p99Ms),
      `${p.errors}${p.skipped ? ` (+${p.skipped} unsent)` : ""}`, target ? "p99 < 1 s" : "", mark(ok),
    ]);
  }
  const kinds: ProbeKind[] = [...readKinds, ...writeKinds];
  const kindRows: string[][] = [["p99 by request (ms)", ...kinds]];
  for (const p of [...r.baseline.phases, ...r.phases]) kindRows.push([p.phase, ...kinds.map((k) => (p.byKind[k] ? fmt.ms(p.byKind[k]!.p99Ms) : "—"))]);
  const fill = r.fill;
  const fillLine = fill.complete
    ? `fill: ${fmt.int(r.pods)} pods (${fmt.int(r.replicaSets)} ReplicaSets × 100 in ${r.namespaces} namespaces) Ready in ${(fill.ms / 1000).toFixed(1)} s = ${fmt.int(fill.podsPerSec)} pods/s` +
      `${fill.createdAtS !== undefined ? `; all created by ${fill.createdAtS.toFixed(0)} s` : ""}; server CPU ${fill.ms ? r.fillCpuCores.toFixed(2) : "?"} cores` + ` ${mark(checks.get(`${fmt.int(r.pods)} pods Running on ${fmt.int(r.nodes)} nodes`))}`
    : `fill: FAILED — ${fill.failure} (${fmt.int(fill.ready)} of ${fmt.int(r.pods)} ready)`;
  const lines = [
    `${fmt.int(r.nodes)} simulated nodes, ${fmt.int(r.pods)} pods, one server process (${r.runtime}, SQLite); nodes registered in ${(r.registerMs / 1000).toFixed(1)} s`,
    table(rows),
    "",
    table(kindRows),
    "",
    fillLine,
  ];
  if (r.running) lines.push(`exact count at the end: ${fmt.int(r.running.count)} Running, by ${r.running.pages} pages of 500 (fieldSelector) in ${(r.running.ms / 1000).toFixed(1)} s, page p50 / p99 ${fmt.ms(r.running.pageP50Ms)} / ${fmt.ms(r.running.pageP99Ms)} ms`);
  lines.push(`server RSS: idle baseline ${fmt.mb(r.baseline.rss)}, nodes only ${fmt.mb(r.rss.afterNodes)}, end of fill ${fmt.mb(r.rss.endOfFill)}, end ${fmt.mb(r.rss.end)}, peak (VmHWM) ${fmt.mb(r.rss.peak)}`);
  if (r.heap) lines.push(`server heap: used at the end ${fmt.mb(r.heap.usedEnd)}, peak sampled ${fmt.mb(r.heap.peakUsed)}, limit ${fmt.mb(r.heap.limit)}`);
  const every = Math.max(1, Math.ceil(r.timeline.length / 12));
  const tl: string[][] = [["fill timeline (s)", "stored", "created", "ready", "RSS", "heap", "CPU cores", "loop max ms"]];
  r.timeline.forEach((p, i) => {
    if (i % every === 0 || i === r.timeline.length - 1) {
      tl.push([p.t.toFixed(0), fmt.int(p.stored), fmt.int(p.created), fmt.int(p.ready), fmt.mb(p.rss), p.heapUsed ? fmt.mb(p.heapUsed) : "?", p.cpuCores.toFixed(2), p.loopMaxMs !== undefined ? fmt.ms(p.loopMaxMs) : "?"]);
    }
  });
  if (r.timeline.length) lines.push("", table(tl));
  for (const p of [...r.baseline.phases, ...r.phases]) for (const e of p.firstErrors) lines.push(`first error (${p.phase}) ${e}`);
  for (const a of r.artifacts) lines.push(`written: ${a}`);
  lines.push(`load average ${r.loadavg.start.map((x) => x.toFixed(2)).join(" ")} → ${r.loadavg.end.map((x) => x.toFixed(2)).join(" ")}`);
  return lines.join("\n");
}

const USAGE = `usage: node --import tsx bench/scale.ts [--quick] [--nodes N] [--pods P] [--steady SECONDS] [--baseline SECONDS]
       [--profile DIR [--profile-seconds S] [--snapshot-at PODS]] [--heap-mb N] [--tsx]`;

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean" }, nodes: { type: "string" }, pods: { type: "string" }, steady: { type: "string" }, baseline: { type: "string" },
      profile: { type: "string" }, "profile-seconds": { type: "string" }, "snapshot-at": { type: "string" }, "heap-mb": { type: "string" }, tsx: { type: "boolean" }, help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return void console.log(USAGE);
  const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
  const r = await runScaleBench({
    quick: values.quick, nodes: num(values.nodes), pods: num(values.pods), steadyMs: values.steady ? Number(values.steady) * 1000 : undefined,
    baselineMs: values.baseline ? Number(values.baseline) * 1000 : undefined, profileDir: values.profile,
    profileMs: values["profile-seconds"] ? Number(values["profile-seconds"]) * 1000 : undefined, snapshotAtPods: num(values["snapshot-at"]), heapMb: num(values["heap-mb"]), tsx: values.tsx,
  });
  console.log(formatScaleBench(r));
  const missed = scaleChecks(r).filter((c) => !c.ok);
  if (missed.length) console.log(`targets missed: ${missed.map((c) => c.name).join("; ")}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main(process.argv.slice(2));
