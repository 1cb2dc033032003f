#!/usr/bin/env node
// The published entry point: runs the compiled CLI (npm's `prepare` builds it).
import { main } from "../dist/src/cli/main.js";
main(process.argv.slice(2)).then((code) => { if (typeof code === "number") process.exitCode = code; });
