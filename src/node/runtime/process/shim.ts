/**
 * The process runtime's shim: a small detached Node process per container, so the container
 * outlives the agent. It spawns the command in its own session (process group), writes its
 * stdout and stderr to the CRI-format log, writes the pid file once running, and on exit
 * writes the exit code (128 + signal number when killed) to the exit file, atomically. A
 * command that cannot be started is logged and recorded with exit code 128 and a message file.
 *
 * The shim's source is plain CommonJS kept here as text: it is written once into the state
 * directory and run with the same node binary, with no loader (tsx) and no imports from the
 * repository, so it works the same from src/ and dist/ and costs one bare `node` start-up.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";

export interface ShimConfig {
  command: string[];
  env: Record<string, string>;
  cwd: string;
  logPath: string;
  pidFile: string;
  exitFile: string;
  /** Written with the reason when the command could not be started. */
  messageFile: string;
  uid?: number;
  gid?: number;
}

const shimSource = String.raw`"use strict";
// Timonel process-runtime shim (generated; see src/node/runtime/process/shim.ts).
const fs = require("fs");
const { spawn } = require("child_process");
const os = require("os");
const cfg = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
for (const s of ["SIGTERM", "SIGINT", "SIGHUP", "SIGPIPE"]) process.on(s, () => {});
const log = fs.openSync(cfg.logPath, "a");
const base = BigInt(Date.now()) * 1000000n - process.hrtime.bigint();
function stamp() {
  const ns = base + process.hrtime.bigint();
  const frac = (ns % 1000000000n).toString().padStart(9, "0");
  return new Date(Number(ns / 1000000n)).toISOString().slice(0, 19) + "." + frac + "Z";
}
function entry(stream, text, full) {
  try { fs.writeSync(log, stamp() + " " + stream + " " + (full ? "F" : "P") + " " + text + "\n"); } catch {}
}
function atomic(path, text) {
  fs.writeFileSync(path + ".tmp", text);
  fs.renameSync(path + ".tmp", path);
}
const MAX = 16384;
function pump(readable, stream) {
  let pending = "";
  readable.setEncoding("utf8");
  readable.on("data", (chunk) => {
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf("\n")) >= 0) {
      entry(stream, pending.slice(0, nl), true);
      pending = pending.slice(nl + 1);
    }
    while (pending.length > MAX) {
      entry(stream, pending.slice(0, MAX), false);
      pending = pending.slice(MAX);
    }
  });
  readable.on("end", () => { if (pending) entry(stream, pending, true); pending = ""; });
}
let child;
const opts = { cwd: cfg.cwd, env: cfg.env, stdio: ["ignore", "pipe", "pipe"], detached: true };
if (typeof cfg.uid === "number") opts.uid = cfg.uid;
if (typeof cfg.gid === "number") opts.gid = cfg.gid;
function finish(code) {
  atomic(cfg.exitFile, String(code));
  process.exit(0);
}
try {
  child = spawn(cfg.command[0], cfg.command.slice(1), opts);
} catch (e) {
  entry("stderr", "failed to start container process: " + e.message, true);
  atomic(cfg.messageFile, String(e.message));
  finish(128);
}
child.on("error", (e) => {
  entry("stderr", "failed to start container process: " + e.message, true);
  atomic(cfg.messageFile, String(e.message));
  finish(128);
});
child.on("spawn", () => atomic(cfg.pidFile, String(child.pid)));
pump(child.stdout, "stdout");
pump(child.stderr, "stderr");
// As when a PID namespace's init dies: the rest of the container's process group goes too.
child.on("exit", (code, signal) => {
  const status = code !== null ? code : 128 + (os.constants.signals[signal] || 9);
  try { process.kill(-child.pid, "SIGKILL"); } catch {}
  let done = false;
  const end = () => { if (!done) { done = true; finish(status); } };
  child.on("close", end);
  setTimeout(end, 1000).unref();
});
`;

/** Writes the shim into the state directory (once per content) and returns its path. */
export function installShim(stateDir: string): string {
  const path = join(stateDir, "shim.cjs");
  let current = "";
  try {
    current = readFileSync(path, "utf8");
  } catch {
    // not there yet
  }
  if (current !== shimSource) {
    writeFileSync(`${path}.tmp`, shimSource);
    renameSync(`${path}.tmp`, path);
  }
  return path;
}

/** Starts a detached shim for the container described by `configPath`; returns the shim's pid. */
export function launchShim(shimPath: string, configPath: string): number {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [shimPath, configPath], { detached: true, stdio: "ignore", env });
  child.unref();
  if (!child.pid) throw new Error("could not start the container shim");
  return child.pid;
}
