/**
 * Child process for the sqlite durability test (not a test itself): runs concurrent creates
 * against `<dataDir>` until killed and prints `key revision` for every acknowledged write,
 * after its promise resolved. The parent SIGKILLs it mid-load and checks each printed key.
 *
 * Usage: node --import tsx durability-child.ts <dataDir> <concurrency>
 */

import { SqliteBackend } from "./sqlite.js";

const [dataDir, concurrencyArg] = process.argv.slice(2);
if (!dataDir) throw new Error("usage: durability-child.ts <dataDir> <concurrency>");
const concurrency = Number(concurrencyArg ?? "16");
const backend = await SqliteBackend.open({ dataDir });
const value = JSON.stringify({ pad: "x".repeat(300) });

async function writer(id: number): Promise<void> {
  for (let n = 0; ; n++) {
    const key = `/durable/w${id}-${n}`;
    const { revision } = await backend.create(key, value);
    // On Linux, writes to a pipe from process.stdout are synchronous: once this returns the
    // line is in the pipe even if SIGKILL follows at once.
    process.stdout.write(`${key} ${revision}\n`);
  }
}

process.stdout.write("ready\n");
await Promise.all(Array.from({ length: concurrency }, (_, i) => writer(i)));
