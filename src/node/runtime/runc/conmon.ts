/**
 * conmon, the container monitor CRI-O and Podman use, as the shim between the agent and runc:
 * it runs `runc create` with the container's stdout/stderr on pipes it owns, daemonizes (so
 * the container outlives the agent), writes those streams to a CRI-format log file, reaps the
 * container as its subreaper and writes the exit code to `<exitDir>/<id>`. The agent then
 * starts the created container with `runc start`.
 *
 * conmon reports the created container's pid (or an error) as JSON on a sync pipe, fd 3.
 */
import { spawn } from "node:child_process";
import { closeSync, constants, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { procInfo } from "../store.js";

export interface ConmonLaunch {
  conmon: string;
  runc: string;
  runcRoot: string;
  id: string;
  bundle: string;
  logPath: string;
  exitDir: string;
  socketDir: string;
  pidFile: string;
  conmonPidFile: string;
  /** conmon's own diagnostics go here. */
  conmonLog: string;
  timeoutMs?: number;
}

/** Runs conmon → `runc create`; resolves with the container's init pid once it is created. */
export function launchConmon(o: ConmonLaunch): Promise<number> {
  const args = [
    "--api-version", "1",
    "-c", o.id, "-u", o.id, "-n", o.id,
    "-r", o.runc, "--runtime-arg", `--root=${o.runcRoot}`,
    "-b", o.bundle,
    "-p", o.pidFile, "-P", o.conmonPidFile,
    "-l", `k8s-file:${o.logPath}`,
    "--exit-dir", o.exitDir,
    "--socket-dir-path", o.socketDir,
    "--log-level", "error",
  ];
  const errFd = openSync(o.conmonLog, "a");
  return new Promise<number>((resolve, reject) => {
    let child;
    try {
      child = spawn(o.conmon, args, {
        stdio: ["ignore", errFd, errFd, "pipe"],
        env: { ...process.env, _OCI_SYNCPIPE: "3" },
        detached: true,
        cwd: o.bundle,
      });
    } catch (e) {
      closeSync(errFd);
      reject(e);
      return;
    }
    closeSync(errFd);
    child.unref();
    const sync = child.stdio[3] as NodeJS.ReadableStream & { destroy(): void };
    let buf = "";
    let done = false;
    const finish = (err: Error | undefined, pid?: number): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sync.destroy();
      if (err) reject(err);
      else resolve(pid!);
    };
    const timer = setTimeout(() => finish(new Error(`conmon did not report the container within ${o.timeoutMs ?? 30_000} ms`)), o.timeoutMs ?? 30_000);
    sync.on("data", (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      let msg: { data?: number; message?: string };
      try {
        msg = JSON.parse(buf.slice(0, nl)) as { data?: number; message?: string };
      } catch {
        finish(new Error(`conmon sent ${JSON.stringify(buf.slice(0, nl))}`));
        return;
      }
      if (typeof msg.data === "number" && msg.data > 0) finish(undefined, msg.data);
      else finish(new Error(`runc create failed: ${(msg.message ?? "").trim() || conmonDiagnostics(o.conmonLog)}`));
    });
    sync.on("end", () => finish(new Error(`conmon exited before creating the container: ${conmonDiagnostics(o.conmonLog)}`)));
    child.on("error", (e) => finish(e));
  });
}

function conmonDiagnostics(path: string): string {
  try {
    return readFileSync(path, "utf8").trim().split("\n").slice(-5).join("; ") || "no message";
  } catch {
    return "no message";
  }
}

/** The conmon pid from its pid file, if that process is still a live conmon. */
export function liveConmon(pidFile: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, "utf8").trim());
  } catch {
    return undefined;
  }
  const info = procInfo(pid);
  if (!info || info.state === "Z" || info.state === "X" || info.comm !== "conmon") return undefined;
  return pid;
}

/**
 * Asks a running conmon to reopen its log file (after log rotation renamed it): one line on
 * the control FIFO conmon keeps in the bundle, `2 0 0` (REOPEN_LOGS_EVENT; height and width
 * unused). conmon then closes the old file and puts a new, empty one at the log path. The FIFO
 * is opened without blocking, so a conmon that is gone is an error (ENXIO), not a hang.
 */
export function reopenConmonLog(bundle: string): void {
  let fd: number;
  try {
    fd = openSync(join(bundle, "ctl"), constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENXIO") throw new Error("conmon is not running: no reader on its control FIFO");
    throw e;
  }
  try {
    writeSync(fd, "2 0 0\n");
  } finally {
    closeSync(fd);
  }
}
