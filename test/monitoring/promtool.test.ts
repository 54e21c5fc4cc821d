import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../process/helpers.js";

const DIR = path.join(ROOT, "ops/monitoring");
const scratch = mkdtempSync(path.join(os.tmpdir(), "vpsbot-promtool-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** promtool from PATH; the test fails (never skips) without it, saying how to get it. */
function promtool(): string {
  const found = spawnSync("sh", ["-c", "command -v promtool"], { encoding: "utf8" }).stdout.trim();
  if (!found) throw new Error("promtool is not installed: `sudo apt-get install -y prometheus` (Debian/Ubuntu ship it there) or download it from https://prometheus.io/download/; .ci/run installs it on CI");
  return found;
}

function run(args: string[], cwd = DIR): { status: number | null; output: string } {
  const res = spawnSync(promtool(), args, { cwd, encoding: "utf8", timeout: 60_000 });
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

describe("Prometheus rules and scrape config (promtool)", () => {
  it("promtool check rules accepts alerts.rules.yml", () => {
    const res = run(["check", "rules", "alerts.rules.yml"]);
    expect(res.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(res.status, res.output).toBe(0);
  });

  it("promtool test rules passes alerts.test.yml", () => {
    const res = run(["test", "rules", "alerts.test.yml"]);
    expect(res.status, res.output).toBe(0);
    expect(res.output).toContain("SUCCESS");
  });

  it("the unit tests can fail: a wrong expectation is reported", () => {
    copyFileSync(path.join(DIR, "alerts.rules.yml"), path.join(scratch, "alerts.rules.yml"));
    const tests = readFileSync(path.join(DIR, "alerts.test.yml"), "utf8").replace('summary: "5 failed tripay payments in a row"', 'summary: "4 failed tripay payments in a row"');
    writeFileSync(path.join(scratch, "alerts.test.yml"), tests);
    const res = run(["test", "rules", "alerts.test.yml"], scratch);
    expect(res.status).not.toBe(0);
    expect(res.output).toContain("VpsShopPaymentFailureStreak");
  });

  it("promtool check config accepts prometheus.yml with its rules and token file beside it", () => {
    for (const file of ["prometheus.yml", "alerts.rules.yml"]) copyFileSync(path.join(DIR, file), path.join(scratch, file));
    writeFileSync(path.join(scratch, "vps-shop.token"), "x".repeat(32), { mode: 0o600 });
    const res = run(["check", "config", "prometheus.yml"], scratch);
    expect(res.status, res.output).toBe(0);
    // Every role is a target.
    const config = readFileSync(path.join(DIR, "prometheus.yml"), "utf8");
    for (const job of ["vps-web", "vps-bot", "vps-worker", "vps-scheduler"]) expect(config).toContain(`job_name: ${job}`);
    expect(execFileSync(promtool(), ["--version"], { encoding: "utf8" })).toMatch(/promtool, version/);
  });
});
