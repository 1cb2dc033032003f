/**
 * The node runtimes by name, and the default choice. `fake` is not here: simulated nodes
 * (`./fake/`) drive pod status directly and never go through the ContainerRuntime interface.
 */
import type { ContainerRuntime, RuntimeOptions } from "./types.js";
import { RuncRuntime, findBinary } from "./runc/index.js";
import { ProcessRuntime } from "./process/index.js";

export type RuntimeName = "runc" | "process";
export type RuntimeFactory = (opts: RuntimeOptions) => ContainerRuntime;

export const runtimeFactories: Record<RuntimeName, RuntimeFactory> = {
  runc: (opts) => new RuncRuntime(opts),
  process: (opts) => new ProcessRuntime(opts),
  // fake: simulated nodes (src/node/runtime/fake) do not use this interface.
};

/** runc when this is Linux, we are root and runc and conmon are installed; otherwise process, with the reason. */
export function detectRuntime(): { name: RuntimeName; reason: string } {
  if (process.platform !== "linux") return { name: "process", reason: `not Linux (${process.platform})` };
  if (process.getuid?.() !== 0) return { name: "process", reason: "not running as root" };
  if (!findBinary("runc")) return { name: "process", reason: "runc is not installed" };
  if (!findBinary("conmon")) return { name: "process", reason: "conmon is not installed" };
  return { name: "runc", reason: "root, with runc and conmon" };
}

export * from "./types.js";
export { readLog, logLines, parseEntry, formatEntry, type LogEntry, type LogStream } from "./crilog.js";
