/**
 * What every benchmark module returns, and helpers to render it. A benchmark
 * (`test/bench/*.bench.ts`) exports `async function run(): Promise<BenchReport>`;
 * `test/bench/run.ts` prints `lines` and stores the whole report as JSON.
 *
 * Benchmarks measure, they do not assert: a missed target is reported (✗), never
 * thrown. Only a broken setup (the bot under test erroring, wrong answers) throws.
 */

export interface BenchTarget {
  /** e.g. "(a) / (b) throughput" */
  label: string;
  actual: number;
  op: ">=" | "<";
  threshold: number;
  unit: string;
  pass: boolean;
}

export interface BenchReport {
  /** Short id, usually the file name without `.bench.ts`. */
  name: string;
  title: string;
  /** The readable report, printed as is. */
  lines: string[];
  /** Machine-readable numbers for `.bench/results.json`. */
  data: Record<string, unknown>;
  targets: BenchTarget[];
}

export function target(label: string, actual: number, op: ">=" | "<", threshold: number, unit = ""): BenchTarget {
  return { label, actual, op, threshold, unit, pass: op === ">=" ? actual >= threshold : actual < threshold };
}

export interface LatencyStats {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

/** Percentiles (nearest rank) of a sample in milliseconds. */
export function latencyStats(samples: ArrayLike<number>): LatencyStats {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  if (n === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 };
  const at = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return { count: n, mean: sum / n, p50: at(0.5), p90: at(0.9), p95: at(0.95), p99: at(0.99), max: sorted[n - 1]! };
}

export const fmt = {
  int: (n: number) => Math.round(n).toLocaleString("en-US"),
  rate: (n: number) => (n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(1)),
  ms: (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)),
  pct: (n: number) => `${(n * 100).toFixed(1)}%`,
  kb: (bytes: number) => (bytes >= 10_240 ? `${(bytes / 1024).toFixed(0)} KB` : `${(bytes / 1024).toFixed(1)} KB`),
};

/** Left-aligned first column, right-aligned numbers; `header` is underlined. */
export function table(header: string[], rows: Array<Array<string | number>>, indent = "  "): string[] {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    indent +
    r
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), indent + widths.map((w) => "─".repeat(w)).join("  "), ...cells.slice(1).map(line)];
}

export function renderTarget(t: BenchTarget): string {
  const value = `${Number.isInteger(t.actual) ? t.actual : t.actual.toFixed(t.actual < 10 ? 2 : 1)}${t.unit}`;
  return `${t.pass ? "✓" : "✗"} ${t.label}: ${value} (target ${t.op} ${t.threshold}${t.unit})`;
}
