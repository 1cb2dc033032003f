/**
 * The node agent's image GC over a real image store: kubelet's thresholds decide when, least
 * recently used images go first, images that pods on the node name are kept, a collection
 * that cannot free enough is reported with kubelet's FreeDiskSpaceFailed message, and the
 * 10-second disk check starts a collection between the 5-minute rounds.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { ImageStore } from "../../src/image/store/store.js";
import { freeDiskSpaceFailedMessage, ImageGarbageCollector, podImages } from "../../src/node/agent/image-gc.js";
import { checkImageGCThresholds } from "../../src/node/agent/housekeeping.js";
import { buildImage, putBuiltImage, tarOf, tempDir, type BuiltImage } from "../image/helpers.js";

let work: string;
before(async () => {
  work = await tempDir("image-gc");
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Three images of ~20 kB, used in the order 2, 1, 3, on a fake 1 MB disk whose used space is the store's bytes. */
async function storeWithImages(name: string, usedPercent: number): Promise<{ store: ImageStore; imgs: BuiltImage[]; diskUsage: () => Promise<{ capacity: number; available: number }> }> {
  const store = await ImageStore.open(join(work, name), { layerFormat: "merged" });
  const imgs = await Promise.all([1, 2, 3].map(async (n) => buildImage([await tarOf([{ name: `f${n}`, content: Buffer.alloc(20_000, n) }])])));
  for (const [i, im] of imgs.entries()) await putBuiltImage(store, im, `docker.io/gc/img:${i + 1}`);
  await store.updateIndex((idx) => {
    const at = (id: string, t: string): void => {
      const rec = idx.images.find((i) => i.id === id)!;
      rec.lastUsed = t;
      rec.addedAt = "2024-01-01T00:00:00Z";
    };
    at(imgs[1]!.configDigest, "2024-01-01T00:00:00Z");
    at(imgs[0]!.configDigest, "2024-01-02T00:00:00Z");
    at(imgs[2]!.configDigest, "2024-01-03T00:00:00Z");
  });
  const capacity = 1_000_000;
  const base = (capacity * usedPercent) / 100 - (await store.diskBytes());
  const diskUsage = async (): Promise<{ capacity: number; available: number }> => ({ capacity, available: capacity - base - (await store.diskBytes()) });
  return { store, imgs, diskUsage };
}

const podUsing = (image: string) => ({ spec: { containers: [{ image }] }, status: { containerStatuses: [{ imageID: "" }] } });

describe("node image GC", () => {
  it("checks thresholds as kubelet does", () => {
    checkImageGCThresholds(85, 80);
    checkImageGCThresholds(100, 0);
    assert.throws(() => checkImageGCThresholds(80, 80), /--image-gc-low-threshold \(80\) must be less than --image-gc-high-threshold \(80\)/);
    assert.throws(() => checkImageGCThresholds(101, 80), /--image-gc-high-threshold must be a whole percent/);
    assert.throws(() => checkImageGCThresholds(85, -1), /--image-gc-low-threshold must be a whole percent/);
  });

  it("reads the images pods name and the image IDs they report", () => {
    assert.deepEqual(podImages({
      spec: { containers: [{ image: "nginx" }], initContainers: [{ image: "busybox:1.36" }] },
      status: { containerStatuses: [{ imageID: "docker-pullable://docker.io/library/nginx@sha256:" + "a".repeat(64) }] },
    }), ["nginx", "busybox:1.36", "docker.io/library/nginx@sha256:" + "a".repeat(64)]);
  });

  it("above the high threshold deletes unused images, least recently used first, keeping those pods use", async () => {
    const { store, imgs, diskUsage } = await storeWithImages("lru", 90);
    const collected: string[][] = [];
    const failed: string[] = [];
    const gc = new ImageGarbageCollector(store, {
      highPercent: 85, lowPercent: 80, minAgeMs: 0, diskUsage,
      // Image 2 (the least recently used) is what a pod on this node runs: it stays.
      inUse: async () => [podUsing("gc/img:2")].flatMap(podImages),
      onCollected: (_r, names) => collected.push(names),
      onFailed: (m) => failed.push(m),
    });
    const r = await gc.collect();
    assert.ok(r);
    assert.equal(r.usagePercent, 90);
    // 90% → 80% asks for 100 kB, more than all unused images hold: both go, 1 before 3.
    assert.deepEqual(r.removed, [imgs[0]!.configDigest, imgs[2]!.configDigest]);
    assert.deepEqual(collected, [["docker.io/gc/img:1", "docker.io/gc/img:3"]]);
    assert.ok(await store.getImage("gc/img:2"));
    // Still above the low mark with only an image in use left: kubelet's FreeDiskSpaceFailed.
    assert.equal(failed.length, 1);
    assert.equal(failed[0], freeDiskSpaceFailedMessage(r));
    assert.match(failed[0]!, /^Failed to garbage collect required amount of images\. Attempted to free \d+ bytes, but only found \d+ bytes eligible to free\.$/);
  });

  it("below the high threshold deletes nothing; freeing enough reports no failure", async () => {
    const { store, diskUsage } = await storeWithImages("below", 84);
    const failed: string[] = [];
    const gc = new ImageGarbageCollector(store, { highPercent: 85, lowPercent: 80, minAgeMs: 0, diskUsage, onFailed: (m) => failed.push(m) });
    assert.deepEqual((await gc.collect())?.removed, []);
    assert.equal((await store.listImages()).length, 3);

    // 86% with a low mark of 84%: 20 kB asked for, one image (the least recently used) is enough.
    const { store: s2, imgs, diskUsage: d2 } = await storeWithImages("one", 86);
    const gc2 = new ImageGarbageCollector(s2, { highPercent: 85, lowPercent: 84, minAgeMs: 0, diskUsage: d2, onFailed: (m) => failed.push(m) });
    const r = await gc2.collect();
    assert.deepEqual(r?.removed, [imgs[1]!.configDigest]);
    assert.deepEqual(failed, []);
  });

  it("young images are kept (kubelet's minimum age, 2 minutes by default)", async () => {
    const { store, diskUsage } = await storeWithImages("young", 95);
    await store.updateIndex((idx) => {
      for (const i of idx.images) i.addedAt = new Date().toISOString();
    });
    const gc = new ImageGarbageCollector(store, { highPercent: 85, lowPercent: 80, diskUsage });
    assert.deepEqual((await gc.collect())?.removed, []);
  });

  it("the disk check starts a collection between rounds; a high threshold of 100 turns GC off", async () => {
    const { store, diskUsage } = await storeWithImages("loop", 95);
    const off = new ImageGarbageCollector(store, { highPercent: 100, lowPercent: 80, minAgeMs: 0, diskUsage, checkIntervalMs: 10 });
    assert.equal(off.enabled, false);
    off.start();
    await new Promise((r) => setTimeout(r, 100));
    await off.stop();
    assert.equal((await store.listImages()).length, 3);

    let done!: (names: string[]) => void;
    const collected = new Promise<string[]>((r) => (done = r));
    const gc = new ImageGarbageCollector(store, {
      highPercent: 85, lowPercent: 80, minAgeMs: 0, diskUsage, checkIntervalMs: 10, intervalMs: 3_600_000, onCollected: (_r, names) => done(names),
    });
    gc.start();
    try {
      const names = await Promise.race([collected, new Promise<never>((_, rej) => setTimeout(() => rej(new Error("no collection within 5 s")), 5000))]);
      assert.equal(names.length, 3);
    } finally {
      await gc.stop();
    }
    assert.deepEqual(await store.listImages(), []);
  });
});
