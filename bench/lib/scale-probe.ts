/**
 * The scale benchmark's measuring client: a child process (scale-probe-worker.ts) that sends a
 * steady, open-loop trickle of reads and writes and times each from its *scheduled* send time,
 * so that a server stall shows up in every request it delays. Its own process keeps its timers
 * off both the server's and the fill driver's event loops. Driven over IPC from here.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const readKinds = ["get pod", "list 500 pods", "get node"] as const;
export const writeKinds = ["create configmap", "update configmap", "delete configmap"] as const;
export type ProbeKind = (typeof readKinds)[number] | (typeof writeKinds)[number];

/** The probe's fixtures, the same in the baseline and the scale run. */
export interface ProbeSetup {
  /** Namespace the probe owns (its pods and configmaps). */
  namespace: string;
  /** Pods created up front, left unscheduled (schedulerName matches no scheduler). */
  pods: number;
  /** Create an unschedulable Node to read when the cluster has no simulated ones. */
  node: boolean;
}

export interface ProbeStart {
  readsPerSec: number;
  writesPerSec: number;
  /** Nodes to GET, in turn. */
  nodeNames: string[];
  phase: string;
}

/** Samples of one phase: per kind, latencies (ms) and the errors seen. */
export interface PhaseSamples {
  phase: string;
  ms: number;
  byKind: Partial<Record<ProbeKind, number[]>>;
  errors: Partial<Record<ProbeKind, number>>;
  /** First error message per kind, to say what went wrong. */
  firstError: Partial<Record<ProbeKind, string>>;
  /** Sends skipped because too many requests were outstanding (the server is not keeping up). */
  skipped: number;
}

export interface ProbeOps {
  setup: { args: ProbeSetup; result: null };
  start: { args: ProbeStart; result: null };
  /** Starts a new phase; the samples so far are kept under the previous one. */
  phase: { args: { phase: string }; result: null };
  /** Stops sending, waits for outstanding requests, returns every phase's samples. */
  stop: { args: Record<string, never>; result: PhaseSamples[] };
}
export type ProbeOp = keyof ProbeOps;
export type ProbeRequest = { id: number; op: ProbeOp; args: unknown };
export type ProbeReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export class Probe {
  private next = 1;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on("message", (m: ProbeReply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.result);
      else w.reject(new Error(m.error));
    });
    child.on("exit", (code, signal) => {
      for (const w of this.waiting.values()) w.reject(new Error(`probe exited (${signal ?? code})`));
      this.waiting.clear();
    });
  }

  /** Starts the child, pointed at the server (credentials come from the data dir). */
  static start(url: string, dataDir: string): Probe {
    const entry = fileURLToPath(new URL("./scale-probe-worker.ts", import.meta.url));
    const child = fork(entry, [url, dataDir], { execArgv: ["--import", "tsx"], serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"] });
    return new Probe(child);
  }

  call<K extends ProbeOp>(op: K, args: ProbeOps[K]["args"]): Promise<ProbeOps[K]["result"]> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, op, args } satisfies ProbeRequest);
    });
  }

  /** Ends the child (the one started here, by its PID). */
  async close(): Promise<void> {
    const { child } = this;
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.disconnect();
    const timer = setTimeout(() => { if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, "SIGKILL"); }, 3000);
    await exited;
    clearTimeout(timer);
  }
}
