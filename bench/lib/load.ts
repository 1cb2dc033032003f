/**
 * The load generator: API clients in a child process, driven from the benchmark over IPC.
 * Clients run apart from the server (which sits in the benchmark's own process) for the same
 * reason real clients do: their TLS, HTTP/2 and JSON work must not share the server's event
 * loop, or the figures would charge client cost to the server. All client-side timing is
 * taken in the child, so send, acknowledgment and watch-arrival times share one clock.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Each operation's arguments and result. */
export interface LoadOps {
  /** Opens the connections (one HTTP/2 session per simulated client) before anything is timed. */
  connect: { args: { clients: number }; result: null };
  createNamespace: { args: { name: string }; result: null };
  /** Creates one pod and returns the reply body (what the server stored). */
  createOne: { args: { ns: string; name: string }; result: string };
  /** `concurrency` clients, each creating pods back to back for `ms`. */
  creates: { args: { ns: string; concurrency: number; ms: number; tag: string }; result: { done: number; ms: number } };
  /**
   * Open-loop creates of `kind` at `rate`/s for `ms`; latency from each request's scheduled
   * send time. Sending stops early (saturated) once a second's worth of requests is in flight.
   */
  paced: { args: { ns: string; kind: "pods" | "configmaps"; rate: number; ms: number; clients: number }; result: { latenciesMs: number[]; elapsedMs: number; saturated: boolean } };
  /** Creates pods `name(0..count-1)` with `concurrency` clients. */
  seed: { args: { ns: string; count: number; concurrency: number }; result: null };
  /** Sequential GETs on one connection; returns per-request times and the last body's size. */
  reads: { args: { paths: string[]; accept?: string }; result: { timesMs: number[]; bytes: number } };
  /** `watchers` watch streams from a list's resourceVersion, then `writes` configmap creates. */
  watch: { args: { ns: string; watchers: number; writes: number; writers: number; timeoutMs: number }; result: WatchOutcome };
}

export interface WatchOutcome {
  delivered: number;
  expected: number;
  /** First create sent → last event received. */
  spanMs: number;
  /** First create sent → last create acknowledged. */
  writeMs: number;
  /** Per delivered event: arrival − the create's acknowledgment (negative when the event came first). */
  ackToEventMs: number[];
  /** Per delivered event: arrival − the create's send. */
  sendToEventMs: number[];
}

export type LoadOp = keyof LoadOps;

/** Every reply also says how busy the generator was, to tell a client-bound figure apart. */
export interface Busy {
  /** CPU time the generator used during the operation, as a share of the wall time (1 = one full core). */
  cpuShare: number;
}
export type LoadRequest = { id: number; op: LoadOp; args: unknown };
export type LoadReply = { id: number; ok: true; result: unknown; busy: Busy } | { id: number; ok: false; error: string };

export function podName(i: number): string {
  return `pod-${String(i).padStart(6, "0")}`;
}

export class LoadGenerator {
  private next = 1;
  /** Generator CPU share of the most recent operation. */
  lastBusy: Busy = { cpuShare: 0 };
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on("message", (m: LoadReply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) {
        this.lastBusy = m.busy;
        w.resolve(m.result);
      }
      else w.reject(new Error(m.error));
    });
    child.on("exit", (code, signal) => {
      for (const w of this.waiting.values()) w.reject(new Error(`load generator exited (${signal ?? code})`));
      this.waiting.clear();
    });
  }

  /** Starts the child and points it at the server (credentials come from the data dir). */
  static start(url: string, dataDir: string): LoadGenerator {
    const entry = fileURLToPath(new URL("./load-worker.ts", import.meta.url));
    const child = fork(entry, [url, dataDir], { execArgv: ["--import", "tsx"], serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"] });
    return new LoadGenerator(child);
  }

  call<K extends LoadOp>(op: K, args: LoadOps[K]["args"]): Promise<LoadOps[K]["result"]> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, op, args } satisfies LoadRequest);
    });
  }

  /** Ends the child (the one this generator started, by its PID). */
  async stop(): Promise<void> {
    const { child } = this;
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.disconnect();
    const timer = setTimeout(() => { if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, "SIGKILL"); }, 3000);
    await exited;
    clearTimeout(timer);
  }
}
