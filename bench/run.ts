/**
 * `npm run bench`: runs every benchmark and prints one table per benchmark, each figure beside
 * a baseline measured in the same run, with pass/fail marks against the targets.
 *
 *   node --import tsx bench/run.ts [--only storage,api] [--quick] [--strict]
 *
 * --quick shrinks every count (a CI smoke run, ~20 s); --strict exits 1 when a target is
 * missed (otherwise only a benchmark that breaks fails the run). New benchmarks register in
 * `benchmarks` below.
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { formatStorageBench, runStorageBench } from "./storage.js";
import { apiChecks, formatApiBench, runApiBench, type Check } from "./api.js";
import { formatSchedulerBench, runSchedulerBench, schedulerChecks } from "./scheduler.js";
import { controllersChecks, formatControllersBench, runControllersBench } from "./controllers.js";
import { formatScaleBench, runScaleBench, scaleChecks } from "./scale.js";
import { formatPodsBench, podsChecks, runPodsBench } from "./pods.js";

interface Outcome {
  text: string;
  checks: Check[];
}

interface Benchmark {
  name: string;
  run(quick: boolean): Promise<Outcome>;
}

const benchmarks: Benchmark[] = [
  {
    name: "storage",
    async run(quick) {
      const r = await runStorageBench(quick ? { durationMs: 400, listKeys: 2000, listRuns: 5 } : {});
      return { text: formatStorageBench(r), checks: [] };
    },
  },
  {
    name: "api",
    async run(quick) {
      const r = await runApiBench({ quick });
      return { text: formatApiBench(r), checks: apiChecks(r) };
    },
  },
  {
    name: "scheduler",
    async run(quick) {
      const r = await runSchedulerBench({ quick });
      return { text: formatSchedulerBench(r), checks: schedulerChecks(r) };
    },
  },
  {
    name: "controllers",
    async run(quick) {
      const r = await runControllersBench({ quick });
      return { text: formatControllersBench(r), checks: controllersChecks(r) };
    },
  },
  {
    name: "scale",
    async run(quick) {
      const r = await runScaleBench({ quick });
      return { text: formatScaleBench(r), checks: scaleChecks(r) };
    },
  },
  {
    // Real containers: needs root and runc (prints a "skipped" line otherwise).
    name: "pods",
    async run(quick) {
      const r = await runPodsBench({ quick });
      return { text: formatPodsBench(r), checks: podsChecks(r) };
    },
  },
];

const USAGE = `usage: node --import tsx bench/run.ts [--only NAME[,NAME...]] [--quick] [--strict]
  --only    run only these benchmarks (${benchmarks.map((b) => b.name).join(", ")})
  --quick   small counts, for CI smoke runs
  --strict  exit 1 when any target is missed`;

async function main(argv: string[]): Promise<number> {
  let values: { only?: string; quick?: boolean; strict?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { only: { type: "string" }, quick: { type: "boolean" }, strict: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
    }));
  } catch (err) {
    console.error(`bench: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const wanted = values.only?.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = wanted?.filter((n) => !benchmarks.some((b) => b.name === n)) ?? [];
  if (unknown.length) {
    console.error(`bench: unknown benchmark ${unknown.map((n) => JSON.stringify(n)).join(", ")}\n${USAGE}`);
    return 2;
  }
  const quick = values.quick ?? false;
  let broken = 0;
  const missed: string[] = [];
  const startedAll = performance.now();
  // Shared hosts skew every figure; the load average says how much to trust this run.
  const load = (): string => os.loadavg().map((x) => x.toFixed(2)).join(" ");
  console.log(`node ${process.version}, ${os.cpus().length} CPUs, load average ${load()}`);
  for (const b of benchmarks) {
    if (wanted && !wanted.includes(b.name)) continue;
    const started = performance.now();
    try {
      const out = await b.run(quick);
      console.log(`\n== ${b.name}${quick ? " (quick)" : ""} — ${((performance.now() - started) / 1000).toFixed(1)} s\n${out.text}`);
      for (const c of out.checks) if (!c.ok) missed.push(`${b.name}: ${c.name}`);
    } catch (err) {
      broken++;
      console.log(`\n== ${b.name}: FAILED TO RUN\n${(err as Error).stack ?? String(err)}`);
    }
  }
  console.log(`\nload average at the end: ${load()}`);
  console.log(`${missed.length ? `targets missed:\n  ${missed.join("\n  ")}` : "all targets met"}${broken ? `; ${broken} benchmark(s) failed to run` : ""} (${((performance.now() - startedAll) / 1000).toFixed(1)} s)`);
  return broken > 0 || (values.strict && missed.length > 0) ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
