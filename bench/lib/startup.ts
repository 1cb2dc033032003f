/**
 * Process-level figures: how long `timonel up` takes from spawn to a 200 from `/readyz`, and
 * its resident memory once idle. The baseline is a bare Node process serving HTTPS (HTTP/2,
 * same certificate) — the floor any Node server pays. Only the children started here are
 * ever signalled, by their PID.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import http2 from "node:http2";
import net from "node:net";
import { join } from "node:path";
import { pkiPaths } from "../../src/cli/pki.js";

export interface StartupRun {
  /** Spawn → first 200 from /readyz. */
  readyMs: number;
  /** VmRSS after the server sat idle for `idleMs`. */
  rssBytes: number;
}

export type Runtime = "dist" | "fresh build" | "tsx";

export interface StartupResult {
  /**
   * What was started: the repo's dist/ (when newer than every source), a private build of the
   * current sources, or (if that build fails) the TypeScript sources through tsx.
   */
  runtime: Runtime;
  /** First start on an empty data dir (creates the CA, certificates and database). */
  cold: StartupRun;
  /** Second start on the same data dir. */
  warm: StartupRun;
  /** A bare Node HTTPS server. */
  baseline: StartupRun;
}

export interface StartupOptions {
  repoRoot: string;
  dataDir: string;
  /** Scratch directory for a private build when dist/ is stale. */
  buildDir: string;
  idleMs?: number;
  timeoutMs?: number;
}

/** True when dist/ holds a CLI build at least as new as every source file. */
export function distIsFresh(repoRoot: string): boolean {
  const main = join(repoRoot, "dist/src/cli/main.js");
  if (!existsSync(main)) return false;
  const built = statSync(main).mtimeMs;
  const newest = (dir: string): number => {
    let m = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) m = Math.max(m, newest(p));
      else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")) m = Math.max(m, statSync(p).mtimeMs);
    }
    return m;
  };
  return newest(join(repoRoot, "src")) <= built;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** One /readyz attempt on a fresh connection; false while the port is closed or not ready. */
function readyOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const session = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
    const done = (ok: boolean): void => {
      session.destroy();
      resolve(ok);
    };
    session.once("error", () => done(false));
    session.once("connect", () => {
      const req = session.request({ ":path": "/readyz" });
      req.once("response", (h) => {
        req.resume();
        done(h[":status"] === 200);
      });
      req.once("error", () => done(false));
      req.end();
    });
  });
}

function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  process.kill(child.pid, "SIGTERM");
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, "SIGKILL");
  }, 3000);
  await exited;
  clearTimeout(timer);
}

/** Spawns `args`, polls /readyz on `port` until 200, then samples RSS after the idle period. */
async function measure(args: string[], cwd: string, port: number, idleMs: number, timeoutMs: number): Promise<StartupRun> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => { stderr += c.toString(); });
  try {
    let readyMs = -1;
    while (readyMs < 0) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before /readyz: ${stderr.slice(0, 500)}`);
      if (performance.now() - started > timeoutMs) throw new Error(`no /readyz within ${timeoutMs} ms: ${stderr.slice(0, 500)}`);
      if (await readyOnce(port)) readyMs = performance.now() - started;
      else await new Promise((r) => setTimeout(r, 2));
    }
    await new Promise((r) => setTimeout(r, idleMs));
    return { readyMs, rssBytes: rssOf(child.pid!) };
  } finally {
    await stopChild(child);
  }
}

/** The baseline server: HTTP/2 + TLS on the same certificate, answering every request. */
const BARE_SERVER = `
const h2 = require("node:http2"), fs = require("node:fs");
const [key, cert, port] = process.argv.slice(1);
h2.createSecureServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert), allowHTTP1: true },
  (req, res) => res.end("ok")).listen(Number(port), "127.0.0.1");
`;

/**
 * The command that runs `timonel` from compiled JavaScript, as users run it. A stale dist/
 * would measure old code, and building into dist/ would disturb others working in the
 * checkout, so the sources are transpiled (no type check) into a scratch root that borrows
 * node_modules and generated/ by symlink.
 */
export function compiledEntry(repoRoot: string, buildDir: string): { runtime: Runtime; args: string[] } {
  if (distIsFresh(repoRoot)) return { runtime: "dist", args: [join(repoRoot, "bin/timonel.js")] };
  mkdirSync(buildDir, { recursive: true });
  const tsc = join(repoRoot, "node_modules/typescript/bin/tsc");
  const out = spawnSync(process.execPath, [tsc, "-p", join(repoRoot, "tsconfig.build.json"), "--outDir", join(buildDir, "dist"),
    "--noCheck", "--declaration", "false", "--sourceMap", "false"], { cwd: repoRoot, encoding: "utf8", timeout: 60_000 });
  const entry = join(buildDir, "dist/src/cli/run.js");
  if (out.status !== 0 || !existsSync(entry)) {
    return { runtime: "tsx", args: ["--import", "tsx", join(repoRoot, "src/cli/run.ts")] };
  }
  for (const d of ["node_modules", "generated"]) if (!existsSync(join(buildDir, d))) symlinkSync(join(repoRoot, d), join(buildDir, d));
  writeFileSync(join(buildDir, "package.json"), JSON.stringify({ type: "module" }));
  return { runtime: "fresh build", args: [entry] };
}

export async function runStartupBench(opts: StartupOptions): Promise<StartupResult> {
  const idleMs = opts.idleMs ?? 1000;
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const { runtime, args: entry } = compiledEntry(opts.repoRoot, opts.buildDir);
  const up = async (): Promise<StartupRun> => {
    const port = await freePort();
    return measure([...entry, "up", "--data-dir", opts.dataDir, "--port", String(port)], opts.repoRoot, port, idleMs, timeoutMs);
  };
  const cold = await up();
  const warm = await up();
  const p = pkiPaths(opts.dataDir);
  const port = await freePort();
  const baseline = await measure(["-e", BARE_SERVER, p.servingKey, p.servingCert, String(port)], opts.repoRoot, port, idleMs, timeoutMs);
  return { runtime, cold, warm, baseline };
}
