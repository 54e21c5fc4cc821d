/**
 * Benchmark runner: `npm run bench` (all), `npm run bench -- bot` (only files whose
 * name contains "bot"; several filters are OR-ed).
 *
 * Runs every `test/bench/*.bench.ts` in sequence (name order), prints each
 * report and writes all of them to `.bench/results.json`. Benchmarks are not
 * tests: nothing here fails on a missed target. The exit code is 1 only if a
 * benchmark could not run (setup error, the bot under test misbehaving), or with
 * BENCH_STRICT=1 also when a target was missed.
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { cpus, hostname, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { renderTarget, type BenchReport } from "./report.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const outDir = join(root, ".bench");

const filters = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => filters.length === 0 || filters.some((q) => f.includes(q)))
  .sort();

if (files.length === 0) {
  console.error(`No benchmark matches ${filters.map((f) => JSON.stringify(f)).join(", ")} (have: ${readdirSync(here).filter((f) => f.endsWith(".bench.ts")).join(", ")})`);
  process.exit(2);
}

const machine = {
  host: hostname(),
  cpu: cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  memoryGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
};
console.log(`Benchmarks: ${files.join(", ")}`);
console.log(`Machine: ${machine.cpu} × ${machine.cores}, ${machine.memoryGb} GB, Node ${machine.node}\n`);

const results: Array<{ file: string; ok: boolean; ms: number; report?: BenchReport; error?: string }> = [];
for (const file of files) {
  const started = performance.now();
  const bar = "═".repeat(Math.max(8, 78 - file.length));
  console.log(`══ ${file} ${bar}`);
  try {
    const mod = (await import(pathToFileURL(join(here, file)).href)) as { run?: () => Promise<BenchReport> };
    if (typeof mod.run !== "function") throw new Error(`${file} does not export run(): Promise<BenchReport>`);
    const report = await mod.run();
    const ms = performance.now() - started;
    console.log(`${report.title}\n`);
    for (const line of report.lines) console.log(line);
    if (report.targets.length) {
      console.log("");
      for (const t of report.targets) console.log(renderTarget(t));
    }
    console.log(`\n(${(ms / 1000).toFixed(1)} s)\n`);
    results.push({ file, ok: true, ms, report });
  } catch (error) {
    const ms = performance.now() - started;
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    console.error(`✗ ${file} failed after ${(ms / 1000).toFixed(1)} s:\n${message}\n`);
    results.push({ file, ok: false, ms, error: message });
  }
}

mkdirSync(outDir, { recursive: true });
const outFile = join(outDir, "results.json");
writeFileSync(outFile, JSON.stringify({ runAt: new Date().toISOString(), machine, filters, results }, null, 2) + "\n");
console.log(`Results written to ${outFile}`);

const failed = results.filter((r) => !r.ok).length;
const missed = results.flatMap((r) => r.report?.targets ?? []).filter((t) => !t.pass).length;
if (missed) console.log(`${missed} target(s) missed.`);
// Exit explicitly: a benchmark that leaked a connection must not hang the run.
process.exit(failed > 0 || (missed > 0 && process.env.BENCH_STRICT === "1") ? 1 : 0);
