/**
 * Pulls from a real registry: Debian's docker-registry on 127.0.0.1, images the test builds
 * from busybox-static and pushes with the v2 protocol, and an auth proxy in front of it that
 * demands bearer tokens (and can cut or corrupt blob downloads).
 */
import assert from "node:assert/strict";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ImageError } from "../../src/image/errors.js";
import { parseReference } from "../../src/image/reference.js";
import { defaultPullPolicy, ensureImage, pullImage } from "../../src/image/pull.js";
import { DockerKeyring } from "../../src/image/registry/auth.js";
import { RegistryClient } from "../../src/image/registry/client.js";
import { sweep } from "../../src/image/store/gc.js";
import { prepareRootfs, releaseRootfs } from "../../src/image/store/rootfs.js";
import { ImageStore } from "../../src/image/store/store.js";
import { removeTree } from "../../src/image/store/fsutil.js";
import {
  buildImage, haveBusybox, haveRegistry, pushImage, pushIndex, startAuthProxy, startRegistry, tarOf, tempDir,
  testLayerTars, type AuthProxy, type BuiltImage, type Registry,
} from "./helpers.js";

const skip = !haveRegistry() ? "docker-registry is not installed (apt-get install docker-registry)"
  : !haveBusybox() ? "busybox-static is not installed" : false;

describe("registry pulls", { skip }, () => {
  let reg: Registry;
  let proxy: AuthProxy;
  let work: string;
  let img: BuiltImage;
  let armImg: BuiltImage;
  let indexDigest: string;
  let n = 0;
  const newStore = (): Promise<ImageStore> => ImageStore.open(join(work, `store-${n++}`), { layerFormat: "merged" });
  const auth = (user: string, pass: string): object => ({ auths: { [proxy.host]: { auth: Buffer.from(`${user}:${pass}`).toString("base64") } } });

  before(async () => {
    work = await tempDir("registry");
    reg = await startRegistry();
    proxy = await startAuthProxy(reg.url, "puller", "s3cret");
    const t = await testLayerTars();
    img = buildImage([t.base, t.whiteouts]);
    armImg = buildImage([await tarOf([{ name: "arch", content: "arm64\n" }])], { platform: { os: "linux", architecture: "arm64", variant: "v8" } });
    await pushImage(reg.url, "test/busybox", "1.0", img);
    await pushImage(reg.url, "test/docker-schema", "1.0", buildImage([t.whiteouts], { docker: true }));
    indexDigest = await pushIndex(reg.url, "test/multi", "latest", [img, armImg]);
    await pushIndex(reg.url, "test/dockerlist", "v1", [armImg, img], true);
  });

  after(async () => {
    await proxy?.close();
    await reg?.stop();
    if (work) await removeTree(work);
  });

  it("pulls an image, verifying and storing every blob, and unpacks it", async () => {
    const store = await newStore();
    const progress: number[] = [];
    const r = await pullImage(store, `${reg.host}/test/busybox:1.0`, { onProgress: (p) => progress.push(p.bytes) });
    assert.equal(r.reference, `${reg.host}/test/busybox:1.0`);
    assert.equal(r.image.id, img.configDigest);
    assert.equal(r.image.manifestDigest, img.manifestDigest);
    assert.deepEqual(r.image.names, [`${reg.host}/test/busybox:1.0`]);
    assert.deepEqual(r.image.repoDigests, [`${reg.host}/test/busybox@${img.manifestDigest}`]);
    assert.deepEqual(r.image.layers.map((l) => l.diffID), img.layers.map((l) => l.diffID));
    assert.equal(r.downloadedBytes, img.layers.reduce((s, l) => s + l.bytes.length, 0));
    assert.ok(progress.length > 0);
    for (const d of [img.manifestDigest, img.configDigest, ...img.layers.map((l) => l.digest)]) {
      assert.equal(await store.hasBlob(d), true, d);
    }
    assert.deepEqual(await readFile(store.blobPath(img.layers[0]!.digest)), img.layers[0]!.bytes);
    const cdir = join(work, "c-pull");
    const root = await prepareRootfs(store, `${reg.host}/test/busybox:1.0`, cdir);
    assert.equal(await readFile(join(root.path, "etc/added"), "utf8"), "added by layer 2\n");
    assert.deepEqual(await readdir(join(root.path, "data")), ["new"]);
    await releaseRootfs(store, cdir);
    // Pulling again downloads nothing; by digest finds the same image.
    const again = await pullImage(store, `${reg.host}/test/busybox@${img.manifestDigest}`);
    assert.equal(again.downloadedBytes, 0);
    assert.equal(again.image.id, img.configDigest);
    assert.equal((await store.listImages()).length, 1);
    assert.equal((await store.getImage(`${reg.host}/test/busybox@${img.manifestDigest}`))?.id, img.configDigest);
  });

  it("pulls Docker schema 2 manifests", async () => {
    const store = await newStore();
    const r = await pullImage(store, `${reg.host}/test/docker-schema:1.0`);
    assert.equal(r.image.manifestMediaType, "application/vnd.docker.distribution.manifest.v2+json");
    assert.equal(r.image.layers.length, 1);
  });

  it("picks the platform's manifest from an OCI index or a Docker manifest list", async () => {
    const store = await newStore();
    const amd = await pullImage(store, `${reg.host}/test/multi`, { platform: { os: "linux", architecture: "amd64" } });
    assert.equal(amd.image.id, img.configDigest);
    assert.equal(amd.image.indexDigest, indexDigest);
    assert.equal(amd.image.manifestDigest, img.manifestDigest);
    assert.deepEqual(amd.image.repoDigests, [`${reg.host}/test/multi@${indexDigest}`]);
    const arm = await pullImage(store, `${reg.host}/test/dockerlist:v1`, { platform: { os: "linux", architecture: "arm64" } });
    assert.equal(arm.image.id, armImg.configDigest);
    assert.deepEqual(arm.image.platform, { os: "linux", architecture: "arm64", variant: "v8" });
    await assert.rejects(pullImage(store, `${reg.host}/test/multi`, { platform: { os: "linux", architecture: "s390x" } }),
      (e: ImageError) => e.reason === "ErrImagePull" && e.kind === "Platform" && /no matching manifest for linux\/s390x in the manifest list entries/.test(e.message));
  });

  it("reports missing images, bad names and unreachable registries with kubelet reasons", async () => {
    const store = await newStore();
    await assert.rejects(pullImage(store, `${reg.host}/test/nope:1`), (e: ImageError) => e.reason === "ErrImagePull" && e.kind === "NotFound" && /not found/.test(e.message));
    await assert.rejects(pullImage(store, `${reg.host}/test/busybox:nope`), (e: ImageError) => e.kind === "NotFound");
    await assert.rejects(pullImage(store, "Bad:Name:x"), (e: ImageError) => e.reason === "InvalidImageName");
    await assert.rejects(pullImage(store, "127.0.0.1:1/x:1"), (e: ImageError) => e.reason === "RegistryUnavailable");
  });

  it("answers bearer challenges with credentials from a docker config", async () => {
    const store = await newStore();
    proxy.log.length = 0;
    proxy.tokenRequests.length = 0;
    const r = await pullImage(store, `${proxy.host}/test/busybox:1.0`, { pullSecrets: [auth("puller", "s3cret")] });
    assert.equal(r.image.id, img.configDigest);
    assert.equal(proxy.tokenRequests.length, 1, "one token, cached for every blob");
    const tr = proxy.tokenRequests[0]!;
    assert.equal(tr.searchParams.get("service"), "timonel-test");
    assert.deepEqual(tr.searchParams.getAll("scope"), ["repository:test/busybox:pull"]);
    assert.equal(tr.searchParams.get("account"), "puller");
    assert.equal(proxy.log.filter((l) => !l.authorized).length, 1, "only the first request is challenged");
  });

  it("answers basic challenges", async () => {
    const store = await newStore();
    proxy.scheme = "basic";
    try {
      proxy.log.length = 0;
      const r = await pullImage(store, `${proxy.host}/test/busybox:1.0`, { pullSecrets: [auth("puller", "s3cret")] });
      assert.equal(r.image.id, img.configDigest);
      assert.equal(proxy.log.filter((l) => !l.authorized).length, 1);
      await assert.rejects(pullImage(await newStore(), `${proxy.host}/test/busybox:1.0`, { pullSecrets: [auth("puller", "nope")] }),
        (e: ImageError) => e.kind === "Unauthorized");
    } finally {
      proxy.scheme = "bearer";
    }
  });

  it("fails with Unauthorized without or with wrong credentials", async () => {
    const store = await newStore();
    await assert.rejects(pullImage(store, `${proxy.host}/test/busybox:1.0`),
      (e: ImageError) => e.kind === "Unauthorized" && /pull access denied/.test(e.message));
    await assert.rejects(pullImage(store, `${proxy.host}/test/busybox:1.0`, { pullSecrets: [auth("puller", "wrong")] }),
      (e: ImageError) => e.kind === "Unauthorized");
    // The most specific key holds a wrong password, the registry-wide one the right one: both are tried, in order.
    const k = new DockerKeyring();
    k.add(`${proxy.host}/test`, { username: "puller", password: "wrong" });
    k.add(proxy.host, { username: "puller", password: "s3cret" });
    assert.deepEqual(k.lookup(parseReference(`${proxy.host}/test/busybox`)).map((c) => c.password), ["wrong", "s3cret"]);
    const ok = await pullImage(store, `${proxy.host}/test/busybox:1.0`, { keyring: k });
    assert.equal(ok.image.id, img.configDigest);
  });

  it("resumes a partial download with Range, after a restart and after a cut", async () => {
    const store = await newStore();
    const layer = img.layers[0]!;
    const half = Math.floor(layer.bytes.length / 2);
    // A partial file left by an earlier run.
    await writeFile(join(store.root, "ingest", layer.digest.slice(7)), layer.bytes.subarray(0, half));
    proxy.log.length = 0;
    // And the first blob response of this run is cut after 64 kB.
    proxy.cutNextBlobAfter = 64 * 1024;
    const client = new RegistryClient({ keyring: keyringFor(proxy.host, "puller", "s3cret") });
    const r = await pullImage(store, `${proxy.host}/test/busybox:1.0`, { client, concurrency: 1 });
    assert.equal(r.image.id, img.configDigest);
    const gets = proxy.log.filter((l) => l.path.endsWith(layer.digest) && l.authorized);
    assert.equal(gets[0]?.range, `bytes=${half}-`, "the leftover half is not downloaded again");
    assert.equal(gets.length, 2);
    // It resumes where it stopped: after the half it had, at most the 64 kB the proxy sent before the cut.
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(gets[1]?.range ?? "")?.[1]);
    assert.ok(resumedAt >= half && resumedAt <= half + 64 * 1024, `resumed at ${resumedAt}`);
    assert.equal(r.downloadedBytes, img.layers.reduce((s, l) => s + l.bytes.length, 0) - half);
    assert.deepEqual(await readFile(store.blobPath(layer.digest)), layer.bytes);
    assert.deepEqual(await readdir(join(store.root, "ingest")), []);
  });

  it("downloads each blob once when pulls run at the same time", async () => {
    const store = await newStore();
    proxy.log.length = 0;
    const client = new RegistryClient({ keyring: keyringFor(proxy.host, "puller", "s3cret") });
    const rs = await Promise.all([1, 2, 3].map(() => pullImage(store, `${proxy.host}/test/busybox:1.0`, { client })));
    for (const r of rs) assert.equal(r.image.id, img.configDigest);
    for (const l of img.layers) {
      assert.equal(proxy.log.filter((e) => e.authorized && e.path.endsWith(l.digest)).length, 1, `one download of ${l.digest}`);
    }
    assert.equal(rs.reduce((s, r) => s + r.downloadedBytes, 0), img.layers.reduce((s, l) => s + l.bytes.length, 0));
  });

  it("rejects blobs that do not match their digest", async () => {
    const store = await newStore();
    proxy.corruptBlobs = true;
    try {
      await assert.rejects(pullImage(store, `${proxy.host}/test/busybox:1.0`, { pullSecrets: [auth("puller", "s3cret")] }),
        (e: ImageError) => e.kind === "Digest" && /digest mismatch/.test(e.message));
    } finally {
      proxy.corruptBlobs = false;
    }
    // The manifest, config and small layer were fine and stay until GC; the bad layer never lands, not even as a partial.
    assert.equal(await store.hasBlob(img.layers[0]!.digest), false);
    assert.equal(await store.hasBlob(img.configDigest), true);
    assert.deepEqual(await readdir(join(store.root, "ingest")), []);
    assert.deepEqual(await store.listImages(), []);
    await sweep(store);
    assert.deepEqual(await readdir(join(store.root, "blobs/sha256")), []);
  });

  it("follows imagePullPolicy", async () => {
    const store = await newStore();
    const name = `${reg.host}/test/busybox:1.0`;
    await assert.rejects(ensureImage(store, name, "Never"), (e: ImageError) => e.reason === "ErrImageNeverPull" &&
      e.message === `Container image "${name}" is not present with pull policy of Never`);
    const first = await ensureImage(store, name, "IfNotPresent");
    assert.ok(first.pull);
    const present = await ensureImage(store, name, "IfNotPresent");
    assert.equal(present.pull, undefined);
    assert.equal((await ensureImage(store, name, "Never")).image.id, img.configDigest);
    const always = await ensureImage(store, name, "Always");
    assert.equal(always.pull?.downloadedBytes, 0);
    assert.equal(defaultPullPolicy("busybox"), "Always");
    assert.equal(defaultPullPolicy("busybox:latest"), "Always");
    assert.equal(defaultPullPolicy("busybox:1.36"), "IfNotPresent");
    assert.equal(defaultPullPolicy(`busybox@${img.manifestDigest}`), "IfNotPresent");
    const st = await stat(store.root);
    assert.ok(st.isDirectory());
  });
});

function keyringFor(host: string, user: string, pass: string): DockerKeyring {
  const k = new DockerKeyring();
  k.add(host, { username: user, password: pass });
  return k;
}
