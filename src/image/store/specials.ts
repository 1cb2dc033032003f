/**
 * What Node's fs cannot make: device nodes (overlay whiteouts are 0:0 character devices),
 * fifos and extended attributes (`trusted.overlay.opaque=y`, file capabilities). They are
 * written as one small tar stream per layer (tar-stream) and handed to the system's GNU tar,
 * which creates them with mknod/mkfifo/setxattr in one process.
 */
import { spawn, spawnSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { lstat } from "node:fs/promises";
import { join } from "node:path";
import tar from "tar-stream";

export type Special =
  | { kind: "char" | "block"; path: string; major: number; minor: number; mode: number; uid: number; gid: number; mtime: Date }
  | { kind: "fifo"; path: string; mode: number; uid: number; gid: number; mtime: Date }
  /** Extended attributes for an existing directory or regular file (its content is re-read). */
  | { kind: "xattrs"; path: string; xattrs: Record<string, string> };

let tarSupport: boolean | undefined;

/** True when a GNU tar with --xattrs is on PATH. */
export function gnuTarAvailable(): boolean {
  if (tarSupport === undefined) {
    const r = spawnSync("tar", ["--version"], { encoding: "utf8" });
    tarSupport = r.status === 0 && /GNU tar/.test(r.stdout) && /--xattrs/.test(spawnSync("tar", ["--help"], { encoding: "utf8" }).stdout ?? "");
  }
  return tarSupport;
}

/** Creates the specials under `root` (paths relative to it, parents already present). */
export async function createSpecials(root: string, specials: readonly Special[]): Promise<void> {
  if (specials.length === 0) return;
  if (!gnuTarAvailable()) throw new Error("GNU tar with --xattrs is needed to create device nodes, fifos and xattrs");
  const pack = tar.pack();
  const child = spawn(
    "tar",
    ["-x", "-p", "--numeric-owner", "--xattrs", "--xattrs-include=*", "--no-recursion", "-C", root, "-f", "-"],
    { stdio: ["pipe", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
  const exited = new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? 1));
  });
  pack.pipe(child.stdin);
  child.stdin.on("error", () => undefined);
  try {
    for (const s of specials) await addEntry(pack, root, s);
    pack.finalize();
  } catch (e) {
    pack.destroy();
    child.kill();
    await exited.catch(() => undefined);
    throw e;
  }
  const code = await exited;
  if (code !== 0) throw new Error(`tar could not create special files in ${root}: ${stderr.trim() || `exit ${code}`}`);
}

type HeaderArg = Partial<tar.Header> & Pick<tar.Header, "name">;

function entryDone(pack: tar.Pack, header: HeaderArg, body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(header, body ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
  });
}

async function addEntry(pack: tar.Pack, root: string, s: Special): Promise<void> {
  if (s.kind === "xattrs") {
    await addXattrEntry(pack, root, s.path, s.xattrs);
    return;
  }
  if (s.kind === "fifo") {
    await entryDone(pack, { name: s.path, type: "fifo", mode: s.mode, uid: s.uid, gid: s.gid, mtime: s.mtime });
    return;
  }
  await entryDone(pack, {
    name: s.path, type: s.kind === "char" ? "character-device" : "block-device", mode: s.mode,
    uid: s.uid, gid: s.gid, mtime: s.mtime, devmajor: s.major, devminor: s.minor,
  });
}

async function addXattrEntry(pack: tar.Pack, root: string, path: string, xattrs: Record<string, string>): Promise<void> {
  const full = join(root, path);
  const st = await lstat(full);
  const pax: Record<string, string> = {};
  for (const [k, v] of Object.entries(xattrs)) pax[`SCHILY.xattr.${k}`] = v;
  const base = { name: path, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
  if (st.isDirectory()) {
    await withPax(pack, { ...base, type: "directory" }, pax);
  } else if (st.isFile()) {
    let failed: unknown;
    const finished = new Promise<void>((resolve, reject) => {
      const w = pack.entry({ ...base, type: "file", size: st.size, pax }, (err) => (err ? reject(err) : resolve()));
      void (async () => {
        try {
          for await (const c of createReadStream(full) as AsyncIterable<Buffer>) {
            if (!w.write(c)) await new Promise<void>((r) => w.once("drain", () => r()));
          }
          w.end(undefined);
        } catch (e) {
          failed = e;
          w.destroy(e as Error);
        }
      })();
    });
    await finished;
    if (failed) throw failed;
  }
}

function withPax(pack: tar.Pack, header: HeaderArg, pax: Record<string, string>): Promise<void> {
  return entryDone(pack, { ...header, pax });
}
