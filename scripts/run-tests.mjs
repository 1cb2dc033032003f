#!/usr/bin/env node
// Finds every *.test.ts under the given roots (default: src and test) and runs them with
// Node's built-in test runner through tsx, so CI reads the runner's own summary line.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const roots = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const passthrough = process.argv.slice(2).filter((a) => a.startsWith("-"));
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith(".test.ts")) files.push(p);
  }
}
for (const r of roots.length ? roots : ["src", "test"]) walk(r);
files.sort();
const r = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", ...passthrough, ...files], { stdio: "inherit" });
process.exit(r.status ?? 1);
