/**
 * Controllers benchmark (issue 4, point 9): end-to-end pods/s through the whole control
 * plane — Deployment controller → ReplicaSet controller → scheduler → simulated node → the
 * Deployment's status counting the pod available — each case beside a baseline measured in
 * the same run.
 *
 * - Big: one Deployment of 1,000 replicas on 100 simulated nodes (pod start delay 0), from
 *   its create until `status.availableReplicas` reaches 1,000.
 * - Rolling update: a new image for that Deployment, until the rollout is complete as
 *   `kubectl rollout status` sees it (every replica updated and available, no old pod left).
 * - Many: 1,000 Deployments of 3 replicas each, created by 32 concurrent clients, until
 *   every one is fully available.
 * Baseline: the API's own create throughput for the same number of pods — bare pod creates
 * from 32 concurrent clients over the same in-process transport, on a cluster with the same
 * storage and no components (nothing but the API server).
 *
 * Each case also reports when the last pod was created, scheduled and Running, from an
 * informer the benchmark keeps on pods, so a miss points at the stage that lags.
 *
 * Everything runs in this process over the in-process transport (the full handler chain, no
 * TCP). Run alone with `node --import tsx bench/controllers.ts [--quick]`, or call
 * `runControllersBench`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { startCluster, type Cluster } from "../src/cli/cluster.js";
import { ApiClient } from "../src/client/client.js";
import { inProcessTransport } from "../src/client/inprocess.js";
import { Informer } from "../src/client/informer/index.js";
import type { Deployment } from "../src/api/apps/v1/deployment.js";
import type { PodObj } from "../src/api/core/v1/pod-printer.js";
import { fmt, mark, table } from "./lib/stats.js";

export interface Check {
  name: string;
  ok: boolean;
}

export interface ControllersBenchOptions {
  /** Small counts, for CI smoke runs (< 30 s); explicit options below still win. */
  quick?: boolean;
  /** The single big Deployment (and its rolling update), or false to skip both. */
  big?: { replicas: number; nodes: number } | false;
  /** Also roll the big Deployment out to a new image (default true). */
  rollingUpdate?: boolean;
  /** Many small Deployments, or false to skip. */
  many?: { deployments: number; replicas: number; nodes: number } | false;
  /** Storage backend (default sqlite, as `timonel up`). */
  storage?: string;
  /** Concurrent clients creating Deployments, and creating pods in the baseline (default 32). */
  concurrency?: number;
  /** A case that takes longer than this fails the run (default 10 min). */
  timeoutMs?: number;
  /** Parent of the temporary data dirs (removed afterwards). */
  dir?: string;
  /** Progress lines (to stderr by default). */
  log?: (line: string) => void;
}

/** When the last pod of a case reached each stage, in ms from the case's start. */
export interface Stages {
  created: number;
  scheduled: number;
  running: number;
}

export interface CaseResult {
  kind: "big" | "rolling" | "many";
  label: string;
  nodes: number;
  /** Pods the case brings to available. */
  pods: number;
  ms: number;
  podsPerSec: number;
  baseMs: number;
  basePerSec: number;
  /** End-to-end rate over the API's bare create rate. */
  ratio: number;
  stages: Stages;
}

export interface ControllersBenchResult {
  cases: CaseResult[];
  storage: string;
  concurrency: number;
}

interface Resolved {
  big: { replicas: number; nodes: number } | false;
  rollingUpdate: boolean;
  many: { deployments: number; replicas: number; nodes: number } | false;
  storage: string;
  concurrency: number;
  timeoutMs: number;
  dir?: string;
  log: (line: string) => void;
}

const NS = "default";
const image = (tag: string): string => `registry.k8s.io/pause:${tag}`;

function deploymentObj(name: string, replicas: number): Deployment {
  const labels = { app: name };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: NS, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: "app", image: image("3.9"), resources: { requests: { cpu: "10m", memory: "16Mi" } } }] },
      },
    },
  };
}

function podObj(name: string): PodObj {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS, labels: { app: "bare" } },
    spec: { containers: [{ name: "app", image: image("3.9"), resources: { requests: { cpu: "10m", memory: "16Mi" } } }] },
  };
}

/** Runs `fn` over 0..n-1 with at most `concurrency` in flight. */
async function pool(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}

async function until(what: string, done: () => boolean, timeoutMs: number, everyMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function withCluster<T>(o: Resolved, nodes: number, fn: (cluster: Cluster, client: ApiClient) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(o.dir ?? tmpdir(), "timonel-bench-ctrl-"));
  const cluster = await startCluster({
    dataDir: dir, port: 0, host: "127.0.0.1", storage: o.storage, compactionWindowMs: 60 * 60_000,
    components: nodes > 0,
    simulatedNodes: nodes > 0 ? { count: nodes, podStartDelayMs: 0, onError: () => {} } : undefined,
  });
  const client = new ApiClient(inProcessTransport(cluster.handle));
  try {
    return await fn(cluster, client);
  } finally {
    await client.close();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The API alone: `pods` bare pod creates from `concurrency` clients; returns the elapsed ms. */
async function baseline(o: Resolved, pods: number): Promise<number> {
  return withCluster(o, 0, async (_cluster, client) => {
    // Warm the path (first-use loading, the JIT) outside the timed part: a 1,000-pod run is
    // short enough for an unwarmed start to halve its figure.
    await pool(Math.min(1000, pods), o.concurrency, (i) => client.pods.create(NS, podObj(`warm-${i}`)));
    const t0 = performance.now();
    await pool(pods, o.concurrency, (i) => client.pods.create(NS, podObj(`bare-${i}`)));
    return performance.now() - t0;
  });
}

/** Follows every pod through created → scheduled → Running, from `since` on. */
class PodStages {
  private readonly inf: Informer<PodObj>;
  private since = performance.now();
  private readonly seen = new Map<string, { created: number; scheduled?: number; running?: number }>();

  constructor(client: ApiClient) {
    this.inf = new Informer<PodObj>(client.pods, { onError: () => {} });
    const note = (p: PodObj): void => {
      const uid = p.metadata.uid ?? "";
      const now = performance.now();
      let s = this.seen.get(uid);
      if (!s) this.seen.set(uid, (s = { created: now }));
      if (s.scheduled === undefined && p.spec?.nodeName) s.scheduled = now;
      if (s.running === undefined && p.status?.phase === "Running") s.running = now;
    };
    this.inf.addHandler({ onAdd: note, onUpdate: (_o, n) => note(n) });
  }

  async start(): Promise<void> {
    this.inf.start();
    await this.inf.waitForSync();
  }

  /** Forget what was seen so far; stages count from now. */
  reset(): void {
    this.since = performance.now();
    this.seen.clear();
  }

  stages(): Stages {
    let created = 0;
    let scheduled = 0;
    let running = 0;
    for (const s of this.seen.values()) {
      created = Math.max(created, s.created - this.since);
      scheduled = Math.max(scheduled, (s.scheduled ?? Number.NaN) - this.since);
      running = Math.max(running, (s.running ?? Number.NaN) - this.since);
    }
    return { created, scheduled, running };
  }

  stop(): void {
    this.inf.stop();
  }
}

/** Rollout complete as `kubectl rollout status` decides it. */
function rolledOut(d: Deployment | undefined): boolean {
  if (!d?.spec || !d.status) return false;
  const want = d.spec.replicas ?? 1;
  const s = d.status;
  return (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
    && (s.updatedReplicas ?? 0) === want && (s.replicas ?? 0) === want && (s.availableReplicas ?? 0) === want;
}

async function bigCases(o: Resolved, replicas: number, nodes: number): Promise<CaseResult[]> {
  o.log(`controllers bench: baseline — ${fmt.int(replicas)} bare pod creates`);
  const baseMs = await baseline(o, replicas);
  return withCluster(o, nodes, async (_cluster, client) => {
    const pods = new PodStages(client);
    const deploys = new Informer<Deployment>(client.deployments, { onError: () => {} });
    deploys.start();
    await Promise.all([pods.start(), deploys.waitForSync()]);
    const current = (): Deployment | undefined => deploys.get(`${NS}/big`);
    const out: CaseResult[] = [];
    const result = (kind: CaseResult["kind"], label: string, ms: number): CaseResult => ({
      kind, label, nodes, pods: replicas, ms, podsPerSec: (replicas * 1000) / ms, baseMs, basePerSec: (replicas * 1000) / baseMs,
      ratio: baseMs / ms, stages: pods.stages(),
    });
    try {
      o.log(`controllers bench: one Deployment of ${fmt.int(replicas)} replicas on ${nodes} nodes`);
      pods.reset();
      let t0 = performance.now();
      await client.deployments.create(NS, deploymentObj("big", replicas));
      await until(`${replicas} available replicas`, () => rolledOut(current()), o.timeoutMs);
      out.push(result("big", `one Deployment, ${fmt.int(replicas)} replicas, ${nodes} nodes`, performance.now() - t0));

      if (o.rollingUpdate) {
        o.log("controllers bench: rolling update of it");
        pods.reset();
        t0 = performance.now();
        await client.deployments.patch(NS, "big", "strategic", { spec: { template: { spec: { containers: [{ name: "app", image: image("3.10") }] } } } });
        // The patch bumped the generation; wait until the controller has seen it.
        await until("the rollout to start", () => (current()?.status?.observedGeneration ?? 0) >= 2, o.timeoutMs, 2);
        await until("the rollout to finish", () => rolledOut(current()), o.timeoutMs);
        out.push(result("rolling", `rolling update of it (25% surge / 25% unavailable)`, performance.now() - t0));
      }
      return out;
    } finally {
      pods.stop();
      deploys.stop();
    }
  });
}

async function manyCase(o: Resolved, count: number, replicas: number, nodes: number): Promise<CaseResult> {
  const total = count * replicas;
  o.log(`controllers bench: baseline — ${fmt.int(total)} bare pod creates`);
  const baseMs = await baseline(o, total);
  o.log(`controllers bench: ${fmt.int(count)} Deployments of ${replicas} replicas on ${nodes} nodes`);
  return withCluster(o, nodes, async (_cluster, client) => {
    const pods = new PodStages(client);
    const deploys = new Informer<Deployment>(client.deployments, { onError: () => {} });
    deploys.start();
    await Promise.all([pods.start(), deploys.waitForSync()]);
    try {
      const done = (): boolean => {
        const all = deploys.list();
        return all.length === count && all.every(rolledOut);
      };
      pods.reset();
      const t0 = performance.now();
      await pool(count, o.concurrency, (i) => client.deployments.create(NS, deploymentObj(`many-${i}`, replicas)));
      await until(`${count} Deployments available`, done, o.timeoutMs, 20);
      const ms = performance.now() - t0;
      return {
        kind: "many", label: `${fmt.int(count)} Deployments × ${replicas} replicas, ${nodes} nodes`, nodes, pods: total, ms,
        podsPerSec: (total * 1000) / ms, baseMs, basePerSec: (total * 1000) / baseMs, ratio: baseMs / ms, stages: pods.stages(),
      };
    } finally {
      pods.stop();
      deploys.stop();
    }
  });
}

export async function runControllersBench(opts: ControllersBenchOptions = {}): Promise<ControllersBenchResult> {
  const quick = opts.quick ?? false;
  const o: Resolved = {
    big: opts.big ?? (quick ? { replicas: 200, nodes: 20 } : { replicas: 1000, nodes: 100 }),
    rollingUpdate: opts.rollingUpdate ?? true,
    many: opts.many ?? (quick ? { deployments: 100, replicas: 3, nodes: 20 } : { deployments: 1000, replicas: 3, nodes: 100 }),
    storage: opts.storage ?? "sqlite",
    concurrency: opts.concurrency ?? 32,
    timeoutMs: opts.timeoutMs ?? 10 * 60_000,
    dir: opts.dir,
    log: opts.log ?? ((l) => process.stderr.write(`${l}\n`)),
  };
  // The first cluster of a process runs cold (module loading, the JIT) and would skew the
  // first baseline: one untimed round first.
  o.log("controllers bench: warming up");
  await baseline(o, quick ? 200 : 1000);
  const cases: CaseResult[] = [];
  if (o.big) cases.push(...(await bigCases(o, o.big.replicas, o.big.nodes)));
  if (o.many) cases.push(await manyCase(o, o.many.deployments, o.many.replicas, o.many.nodes));
  return { cases, storage: o.storage, concurrency: o.concurrency };
}

/**
 * Targets: ≥ 500 pods/s end to end for the full-size cases (clusterloader2's load test expects
 * 20–100), and the rolling update of 1,000 replicas in under 10 s.
 */
export function controllersChecks(r: ControllersBenchResult): Check[] {
  const checks: Check[] = [];
  for (const c of r.cases) {
    if (c.pods < 1000) continue;
    if (c.kind === "rolling") checks.push({ name: `rolling update of ${fmt.int(c.pods)} replicas < 10 s`, ok: c.ms < 10_000 });
    else checks.push({ name: `${c.label} ≥ 500 pods/s`, ok: c.podsPerSec >= 500 });
  }
  return checks;
}

export function formatControllersBench(r: ControllersBenchResult): string {
  const checks = new Map(controllersChecks(r).map((c) => [c.name, c.ok]));
  const rows: string[][] = [[
    `controllers, end to end (in-process, ${r.storage} storage)`, "pods", "time", "pods/s", "baseline ¹", "ratio",
    "last created / scheduled / running ²", "target", "",
  ]];
  for (const c of r.cases) {
    const name = c.kind === "rolling" ? `rolling update of ${fmt.int(c.pods)} replicas < 10 s` : `${c.label} ≥ 500 pods/s`;
    const target = checks.has(name) ? (c.kind === "rolling" ? "< 10 s" : "≥ 500/s") : "";
    const s = c.stages;
    rows.push([
      c.label, fmt.int(c.pods), `${(c.ms / 1000).toFixed(2)} s`, fmt.int(c.podsPerSec), fmt.int(c.basePerSec), fmt.ratio(c.ratio),
      `${(s.created / 1000).toFixed(2)} / ${(s.scheduled / 1000).toFixed(2)} / ${(s.running / 1000).toFixed(2)} s`,
      target, checks.has(name) ? mark(checks.get(name)) : "",
    ]);
  }
  return `${table(rows)}
¹ baseline: the API's own create throughput for the same number of pods — bare pod creates from ${r.concurrency} concurrent clients over the same in-process transport, same storage, no components.
² when the last pod was created, bound and reported Running (from the case's start); the case ends when the Deployment status counts every pod available.`;
}

const USAGE = "usage: node --import tsx bench/controllers.ts [--quick] [--storage sqlite|memory] [--only big,many] [--no-rolling]";

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { quick: { type: "boolean" }, storage: { type: "string" }, only: { type: "string" }, "no-rolling": { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) return void console.log(USAGE);
  const only = values.only?.split(",");
  const opts: ControllersBenchOptions = { quick: values.quick, storage: values.storage, rollingUpdate: !values["no-rolling"] };
  if (only && !only.includes("big")) opts.big = false;
  if (only && !only.includes("many")) opts.many = false;
  console.log(formatControllersBench(await runControllersBench(opts)));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main(process.argv.slice(2));
