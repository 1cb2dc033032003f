/**
 * The scale benchmark's server: `startCluster` (API server, scheduler, controllers, simulated
 * nodes) in a child process of its own, so that neither the fill driver nor the measuring
 * client shares its event loop, and so that its RSS is the cluster's alone. It runs compiled
 * JavaScript when it can (see `compiledEntry` in startup.ts), as users run `timonel up`.
 *
 * The child answers a few requests over IPC — memory and event-loop figures, a heap snapshot,
 * a CPU profile — which is how the benchmark finds out what limits it. RSS and CPU time are
 * read from /proc by PID, so they are current even when the child's event loop is stuck.
 * Only the child started here is ever signalled, by its PID.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { compiledEntry, type Runtime } from "./startup.js";

export interface ScaleServerOptions {
  repoRoot: string;
  dataDir: string;
  /** Scratch directory for a private build when dist/ is stale. */
  buildDir: string;
  /** Simulated nodes to register (0: none). */
  nodes: number;
  /** Pod capacity of each simulated node (default 110, kubelet's). */
  podsPerNode?: number;
  /** Force the TypeScript sources through tsx instead of compiled JavaScript. */
  tsx?: boolean;
  /** --max-old-space-size for the child (default: Node's own limit, as `timonel up` gets). */
  heapMb?: number;
  /** Time allowed for startCluster (simulated nodes register before it resolves). */
  timeoutMs?: number;
}

/** What the child reports about itself (its own view; RSS comes from /proc). */
export interface ServerMem {
  heapUsed: number;
  heapTotal: number;
  heapLimit: number;
  external: number;
  arrayBuffers: number;
  /** Event-loop delay since the previous report: p99 and max, ms. */
  loopP99Ms: number;
  loopMaxMs: number;
  /** Milliseconds between the request and the child's answer (its event loop's backlog). */
  answerMs: number;
}

export interface ProcStatus {
  /** Resident set now. */
  rss: number;
  /** Peak resident set (VmHWM). */
  hwm: number;
  /** User + system CPU seconds so far. */
  cpuSeconds: number;
}

export interface ScaleServer {
  url: string;
  pid: number;
  runtime: Runtime;
  /** Spawn → startCluster resolved (includes registering the simulated nodes). */
  startMs: number;
  proc(): ProcStatus;
  mem(): Promise<ServerMem>;
  /** Writes a heap snapshot (.heapsnapshot) and resolves with its path. */
  heapSnapshot(path: string): Promise<string>;
  /** Starts the CPU profiler (sampling every `intervalUs`). */
  profileStart(intervalUs: number): Promise<void>;
  /** Stops it and writes the .cpuprofile; resolves with its path. */
  profileStop(path: string): Promise<string>;
  /** True once the child has exited (for example, out of memory). */
  exited(): { code: number | null; signal: string | null; stderr: string } | undefined;
  stop(): Promise<void>;
}

/**
 * The child's program: plain ESM JavaScript, so that the compiled cluster runs without tsx.
 * It runs from a file, not `--input-type=module -e`: worker threads (the SQLite writer)
 * inherit the process's execArgv, and Node refuses --input-type outside --eval.
 */
const CHILD = `
import v8 from "node:v8";
import inspector from "node:inspector";
import { writeFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
const [modulePath, optsJson] = process.argv.slice(2);
const opts = JSON.parse(optsJson);
const { startCluster } = await import(modulePath);
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const cluster = await startCluster(opts);
let profiler;
const post = (method, params) => new Promise((res, rej) => profiler.post(method, params, (e, r) => e ? rej(e) : res(r)));
process.on("message", async (m) => {
  const reply = (body) => process.send({ id: m.id, ...body });
  try {
    if (m.op === "mem") {
      const u = process.memoryUsage();
      const out = { heapUsed: u.heapUsed, heapTotal: u.heapTotal, heapLimit: v8.getHeapStatistics().heap_size_limit,
        external: u.external, arrayBuffers: u.arrayBuffers, loopP99Ms: loop.percentile(99) / 1e6, loopMaxMs: loop.max / 1e6,
        answerMs: Date.now() - m.sentAt };
      loop.reset();
      reply({ ok: true, result: out });
    } else if (m.op === "snapshot") {
      reply({ ok: true, result: v8.writeHeapSnapshot(m.path) });
    } else if (m.op === "profileStart") {
      profiler = new inspector.Session();
      profiler.connect();
      await post("Profiler.enable");
      await post("Profiler.setSamplingInterval", { interval: m.intervalUs });
      await post("Profiler.start");
      reply({ ok: true, result: null });
    } else if (m.op === "profileStop") {
      const { profile } = await post("Profiler.stop");
      profiler.disconnect();
      profiler = undefined;
      writeFileSync(m.path, JSON.stringify(profile));
      reply({ ok: true, result: m.path });
    }
  } catch (e) {
    reply({ ok: false, error: String(e && e.stack || e) });
  }
});
process.on("disconnect", () => { cluster.stop().finally(() => process.exit(0)); });
process.send({ ready: true, url: cluster.url });
`;

/** Builds per build dir, so that the baseline and the scale run share one transpilation. */
const builds = new Map<string, ReturnType<typeof compiledEntry>>();

/** The cluster module and the node arguments that load it, compiled when possible. */
function clusterModule(o: ScaleServerOptions): { runtime: Runtime; module: string; execArgv: string[] } {
  const tsx = { runtime: "tsx" as const, module: join(o.repoRoot, "src/cli/cluster.ts"), execArgv: ["--import", "tsx"] };
  if (o.tsx) return tsx;
  let built = builds.get(o.buildDir);
  if (!built) builds.set(o.buildDir, (built = compiledEntry(o.repoRoot, o.buildDir)));
  const { runtime, args } = built;
  if (runtime === "dist") return { runtime, module: join(o.repoRoot, "dist/src/cli/cluster.js"), execArgv: [] };
  if (runtime === "fresh build") return { runtime, module: join(dirname(args[0]!), "cluster.js"), execArgv: [] };
  return tsx;
}

function procStatus(pid: number): ProcStatus {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
  // /proc/<pid>/stat: fields after the command's closing parenthesis; utime and stime are 14th and 15th.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rss: kb("VmRSS"), hwm: kb("VmHWM"), cpuSeconds: ticks / 100 };
}

export async function startScaleServer(o: ScaleServerOptions): Promise<ScaleServer> {
  const { runtime, module, execArgv } = clusterModule(o);
  const clusterOpts = {
    dataDir: o.dataDir,
    port: 0,
    host: "127.0.0.1",
    storage: "sqlite",
    ...(o.nodes > 0 ? { simulatedNodes: { count: o.nodes, pods: o.podsPerNode ?? 110, podStartDelayMs: 0, reportContainerCreating: false } } : {}),
  };
  const heap = o.heapMb ? [`--max-old-space-size=${o.heapMb}`] : [];
  const started = performance.now();
  mkdirSync(o.buildDir, { recursive: true });
  const childPath = join(o.buildDir, "scale-server-child.mjs");
  writeFileSync(childPath, CHILD);
  const child: ChildProcess = spawn(process.execPath, [...execArgv, ...heap, childPath, module, JSON.stringify(clusterOpts)], {
    cwd: o.repoRoot,
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    serialization: "advanced",
  });
  // A send to a child that just died fails with EPIPE; its exit is reported below instead.
  child.on("error", () => {});
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => {
    stderr += c.toString();
    if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
  });
  let exit: { code: number | null; signal: string | null; stderr: string } | undefined;
  const exitedP = new Promise<void>((resolve) => child.once("exit", (code, signal) => {
    exit = { code, signal, stderr };
    resolve();
  }));
  let next = 1;
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cluster not started within ${o.timeoutMs ?? 300_000} ms: ${stderr.slice(-500)}`)), o.timeoutMs ?? 300_000);
    child.on("message", (m: { ready?: boolean; url?: string; id?: number; ok?: boolean; result?: unknown; error?: string }) => {
      if (m.ready) {
        clearTimeout(timer);
        resolve(m.url!);
        return;
      }
      const w = waiting.get(m.id ?? -1);
      if (!w) return;
      waiting.delete(m.id!);
      if (m.ok) w.resolve(m.result);
      else w.reject(new Error(m.error ?? "failed"));
    });
    void exitedP.then(() => {
      clearTimeout(timer);
      reject(new Error(`cluster exited (${exit?.signal ?? exit?.code}) before it was ready: ${stderr.slice(-1500)}`));
      for (const w of waiting.values()) w.reject(new Error(`cluster exited (${exit?.signal ?? exit?.code}): ${stderr.slice(-1500)}`));
      waiting.clear();
    });
  }).catch(async (err: unknown) => {
    if (child.pid !== undefined && !exit) process.kill(child.pid, "SIGKILL");
    throw err;
  });
  const startMs = performance.now() - started;
  const pid = child.pid!;
  const call = <T>(op: string, extra: Record<string, unknown>): Promise<T> => {
    if (exit || !child.connected) return Promise.reject(new Error(`cluster exited (${exit?.signal ?? exit?.code ?? "disconnected"})`));
    const id = next++;
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, op, sentAt: Date.now(), ...extra }, (err) => {
        if (!err) return;
        waiting.delete(id);
        reject(err);
      });
    });
  };
  return {
    url,
    pid,
    runtime,
    startMs,
    proc: () => procStatus(pid),
    mem: () => call<ServerMem>("mem", {}),
    heapSnapshot: (path) => call<string>("snapshot", { path }),
    profileStart: (intervalUs) => call<void>("profileStart", { intervalUs }),
    profileStop: (path) => call<string>("profileStop", { path }),
    exited: () => exit,
    async stop() {
      if (exit) return;
      if (!child.connected) {
        process.kill(pid, "SIGKILL");
        await exitedP;
        return;
      }
      // A graceful stop first (the child stops the cluster on disconnect), then SIGKILL.
      child.disconnect();
      const timer = setTimeout(() => { if (!exit) process.kill(pid, "SIGKILL"); }, 15_000);
      await exitedP;
      clearTimeout(timer);
    },
  };
}
