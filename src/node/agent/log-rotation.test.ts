/**
 * Log rotation on real files, with a writer in another process appending while rotation runs:
 * one that appends with O_APPEND and knows nothing (copy-then-truncate, as for the process
 * runtime's shim), and one that reopens its file on a signal the way conmon does on its
 * REOPEN_LOGS message (rename-then-reopen).
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { gunzipSync } from "node:zlib";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ContainerLogRotator, rotatedFiles, rotateLog, rotationStamp } from "./log-rotation.js";
import { checkLogPolicy, parseLogMaxSize } from "./housekeeping.js";
import type { ContainerInfo } from "../runtime/types.js";

const dirs: string[] = [];
const children = new Set<ChildProcess>();
after(async () => {
  for (const c of children) c.kill("SIGKILL");
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), "timonel-logrot-"));
  dirs.push(d);
  return d;
}

/**
 * A writer of `count` numbered CRI entries, in bursts of 20 about a millisecond apart (so a
 * reopen signal is handled between entries, as conmon handles its FIFO between
 * reads). With `reopen`, SIGUSR2 makes it start a new file at the path as conmon does:
 * close, open `<path>.tmp` truncated, rename it over the path.
 */
function startWriter(logPath: string, count: number, reopen: boolean): { child: ChildProcess; done: Promise<void>; exited: Promise<void> } {
  const src = `
    const fs = require("fs");
    const p = ${JSON.stringify(logPath)};
    let fd = fs.openSync(p, "a");
    ${reopen ? `process.on("SIGUSR2", () => { fs.fsyncSync(fd); fs.closeSync(fd); fd = fs.openSync(p + ".tmp", "w"); fs.renameSync(p + ".tmp", p); });` : ""}
    let i = 0;
    const burst = () => {
      for (let k = 0; k < 20 && i < ${count}; k++, i++) fs.writeSync(fd, "2026-11-22T06:01:02.000000000Z stdout F line " + i + " " + "x".repeat(60) + "\\n");
      if (i < ${count}) setTimeout(burst, 0);
      else process.stdout.write("done\\n");
    };
    // It stays (as conmon does while its container runs) until it is told to go.
    setInterval(() => {}, 1000);
    process.on("SIGTERM", () => process.exit(0));
    process.stdout.write("ready\\n", burst);
  `;
  const child = spawn(process.execPath, ["-e", src], { stdio: ["ignore", "pipe", "inherit"] });
  children.add(child);
  const exited = new Promise<void>((resolve) => child.on("exit", () => {
    children.delete(child);
    resolve();
  }));
  let out = "";
  const done = new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (d: string) => {
      out += d;
      if (out.includes("done\n")) resolve();
    });
    void exited.then(() => reject(new Error("the writer exited before it was done")));
  });
  return { child, done, exited };
}

/** Every `line N` in the log and its rotated files (gzipped or not), oldest file first. */
async function allLines(logPath: string): Promise<number[]> {
  const dir = path.dirname(logPath);
  const files = [...(await rotatedFiles(logPath)).map((f) => f.name), path.basename(logPath)];
  const out: number[] = [];
  for (const f of files) {
    const raw = await readFile(path.join(dir, f));
    const text = f.endsWith(".gz") ? gunzipSync(raw).toString("utf8") : raw.toString("utf8");
    for (const l of text.split("\n")) {
      if (!l) continue;
      const m = / stdout F line (\d+) x+$/.exec(l);
      assert.ok(m, `a whole, well-formed entry: ${JSON.stringify(l.slice(0, 80))}`);
      out.push(Number(m[1]));
    }
  }
  return out;
}

function oneContainer(logPath: string): { listContainers(): Promise<ContainerInfo[]> } {
  return { listContainers: async () => [{ id: "c1", sandboxId: "s1", name: "app", logPath, status: { state: "running" } }] };
}

async function rotateWhileWriting(logPath: string, count: number, reopen: boolean, maxFiles: number): Promise<{ rotations: number; maxSeen: number }> {
  await writeFile(logPath, "");
  const w = startWriter(logPath, count, reopen);
  await new Promise<void>((r) => w.child.stdout!.once("data", () => r()));
  const runtime = {
    ...oneContainer(logPath),
    ...(reopen ? {
      reopenContainerLog: async () => {
        if (!w.child.kill("SIGUSR2")) throw new Error("the writer is gone");
      },
    } : {}),
  };
  const errors: unknown[] = [];
  const rot = new ContainerLogRotator(runtime, { maxSize: 16 * 1024, maxFiles, intervalMs: 5, onError: (e) => errors.push(e) });
  let maxSeen = 0;
  let writing = true;
  w.done.then(() => (writing = false), () => (writing = false));
  // Rounds back to back while the writer runs; the file count is checked after every round.
  while (writing) {
    await rot.rotateAll();
    maxSeen = Math.max(maxSeen, (await rotatedFiles(logPath)).length + 1);
    await new Promise((r) => setTimeout(r, 2));
  }
  await w.done;
  await rot.stop();
  w.child.kill("SIGTERM");
  await w.exited;
  assert.deepEqual(errors, []);
  return { rotations: rot.rotations, maxSeen };
}

describe("log rotation", () => {
  it("names rotated files as kubelet does and parses sizes as kubelet's flag", () => {
    assert.equal(rotationStamp(new Date("2026-11-22T06:01:02.345Z")), "20261122-060102");
    assert.equal(parseLogMaxSize("10Mi"), 10 * 1024 * 1024);
    assert.equal(parseLogMaxSize("64Ki"), 65536);
    assert.equal(parseLogMaxSize("1G"), 1e9);
    assert.equal(parseLogMaxSize(4096), 4096);
    for (const bad of ["0", "-1Mi", "1.5", "ten", "", "500m"]) assert.throws(() => parseLogMaxSize(bad), /positive quantity/, bad);
    assert.throws(() => checkLogPolicy({ maxSize: 1, maxFiles: 1 }), />= 2/);
  });

  it("copy-then-truncate under a concurrent O_APPEND writer: nothing duplicated, order kept, losses only in the truncate window", async () => {
    const dir = await tempDir();
    const logPath = path.join(dir, "0.log");
    const count = 20_000;
    const { rotations, maxSeen } = await rotateWhileWriting(logPath, count, false, 1000);
    const lines = await allLines(logPath);
    assert.ok(rotations >= 20, `rotated ${rotations} times`);
    assert.ok(maxSeen <= 1000);
    for (let i = 1; i < lines.length; i++) assert.ok(lines[i]! > lines[i - 1]!, `in order, no duplicate at ${i}: ${lines[i - 1]} then ${lines[i]}`);
    const lost = count - lines.length;
    console.log(`copy-then-truncate: ${rotations} rotations, ${lost} of ${count} entries lost`);
    // The window is one read and one ftruncate; a burst of the writer can land in it now and then.
    assert.ok(lost <= rotations * 5, `lost ${lost} entries in ${rotations} rotations`);
  });

  it("rename-then-reopen (conmon's way) under a concurrent writer loses nothing", async () => {
    const dir = await tempDir();
    const logPath = path.join(dir, "0.log");
    const count = 20_000;
    const { rotations } = await rotateWhileWriting(logPath, count, true, 1000);
    const lines = await allLines(logPath);
    assert.ok(rotations >= 20, `rotated ${rotations} times`);
    assert.deepEqual(lines, Array.from({ length: count }, (_, i) => i));
    assert.equal(existsSync(`${logPath}.tmp`), false);
  });

  it("keeps at most maxFiles files, the newest rotated one plain and the older ones gzipped", async () => {
    const dir = await tempDir();
    const logPath = path.join(dir, "0.log");
    const { rotations, maxSeen } = await rotateWhileWriting(logPath, 10_000, true, 3);
    assert.ok(rotations >= 10, `rotated ${rotations} times`);
    assert.ok(maxSeen <= 3, `at most 3 files at any time, saw ${maxSeen}`);
    const rotated = await rotatedFiles(logPath);
    assert.equal(rotated.length, 2);
    assert.deepEqual(rotated.map((f) => f.gz), [true, false]);
    for (const f of rotated) assert.match(f.name, /^0\.log\.\d{8}-\d{6}(-\d+)?(\.gz)?$/);
    // What is kept is the most recent stretch of the log, whole and in order, up to the last entry.
    const lines = await allLines(logPath);
    assert.equal(lines.at(-1), 9_999);
    for (let i = 1; i < lines.length; i++) assert.equal(lines[i], lines[i - 1]! + 1);
    assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith(".tmp")), []);
  });

  it("a second rotation within the same second gets a suffix and sorts after the first", async () => {
    const dir = await tempDir();
    const logPath = path.join(dir, "3.log");
    const now = (): Date => new Date("2026-11-22T06:01:02Z");
    for (const n of [1, 2, 3]) {
      await writeFile(logPath, `entry ${n}\n`);
      await rotateLog(logPath, { maxSize: 1, maxFiles: 10, now });
    }
    assert.deepEqual((await rotatedFiles(logPath)).map((f) => f.name), ["3.log.20261122-060102.gz", "3.log.20261122-060102-1.gz", "3.log.20261122-060102-2"]);
    assert.equal(gunzipSync(await readFile(path.join(dir, "3.log.20261122-060102-1.gz"))).toString(), "entry 2\n");
    assert.equal(await readFile(logPath, "utf8"), "", "copy-then-truncate leaves the current file empty");
  });

  it("a failed reopen puts the file back under its name", async () => {
    const dir = await tempDir();
    const logPath = path.join(dir, "0.log");
    await writeFile(logPath, "kept\n");
    await assert.rejects(rotateLog(logPath, { maxSize: 1, maxFiles: 5 }, async () => {
      throw new Error("conmon is not running");
    }), /conmon is not running/);
    assert.equal(await readFile(logPath, "utf8"), "kept\n");
    assert.deepEqual(await rotatedFiles(logPath), []);
  });

  it("the loop leaves small logs and stopped containers alone", async () => {
    const dir = await tempDir();
    const small = path.join(dir, "small.log");
    const stopped = path.join(dir, "stopped.log");
    await writeFile(small, "a\n");
    await writeFile(stopped, "b".repeat(4096));
    const rot = new ContainerLogRotator({
      listContainers: async () => [
        { id: "a", sandboxId: "s", name: "a", logPath: small, status: { state: "running" } },
        { id: "b", sandboxId: "s", name: "b", logPath: stopped, status: { state: "exited", exitCode: 0 } },
      ],
    }, { maxSize: 1024, maxFiles: 2 });
    await rot.rotateAll();
    assert.equal(rot.rotations, 0);
    assert.deepEqual((await readdir(dir)).sort(), ["small.log", "stopped.log"]);
  });
});
