/**
 * The image store without a registry: layer unpacking in both formats (overlay whiteouts as
 * root, deletion into merged copies otherwise), path safety, overlay and copied root
 * filesystems, removal and GC by disk-usage thresholds.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chown, lstat, mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import tar from "tar-stream";
import { chainIDs } from "../../src/image/digest.js";
import { gc, ImageInUseError, removeImage } from "../../src/image/store/gc.js";
import { isMountPoint, overlaySupported, prepareRootfs, releaseRootfs } from "../../src/image/store/rootfs.js";
import { ImageStore } from "../../src/image/store/store.js";
import { unpackLayer } from "../../src/image/store/unpack.js";
import { removeTree, UnsafePathError } from "../../src/image/store/fsutil.js";
import {
  buildImage, dockerArchiveTar, haveBusybox, haveCommand, isRoot, putBuiltImage, tarOf, tempDir, testLayerTars, type BuiltImage,
} from "./helpers.js";

const NAME = "localhost:5000/test/busybox:1";

/** Xattrs of one path, read through GNU tar (Node has no getxattr). */
async function xattrsOf(dir: string, rel: string): Promise<Record<string, string>> {
  const r = spawnSync("tar", ["--xattrs", "--xattrs-include=*", "--no-recursion", "-cf", "-", "-C", dir, rel], { maxBuffer: 1 << 20 });
  assert.equal(r.status, 0, r.stderr?.toString());
  const ex = tar.extract();
  const out: Record<string, string> = {};
  const done = (async () => {
    for await (const e of ex) {
      for (const [k, v] of Object.entries((e.header.pax ?? {}) as Record<string, string>)) {
        if (k.startsWith("SCHILY.xattr.")) out[k.slice(13)] = v;
      }
      e.resume();
    }
  })();
  ex.end(r.stdout);
  await done;
  return out;
}

async function exists(p: string): Promise<boolean> {
  return (await lstat(p).catch(() => undefined)) !== undefined;
}

/** The merged view every root filesystem of the test image must show. */
async function assertImageView(rootfs: string): Promise<void> {
  assert.ok((await stat(join(rootfs, "bin/busybox"))).size > 100_000);
  assert.equal((await lstat(join(rootfs, "bin/sh"))).isSymbolicLink(), true);
  const bb = await stat(join(rootfs, "bin/busybox"));
  const hl = await stat(join(rootfs, "bin/bb-hardlink"));
  assert.equal(hl.size, bb.size);
  assert.equal(await exists(join(rootfs, "etc/removeme")), false, "whiteout hides etc/removeme");
  assert.equal(await readFile(join(rootfs, "etc/added"), "utf8"), "added by layer 2\n");
  assert.equal(await readFile(join(rootfs, "etc/passwd"), "utf8").then((s) => s.startsWith("root:")), true);
  assert.deepEqual((await readdir(join(rootfs, "data"))).sort(), ["new"], "opaque dir hides the lower data/*");
  assert.equal((await stat(join(rootfs, "tmp"))).mode & 0o7777, 0o1777);
  assert.equal((await stat(join(rootfs, "ro"))).mode & 0o777, 0o555);
  assert.deepEqual(await readdir(join(rootfs, "ro")), ["added"]);
  if (isRoot()) {
    const owned = await stat(join(rootfs, "etc/owned"));
    assert.deepEqual([owned.uid, owned.gid, owned.mode & 0o777], [1000, 1000, 0o640]);
  }
  // No whiteout markers leak into the view.
  for (const d of ["etc", "data"]) assert.ok(!(await readdir(join(rootfs, d))).some((n) => n.startsWith(".wh.")));
}

function runIn(rootfs: string, ...cmd: string[]): string {
  const r = spawnSync("chroot", [rootfs, ...cmd], { encoding: "utf8", timeout: 5000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe("image store", { skip: !haveBusybox() && "busybox-static is not installed (/bin/busybox)" }, () => {
  let work: string;
  let img: BuiltImage;
  const mounted: string[] = [];

  before(async () => {
    work = await tempDir("store");
    const t = await testLayerTars();
    img = buildImage([t.base, t.whiteouts]);
  });

  after(async () => {
    for (const m of mounted) if (await isMountPoint(m)) spawnSync("umount", ["-l", m]);
    await removeTree(work);
  });

  it("builds reproducible images", async () => {
    const t = await testLayerTars();
    const again = buildImage([t.base, t.whiteouts]);
    assert.equal(again.manifestDigest, img.manifestDigest);
    assert.equal(again.configDigest, img.configDigest);
  });

  it("unpacks diff layers with overlay whiteouts (root)", { skip: !isRoot() && "needs root for device nodes and trusted xattrs" }, async () => {
    const store = await ImageStore.open(join(work, "diff"), { layerFormat: "diff" });
    await putBuiltImage(store, img, NAME);
    const chains = chainIDs(img.layers.map((l) => l.diffID));
    const top = store.layerRootfs(chains[1]!);
    const wh = await lstat(join(top, "etc/removeme"));
    assert.equal(wh.isCharacterDevice(), true, "whiteout is a character device");
    assert.equal(wh.rdev, 0, "whiteout is device 0:0");
    assert.deepEqual(await xattrsOf(top, "data"), { "trusted.overlay.opaque": "y" });
    assert.equal(await exists(join(top, "data/.wh..wh..opq")), false);
    assert.equal(await exists(join(top, "etc/.wh.removeme")), false);
    const meta = await store.readLayerMeta(chains[1]!);
    assert.deepEqual(meta?.whiteouts, ["etc/removeme", "ro/file"]);
    assert.equal((await stat(join(top, "ro"))).mode & 0o777, 0o555, "an implied parent takes the lower layer's mode");
    assert.deepEqual(meta?.opaques, ["data"]);
    // The base layer is untouched by the upper one.
    assert.equal(await readFile(join(store.layerRootfs(chains[0]!), "etc/removeme"), "utf8"), "to be whited out\n");
    assert.equal((await store.listImages())[0]?.names[0], NAME);
  });

  it("gives containers an overlay root and releases it (root)", { skip: !overlaySupported() && "needs root and overlayfs" }, async () => {
    const store = await ImageStore.open(join(work, "diff"), { layerFormat: "diff" });
    if (!(await store.getImage(NAME))) await putBuiltImage(store, img, NAME);
    const cdir = join(work, "containers", "c1");
    const r = await prepareRootfs(store, NAME, cdir);
    mounted.push(r.path);
    assert.equal(r.kind, "overlay");
    assert.equal(r.imageId, img.configDigest);
    assert.equal(await isMountPoint(r.path), true);
    await assertImageView(r.path);
    assert.equal(runIn(r.path, "/bin/sh", "-c", "echo hello from $(id -u) && ls /data"), "hello from 0\nnew\n");
    // Writes land in the container's upper dir, never in the shared layers.
    await writeFile(join(r.path, "etc/added"), "changed\n");
    await rm(join(r.path, "etc/passwd"));
    assert.equal(await readFile(join(cdir, "upper/etc/added"), "utf8"), "changed\n");
    const chains = chainIDs(img.layers.map((l) => l.diffID));
    assert.equal(await readFile(join(store.layerRootfs(chains[1]!), "etc/added"), "utf8"), "added by layer 2\n");
    assert.equal(await exists(join(store.layerRootfs(chains[0]!), "etc/passwd")), true);
    // Preparing again adopts the mount; after an unmount (a reboot) it mounts again with the upper dir kept.
    assert.deepEqual(await prepareRootfs(store, NAME, cdir), r);
    spawnSync("umount", [r.path]);
    assert.equal(await isMountPoint(r.path), false);
    await prepareRootfs(store, NAME, cdir);
    assert.equal(await readFile(join(r.path, "etc/added"), "utf8"), "changed\n");
    // In use: removal needs force.
    await assert.rejects(removeImage(store, NAME), ImageInUseError);
    await releaseRootfs(store, cdir);
    assert.equal(await isMountPoint(r.path), false);
    assert.deepEqual(await readdir(cdir), []);
    await releaseRootfs(store, cdir); // idempotent
  });

  it("copies the root when asked (or when overlay is unavailable), from diff layers", { skip: !isRoot() && "diff layers need root" }, async () => {
    const store = await ImageStore.open(join(work, "diff"), { layerFormat: "diff" });
    if (!(await store.getImage(NAME))) await putBuiltImage(store, img, NAME);
    const cdir = join(work, "containers", "c2");
    const r = await prepareRootfs(store, NAME, cdir, { mode: "copy" });
    assert.equal(r.kind, "copy");
    assert.equal(await isMountPoint(r.path), false);
    await assertImageView(r.path);
    assert.equal(runIn(r.path, "/bin/cat", "/etc/added"), "added by layer 2\n");
    await releaseRootfs(store, cdir);
    assert.equal(await exists(r.path), false);
  });

  it("applies whiteouts by deletion in merged layers (the unprivileged format)", async () => {
    const store = await ImageStore.open(join(work, "merged"), { layerFormat: "merged" });
    assert.equal(store.layerFormat, "merged");
    await putBuiltImage(store, img, NAME);
    const chains = chainIDs(img.layers.map((l) => l.diffID));
    // Each chain ID holds the whole filesystem up to its layer.
    assert.equal(await exists(join(store.layerRootfs(chains[0]!), "etc/removeme")), true);
    await assertImageView(store.layerRootfs(chains[1]!));
    const cdir = join(work, "containers", "c3");
    const r = await prepareRootfs(store, NAME, cdir);
    assert.equal(r.kind, "copy");
    await assertImageView(r.path);
    // The copy is independent of the layer snapshot (no shared inodes).
    await writeFile(join(r.path, "etc/added"), "mine\n");
    assert.equal(await readFile(join(store.layerRootfs(chains[1]!), "etc/added"), "utf8"), "added by layer 2\n");
    await releaseRootfs(store, cdir);
  });

  it("works for an unprivileged user: merged layers, copied roots, read-only dirs removable", {
    skip: (!isRoot() || !haveCommand("setpriv", ["--help"])) && "needs root to switch to an unprivileged user with setpriv",
  }, async (t) => {
    // Its own temp dir: the suite's is private to root.
    const dir = await tempDir("nobody");
    await chown(dir, 65534, 65534);
    t.after(() => removeTree(dir));
    const layers = await testLayerTars();
    const archive = join(dir, "image.tar");
    await writeFile(archive, (await dockerArchiveTar([{ layerTars: [layers.base, layers.whiteouts], repoTags: ["nobody/busybox:1"] }])).tar);
    const worker = fileURLToPath(new URL("./unprivileged-worker.ts", import.meta.url));
    const r = spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, "--import", "tsx", worker, dir, archive],
      { encoding: "utf8", timeout: 30_000, cwd: fileURLToPath(new URL("../..", import.meta.url)), env: { ...process.env, HOME: dir } });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      uid: 65534, format: "merged", kind: "copy", data: ["new"], removeme: false, added: "added by layer 2\n",
      roMode: 0o555, ro: ["added"], ownedUid: 65534, deleted: 1, left: { blobs: 0, layers: 0 },
    });
  });

  it("reopens a store with the format it was created with", async () => {
    const store = await ImageStore.open(join(work, "merged"));
    assert.equal(store.layerFormat, "merged");
    assert.equal((await store.getImage("localhost:5000/test/busybox:1"))?.id, img.configDigest);
    assert.equal((await store.getImage(img.configDigest.slice(7, 19)))?.id, img.configDigest);
    assert.equal((await store.getImage(img.manifestDigest))?.id, img.configDigest);
    assert.equal(await store.getImage("localhost:5000/test/busybox:2"), undefined);
    assert.deepEqual((await store.imageConfig(NAME)).config?.Cmd, ["/bin/sh"]);
  });

  it("keeps every path inside the layer", async () => {
    const dest = join(work, "unsafe");
    for (const format of ["diff", "merged"] as const) {
      if (format === "diff" && !isRoot()) continue;
      await removeTree(dest);
      await mkdir(join(dest, "root"), { recursive: true });
      const layer = join(dest, "layer.tar");
      // A symlink to / and to .., then writes through them: they must land inside the root.
      await writeFile(layer, await tarOf([
        { name: "abs", type: "symlink", linkname: "/" },
        { name: "up", type: "symlink", linkname: "../../.." },
        { name: "abs/etc/through-abs", content: "x" },
        { name: "up/through-up", content: "y" },
        { name: "hard", type: "link", linkname: "/through-up" },
      ]));
      await unpackLayer(layer, join(dest, "root"), { format, privileged: isRoot() });
      assert.equal(await readFile(join(dest, "root/etc/through-abs"), "utf8"), "x");
      assert.equal(await readFile(join(dest, "root/through-up"), "utf8"), "y");
      assert.equal(await readFile(join(dest, "root/hard"), "utf8"), "y");
      assert.equal(await exists(join(dest, "through-up")), false);
      await writeFile(layer, await tarOf([{ name: "../escape", content: "z" }]));
      await assert.rejects(unpackLayer(layer, join(dest, "root"), { format, privileged: isRoot() }), UnsafePathError);
      assert.equal(await exists(join(dest, "escape")), false);
    }
  });

  it("checks the diffID of what it unpacks", async () => {
    const store = await ImageStore.open(join(work, "badlayer"), { layerFormat: "merged" });
    const t = await testLayerTars();
    const bad = buildImage([t.whiteouts]);
    bad.layers[0]!.diffID = "sha256:" + "0".repeat(64);
    await assert.rejects(putBuiltImage(store, bad, "x/bad:1"), /diffID/);
    assert.deepEqual((await readdir(join(store.root, "layers"))).filter((n) => !n.startsWith(".")), []);
  });

  it("removes images, untags shared names, and sweeps what nothing references", async () => {
    const store = await ImageStore.open(join(work, "rm"), { layerFormat: "merged" });
    const small = buildImage([await tarOf([{ name: "hello", content: "hi" }])]);
    await putBuiltImage(store, img, "a/full:1");
    await putBuiltImage(store, small, "a/small:1");
    await store.tagImage("a/small:1", "a/small:2");
    assert.deepEqual((await store.getImage("a/small:2"))?.names, ["docker.io/a/small:1", "docker.io/a/small:2"]);
    const un = await removeImage(store, "a/small:1");
    assert.deepEqual(un, { untagged: ["docker.io/a/small:1"], deleted: [], freedBytes: 0 });
    const del = await removeImage(store, "a/small:2");
    assert.deepEqual(del.deleted, [small.configDigest]);
    assert.ok(del.freedBytes > 0);
    assert.equal(await store.hasBlob(small.layers[0]!.digest), false);
    assert.equal(await store.hasBlob(img.layers[0]!.digest), true);
    await assert.rejects(removeImage(store, "a/small:2"), /No such image: a\/small:2/);
  });

  it("collects least-recently-used images above the high threshold down to the low one", async () => {
    const store = await ImageStore.open(join(work, "gc"), { layerFormat: "merged" });
    const imgs = await Promise.all([1, 2, 3].map(async (n) => buildImage([await tarOf([{ name: `f${n}`, content: Buffer.alloc(20_000, n) }])])));
    for (const [i, im] of imgs.entries()) await putBuiltImage(store, im, `gc/img:${i + 1}`);
    // Order of use: 2 oldest, then 1, then 3.
    await store.updateIndex((idx) => {
      const at = (id: string, t: string): void => { idx.images.find((i) => i.id === id)!.lastUsed = t; };
      at(imgs[1]!.configDigest, "2024-01-01T00:00:00Z");
      at(imgs[0]!.configDigest, "2024-01-02T00:00:00Z");
      at(imgs[2]!.configDigest, "2024-01-03T00:00:00Z");
    });
    // A container uses image 2, so it is kept whatever its age.
    const cdir = join(work, "containers", "gc-user");
    await prepareRootfs(store, "gc/img:2", cdir);
    // A fake disk of 1 MB where the store's bytes are the used space.
    const capacity = 1_000_000;
    const base = 900_000 - (await store.diskBytes());
    const diskUsage = async (): Promise<{ capacity: number; available: number }> => ({ capacity, available: capacity - base - (await store.diskBytes()) });
    const below = await gc(store, { highPercent: 95, lowPercent: 80, diskUsage });
    assert.deepEqual(below.removed, []);
    assert.equal(below.usagePercent, 90);
    const res = await gc(store, { highPercent: 85, lowPercent: 80, diskUsage });
    assert.ok(res.wanted > 0);
    // Usage is 90%; getting to 80% asks for 100 kB, more than the ~21 kB each image holds, so every
    // image that may go does, least recently used first: 1, then 3. Image 2 is in use and stays.
    assert.deepEqual(res.removed, [imgs[0]!.configDigest, imgs[2]!.configDigest]);
    assert.ok(res.freedBytes >= 40_000);
    assert.ok(await store.getImage("gc/img:2"));
    await releaseRootfs(store, cdir);
    const again = await gc(store, { highPercent: 85, lowPercent: 80, diskUsage, minAgeMs: 3_600_000 });
    assert.deepEqual(again.removed, [], "too young to collect");
    const last = await gc(store, { highPercent: 85, lowPercent: 80, diskUsage });
    assert.deepEqual(last.removed, [imgs[1]!.configDigest]);
    assert.deepEqual((await readdir(join(store.root, "blobs/sha256"))).length, 0);
    assert.deepEqual((await readdir(join(store.root, "layers"))).filter((n) => !n.startsWith(".")), []);
  });
});
