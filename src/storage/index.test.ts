import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { backendFactories, openBackend } from "./index.js";

describe("openBackend", () => {
  it("opens the registered backends by name", async () => {
    const mem = await openBackend("memory");
    assert.equal(mem.name, "memory");
    await mem.close();
    const dir = mkdtempSync(join(tmpdir(), "timonel-storage-index-"));
    try {
      const sql = await openBackend("sqlite", { dataDir: dir });
      assert.equal(sql.name, "sqlite");
      await sql.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    for (const name of ["memory", "sqlite"]) assert.ok(name in backendFactories);
  });

  it("names the known backends when the name is unknown", async () => {
    await assert.rejects(openBackend("mongo"), /unknown storage backend "mongo" \(known: memory, sqlite\)/);
    await assert.rejects(openBackend("toString"), /unknown storage backend/);
  });

  it("sqlite needs a data dir", async () => {
    await assert.rejects(openBackend("sqlite"), /needs a data directory/);
  });
});
