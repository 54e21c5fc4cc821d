import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../process/helpers.js";
import { exportedNames, operator, startSplitRoles, type SplitRoles } from "./roles.js";

const DIR = path.join(ROOT, "ops/monitoring");
/** Series Prometheus makes itself for every target, not exported by us. */
const PROMETHEUS_OWN = new Set(["up", "scrape_duration_seconds", "scrape_samples_scraped"]);
const PROMQL_WORDS = new Set(["and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "inf", "nan"]);

/** The `expr:` of every rule (one line, or a `|` block of the lines indented under it). */
function ruleExpressions(yaml: string): string[] {
  const lines = yaml.split("\n");
  const out: string[] = [];
  lines.forEach((line, i) => {
    const m = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!m) return;
    if (m[2] !== "|" && m[2] !== ">") return void out.push(m[2]!);
    const block: string[] = [];
    for (let j = i + 1; j < lines.length && (lines[j]!.trim() === "" || lines[j]!.search(/\S/) > m[1]!.length); j++) block.push(lines[j]!);
    out.push(block.join("\n"));
  });
  return out;
}

/** Metric names a PromQL expression reads: identifiers that are not functions, keywords, labels or strings. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, " ")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = [...bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(?!\s*\()/g)].map((m) => m[0]).filter((n) => !PROMQL_WORDS.has(n.toLowerCase()));
  // `(?!\s*\()` can cut a function name short ("rat" of "rate("): keep only whole words.
  return names.filter((n) => new RegExp(`\\b${n}\\b(?!\\s*\\()`).test(bare));
}

/** A histogram's series (_bucket, _count, _sum) belong to the family the exporter declares. */
function family(name: string, exported: Set<string>): string {
  if (exported.has(name)) return name;
  const base = name.replace(/_(bucket|count|sum)$/, "");
  return exported.has(base) ? base : name;
}

let t: SplitRoles;
let exported: Set<string>;
beforeAll(async () => {
  t = await startSplitRoles();
  exported = new Set();
  for (const url of Object.values(t.metricsUrl)) for (const name of exportedNames(await (await fetch(url, operator)).text())) exported.add(name);
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

describe("rules and dashboard name only metrics the roles export", () => {
  it("parses PromQL into the metric names it reads", () => {
    expect(metricNames('sum by (source) (increase(webhook_rejected_total{reason="bad_signature"}[10m])) > 20')).toEqual(["webhook_rejected_total"]);
    expect(metricNames("time() - shop_backup_last_success_timestamp_seconds{kind=\"drill\"} > 26 * 3600")).toEqual(["shop_backup_last_success_timestamp_seconds"]);
    expect(metricNames("histogram_quantile(0.5, sum by (le) (rate(x_bucket[1h]))) / on (job) y")).toEqual(["x_bucket", "y"]);
  });

  it("every metric in alerts.rules.yml is exported by some role", () => {
    const exprs = ruleExpressions(readFileSync(path.join(DIR, "alerts.rules.yml"), "utf8"));
    expect(exprs.length).toBeGreaterThanOrEqual(14);
    const used = new Set(exprs.flatMap(metricNames));
    const missing = [...used].filter((n) => !PROMETHEUS_OWN.has(n) && !exported.has(family(n, exported)));
    expect(missing).toEqual([]);
  });

  it("every metric in grafana-dashboard.json is exported by some role", () => {
    const dashboard = JSON.parse(readFileSync(path.join(DIR, "grafana-dashboard.json"), "utf8")) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((target) => target.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(20);
    const used = new Set(exprs.flatMap(metricNames));
    const missing = [...used].filter((n) => !PROMETHEUS_OWN.has(n) && !exported.has(family(n, exported)));
    expect(missing).toEqual([]);
    // Each business gauge appears on the dashboard.
    for (const name of [...exported].filter((n) => n.startsWith("shop_"))) expect([...used].some((u) => family(u, exported) === name), name).toBe(true);
  });
});
