/**
 * The process runtime: the unprivileged fallback (no root, no runc, or not Linux). A
 * container is its command run as a host process, in its own process group, by a detached
 * shim (`shim.ts`) that keeps the exit code and writes the CRI-format log; each pod gets a
 * 127.x.y.z address from the PodNetwork (a LoopbackNetwork). What this cannot isolate is
 * listed by `limitations()`, for the agent to print at start-up and put in the Node's
 * conditions.
 *
 * State lives on disk under `<stateDir>` (sandboxes/, containers/), so a new instance adopts
 * running containers after an agent restart.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { constants as osConstants, platform } from "node:os";
import { PassThrough } from "node:stream";
import type {
  ContainerInfo, ContainerRuntime, ContainerSpec, ContainerStats, ContainerStatus, ExecOptions, ExecResult, ExecSession,
  RuntimeOptions, Sandbox, SandboxSpec,
} from "../types.js";
import { RuntimeNotFoundError } from "../types.js";
import { envList, listSandboxRecords, newId, pidAlive, procInfo, readExitFile, readJson, readSandboxRecord, safeReaddir, sandboxDir, waitFor, writeJsonAtomic } from "../store.js";
import { hostsFile, resolvConf } from "../etc-files.js";
import { installShim, launchShim, type ShimConfig } from "./shim.js";

interface ContainerRecord {
  id: string;
  sandboxId: string;
  name: string;
  logPath: string;
  createdAt: string;
  startedAt?: string;
  shim: ShimConfig;
  shimPid?: number;
  shimStartTime?: string;
  pid?: number;
  pidStartTime?: string;
}

interface FinalStatus {
  exitCode: number;
  finishedAt: string;
  reason: string;
  message?: string;
}

export class ProcessRuntime implements ContainerRuntime {
  readonly name = "process";
  private readonly stateDir: string;
  private readonly network: RuntimeOptions["network"];
  private readonly shimPath: string;
  private readonly isRoot: boolean;

  constructor(opts: RuntimeOptions) {
    this.stateDir = opts.stateDir;
    this.network = opts.network;
    for (const d of ["sandboxes", "containers"]) mkdirSync(join(this.stateDir, d), { recursive: true });
    this.shimPath = installShim(this.stateDir);
    this.isRoot = process.getuid?.() === 0;
  }

  async version(): Promise<string> {
    return `node ${process.version}`;
  }

  limitations(): string[] {
    const out = [
      "no filesystem isolation: commands run on the host's filesystem; the image's root filesystem is not used",
      "no network isolation: the pod's 127.x.y.z address is only recorded; processes share the host's network and ports",
      "no PID, IPC or UTS isolation: containers see the host's processes and hostname",
      "cpu, memory and pids limits are not enforced (so no OOMKilled)",
      "capabilities, privileged, readOnlyRootFilesystem and volume mounts are ignored",
      "no seccomp filter: seccompProfile is ignored",
      "fsGroup and supplementalGroups are ignored: a container has no supplementary groups",
    ];
    if (!this.isRoot) out.push(`runAsUser/runAsGroup are ignored: every container runs as uid ${process.getuid?.() ?? "of the agent"}`);
    if (platform() !== "linux") out.push("stats and process identity checks are limited outside Linux");
    return out;
  }

  // ---- sandboxes ----

  private sandboxDir(id: string): string {
    return sandboxDir(this.stateDir, id);
  }

  private readSandbox(id: string): Sandbox {
    return readSandboxRecord<Sandbox>(this.stateDir, id);
  }

  async createSandbox(spec: SandboxSpec): Promise<Sandbox> {
    const id = newId();
    const dir = this.sandboxDir(id);
    mkdirSync(dir, { recursive: true });
    const hostNetwork = spec.hostNetwork === true;
    const sb: Sandbox = {
      id, podUid: spec.podUid, name: spec.name, namespace: spec.namespace, hostname: spec.hostname, hostNetwork,
      cgroupParent: spec.cgroupParent ?? "", createdAt: new Date().toISOString(),
    };
    writeJsonAtomic(join(dir, "sandbox.json"), sb);
    try {
      if (!hostNetwork) sb.ip = (await this.network.setUp(id)).ip;
      // Kept for the agent and for a later chroot mode; the host processes do not see them.
      writeFileSync(join(dir, "hosts"), hostsFile({ ip: sb.ip, hostname: spec.hostname, aliases: spec.hosts }));
      writeFileSync(join(dir, "resolv.conf"), resolvConf(spec.dnsConfig));
      writeJsonAtomic(join(dir, "sandbox.json"), sb);
    } catch (e) {
      await this.removeSandbox(id).catch(() => undefined);
      throw e;
    }
    return sb;
  }

  async removeSandbox(id: string): Promise<void> {
    let sb: Sandbox;
    try {
      sb = this.readSandbox(id);
    } catch (e) {
      if (e instanceof RuntimeNotFoundError) return;
      throw e;
    }
    await Promise.all(this.records().filter((c) => c.sandboxId === id).map((c) => this.removeContainer(c.id)));
    if (!sb.hostNetwork) await this.network.tearDown(id);
    rmSync(this.sandboxDir(id), { recursive: true, force: true });
  }

  async listSandboxes(): Promise<Sandbox[]> {
    return listSandboxRecords<Sandbox>(this.stateDir);
  }

  // ---- containers ----

  private containerDir(id: string): string {
    return join(this.stateDir, "containers", id);
  }

  private read(id: string): ContainerRecord {
    const rec = /^[0-9a-f]+$/.test(id) ? readJson<ContainerRecord>(join(this.containerDir(id), "container.json")) : undefined;
    if (!rec) throw new RuntimeNotFoundError("container", id);
    return rec;
  }

  private write(rec: ContainerRecord): void {
    writeJsonAtomic(join(this.containerDir(rec.id), "container.json"), rec);
  }

  private records(): ContainerRecord[] {
    const out: ContainerRecord[] = [];
    for (const id of safeReaddir(join(this.stateDir, "containers"))) {
      const rec = readJson<ContainerRecord>(join(this.containerDir(id), "container.json"));
      if (rec) out.push(rec);
    }
    return out;
  }

  async createContainer(sandboxId: string, spec: ContainerSpec): Promise<string> {
    const sb = this.readSandbox(sandboxId);
    if (spec.command.length === 0) throw new Error("container has no command");
    const id = newId();
    const dir = this.containerDir(id);
    mkdirSync(dir, { recursive: true });
    mkdirSync(dirname(spec.logPath), { recursive: true });
    const env: Record<string, string> = {};
    for (const kv of envList(spec.env, sb.hostname)) {
      const eq = kv.indexOf("=");
      env[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    const shim: ShimConfig = {
      command: spec.command, env, cwd: spec.workingDir || dir, logPath: spec.logPath,
      pidFile: join(dir, "pid"), exitFile: join(dir, "exit"), messageFile: join(dir, "message"),
    };
    if (this.isRoot && spec.user) {
      shim.uid = spec.user.uid;
      shim.gid = spec.user.gid;
    }
    writeJsonAtomic(join(dir, "shim.json"), shim);
    this.write({ id, sandboxId, name: spec.name, logPath: spec.logPath, createdAt: new Date().toISOString(), shim });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const rec = this.read(id);
    if (rec.startedAt) throw new Error(`container ${id} was already started`);
    rec.startedAt = new Date().toISOString();
    rec.shimPid = launchShim(this.shimPath, join(this.containerDir(id), "shim.json"));
    rec.shimStartTime = procInfo(rec.shimPid)?.startTime;
    this.write(rec);
    const ready = await waitFor(() => existsSync(rec.shim.pidFile) || existsSync(rec.shim.exitFile), 10_000, 5);
    if (!ready) throw new Error(`container ${id}: the shim did not start the command within 10 s`);
    const pid = Number(readText(rec.shim.pidFile) ?? "0");
    if (pid > 0) {
      rec.pid = pid;
      rec.pidStartTime = procInfo(pid)?.startTime;
      this.write(rec);
    }
  }

  private finalStatus(rec: ContainerRecord): FinalStatus | undefined {
    const exit = readExitFile(rec.shim.exitFile);
    if (!exit) return undefined;
    const message = readText(rec.shim.messageFile);
    const reason = message !== undefined ? "StartError" : exit.exitCode === 0 ? "Completed" : "Error";
    return { ...exit, reason, ...(message !== undefined ? { message } : {}) };
  }

  private shimAlive(rec: ContainerRecord): boolean {
    return rec.shimPid !== undefined && pidAlive(rec.shimPid, rec.shimStartTime);
  }

  private statusOf(rec: ContainerRecord): ContainerStatus {
    const base = { createdAt: rec.createdAt, startedAt: rec.startedAt };
    if (!rec.startedAt) return { ...base, state: "created" };
    let fin = this.finalStatus(rec);
    if (!fin && this.shimAlive(rec)) return { ...base, state: "running", pid: rec.pid };
    fin ??= this.finalStatus(rec);
    if (fin) return { ...base, state: "exited", exitCode: fin.exitCode, finishedAt: fin.finishedAt, reason: fin.reason, message: fin.message };
    return { ...base, state: "unknown", reason: "Unknown", message: "the container's shim exited without recording an exit code" };
  }

  async containerStatus(id: string): Promise<ContainerStatus> {
    return this.statusOf(this.read(id));
  }

  /** Signals the container's process group, if it is still the process we started. */
  private signal(rec: ContainerRecord, sig: NodeJS.Signals): void {
    if (!rec.pid || !pidAlive(rec.pid, rec.pidStartTime)) return;
    try {
      process.kill(-rec.pid, sig);
    } catch {
      try {
        process.kill(rec.pid, sig);
      } catch {
        // gone
      }
    }
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    const rec = this.read(id);
    if (!rec.startedAt) return;
    const done = (): boolean => existsSync(rec.shim.exitFile) || !this.shimAlive(rec);
    if (done()) return;
    if (graceSeconds > 0) {
      this.signal(rec, "SIGTERM");
      if (await waitFor(done, graceSeconds * 1000, 25)) return;
    }
    this.signal(rec, "SIGKILL");
    if (!(await waitFor(done, 10_000, 10))) throw new Error(`container ${id} did not exit after SIGKILL`);
  }

  async removeContainer(id: string): Promise<void> {
    let rec: ContainerRecord;
    try {
      rec = this.read(id);
    } catch (e) {
      if (e instanceof RuntimeNotFoundError) return;
      throw e;
    }
    if (this.statusOf(rec).state === "running") await this.stopContainer(id, 0);
    rmSync(this.containerDir(id), { recursive: true, force: true });
  }

  async listContainers(): Promise<ContainerInfo[]> {
    return this.records().map((rec) => ({ id: rec.id, sandboxId: rec.sandboxId, name: rec.name, logPath: rec.logPath, status: this.statusOf(rec) }));
  }

  // ---- exec, stats ----

  private spawnExec(rec: ContainerRecord, cmd: string[]): ReturnType<typeof spawn> {
    if (cmd.length === 0) throw new Error("exec needs a command");
    const cwd = existsSync(rec.shim.cwd) ? rec.shim.cwd : this.containerDir(rec.id);
    return spawn(cmd[0]!, cmd.slice(1), {
      cwd, env: rec.shim.env, stdio: ["pipe", "pipe", "pipe"],
      ...(rec.shim.uid !== undefined ? { uid: rec.shim.uid, gid: rec.shim.gid } : {}),
    });
  }

  async exec(id: string, cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const rec = this.read(id);
    if (opts.tty) throw new Error("exec with a TTY is not supported by the process runtime");
    if (this.statusOf(rec).state !== "running") throw new Error(`container ${id} is not running`);
    return new Promise<ExecResult>((resolve) => {
      const child = this.spawnExec(rec, cmd);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout!.on("data", (d: Buffer) => out.push(d));
      child.stderr!.on("data", (d: Buffer) => err.push(d));
      const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
      let failed: Error | undefined;
      child.on("error", (e) => (failed = e));
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        if (failed) resolve({ exitCode: 126, stdout: "", stderr: `exec failed: ${failed.message}\n` });
        else resolve({ exitCode: code ?? 128 + (signal ? osConstants.signals[signal] : 9), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
      });
      child.stdin!.on("error", () => undefined);
      child.stdin!.end(opts.stdin ?? "");
    });
  }

  execStream(id: string, cmd: string[], opts: { tty?: boolean } = {}): ExecSession {
    const rec = this.read(id);
    if (opts.tty) throw new Error("exec with a TTY is not supported by the process runtime");
    const child = this.spawnExec(rec, cmd);
    const stdin = new PassThrough();
    stdin.pipe(child.stdin!);
    child.stdin!.on("error", () => undefined);
    const exited = new Promise<number>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code, signal) => resolve(code ?? 128 + (signal ? osConstants.signals[signal] : 9)));
    });
    return { stdin, stdout: child.stdout!, stderr: child.stderr!, exited, kill: (s) => void child.kill(s ?? "SIGKILL") };
  }

  async stats(id: string): Promise<ContainerStats> {
    const rec = this.read(id);
    const out: ContainerStats = { timestamp: new Date().toISOString() };
    if (!rec.pid || !pidAlive(rec.pid, rec.pidStartTime) || platform() !== "linux") return out;
    // Only the container's main process is counted (its children are not tracked without cgroups).
    const stat = readText(`/proc/${rec.pid}/stat`);
    if (stat) {
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ticks = Number(f[11]) + Number(f[12]);
      out.cpuUsageNs = Math.round((ticks * 1e9) / 100); // USER_HZ is 100 on Linux
    }
    const rss = /^VmRSS:\s+(\d+) kB$/m.exec(readText(`/proc/${rec.pid}/status`) ?? "");
    if (rss) out.memoryUsageBytes = out.memoryWorkingSetBytes = Number(rss[1]) * 1024;
    out.pids = 1;
    return out;
  }

  /** Stops and removes everything in this state directory (tests). */
  async cleanupAll(): Promise<void> {
    for (const c of this.records()) await this.removeContainer(c.id).catch(() => undefined);
    for (const s of await this.listSandboxes()) await this.removeSandbox(s.id).catch(() => undefined);
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}

