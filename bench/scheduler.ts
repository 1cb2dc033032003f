/**
 * Scheduler benchmark (issue 3, point 6): scheduling throughput, pods bound per second, the
 * way scheduler_perf runs its cases, each beside a baseline measured in the same run.
 *
 * - SchedulingBasic: N nodes (4 cpu, 32Gi, 110 pods) and P pending pods (100m, 500Mi) created
 *   through the API; the scheduler starts (informers list everything) and the clock stops when
 *   the API server has acknowledged every binding.
 *   Baseline: a second cluster with the same nodes and pending pods, each pod bound straight
 *   through pods/binding (round-robin over the nodes, same concurrency), with no decisions:
 *   the API's limit for this workload.
 * - Preemption: nodes full of low-priority pods (4 × 1 cpu each); high-priority pods (1 cpu)
 *   are created and each must evict one victim. A fake node agent finishes the graceful
 *   deletions. Baseline: the same writes done directly (victim status patch, delete, final
 *   delete, bind).
 * - Pod anti-affinity: pods that may not share a host with each other (hostname topology),
 *   after initial pods of the same kind are placed. Baseline: the same pods created and bound
 *   directly to distinct nodes.
 * In the last two, the creation of the measured pods is inside the timed interval for both
 * sides.
 *
 * Everything runs in this process over the in-process transport (the full handler chain, no
 * TCP), with the memory storage backend by default. Run alone with
 * `node --import tsx bench/scheduler.ts [--quick]`, or call `runSchedulerBench`.
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
import type { KubeObject } from "../src/machinery/object.js";
import type { Node, Pod, PriorityClass } from "../src/scheduler/framework/types.js";
import { startScheduler, type RunningScheduler } from "../src/scheduler/scheduler.js";
import { fmt, mark, table } from "./lib/stats.js";

export interface Check {
  name: string;
  ok: boolean;
}

export interface SchedulerBenchOptions {
  /** Small counts for CI smoke runs (< 20 s); explicit options below still win. */
  quick?: boolean;
  /** SchedulingBasic cases. */
  basic?: { nodes: number; pods: number }[];
  /** Preemption case, or false to skip it. */
  preemption?: { nodes: number; high: number } | false;
  /** Anti-affinity case, or false to skip it. */
  antiAffinity?: { nodes: number; initPods: number; pods: number } | false;
  /** Storage backend of the clusters (default memory). */
  storage?: string;
  /** Bindings in flight, for the scheduler and the baseline alike (default 256). */
  concurrency?: number;
  /** Parent of the temporary data dirs (removed afterwards). */
  dir?: string;
  /** Progress lines (to stderr by default). */
  log?: (line: string) => void;
}

export interface CaseResult {
  kind: "basic" | "preemption" | "anti-affinity";
  nodes: number;
  /** Pods measured. */
  pods: number;
  schedPerSec: number;
  basePerSec: number;
  ratio: number;
  /** Scheduler start → informers synced (basic only). */
  syncMs?: number;
  schedMs: number;
  baseMs: number;
  /** Scheduling cycles per pod measured (1 = no retries). */
  attemptsPerPod: number;
  /** Scheduler Events written / dropped (the recorder drops beyond 1,000 queued, as upstream). */
  events?: { written: number; dropped: number };
}

export interface SchedulerBenchResult {
  cases: CaseResult[];
  storage: string;
  concurrency: number;
}

const nodeShape = { cpu: "4", memory: "32Gi", pods: "110" };

function nodeObj(name: string): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux" } },
    status: { capacity: nodeShape, allocatable: nodeShape, conditions: [{ type: "Ready", status: "True" }] },
  };
}

interface PodShape {
  cpu?: string;
  memory?: string;
  priorityClassName?: string;
  labels?: Record<string, string>;
  antiAffinity?: boolean;
}

function podObj(name: string, s: PodShape = {}): Pod {
  const spec: NonNullable<Pod["spec"]> = {
    containers: [{ name: "pause", image: "registry.k8s.io/pause:3.10", resources: { requests: { cpu: s.cpu ?? "100m", memory: s.memory ?? "500Mi" } } }],
  };
  if (s.priorityClassName) spec.priorityClassName = s.priorityClassName;
  if (s.antiAffinity) {
    spec.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { color: "green" } } }] } };
  }
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", labels: s.labels }, spec };
}

/** Runs `fn` over `items` with at most `concurrency` in flight. */
async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T, i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

const range = (n: number, prefix: string): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

interface Env {
  cluster: Cluster;
  client: ApiClient;
  dir: string;
}

async function withCluster<T>(o: Required<Pick<SchedulerBenchOptions, "storage">> & { dir?: string }, fn: (env: Env) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(o.dir ?? tmpdir(), "timonel-bench-sched-"));
  // Only the scheduler under test runs: the built-in one would race it for the same pods.
  const cluster = await startCluster({ dataDir: dir, port: 0, host: "127.0.0.1", storage: o.storage, compactionWindowMs: 60 * 60_000, components: false });
  const client = new ApiClient(inProcessTransport(cluster.handle));
  try {
    return await fn({ cluster, client, dir });
  } finally {
    await client.close();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function bind(client: ApiClient, pod: string, node: string): Promise<KubeObject> {
  return client.pods.createSubresource("default", pod, "binding", {
    apiVersion: "v1", kind: "Binding", metadata: { name: pod, namespace: "default" }, target: { apiVersion: "v1", kind: "Node", name: node },
  });
}

async function createNodes(client: ApiClient, names: string[]): Promise<void> {
  await pool(names, 64, (n) => client.nodes.create(undefined, nodeObj(n)));
}

async function createPods(client: ApiClient, names: string[], s: PodShape = {}): Promise<void> {
  await pool(names, 64, (n) => client.pods.create("default", podObj(n, s)));
}

async function priorityClasses(client: ApiClient): Promise<void> {
  for (const [name, value] of [["low", 1], ["high", 1000]] as const) {
    const pc: PriorityClass = { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name }, value };
    await client.priorityClasses.create(undefined, pc);
  }
}

/** Waits until `done()` holds, polling; throws after `timeoutMs`. */
async function until(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Plays the node agent for deletions: a pod marked for deletion on a node is removed at once. */
function fakeNodeAgent(client: ApiClient): { stop(): void; ready: Promise<void> } {
  const inf = new Informer<Pod>(client.pods, { onError: () => {} });
  const finish = (p: Pod): void => {
    if (p.metadata.deletionTimestamp && p.spec?.nodeName) {
      void client.pods.delete("default", p.metadata.name ?? "", { gracePeriodSeconds: 0 }).catch(() => {});
    }
  };
  inf.addHandler({ onAdd: finish, onUpdate: (_o, n) => finish(n) });
  inf.start();
  return { stop: () => inf.stop(), ready: inf.waitForSync() };
}

async function basicCase(o: Resolved, nodes: number, pods: number): Promise<CaseResult> {
  const nodeNames = range(nodes, "node-");
  const podNames = range(pods, "pod-");
  o.log(`scheduler bench: basic ${nodes} nodes / ${pods} pods — baseline`);
  const baseMs = await withCluster(o, async ({ client }) => {
    await createNodes(client, nodeNames);
    await createPods(client, podNames);
    const t0 = performance.now();
    await pool(podNames, o.concurrency, (p, i) => bind(client, p, nodeNames[i % nodes]!));
    return performance.now() - t0;
  });
  o.log(`scheduler bench: basic ${nodes} nodes / ${pods} pods — scheduler`);
  return withCluster(o, async ({ client }) => {
    await createNodes(client, nodeNames);
    await createPods(client, podNames);
    const t0 = performance.now();
    const sched: RunningScheduler = await startScheduler(client, { maxInFlightBinds: o.concurrency });
    const syncMs = performance.now() - t0;
    try {
      await until(`${pods} bindings`, () => sched.stats().bound >= pods, 600_000);
      const ms = performance.now() - t0;
      const st = sched.stats();
      const r: CaseResult = {
        kind: "basic", nodes, pods, schedPerSec: (pods * 1000) / ms, basePerSec: (pods * 1000) / baseMs, ratio: baseMs / ms, syncMs, schedMs: ms, baseMs,
        attemptsPerPod: st.attempts / pods, events: { written: st.events.written + st.events.aggregated, dropped: st.events.dropped },
      };
      return r;
    } finally {
      await sched.stop();
    }
  });
}

async function preemptionCase(o: Resolved, nodes: number, high: number): Promise<CaseResult> {
  const nodeNames = range(nodes, "node-");
  const lowNames = range(nodes * 4, "low-");
  const highNames = range(high, "high-");
  const lowShape: PodShape = { cpu: "1", memory: "1Gi", priorityClassName: "low" };
  const highShape: PodShape = { cpu: "1", memory: "1Gi", priorityClassName: "high" };
  o.log(`scheduler bench: preemption ${nodes} nodes / ${high} preemptors — baseline`);
  const baseMs = await withCluster(o, async ({ client }) => {
    await priorityClasses(client);
    await createNodes(client, nodeNames);
    await createPods(client, lowNames, lowShape);
    await pool(lowNames, o.concurrency, (p, i) => bind(client, p, nodeNames[i % nodes]!));
    const t0 = performance.now();
    await pool(highNames, o.concurrency, async (p, i) => {
      const victim = lowNames[i]!;
      const node = nodeNames[i % nodes]!;
      await client.pods.create("default", podObj(p, highShape));
      await client.pods.patch("default", victim, "strategic", { status: { conditions: [{ type: "DisruptionTarget", status: "True", reason: "PreemptionByScheduler" }] } }, { subresource: "status" });
      await client.pods.delete("default", victim);
      await client.pods.delete("default", victim, { gracePeriodSeconds: 0 });
      await bind(client, p, node);
    });
    return performance.now() - t0;
  });
  o.log(`scheduler bench: preemption ${nodes} nodes / ${high} preemptors — scheduler`);
  return withCluster(o, async ({ client }) => {
    await priorityClasses(client);
    await createNodes(client, nodeNames);
    await createPods(client, lowNames, lowShape);
    const agent = fakeNodeAgent(client);
    await agent.ready;
    const sched = await startScheduler(client, { maxInFlightBinds: o.concurrency });
    try {
      await until("low-priority pods bound", () => sched.stats().bound >= lowNames.length, 600_000);
      const before = sched.stats();
      const t0 = performance.now();
      await createPods(client, highNames, highShape);
      await until("preemptors bound", () => sched.stats().bound >= lowNames.length + high, 600_000);
      const ms = performance.now() - t0;
      const attempts = sched.stats().attempts - before.attempts;
      return { kind: "preemption", nodes, pods: high, schedPerSec: (high * 1000) / ms, basePerSec: (high * 1000) / baseMs, ratio: baseMs / ms, schedMs: ms, baseMs, attemptsPerPod: attempts / high } as CaseResult;
    } finally {
      await sched.stop();
      agent.stop();
    }
  });
}

async function antiAffinityCase(o: Resolved, nodes: number, initPods: number, pods: number): Promise<CaseResult> {
  const nodeNames = range(nodes, "node-");
  const initNames = range(initPods, "init-");
  const podNames = range(pods, "anti-");
  const shape: PodShape = { labels: { color: "green" }, antiAffinity: true };
  o.log(`scheduler bench: anti-affinity ${nodes} nodes / ${initPods} + ${pods} pods — baseline`);
  const baseMs = await withCluster(o, async ({ client }) => {
    await createNodes(client, nodeNames);
    await createPods(client, initNames, shape);
    await pool(initNames, o.concurrency, (p, i) => bind(client, p, nodeNames[i]!));
    const t0 = performance.now();
    await pool(podNames, o.concurrency, async (p, i) => {
      await client.pods.create("default", podObj(p, shape));
      await bind(client, p, nodeNames[initPods + i]!);
    });
    return performance.now() - t0;
  });
  o.log(`scheduler bench: anti-affinity ${nodes} nodes / ${initPods} + ${pods} pods — scheduler`);
  return withCluster(o, async ({ client }) => {
    await createNodes(client, nodeNames);
    await createPods(client, initNames, shape);
    const sched = await startScheduler(client, { maxInFlightBinds: o.concurrency });
    try {
      await until("initial pods bound", () => sched.stats().bound >= initPods, 600_000);
      const before = sched.stats();
      const t0 = performance.now();
      await createPods(client, podNames, shape);
      await until("anti-affinity pods bound", () => sched.stats().bound >= initPods + pods, 600_000);
      const ms = performance.now() - t0;
      const attempts = sched.stats().attempts - before.attempts;
      return { kind: "anti-affinity", nodes, pods, schedPerSec: (pods * 1000) / ms, basePerSec: (pods * 1000) / baseMs, ratio: baseMs / ms, schedMs: ms, baseMs, attemptsPerPod: attempts / pods } as CaseResult;
    } finally {
      await sched.stop();
    }
  });
}

interface Resolved {
  basic: { nodes: number; pods: number }[];
  preemption: { nodes: number; high: number } | false;
  antiAffinity: { nodes: number; initPods: number; pods: number } | false;
  storage: string;
  concurrency: number;
  dir?: string;
  log: (line: string) => void;
}

export async function runSchedulerBench(opts: SchedulerBenchOptions = {}): Promise<SchedulerBenchResult> {
  const quick = opts.quick ?? false;
  const o: Resolved = {
    basic: opts.basic ?? (quick ? [{ nodes: 100, pods: 1000 }, { nodes: 500, pods: 2000 }] : [{ nodes: 1000, pods: 10_000 }, { nodes: 5000, pods: 50_000 }]),
    preemption: opts.preemption ?? (quick ? { nodes: 50, high: 50 } : { nodes: 500, high: 500 }),
    antiAffinity: opts.antiAffinity ?? (quick ? { nodes: 200, initPods: 50, pods: 100 } : { nodes: 5000, initPods: 1000, pods: 1000 }),
    storage: opts.storage ?? "memory",
    concurrency: opts.concurrency ?? 256,
    dir: opts.dir,
    log: opts.log ?? ((l) => process.stderr.write(`${l}\n`)),
  };
  const cases: CaseResult[] = [];
  for (const b of o.basic) cases.push(await basicCase(o, b.nodes, b.pods));
  if (o.preemption) cases.push(await preemptionCase(o, o.preemption.nodes, o.preemption.high));
  if (o.antiAffinity) cases.push(await antiAffinityCase(o, o.antiAffinity.nodes, o.antiAffinity.initPods, o.antiAffinity.pods));
  return { cases, storage: o.storage, concurrency: o.concurrency };
}

/** Target: ≥ 1,000 pods/s at 5,000 nodes (kube-scheduler's scheduler_perf floor is 680–810). */
export function schedulerChecks(r: SchedulerBenchResult): Check[] {
  return r.cases.filter((c) => c.kind === "basic" && c.nodes >= 5000).map((c) => ({ name: `SchedulingBasic ${c.nodes} nodes ≥ 1,000 pods/s`, ok: c.schedPerSec >= 1000 }));
}

export function formatSchedulerBench(r: SchedulerBenchResult): string {
  const checks = new Map(schedulerChecks(r).map((c) => [c.name, c.ok]));
  const rows: string[][] = [[`scheduler (in-process server, ${r.storage} storage, ${r.concurrency} bindings in flight)`, "pods/s", "baseline ¹", "ratio", "attempts/pod", "events written/dropped", "target", ""]];
  for (const c of r.cases) {
    const label = c.kind === "basic"
      ? `SchedulingBasic: ${fmt.int(c.nodes)} nodes, ${fmt.int(c.pods)} pending pods (sync ${fmt.ms(c.syncMs ?? NaN)} ms, total ${fmt.ms(c.schedMs / 1000)} s)`
      : c.kind === "preemption"
        ? `Preemption: ${fmt.int(c.nodes)} full nodes, ${fmt.int(c.pods)} preemptors (${fmt.ms(c.schedMs / 1000)} s)`
        : `Pod anti-affinity: ${fmt.int(c.nodes)} nodes, ${fmt.int(c.pods)} pods (${fmt.ms(c.schedMs / 1000)} s)`;
    const checkName = `SchedulingBasic ${c.nodes} nodes ≥ 1,000 pods/s`;
    const checked = c.kind === "basic" && checks.has(checkName);
    const ev = c.events ? `${fmt.int(c.events.written)} / ${fmt.int(c.events.dropped)}` : "";
    rows.push([label, fmt.int(c.schedPerSec), fmt.int(c.basePerSec), fmt.ratio(c.ratio), c.attemptsPerPod.toFixed(2), ev, checked ? "≥ 1,000" : "", checked ? mark(checks.get(checkName)) : ""]);
  }
  return `${table(rows)}\n¹ baseline: the same API writes (pods/binding; for preemption also the victim's status patch and deletes) made directly, with no scheduling decisions, same concurrency.`;
}

const USAGE = `usage: node --import tsx bench/scheduler.ts [--quick] [--storage memory|sqlite] [--only basic,preemption,anti-affinity] [--nodes N --pods P]`;

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { quick: { type: "boolean" }, storage: { type: "string" }, only: { type: "string" }, nodes: { type: "string" }, pods: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) return void console.log(USAGE);
  const only = values.only?.split(",");
  const want = (k: string): boolean => !only || only.includes(k);
  const opts: SchedulerBenchOptions = { quick: values.quick, storage: values.storage };
  if (values.nodes && values.pods) opts.basic = [{ nodes: Number(values.nodes), pods: Number(values.pods) }];
  if (!want("basic")) opts.basic = [];
  if (!want("preemption")) opts.preemption = false;
  if (!want("anti-affinity")) opts.antiAffinity = false;
  const r = await runSchedulerBench(opts);
  console.log(formatSchedulerBench(r));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main(process.argv.slice(2));
