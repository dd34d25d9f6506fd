// `npm run bench [-- <filter>...]`: runs the bench modules in order (those whose name contains a filter word, if any),
// prints one table, and writes bench/results/latest.json (a list of BenchEntry). BENCH_QUICK=1 runs each module once
// at a tiny size and fails unless every module reported every entry with a number: the smoke run of .ci/run, which
// keeps the benchmarks from breaking unseen.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { commandLine, UsageError } from "../lib/cli/args";
import { QUICK } from "./support";
import type { Bench, BenchEntry } from "./types";

const MODULES: Array<{ name: string; load: () => Promise<{ run: Bench }> }> = [
  { name: "client-throttle", load: () => import("./client-throttle") },
  { name: "render", load: () => import("./render") },
  { name: "placement", load: () => import("./placement") },
  { name: "records", load: () => import("./records") },
  { name: "providers", load: () => import("./providers") },
  { name: "program", load: () => import("./program") },
  { name: "reconciler", load: () => import("./reconciler") },
  { name: "shards", load: () => import("./shards") },
];

function format(value: number | null, unit = ""): string {
  if (value === null) return "-";
  const abs = Math.abs(value);
  const digits = abs === 0 || abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : abs >= 0.01 ? 3 : 5;
  return `${value.toFixed(digits)}${unit ? ` ${unit}` : ""}`;
}

export function table(entries: BenchEntry[]): string {
  const header = ["name", "metric", "value", "baseline", "ratio", "goal"];
  const rows = entries.map((e) => [
    e.name,
    e.metric,
    format(e.value, e.unit),
    format(e.baseline, e.baseline === null ? "" : e.unit),
    e.ratio === null ? "-" : `${e.ratio.toFixed(2)}x`,
    e.goal === undefined ? "" : `${e.goal} ${e.met ? "(met)" : "(NOT met)"}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

const COMMAND = { name: "bench", usage: `[<module name part> ...] (modules: ${MODULES.map((m) => m.name).join(", ")})`, options: {}, positionals: true } as const;

/** What is wrong with a module's entries in a quick run: none at all, or one without a name, metric or finite value. */
export function incompleteEntries(module: string, entries: BenchEntry[]): string[] {
  if (entries.length === 0) return [`${module}: reported no entries`];
  return entries
    .filter((e) => !e.name || !e.metric || !Number.isFinite(e.value) || (e.baseline !== null && !Number.isFinite(e.baseline)))
    .map((e) => `${module}: entry "${e.name} | ${e.metric}" has value ${e.value}, baseline ${e.baseline}`);
}

async function main(): Promise<void> {
  const selected = commandLine(COMMAND, process.argv.slice(2), ({ positionals }) => {
    const chosen = MODULES.filter((m) => positionals.length === 0 || positionals.some((f) => m.name.includes(f)));
    if (chosen.length === 0) throw new UsageError(`no bench module matches ${positionals.join(", ")}`);
    return chosen;
  });
  const entries: BenchEntry[] = [];
  const failures: string[] = [];
  const started = Date.now();
  for (const module of selected) {
    const t0 = Date.now();
    process.stderr.write(`[bench] ${module.name}${QUICK ? " (quick)" : ""} ...\n`);
    try {
      const results = await (await module.load()).run();
      entries.push(...results);
      if (QUICK) failures.push(...incompleteEntries(module.name, results));
      process.stderr.write(`[bench] ${module.name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    } catch (error) {
      failures.push(`${module.name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.stderr.write(`[bench] ${module.name} FAILED: ${String(error)}\n`);
    }
  }
  console.log(table(entries));
  console.log(`\n${entries.length} entries in ${((Date.now() - started) / 1000).toFixed(0)} s; ratio = value / baseline measured in the same run.`);
  const dir = join(__dirname, "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "latest.json"), `${JSON.stringify(entries, null, 2)}\n`);
  console.log(`written ${join("bench", "results", "latest.json")}`);
  if (failures.length > 0) {
    console.error(`\n${failures.length} bench module(s) failed:\n${failures.join("\n")}`);
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
