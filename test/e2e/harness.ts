/**
 * End-to-end harness: one in-process Timonel cluster per test file, driven by the real
 * kubectl (/usr/bin/kubectl, the dispatcher that picks kubectl 1.32 from /version).
 *
 * Every kubectl run gets the cluster's own kubeconfig, its own discovery/OpenAPI cache dir
 * and a private HOME, so nothing reads or writes the user's ~/.kube. kubectl is always
 * spawned asynchronously: the API server lives in this very process and must keep
 * answering while kubectl waits on it.
 */
import { after, before } from "node:test";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startCluster, type ClusterOptions } from "../../src/cli/cluster.js";

export const KUBECTL = process.env.TIMONEL_E2E_KUBECTL ?? "/usr/bin/kubectl";

/** Set when the suite cannot run here; pass it as `describe(name, { skip }, ...)`. */
export const skip: string | false = existsSync(KUBECTL)
  ? false
  : `e2e suite skipped: ${KUBECTL} not found (set TIMONEL_E2E_KUBECTL to a kubectl dispatcher or a kubectl 1.32 binary)`;

const DEFAULT_TIMEOUT_MS = 30_000;

export interface KubectlOptions {
  stdin?: string;
  env?: Record<string, string>;
  /** When set, the run must exit non-zero; otherwise it must exit 0. */
  expectFail?: boolean;
  timeoutMs?: number;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Background {
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves once stdout matches, rejects after the timeout with what was seen so far. */
  waitForOutput(re: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code once the process ends by itself; rejects after the timeout. */
  exited(timeoutMs?: number): Promise<number>;
  /** Kills the process group and waits for the exit. */
  stop(): Promise<void>;
}

export interface E2ECluster {
  url: string;
  kubeconfigPath: string;
  cacheDir: string;
  /** A private scratch dir for manifests and copies of the kubeconfig. */
  workDir: string;
  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  /** Starts a long-running kubectl (e.g. `get -w`); stop() it before the test ends. */
  kubectlBackground(args: string[], opts?: Pick<KubectlOptions, "env">): Background;
  /** Writes a file under workDir and returns its absolute path. */
  writeFile(name: string, content: string): Promise<string>;
}

/** What a suite may ask of its cluster; everything else is the harness's choice. */
export interface UseClusterOptions {
  /** Register simulated (kwok-like) nodes, as `timonel up --simulated-nodes N` does. */
  simulatedNodes?: ClusterOptions["simulatedNodes"];
  /** Run the scheduler and controllers (default true); false serves the API alone. */
  components?: boolean;
}

/**
 * Registers before/after hooks on the enclosing suite that start a fresh cluster and tear it
 * down. The returned object is usable from inside tests (after `before` has run).
 */
export function useCluster(opts: UseClusterOptions = {}): E2ECluster {
  let stop: (() => Promise<void>) | undefined;
  let rootDir = "";
  const running = new Set<ChildProcess>();
  const ctx = {
    url: "",
    kubeconfigPath: "",
    cacheDir: "",
    workDir: "",
  };

  const baseEnv = (): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = {};
    // Only what kubectl needs: no proxy settings, no inherited KUBECONFIG.
    for (const k of ["PATH", "LANG", "LC_ALL", "TZ"]) if (process.env[k] !== undefined) env[k] = process.env[k];
    env.HOME = path.join(rootDir, "home");
    env.KUBECONFIG = ctx.kubeconfigPath;
    env.KUBECACHEDIR = ctx.cacheDir;
    return env;
  };

  const launch = (args: string[], env: Record<string, string> | undefined): ChildProcess => {
    const child = spawn(KUBECTL, args, {
      env: { ...baseEnv(), ...env },
      cwd: ctx.workDir,
      // Own process group: the dispatcher execs or forks the real kubectl, and a timeout
      // must kill both.
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    running.add(child);
    child.on("exit", () => running.delete(child));
    return child;
  };

  const killGroup = (child: ChildProcess, signal: NodeJS.Signals = "SIGKILL"): void => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };

  before(async () => {
    rootDir = await fs.mkdtemp(path.join(os.tmpdir(), "timonel-e2e-"));
    ctx.cacheDir = path.join(rootDir, "kube-cache");
    ctx.workDir = path.join(rootDir, "work");
    await Promise.all([
      fs.mkdir(ctx.cacheDir, { recursive: true }),
      fs.mkdir(ctx.workDir, { recursive: true }),
      fs.mkdir(path.join(rootDir, "home"), { recursive: true }),
    ]);
    const cluster = await startCluster({ dataDir: path.join(rootDir, "data"), port: 0, host: "127.0.0.1", storage: "sqlite", simulatedNodes: opts.simulatedNodes, components: opts.components });
    stop = () => cluster.stop();
    ctx.url = cluster.url;
    ctx.kubeconfigPath = cluster.kubeconfigPath;
  });

  after(async () => {
    for (const child of running) killGroup(child);
    await stop?.();
    if (rootDir && !process.env.TIMONEL_E2E_KEEP) await fs.rm(rootDir, { recursive: true, force: true });
  });

  const kubectl = (args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> =>
    new Promise((resolve, reject) => {
      const child = launch(args, opts.env);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout!.on("data", (b: Buffer) => out.push(b));
      child.stderr!.on("data", (b: Buffer) => err.push(b));
      const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(child);
      }, timeoutMs);
      child.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        const res: KubectlResult = {
          code: code ?? 128,
          stdout: Buffer.concat(out).toString("utf8"),
          stderr: Buffer.concat(err).toString("utf8"),
        };
        const cmd = `kubectl ${args.join(" ")}`;
        if (timedOut) {
          reject(new Error(`${cmd}: timed out after ${timeoutMs} ms\nstdout: ${res.stdout}\nstderr: ${res.stderr}`));
        } else if (opts.expectFail === true && res.code === 0) {
          reject(new Error(`${cmd}: expected failure but exited 0\nstdout: ${res.stdout}\nstderr: ${res.stderr}`));
        } else if (opts.expectFail !== true && res.code !== 0) {
          reject(new Error(`${cmd}: exited ${res.code}${signal ? ` (${signal})` : ""}\nstdout: ${res.stdout}\nstderr: ${res.stderr}`));
        } else {
          resolve(res);
        }
      });
      child.stdin!.on("error", () => {
        // kubectl may exit before reading stdin.
      });
      child.stdin!.end(opts.stdin ?? "");
    });

  const kubectlBackground = (args: string[], opts: Pick<KubectlOptions, "env"> = {}): Background => {
    const child = launch(args, opts.env);
    let stdout = "";
    let stderr = "";
    const waiters = new Set<() => void>();
    child.stdout!.on("data", (b: Buffer) => {
      stdout += b.toString("utf8");
      for (const w of waiters) w();
    });
    child.stderr!.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
    child.stdin!.end();
    const exited = new Promise<number>((r) => child.on("close", (code) => r(code ?? 128)));
    return {
      get stdout() {
        return stdout;
      },
      get stderr() {
        return stderr;
      },
      waitForOutput(re, timeoutMs = 15_000) {
        return new Promise<void>((resolve, reject) => {
          const check = (): void => {
            if (!re.test(stdout)) return;
            cleanup();
            resolve();
          };
          const timer = setTimeout(() => {
            cleanup();
            reject(new Error(`kubectl ${args.join(" ")}: no output matching ${re} within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
          }, timeoutMs);
          const onExit = (): void => {
            if (re.test(stdout)) return check();
            cleanup();
            reject(new Error(`kubectl ${args.join(" ")}: exited before output matched ${re}\nstdout: ${stdout}\nstderr: ${stderr}`));
          };
          const cleanup = (): void => {
            clearTimeout(timer);
            waiters.delete(check);
            child.off("close", onExit);
          };
          waiters.add(check);
          child.on("close", onExit);
          check();
        });
      },
      exited(timeoutMs = 15_000) {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<number>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`kubectl ${args.join(" ")}: still running after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`)),
            timeoutMs,
          );
        });
        return Promise.race([exited, timeout]).finally(() => clearTimeout(timer));
      },
      async stop() {
        killGroup(child, "SIGTERM");
        const t = setTimeout(() => killGroup(child), 2_000);
        await exited;
        clearTimeout(t);
      },
    };
  };

  return {
    get url() {
      return ctx.url;
    },
    get kubeconfigPath() {
      return ctx.kubeconfigPath;
    },
    get cacheDir() {
      return ctx.cacheDir;
    },
    get workDir() {
      return ctx.workDir;
    },
    kubectl,
    kubectlBackground,
    async writeFile(name, content) {
      const p = path.join(ctx.workDir, name);
      await fs.mkdir(path.dirname(p), { recursive: true });
      await fs.writeFile(p, content);
      return p;
    },
  };
}

/** Polls `predicate` until it returns a truthy value; rejects with the last error on timeout. */
export async function waitFor<T>(predicate: () => T | Promise<T>, timeoutMs = 10_000, intervalMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await predicate();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() >= deadline) {
      throw new Error(`waitFor: condition not met within ${timeoutMs} ms${lastErr ? `: ${String(lastErr)}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Parses kubectl's column output. Column starts are taken from the header (kubectl's
 * tabwriter aligns every cell under its header), so empty cells and multi-word headers such
 * as "NOMINATED NODE" come out right.
 */
export function parseTable(out: string): Record<string, string>[] {
  const lines = out.split("\n").filter((l) => l.trim() !== "");
  const head = lines[0];
  if (head === undefined) return [];
  const cols = [...head.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], start: m.index ?? 0 }));
  return lines.slice(1).map((line) =>
    Object.fromEntries(cols.map((c, i) => [c.name, line.slice(c.start, cols[i + 1]?.start).trim()])),
  );
}

/** The header cells of kubectl's column output. */
export function header(out: string): string[] {
  const head = out.split("\n").find((l) => l.trim() !== "") ?? "";
  return [...head.matchAll(/\S+(?: \S+)*/g)].map((m) => m[0]);
}

/** The row whose cell under `col` (default: the first column) equals `value`. */
export function findRow(out: string, value: string, col?: string): Record<string, string> | undefined {
  const rows = parseTable(out);
  const key = col ?? header(out)[0] ?? "";
  return rows.find((r) => r[key] === value);
}
