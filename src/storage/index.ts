/**
 * The storage entry point: a name → factory registry, so `--storage memory|sqlite|etcd` picks
 * an implementation. Factories load their module on demand, so a process that never opens
 * sqlite never loads the native better-sqlite3 addon.
 */

import type { Backend, BackendFactory, BackendOptions } from "./backend.js";

export * from "./backend.js";
export { startCompactor, type Compactor, type CompactorOptions } from "./compactor.js";

export const backendFactories: Record<string, BackendFactory> = {
  memory: async () => {
    const { MemoryBackend } = await import("./memory/memory.js");
    return new MemoryBackend();
  },
  sqlite: async (opts) => {
    if (!opts.dataDir) throw new Error('storage backend "sqlite" needs a data directory (dataDir)');
    const { SqliteBackend } = await import("./sqlite/sqlite.js");
    return SqliteBackend.open({ dataDir: opts.dataDir });
  },
  // etcd: register here as `etcd: async (opts) => …` once src/storage/etcd/ exists (it uses
  // opts.endpoints); it must pass backend.case.ts like the others.
};

/** Opens the backend registered under `name`; an unknown name is an error listing the known ones. */
export async function openBackend(name: string, opts: BackendOptions = {}): Promise<Backend> {
  const factory = Object.hasOwn(backendFactories, name) ? backendFactories[name] : undefined;
  if (!factory) {
    const known = Object.keys(backendFactories).sort().join(", ");
    throw new Error(`unknown storage backend "${name}" (known: ${known})`);
  }
  return factory(opts);
}
