/**
 * Pods benchmark (issue 5, points 7–8): real containers through the whole stack — API server,
 * scheduler, the runc node agent (pod manager → sandbox on the bridge → overlay rootfs →
 * conmon + `runc create` → `runc start` → status write) — beside bare runc in the same run.
 *
 * - Startup: pods created one after another on a `startCluster` with the runc agent (sqlite
 *   in a temp dir, components on), each timed from its create call until a watch (an
 *   informer over the in-process transport) sees it Running. The image (busybox-static,
 *   imported before the agent starts) is present: imagePullPolicy IfNotPresent.
 * - Delete: each of those pods deleted (grace 0) until its sandbox is gone from the runtime.
 * - Burst: `burst` pods created at once on the one node: until all are Running, and each one's
 *   latency.
 * - Baseline: `runc run -d` of an equivalent bundle (busybox rootfs, `sleep 3600`), the same
 *   counts, then kill + delete (lib/runc-baseline.ts).
 * - Memory: the agent's idle RSS and what it adds per running pod, from child processes
 *   (lib/pods-rss.ts), with conmon's own RSS apart.
 *
 * Needs root, runc, conmon, busybox-static, iproute2 and nftables; otherwise it prints a
 * "skipped" line. Its pod network (bridge `tmb<pid>`, nft table, netns prefix) is its own,
 * never a running `timonel up`'s. Everything it makes (pods, netns, bridge, nft table,
 * cgroups, mounts, dirs) is removed at the end; every wait is bounded.
 *
 * Run alone with `node --import tsx bench/pods.ts [--quick]`, or through bench/run.ts.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { startCluster, type Cluster } from "../src/cli/cluster.js";
import { ApiClient } from "../src/client/client.js";
import { inProcessTransport } from "../src/client/inprocess.js";
import { Informer } from "../src/client/informer/index.js";
import type { PodObj } from "../src/node/runtime/fake/pod-status.js";
import { cleanupAgentHost, containersSkipReason, liveContainerCount, privatePodNetwork, sandboxCount, stageImages } from "../test/e2e/containers-fixtures.js";
import { measurePodsRss, type PodsRssResult } from "./lib/pods-rss.js";
import { runcBaseline, type RuncBaseline } from "./lib/runc-baseline.js";
import { fmt, mark, summarize, table, type Latency } from "./lib/stats.js";

export interface Check {
  name: string;
  ok: boolean;
}

export interface PodsBenchOptions {
  quick?: boolean;
  /** Pods started one after another (default 100; quick 20). */
  pods?: number;
  /** Pods created at once (default 50; quick 10). */
  burst?: number;
  /** Pods of the memory runs (default 50; quick 10); 0 skips the memory figures. */
  rssPods?: number;
  dir?: string;
  log?: (line: string) => void;
}

export interface PodsBenchResult {
  skipped?: string;
  pods: number;
  startup: Latency;
  remove: Latency;
  burstCount: number;
  burstMs: number;
  burst: Latency;
  /** How long the first (untimed) pod took: module loading, first bridge set-up. */
  firstPodMs: number;
  baseline: RuncBaseline;
  rss?: PodsRssResult;
}

const image = "docker.io/library/benchbox:1";
const podImage = "benchbox:1";
const tag = (process.pid % 100000).toString(36);
const nodeName = `bench-pods-${tag}`;
const podCidr = `10.253.${process.pid % 250}.0/24`;
const podNetwork = privatePodNetwork("tmb");
const waitMs = 60_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, timeoutMs: number, everyMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

function podObj(name: string): PodObj {
  return {
    apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", labels: { bench: "pods" } },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: "c", image: podImage, imagePullPolicy: "IfNotPresent", command: ["sleep", "3600"] }],
    },
  };
}

/** Resolves per pod name when a watch first sees it Running. */
class RunningWatch {
  private readonly inf: Informer<PodObj>;
  private readonly waiters = new Map<string, (t: number) => void>();
  private readonly seen = new Map<string, number>();

  constructor(client: ApiClient) {
    this.inf = new Informer<PodObj>(client.pods, { namespace: "default", onError: () => undefined });
    const note = (p: PodObj): void => {
      const name = p.metadata.name ?? "";
      if (p.status?.phase !== "Running" || this.seen.has(name)) return;
      const t = performance.now();
      this.seen.set(name, t);
      this.waiters.get(name)?.(t);
      this.waiters.delete(name);
    };
    this.inf.addHandler({ onAdd: note, onUpdate: (_o, p) => note(p) });
  }

  async start(): Promise<void> {
    this.inf.start();
    await this.inf.waitForSync();
  }

  /** Call before creating the pod. Rejects after `timeoutMs`. */
  running(name: string, timeoutMs: number): Promise<number> {
    this.seen.delete(name);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(name);
        reject(new Error(`pod ${name} not Running within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(name, (t) => {
        clearTimeout(timer);
        resolve(t);
      });
    });
  }

  stop(): void {
    this.inf.stop();
  }
}

async function timonelRuns(o: { pods: number; burst: number; dir?: string; log: (l: string) => void }): Promise<Omit<PodsBenchResult, "baseline" | "rss" | "pods" | "burstCount">> {
  const dataDir = mkdtempSync(join(o.dir ?? tmpdir(), "timonel-bench-pods-"));
  let cluster: Cluster | undefined;
  let client: ApiClient | undefined;
  let watch: RunningWatch | undefined;
  try {
    await stageImages(dataDir, [{ ref: image, cmd: ["sleep", "3600"] }]);
    cluster = await startCluster({
      dataDir, port: 0, host: "127.0.0.1", storage: "sqlite",
      nodeAgent: { runtime: "runc", nodeName, podCIDR: podCidr, podNetwork, log: () => undefined },
    });
    client = new ApiClient(inProcessTransport(cluster.handle));
    const c = client;
    await untilAsync("the default ServiceAccount", () => c.serviceaccounts.get("default", "default").then(() => true, () => false), 30_000);
    watch = new RunningWatch(c);
    await watch.start();
    const w = watch;

    const startOne = async (name: string): Promise<number> => {
      const seen = w.running(name, waitMs);
      const t0 = performance.now();
      await c.pods.create("default", podObj(name));
      return (await seen) - t0;
    };
    const deleteOne = async (name: string): Promise<number> => {
      const before = sandboxCount(dataDir);
      const t0 = performance.now();
      await c.pods.delete("default", name, { gracePeriodSeconds: 0 });
      await until(`pod ${name}'s sandbox to go`, () => sandboxCount(dataDir) < before, waitMs, 2);
      return performance.now() - t0;
    };

    // Untimed: the first pod pays module loading and the bridge's creation; then a few warm the JIT.
    o.log("pods bench: warming up");
    const firstPodMs = await startOne("warm-0");
    for (let i = 1; i < 4; i++) await startOne(`warm-${i}`);
    for (let i = 0; i < 4; i++) await deleteOne(`warm-${i}`);

    o.log(`pods bench: ${o.pods} pods one after another`);
    const startup: number[] = [];
    for (let i = 0; i < o.pods; i++) startup.push(await startOne(`seq-${i}`));
    o.log(`pods bench: deleting them`);
    const removes: number[] = [];
    for (let i = 0; i < o.pods; i++) removes.push(await deleteOne(`seq-${i}`));

    o.log(`pods bench: a burst of ${o.burst} pods`);
    const names = Array.from({ length: o.burst }, (_, i) => `burst-${i}`);
    const t0 = performance.now();
    const burst = await Promise.all(names.map((n) => startOne(n)));
    const burstMs = performance.now() - t0;
    await Promise.all(names.map((n) => c.pods.delete("default", n, { gracePeriodSeconds: 0 })));
    await until("the burst's containers to go", () => sandboxCount(dataDir) === 0 && liveContainerCount(dataDir) === 0, waitMs, 20);
    return { startup: summarize(startup), remove: summarize(removes), burstMs, burst: summarize(burst), firstPodMs };
  } finally {
    watch?.stop();
    if (client && cluster) {
      // Whatever a failure left running goes through the agent first, as a user's delete would.
      const left = await client.pods.list("default").catch(() => ({ items: [] as PodObj[] }));
      await Promise.all(left.items.map((p) => client!.pods.delete("default", p.metadata.name ?? "", { gracePeriodSeconds: 0 }).catch(() => undefined)));
      await until("the pods' sandboxes to go", () => sandboxCount(dataDir) === 0, 30_000, 20).catch(() => undefined);
    }
    await client?.close();
    await cluster?.stop();
    await cleanupAgentHost(dataDir, podCidr, podNetwork);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function untilAsync(what: string, ok: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

export async function runPodsBench(opts: PodsBenchOptions = {}): Promise<PodsBenchResult> {
  const quick = opts.quick ?? false;
  const pods = opts.pods ?? (quick ? 20 : 100);
  const burst = opts.burst ?? (quick ? 10 : 50);
  const rssPods = opts.rssPods ?? (quick ? 10 : 50);
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const skip = containersSkipReason();
  const empty = summarize([]);
  if (skip) {
    return {
      skipped: `needs root and runc (${skip})`, pods, startup: empty, remove: empty, burstCount: burst, burstMs: Number.NaN, burst: empty,
      firstPodMs: Number.NaN, baseline: { run: empty, remove: empty, burstMs: Number.NaN, burst: empty, burstCount: burst },
    };
  }
  if (opts.dir) mkdirSync(opts.dir, { recursive: true });
  log(`pods bench: baseline — bare runc, ${pods} + a burst of ${burst}`);
  const baseline = await runcBaseline({ count: pods, burst, tag, ...(opts.dir ? { dir: opts.dir } : {}) });
  const t = await timonelRuns({ pods, burst, log, ...(opts.dir ? { dir: opts.dir } : {}) });
  let rss: PodsRssResult | undefined;
  if (rssPods > 0) {
    log(`pods bench: memory — a cluster without and with the agent, idle and with ${rssPods} pods`);
    rss = await measurePodsRss({ pods: rssPods, podCidr, podNetwork, nodeName, image: podImage, settleMs: quick ? 1500 : 3000, ...(opts.dir ? { dir: opts.dir } : {}) });
  }
  return { pods, burstCount: burst, baseline, ...t, ...(rss ? { rss } : {}) };
}

const MB = 1024 * 1024;
const kb = (bytes: number): string => (Number.isFinite(bytes) ? `${Math.round(bytes / 1024)} KB` : "—");

/** Targets: startup p50 ≤ 150 ms and p99 ≤ 500 ms (pods one after another); agent idle RSS ≤ 60 MB. */
export function podsChecks(r: PodsBenchResult): Check[] {
  if (r.skipped) return [];
  const checks: Check[] = [
    { name: "pod startup p50 ≤ 150 ms", ok: r.startup.p50Ms <= 150 },
    { name: "pod startup p99 ≤ 500 ms", ok: r.startup.p99Ms <= 500 },
  ];
  if (r.rss) checks.push({ name: "agent idle RSS ≤ 60 MB", ok: r.rss.agentIdleBytes <= 60 * MB });
  return checks;
}

export function formatPodsBench(r: PodsBenchResult): string {
  if (r.skipped) return `skipped: ${r.skipped}`;
  const ok = new Map(podsChecks(r).map((c) => [c.name, c.ok]));
  const b = r.baseline;
  const rows: string[][] = [["pods on the runc node agent", "Timonel", "bare runc ¹", "ratio ²", "target", ""]];
  rows.push([`startup p50, ${r.pods} pods one after another (ms)`, fmt.ms(r.startup.p50Ms), fmt.ms(b.run.p50Ms), fmt.ratio(r.startup.p50Ms / b.run.p50Ms), "≤ 150", mark(ok.get("pod startup p50 ≤ 150 ms"))]);
  rows.push([`startup p99 (ms)`, fmt.ms(r.startup.p99Ms), fmt.ms(b.run.p99Ms), fmt.ratio(r.startup.p99Ms / b.run.p99Ms), "≤ 500", mark(ok.get("pod startup p99 ≤ 500 ms"))]);
  rows.push([`burst of ${r.burstCount}: all Running (ms)`, fmt.ms(r.burstMs), fmt.ms(b.burstMs), fmt.ratio(r.burstMs / b.burstMs), "", ""]);
  rows.push([`burst p50 / p99 (ms)`, fmt.lat(r.burst), fmt.lat(b.burst), fmt.ratio(r.burst.p50Ms / b.burst.p50Ms), "", ""]);
  rows.push([`delete p50 / p99, grace 0 → sandbox gone (ms) ³`, fmt.lat(r.remove), fmt.lat(b.remove), fmt.ratio(r.remove.p50Ms / b.remove.p50Ms), "", ""]);
  if (r.rss) {
    const x = r.rss;
    rows.push([`agent idle RSS ⁴`, fmt.mb(x.agentIdleBytes), fmt.mb(x.without.idleBytes), "", "≤ 60 MB", mark(ok.get("agent idle RSS ≤ 60 MB"))]);
    rows.push([`agent RSS per running pod ⁵ (${x.pods} pods)`, kb(x.agentPerPodBytes), "", "", "", ""]);
    rows.push([`agent V8 heap per running pod ⁵`, kb(x.agentPerPodHeapBytes), "", "", "", ""]);
    rows.push([`conmon RSS per pod (its own process)`, fmt.mb(x.conmonPerPodBytes), "", "", "", ""]);
  }
  const notes = [
    `¹ bare runc: \`runc run -d\` of a busybox-static bundle running \`sleep 3600\` (the namespaces of \`runc spec\`, its own cgroup), until it returns; delete = \`runc kill KILL\` + \`runc delete --force\`; the burst starts ${r.burstCount} at once.`,
    "² Timonel / runc (how many times longer).",
    "³ Timonel: `delete` with gracePeriodSeconds 0 until the runtime's sandbox record is gone (containers stopped and removed, netns, rootfs, cgroups).",
  ];
  if (r.rss) {
    const x = r.rss;
    notes.push(
      `⁴ VmRSS of a fresh process running startCluster (sqlite, components, TypeScript through tsx) with the runc agent, minus the same without the agent (baseline column: that process), each after a settle and a full GC: ${fmt.mb(x.with.idleBytes)} − ${fmt.mb(x.without.idleBytes)}.`,
      `⁵ (RSS growth with ${x.pods} Running pods − growth with the same ${x.pods} pods and no agent) / ${x.pods}: (${fmt.mb(x.with.loadedBytes - x.with.idleBytes)} − ${fmt.mb(x.without.loadedBytes - x.without.idleBytes)}) / ${x.pods}. The heap row is the same difference on V8's heap in use after a full GC; RSS moves by several MB between runs (allocator and GC sizing), so a per-pod RSS figure below ~100 KB is within noise. conmon: ${fmt.mb(x.with.conmonRssBytes)} over ${x.with.conmons} conmon processes (the containers' own processes are not counted).`,
    );
  }
  notes.push(`The first pod of the run (untimed, loads the agent's modules and creates the bridge) took ${fmt.ms(r.firstPodMs)} ms.`);
  return `${table(rows)}\n${notes.join("\n")}`;
}

const USAGE = "usage: node --import tsx bench/pods.ts [--quick] [--pods N] [--burst N] [--rss-pods N]";

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { quick: { type: "boolean" }, pods: { type: "string" }, burst: { type: "string" }, "rss-pods": { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) return void console.log(USAGE);
  const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
  const r = await runPodsBench({ quick: values.quick ?? false, pods: num(values.pods), burst: num(values.burst), rssPods: num(values["rss-pods"]) });
  console.log(formatPodsBench(r));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main(process.argv.slice(2));
