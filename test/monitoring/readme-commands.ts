import { spawnSync } from "node:child_process";
import { expect } from "vitest";

/** The README's Monitoring commands, word for word (run from the checkout's root). */
export const MONITORING_COMMANDS = [
  ["promtool", "check", "rules", "ops/monitoring/alerts.rules.yml"],
  ["promtool", "test", "rules", "ops/monitoring/alerts.test.yml"],
] as const;

/** Runs each Monitoring command in `cwd` (a fresh clone) and expects exit code 0. */
export function runMonitoringCommands(cwd: string): void {
  for (const [command, ...args] of MONITORING_COMMANDS) {
    const res = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 60_000 });
    expect(res.status, `${command} ${args.join(" ")}\n${res.stdout}${res.stderr}${res.error ? String(res.error) : ""}`).toBe(0);
  }
}
