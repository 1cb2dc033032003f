/**
 * Run by store.test.ts as an unprivileged user (setpriv): imports a docker-archive into a
 * fresh store with the automatic layer format, prepares a root filesystem, and prints what
 * it saw as JSON. Not a test file itself.
 */
import { lstat, readFile, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { importArchive } from "../../src/image/archive.js";
import { removeImage } from "../../src/image/store/gc.js";
import { prepareRootfs, releaseRootfs } from "../../src/image/store/rootfs.js";
import { ImageStore } from "../../src/image/store/store.js";

const [work, archive] = process.argv.slice(2) as [string, string];
const store = await ImageStore.open(join(work, "store"));
const imported = await importArchive(store, archive);
const name = imported.images[0]!.names[0]!;
const cdir = join(work, "container");
const root = await prepareRootfs(store, name, cdir);
const exists = async (p: string): Promise<boolean> => (await lstat(p).catch(() => undefined)) !== undefined;
const seen = {
  uid: process.getuid?.(),
  format: store.layerFormat,
  kind: root.kind,
  data: (await readdir(join(root.path, "data"))).sort(),
  removeme: await exists(join(root.path, "etc/removeme")),
  added: await readFile(join(root.path, "etc/added"), "utf8"),
  roMode: (await stat(join(root.path, "ro"))).mode & 0o777,
  ro: (await readdir(join(root.path, "ro"))).sort(),
  ownedUid: (await stat(join(root.path, "etc/owned"))).uid,
};
await releaseRootfs(store, cdir);
const removed = await removeImage(store, name);
const left = {
  blobs: (await readdir(join(store.root, "blobs/sha256"))).length,
  layers: (await readdir(join(store.root, "layers"))).filter((n) => !n.startsWith(".")).length,
};
process.stdout.write(JSON.stringify({ ...seen, deleted: removed.deleted.length, left }));
