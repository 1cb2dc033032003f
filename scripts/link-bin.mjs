#!/usr/bin/env node
// npm links the bins of dependencies into node_modules/.bin, never a package's own. Linking
// ours there makes `npx timonel up` in a checkout run this checkout at once, instead of npx
// installing the folder into its cache (a second build) first.
import { mkdirSync, rmSync, symlinkSync, chmodSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const binDir = join(root, "node_modules", ".bin");
const target = join(root, "bin", "timonel.js");
mkdirSync(binDir, { recursive: true });
const link = join(binDir, "timonel");
rmSync(link, { force: true });
symlinkSync(relative(binDir, target), link);
chmodSync(target, 0o755);
