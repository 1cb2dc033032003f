/**
 * Air-gapped import: OCI layout and docker-archive tarballs the test builds itself (plain and
 * gzip), the images folder scanned at start-up, the CLI functions, and, when skopeo is
 * installed, an archive written by a real tool.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdir, readFile, readdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import {
  formatImageTable, humanSize, imageImport, imageList, imageRemove, importArchive, importDir,
} from "../../src/image/archive.js";
import { ImageStore } from "../../src/image/store/store.js";
import { removeTree } from "../../src/image/store/fsutil.js";
import { prepareRootfs, releaseRootfs } from "../../src/image/store/rootfs.js";
import {
  buildImage, dockerArchiveTar, haveBusybox, haveCommand, isRoot, ociLayoutTar, tarOf, tempDir, testLayerTars, type BuiltImage,
} from "./helpers.js";

describe("image archives", { skip: !haveBusybox() && "busybox-static is not installed" }, () => {
  let work: string;
  let img: BuiltImage;
  let armImg: BuiltImage;
  let base: Buffer;
  let whiteouts: Buffer;
  let n = 0;
  const newStore = (): Promise<ImageStore> => ImageStore.open(join(work, `store-${n++}`), { layerFormat: "merged" });

  before(async () => {
    work = await tempDir("archive");
    ({ base, whiteouts } = await testLayerTars());
    img = buildImage([base, whiteouts]);
    armImg = buildImage([await tarOf([{ name: "arch", content: "arm64\n" }])], { platform: { os: "linux", architecture: "arm64" } });
  });

  after(async () => {
    if (work) await removeTree(work);
  });

  it("imports an OCI layout tarball, named by its annotations", async () => {
    const store = await newStore();
    const file = join(work, "oci.tar");
    await writeFile(file, await ociLayoutTar([
      { images: [img], refName: "docker.io/test/busybox:oci" },
      { images: [img, armImg], containerdName: "registry.local/multi:v2" },
    ]));
    const r = await importArchive(store, file, { platform: { os: "linux", architecture: "amd64" } });
    assert.equal(r.format, "oci-layout");
    assert.equal(r.images.length, 2);
    const one = await store.getImage("test/busybox:oci");
    assert.equal(one?.id, img.configDigest);
    assert.deepEqual(one?.names, ["docker.io/test/busybox:oci", "registry.local/multi:v2"]);
    assert.equal(one?.source, "archive");
    const multi = r.images[1]!;
    assert.ok(multi.indexDigest);
    // Both entries are the same image (one config): one record with both names and digests.
    assert.equal(multi.id, img.configDigest);
    assert.deepEqual(multi.repoDigests, [`docker.io/test/busybox@${img.manifestDigest}`, `registry.local/multi@${multi.indexDigest}`]);
    const cdir = join(work, "c-oci");
    const root = await prepareRootfs(store, "registry.local/multi:v2", cdir);
    assert.equal(await readFile(join(root.path, "etc/added"), "utf8"), "added by layer 2\n");
    await releaseRootfs(store, cdir);
    // A tag-only ref.name needs a base name.
    const tagOnly = join(work, "tag-only.tar");
    await writeFile(tagOnly, await ociLayoutTar([{ images: [armImg], refName: "v9" }]));
    const arm = await importArchive(store, tagOnly, { platform: { os: "linux", architecture: "arm64" }, baseName: "example.com/arm" });
    assert.deepEqual(arm.images[0]?.names, ["example.com/arm:v9"]);
  });

  it("imports a gzip docker-archive with a layer shared through a symlink", async () => {
    const store = await newStore();
    const other = await tarOf([{ name: "other", content: "second image\n" }]);
    const { tar, configs } = await dockerArchiveTar([
      { layerTars: [base, whiteouts], repoTags: ["busybox:saved", "localhost:5000/bb:1"] },
      { layerTars: [base, other], repoTags: ["other:1"] },
    ]);
    const file = join(work, "docker.tar.gz");
    await writeFile(file, gzipSync(tar));
    const r = await importArchive(store, file);
    assert.equal(r.format, "docker-archive");
    assert.deepEqual(r.images.map((i) => i.id), configs);
    assert.deepEqual(r.images[0]?.names, ["docker.io/library/busybox:saved", "localhost:5000/bb:1"]);
    assert.deepEqual(r.images[0]?.repoDigests, []);
    // Uncompressed layer blobs: their digest is the diffID; the shared base is stored once.
    assert.equal(r.images[0]?.layers[0]?.digest, r.images[1]?.layers[0]?.digest);
    assert.equal(r.images[0]?.layers[0]?.digest, r.images[0]?.layers[0]?.diffID);
    const cdir = join(work, "c-docker");
    const root = await prepareRootfs(store, "other:1", cdir);
    assert.equal(await readFile(join(root.path, "other"), "utf8"), "second image\n");
    assert.equal(await readFile(join(root.path, "etc/removeme"), "utf8"), "to be whited out\n");
    await releaseRootfs(store, cdir);
    // Importing again changes nothing.
    await importArchive(store, file);
    assert.equal((await store.listImages()).length, 2);
  });

  it("refuses archives that are not images or that lie about digests", async () => {
    const store = await newStore();
    const junk = join(work, "junk.tar");
    await writeFile(junk, await tarOf([{ name: "hello.txt", content: "hi" }]));
    await assert.rejects(importArchive(store, junk), /not an image archive/);
    const bad = join(work, "bad-oci.tar");
    const evil = buildImage([whiteouts]);
    // The layer blob's file holds other bytes than its name says.
    const other = gzipSync(await tarOf([{ name: "evil", content: "x" }]));
    await writeFile(bad, await ociLayoutTar([{ images: [evil], refName: "x/evil:1" }], new Map([[evil.layers[0]!.digest, other]])));
    await assert.rejects(importArchive(store, bad), /digest mismatch/);
    assert.deepEqual(await store.listImages(), []);
    assert.deepEqual(await readdir(join(store.root, "tmp")), [], "temp files are cleaned up");
  });

  it("scans an images folder at start-up, skipping what it already imported", async () => {
    const store = await newStore();
    const dir = join(work, "agent-images");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "a.tar"), await ociLayoutTar([{ images: [img], refName: "docker.io/dir/a:1" }]));
    await writeFile(join(dir, "b.tgz"), gzipSync((await dockerArchiveTar([{ layerTars: [whiteouts], repoTags: ["dir/b:1"] }])).tar));
    await writeFile(join(dir, "c.tar.zst"), "not really");
    await writeFile(join(dir, "d.tar"), "broken");
    await writeFile(join(dir, "notes.txt"), "ignored");
    const first = await importDir(store, dir);
    assert.deepEqual(first.map((e) => [e.file.split("/").pop(), e.status]), [["a.tar", "imported"], ["b.tgz", "imported"], ["c.tar.zst", "failed"], ["d.tar", "failed"]]);
    assert.ok((await store.getImage("dir/a:1")) && (await store.getImage("dir/b:1")));
    const second = await importDir(store, dir);
    assert.deepEqual(second.map((e) => e.status), ["unchanged", "unchanged", "failed", "failed"]);
    // A touched file is imported again.
    await utimes(join(dir, "a.tar"), new Date(), new Date(Date.now() + 5000));
    assert.equal((await importDir(store, dir))[0]?.status, "imported");
    assert.deepEqual(await importDir(store, join(work, "missing-dir")), []);
  });

  it("backs the CLI: image import, ls and rm", async () => {
    const root = join(work, "cli-store");
    const file = join(work, "cli.tar");
    await writeFile(file, (await dockerArchiveTar([{ layerTars: [base, whiteouts], repoTags: ["cli/busybox:1", "cli/busybox:2"] }])).tar);
    const r = await imageImport(root, file);
    assert.equal(r.images.length, 1);
    const ls = await imageList(root);
    assert.equal(ls.length, 1);
    assert.deepEqual(ls[0]?.names, ["docker.io/cli/busybox:1", "docker.io/cli/busybox:2"]);
    const table = formatImageTable(ls);
    const lines = table.trimEnd().split("\n");
    assert.match(lines[0]!, /^IMAGE\s+TAG\s+IMAGE ID\s+SIZE$/);
    assert.match(lines[1]!, new RegExp(`^docker.io/cli/busybox\\s+1\\s+${ls[0]!.id.slice(7, 20)}\\s+\\d`));
    assert.equal(lines.length, 3);
    assert.deepEqual(await imageRemove(root, "cli/busybox:1"), { untagged: ["docker.io/cli/busybox:1"], deleted: [], freedBytes: 0 });
    const gone = await imageRemove(root, "cli/busybox:2");
    assert.deepEqual(gone.deleted, [ls[0]!.id]);
    assert.deepEqual(await imageList(root), []);
    assert.equal(humanSize(999), "999B");
    assert.equal(humanSize(2_162_688), "2.16MB");
  });

  it("imports archives that skopeo writes", {
    skip: !haveCommand("skopeo") ? "skopeo is not installed" : !isRoot() && "skopeo cannot unpack root-owned OCI archives unprivileged",
  }, async () => {
    const store = await newStore();
    const layout = join(work, "for-skopeo.tar");
    await writeFile(layout, await ociLayoutTar([{ images: [img], refName: "latest" }]));
    const out = join(work, "skopeo-docker.tar");
    const r = spawnSync("skopeo", ["--insecure-policy", "copy", "--quiet", `oci-archive:${layout}:latest`, `docker-archive:${out}:skopeo/busybox:v1`], { encoding: "utf8", timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const res = await importArchive(store, out);
    assert.equal(res.format, "docker-archive");
    assert.deepEqual(res.images[0]?.names, ["docker.io/skopeo/busybox:v1"]);
    assert.equal(res.images[0]?.id, img.configDigest);
    const cdir = join(work, "c-skopeo");
    const root = await prepareRootfs(store, "skopeo/busybox:v1", cdir);
    assert.deepEqual(await readdir(join(root.path, "data")), ["new"]);
    await releaseRootfs(store, cdir);
  });
});
