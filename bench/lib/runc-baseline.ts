/**
 * The pods benchmark's baseline: bare runc on an equivalent bundle — a busybox-static root
 * filesystem, `sleep 3600`, the namespaces of `runc spec` — with no orchestration at all.
 * `runc run -d` is timed until it returns (the container is running), then `runc kill KILL` +
 * `runc delete --force`. Everything lives in a private runc root and a temp dir; every
 * container it starts is deleted before it returns, even on failure.
 */
import { execFileSync, spawn } from "node:child_process";
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeCgroup } from "../../src/node/runtime/runc/cgroup.js";
import { summarize, type Latency } from "./stats.js";

export interface RuncBaseline {
  /** One `runc run -d` after another. */
  run: Latency;
  /** `runc kill KILL` + `runc delete --force`, one after another. */
  remove: Latency;
  /** `burst` runs started at once: until the last returned, and each one's latency. */
  burstMs: number;
  burst: Latency;
  burstCount: number;
}

/**
 * Runs runc with its stdio on files, never pipes: a container started by `run -d` inherits
 * them, so a pipe would stay open as long as the container runs. Resolves on runc's exit.
 */
function runc(args: string[], errFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fd = openSync(errFile, "w");
    const child = spawn("runc", args, { stdio: ["ignore", fd, fd] });
    closeSync(fd);
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      let msg = "";
      try {
        msg = readFileSync(errFile, "utf8").trim();
      } catch {
        // no message
      }
      reject(new Error(`runc ${args.join(" ")}: exit ${code ?? signal}: ${msg}`));
    });
  });
}

function makeBundle(dir: string, cgroupParent: string): string {
  const bundle = join(dir, "bundle");
  const rootfs = join(bundle, "rootfs");
  for (const d of ["bin", "etc", "tmp", "proc", "sys", "dev"]) mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync("/bin/busybox", join(rootfs, "bin", "busybox"));
  for (const a of ["sh", "sleep"]) symlinkSync("busybox", join(rootfs, "bin", a));
  execFileSync("runc", ["spec", "--bundle", bundle]);
  const spec = JSON.parse(readFileSync(join(bundle, "config.json"), "utf8")) as {
    process: { args: string[]; terminal: boolean };
    root: { path: string; readonly?: boolean };
    linux: { cgroupsPath?: string };
  };
  // runc refuses a symlinked rootfs: every container's bundle points at this one by absolute path (read-only).
  spec.root = { path: rootfs, readonly: true };
  spec.process.args = ["sleep", "3600"];
  spec.process.terminal = false;
  spec.linux.cgroupsPath = `${cgroupParent}/CONTAINER`;
  writeFileSync(join(bundle, "config.template.json"), JSON.stringify(spec));
  return bundle;
}

export async function runcBaseline(o: { count: number; burst: number; tag: string; dir?: string }): Promise<RuncBaseline> {
  const dir = mkdtempSync(join(o.dir ?? tmpdir(), "timonel-bench-runc-"));
  const root = join(dir, "runc-root");
  const cgroupParent = `/timonel-bench-runc-${o.tag}`;
  const bundle = makeBundle(dir, cgroupParent);
  const template = readFileSync(join(bundle, "config.template.json"), "utf8");
  const started = new Set<string>();
  // Each container gets its own cgroup, as a pod's would; the bundle is otherwise shared (read-only root).
  const bundleFor = (id: string): string => {
    const b = join(dir, "bundles", id);
    mkdirSync(b, { recursive: true });
    writeFileSync(join(b, "config.json"), template.replace("CONTAINER", id));
    return b;
  };
  const run = async (id: string): Promise<number> => {
    const b = bundleFor(id);
    const t = performance.now();
    started.add(id);
    await runc(["--root", root, "run", "-d", "--bundle", b, id], join(dir, "bundles", id, "runc.log"));
    return performance.now() - t;
  };
  const remove = async (id: string): Promise<number> => {
    const t = performance.now();
    await runc(["--root", root, "kill", id, "KILL"], join(dir, "bundles", id, "kill.log")).catch(() => undefined);
    await runc(["--root", root, "delete", "--force", id], join(dir, "bundles", id, "delete.log"));
    started.delete(id);
    return performance.now() - t;
  };
  try {
    // Warm the page cache and runc's binary once.
    await run("warm");
    await remove("warm");
    const runs: number[] = [];
    for (let i = 0; i < o.count; i++) runs.push(await run(`seq${i}`));
    const removes: number[] = [];
    for (let i = 0; i < o.count; i++) removes.push(await remove(`seq${i}`));
    const t0 = performance.now();
    const burst = await Promise.all(Array.from({ length: o.burst }, (_, i) => run(`burst${i}`)));
    const burstMs = performance.now() - t0;
    await Promise.all(Array.from({ length: o.burst }, (_, i) => remove(`burst${i}`)));
    return { run: summarize(runs), remove: summarize(removes), burstMs, burst: summarize(burst), burstCount: o.burst };
  } finally {
    for (const id of started) await runc(["--root", root, "delete", "--force", id], join(dir, "cleanup.log")).catch(() => undefined);
    removeCgroup(cgroupParent);
    rmSync(dir, { recursive: true, force: true });
  }
}
