/**
 * The runc runtime: real Linux containers. Each container is an OCI bundle (config.json from
 * `spec.ts`) under `<stateDir>/containers/<id>`, created through conmon (which keeps the exit
 * code and writes the CRI-format log) and started with `runc start`. Each pod sandbox has its
 * network namespace from the PodNetwork and persistent IPC/UTS namespaces (`sandbox.ts`).
 * Containers get a seccomp filter (`seccomp.ts`) when runc is built with libseccomp.
 *
 * Everything is kept on disk, nothing only in memory, so a new instance over the same state
 * directory (after an agent restart) adopts running containers as they are. Status is read
 * cheaply from the exit file and /proc (no runc call) unless conmon is gone.
 */
import { spawn } from "node:child_process";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { PassThrough } from "node:stream";
import { constants as osConstants } from "node:os";
import type {
  ContainerInfo, ContainerRuntime, ContainerSpec, ContainerStats, ContainerStatus, ExecOptions, ExecResult, ExecSession,
  RuntimeOptions, Sandbox, SandboxSpec,
} from "../types.js";
import { RuntimeNotFoundError } from "../types.js";
import {
  listSandboxRecords, newId, procInfo, readExitFile, readJson, readSandboxRecord, safeReaddir, sandboxDir, tool, ToolError, waitFor, writeJsonAtomic,
} from "../store.js";
import { buildOciSpec, capabilitiesFromMask, resolveCapabilities, type PodPaths } from "./spec.js";
import { resolveSeccomp, runcSeccompSupport, type OciSeccomp } from "./seccomp.js";
import { cgroupStats, oomKills, removeCgroup, swapAccounting } from "./cgroup.js";
import { launchConmon, liveConmon, reopenConmonLog } from "./conmon.js";
import { createPodFiles, destroyPodFiles, podPaths } from "./sandbox.js";

export interface RuncRuntimeOptions extends RuntimeOptions {
  /** The runc binary (a name on PATH or a path). Default "runc". */
  runc?: string;
  /** The conmon binary. Default "conmon". */
  conmon?: string;
  /** Pods without a cgroupParent get `<cgroupRoot>/pod<uid>`. Default "/timonel". */
  cgroupRoot?: string;
}

interface SandboxRecord extends Sandbox {
  paths: PodPaths;
}

interface ContainerRecord {
  id: string;
  sandboxId: string;
  name: string;
  logPath: string;
  cgroupsPath: string;
  createdAt: string;
  startedAt?: string;
}

interface FinalStatus {
  exitCode: number;
  finishedAt: string;
  reason: string;
}

/** Resolves a command name to an absolute path through PATH (conmon needs one for runc). */
export function findBinary(name: string): string | undefined {
  const candidates = name.includes("/") ? [name] : (process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(":").map((d) => join(d, name));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  return undefined;
}

export class RuncRuntime implements ContainerRuntime {
  readonly name = "runc";
  private readonly stateDir: string;
  private readonly runcRoot: string;
  private readonly runc: string;
  private readonly conmon: string;
  private readonly network: RuntimeOptions["network"];
  private readonly cgroupRoot: string;
  private readonly seccompProfileRoot: string;
  private hostCaps: string[] | undefined;

  constructor(opts: RuncRuntimeOptions) {
    const runc = findBinary(opts.runc ?? "runc");
    const conmon = findBinary(opts.conmon ?? "conmon");
    if (!runc) throw new Error(`runc runtime: ${opts.runc ?? "runc"} not found`);
    if (!conmon) throw new Error(`runc runtime: ${opts.conmon ?? "conmon"} not found (apt install conmon)`);
    this.runc = runc;
    this.conmon = conmon;
    this.stateDir = opts.stateDir;
    this.network = opts.network;
    this.cgroupRoot = opts.cgroupRoot ?? "/timonel";
    this.seccompProfileRoot = opts.seccompProfileRoot ?? join(this.stateDir, "seccomp");
    this.runcRoot = join(this.stateDir, "runc");
    for (const d of [this.runcRoot, join(this.stateDir, "sock"), join(this.stateDir, "sandboxes"), join(this.stateDir, "containers")]) {
      mkdirSync(d, { recursive: true });
    }
  }

  async version(): Promise<string> {
    const out = await tool(this.runc, ["--version"]);
    return out.split("\n")[0]!.replace(/^runc version\s*/, "");
  }

  limitations(): string[] {
    const seccomp = runcSeccompSupport(this.runc);
    return [
      ...(seccomp.enabled ? [] : [`no seccomp filter is applied: ${seccomp.reason ?? "runc has no seccomp support"}; Localhost profiles fail`]),
      "privileged containers get every capability and device cgroup access, but host device nodes are not mounted into /dev",
      "each container has its own PID namespace (shareProcessNamespace is not supported yet)",
    ];
  }

  // ---- sandboxes ----

  private sandboxDir(id: string): string {
    return sandboxDir(this.stateDir, id);
  }

  private readSandbox(id: string): SandboxRecord {
    return readSandboxRecord<SandboxRecord>(this.stateDir, id);
  }

  async createSandbox(spec: SandboxSpec): Promise<Sandbox> {
    const id = newId();
    const dir = this.sandboxDir(id);
    mkdirSync(dir, { recursive: true });
    const hostNetwork = spec.hostNetwork === true;
    let rec: SandboxRecord = {
      id, podUid: spec.podUid, name: spec.name, namespace: spec.namespace, hostname: spec.hostname, hostNetwork,
      cgroupParent: spec.cgroupParent ?? `${this.cgroupRoot}/pod${spec.podUid}`,
      createdAt: new Date().toISOString(),
      paths: podPaths(dir, hostNetwork, undefined),
    };
    // Written first, so a crash half-way still leaves something removeSandbox can clean up.
    writeJsonAtomic(join(dir, "sandbox.json"), rec);
    try {
      if (!hostNetwork) {
        const net = await this.network.setUp(id);
        if (!net.netnsPath) throw new Error("the pod network gave no network namespace (the runc runtime needs a PodBridge)");
        rec = { ...rec, ip: net.ip, netnsPath: net.netnsPath, paths: podPaths(dir, false, net.netnsPath) };
        writeJsonAtomic(join(dir, "sandbox.json"), rec);
      }
      await createPodFiles(dir, spec, rec.paths, rec.ip);
    } catch (e) {
      await this.removeSandbox(id).catch(() => undefined);
      throw e;
    }
    return publicSandbox(rec);
  }

  async removeSandbox(id: string): Promise<void> {
    let rec: SandboxRecord;
    try {
      rec = this.readSandbox(id);
    } catch (e) {
      if (e instanceof RuntimeNotFoundError) return;
      throw e;
    }
    // In parallel: each removal mostly waits for a process to exit.
    await Promise.all(this.containerRecords().filter((c) => c.sandboxId === id).map((c) => this.removeContainer(c.id)));
    if (!rec.hostNetwork) await this.network.tearDown(id);
    await destroyPodFiles(this.sandboxDir(id), rec.paths);
    removeCgroup(rec.cgroupParent);
  }

  async listSandboxes(): Promise<Sandbox[]> {
    return listSandboxRecords<SandboxRecord>(this.stateDir).map(publicSandbox);
  }

  // ---- containers ----

  private containerDir(id: string): string {
    return join(this.stateDir, "containers", id);
  }

  private readContainer(id: string): ContainerRecord {
    const rec = /^[0-9a-f]+$/.test(id) ? readJson<ContainerRecord>(join(this.containerDir(id), "container.json")) : undefined;
    if (!rec) throw new RuntimeNotFoundError("container", id);
    return rec;
  }

  private containerRecords(): ContainerRecord[] {
    const out: ContainerRecord[] = [];
    for (const id of safeReaddir(join(this.stateDir, "containers"))) {
      const rec = readJson<ContainerRecord>(join(this.containerDir(id), "container.json"));
      if (rec) out.push(rec);
    }
    return out;
  }

  private hostBoundingCaps(): string[] {
    if (!this.hostCaps) {
      const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
      this.hostCaps = m ? capabilitiesFromMask(m[1]!) : [];
    }
    return this.hostCaps;
  }

  async createContainer(sandboxId: string, spec: ContainerSpec): Promise<string> {
    const sb = this.readSandbox(sandboxId);
    const id = newId();
    const dir = this.containerDir(id);
    mkdirSync(join(dir, "exit"), { recursive: true });
    const rec: ContainerRecord = {
      id, sandboxId, name: spec.name, logPath: spec.logPath,
      cgroupsPath: `${sb.cgroupParent}/${id}`,
      createdAt: new Date().toISOString(),
    };
    try {
      const seccomp = this.seccompFor(spec);
      const oci = buildOciSpec({
        spec, hostname: sb.hostname, hostNetwork: sb.hostNetwork, pod: sb.paths, cgroupsPath: rec.cgroupsPath,
        hostBoundingCaps: this.hostBoundingCaps(), swapAccounting: swapAccounting(), ...(seccomp ? { seccomp } : {}),
      });
      writeJsonAtomic(join(dir, "config.json"), oci);
      writeJsonAtomic(join(dir, "container.json"), rec);
      mkdirSync(dirname(spec.logPath), { recursive: true });
      await launchConmon({
        conmon: this.conmon, runc: this.runc, runcRoot: this.runcRoot, id, bundle: dir, logPath: spec.logPath,
        exitDir: join(dir, "exit"), socketDir: join(this.stateDir, "sock"), pidFile: join(dir, "pidfile"),
        conmonPidFile: join(dir, "conmon.pid"), conmonLog: join(dir, "conmon.log"),
      });
    } catch (e) {
      await this.removeContainer(id).catch(() => undefined);
      throw e;
    }
    return id;
  }

  private seccompFor(spec: ContainerSpec): OciSeccomp | undefined {
    return resolveSeccomp(spec, resolveCapabilities(spec, this.hostBoundingCaps()), {
      support: runcSeccompSupport(this.runc),
      profileRoot: this.seccompProfileRoot,
      readProfile: (path) => readFileSync(path, "utf8"),
    });
  }

  async startContainer(id: string): Promise<void> {
    const rec = this.readContainer(id);
    const startedAt = new Date().toISOString();
    await tool(this.runc, ["--root", this.runcRoot, "start", id]);
    writeJsonAtomic(join(this.containerDir(id), "container.json"), { ...rec, startedAt });
  }

  private exitFile(id: string): string {
    return join(this.containerDir(id), "exit", id);
  }

  private containerPid(id: string): number | undefined {
    try {
      const pid = Number(readFileSync(join(this.containerDir(id), "pidfile"), "utf8").trim());
      return pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** The exit as conmon recorded it, with kubelet's reason, kept once seen (the cgroup goes away with the container). */
  private finalStatus(rec: ContainerRecord): FinalStatus | undefined {
    const finalPath = join(this.containerDir(rec.id), "final.json");
    const kept = readJson<FinalStatus>(finalPath);
    if (kept) return kept;
    const exit = readExitFile(this.exitFile(rec.id));
    if (!exit) return undefined;
    const oom = exit.exitCode !== 0 && oomKills(rec.cgroupsPath) > 0;
    const fin: FinalStatus = { ...exit, reason: oom ? "OOMKilled" : exit.exitCode === 0 ? "Completed" : "Error" };
    writeJsonAtomic(finalPath, fin);
    return fin;
  }

  async containerStatus(id: string): Promise<ContainerStatus> {
    return this.statusOf(this.readContainer(id));
  }

  private async statusOf(rec: ContainerRecord): Promise<ContainerStatus> {
    const base = { createdAt: rec.createdAt, startedAt: rec.startedAt };
    let fin = this.finalStatus(rec);
    if (!fin && liveConmon(join(this.containerDir(rec.id), "conmon.pid"))) {
      const pid = this.containerPid(rec.id);
      if (rec.startedAt) return { ...base, state: "running", pid };
      // Started by an agent that died before recording it: the init process has exec'd the command.
      const comm = pid ? procInfo(pid)?.comm : undefined;
      if (comm && !comm.startsWith("runc:")) return { ...base, state: "running", pid };
      return { ...base, state: "created" };
    }
    fin ??= this.finalStatus(rec); // conmon may have written the exit file and left in between
    if (fin) return { ...base, state: "exited", exitCode: fin.exitCode, finishedAt: fin.finishedAt, reason: fin.reason };
    // conmon is gone without an exit file (killed?): ask runc what is left.
    const st = await this.runcState(rec.id);
    if (st?.status === "running") return { ...base, state: "running", pid: st.pid, message: "conmon is not running: the exit code will be lost" };
    if (st?.status === "created") return { ...base, state: "created" };
    return { ...base, state: "unknown", reason: "Unknown", message: "the container's monitor exited without recording an exit code" };
  }

  private async runcState(id: string): Promise<{ status: string; pid: number } | undefined> {
    try {
      return JSON.parse(await tool(this.runc, ["--root", this.runcRoot, "state", id])) as { status: string; pid: number };
    } catch {
      return undefined;
    }
  }

  private async kill(id: string, signal: "TERM" | "KILL"): Promise<void> {
    try {
      await tool(this.runc, ["--root", this.runcRoot, "kill", id, signal]);
    } catch (e) {
      // Already stopped or gone: nothing to signal.
      if (!(e instanceof ToolError) || !/not running|does not exist|process already finished|container not running/i.test(e.stderr)) throw e;
    }
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    const rec = this.readContainer(id);
    const conmonPid = join(this.containerDir(id), "conmon.pid");
    const done = (): boolean => existsSync(this.exitFile(id)) || !liveConmon(conmonPid);
    if (done()) return;
    if (graceSeconds > 0 && rec.startedAt) {
      await this.kill(id, "TERM");
      if (await waitFor(done, graceSeconds * 1000, 25)) return;
    }
    await this.kill(id, "KILL");
    if (!(await waitFor(done, 10_000, 10))) throw new Error(`container ${id} did not exit after SIGKILL`);
  }

  async removeContainer(id: string): Promise<void> {
    let rec: ContainerRecord;
    try {
      rec = this.readContainer(id);
    } catch (e) {
      if (e instanceof RuntimeNotFoundError) {
        // A half-created container (no record yet) may still have a runc state.
        if (/^[0-9a-f]+$/.test(id)) await this.forceDelete(id);
        if (/^[0-9a-f]+$/.test(id)) rmSync(this.containerDir(id), { recursive: true, force: true });
        return;
      }
      throw e;
    }
    if (liveConmon(join(this.containerDir(id), "conmon.pid")) && !existsSync(this.exitFile(id))) await this.stopContainer(id, 0);
    this.finalStatus(rec);
    await this.forceDelete(id);
    // conmon exits right after writing the exit file; give it a moment before its files go.
    await waitFor(() => !liveConmon(join(this.containerDir(id), "conmon.pid")), 2000, 10);
    removeCgroup(rec.cgroupsPath);
    rmSync(this.containerDir(id), { recursive: true, force: true });
    rmSync(join(this.stateDir, "sock", id), { force: true });
  }

  private async forceDelete(id: string): Promise<void> {
    try {
      await tool(this.runc, ["--root", this.runcRoot, "delete", "--force", id]);
    } catch (e) {
      if (!(e instanceof ToolError) || !/does not exist|not exist/i.test(e.stderr)) throw e;
    }
  }

  async listContainers(): Promise<ContainerInfo[]> {
    const out: ContainerInfo[] = [];
    for (const rec of this.containerRecords()) {
      out.push({ id: rec.id, sandboxId: rec.sandboxId, name: rec.name, logPath: rec.logPath, status: await this.statusOf(rec) });
    }
    return out;
  }

  async reopenContainerLog(id: string): Promise<void> {
    this.readContainer(id);
    if (!liveConmon(join(this.containerDir(id), "conmon.pid"))) throw new Error(`container ${id} has no running conmon`);
    reopenConmonLog(this.containerDir(id));
  }

  // ---- exec, stats ----

  private execArgs(id: string, cmd: string[], tty: boolean): string[] {
    if (cmd.length === 0) throw new Error("exec needs a command");
    return ["--root", this.runcRoot, "exec", ...(tty ? ["--tty"] : []), id, ...cmd];
  }

  async exec(id: string, cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const st = await this.containerStatus(id);
    if (st.state !== "running") throw new Error(`container ${id} is not running`);
    if (opts.tty) throw new Error("exec with a TTY needs a streaming session (not supported yet)");
    const args = this.execArgs(id, cmd, false);
    return new Promise<ExecResult>((resolve, reject) => {
      const child = spawn(this.runc, args, { stdio: ["pipe", "pipe", "pipe"] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on("data", (d: Buffer) => out.push(d));
      child.stderr.on("data", (d: Buffer) => err.push(d));
      const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
      child.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        resolve({ exitCode: code ?? 128 + (signal ? signalNumber(signal) : 9), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
      });
      child.stdin.on("error", () => undefined); // the command may not read its stdin
      child.stdin.end(opts.stdin ?? "");
    });
  }

  execStream(id: string, cmd: string[], opts: { tty?: boolean } = {}): ExecSession {
    this.readContainer(id);
    if (opts.tty) throw new Error("exec with a TTY is not supported yet");
    const child = spawn(this.runc, this.execArgs(id, cmd, false), { stdio: ["pipe", "pipe", "pipe"] });
    const stdin = new PassThrough();
    stdin.pipe(child.stdin);
    child.stdin.on("error", () => undefined);
    const exited = new Promise<number>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code, signal) => resolve(code ?? 128 + (signal ? signalNumber(signal) : 9)));
    });
    return { stdin, stdout: child.stdout, stderr: child.stderr, exited, kill: (s) => void child.kill(s ?? "SIGKILL") };
  }

  async stats(id: string): Promise<ContainerStats> {
    const rec = this.readContainer(id);
    return { timestamp: new Date().toISOString(), ...cgroupStats(rec.cgroupsPath) };
  }

  /** Removes every sandbox and container of this state directory (tests, `timonel` reset). */
  async cleanupAll(): Promise<void> {
    for (const c of this.containerRecords()) await this.removeContainer(c.id).catch(() => undefined);
    for (const s of await this.listSandboxes()) await this.removeSandbox(s.id).catch(() => undefined);
  }
}

function publicSandbox(rec: SandboxRecord): Sandbox {
  const { paths: _paths, ...rest } = rec;
  return rest;
}


function signalNumber(s: NodeJS.Signals): number {
  return osConstants.signals[s] ?? 9;
}
