/**
 * The prelaunch doctor: one table of PASS / WARN / FAIL lines with the fix for each, from
 * `npm run doctor` (ops/cli/doctor.ts) and the owner's /doctor. One file per group of checks.
 */
import { backupChecks } from "./backups.check.js";
import { cloudChecks } from "./clouds.check.js";
import { databaseChecks } from "./database.check.js";
import { emailChecks } from "./email.check.js";
import { gatewayChecks } from "./gateways.check.js";
import { hostChecks } from "./host.check.js";
import { maintenanceChecks } from "./maintenance.check.js";
import { redisChecks } from "./redis.check.js";
import { secretChecks } from "./secrets.check.js";
import { ownerChecks } from "./telegram.check.js";
import { fail, reason, type DoctorCheck, type DoctorContext, type DoctorResult, type DoctorStatus } from "./types.js";

export type { DoctorContext, DoctorResult, DoctorStatus } from "./types.js";

/** The groups, in the order the table shows them. */
export const DOCTOR_CHECKS: Array<[group: string, check: DoctorCheck]> = [
  ["payment gateways", gatewayChecks],
  ["secrets", secretChecks],
  ["redis", redisChecks],
  ["database", databaseChecks],
  ["backups", backupChecks],
  ["maintenance", maintenanceChecks],
  ["owners", ownerChecks],
  ["email", emailChecks],
  ["clouds", cloudChecks],
  ["host", hostChecks],
];

/** Runs every group at once (each external call has its own timeout); a group that throws is one FAIL line. */
export async function runDoctor(ctx: DoctorContext): Promise<DoctorResult[]> {
  const groups = await Promise.all(
    DOCTOR_CHECKS.map(([group, check]) => check(ctx).catch((err: unknown) => [fail(group, `check crashed: ${reason(err)}`, "Report this; the other lines still hold.")])),
  );
  return groups.flat();
}

export function countByStatus(results: DoctorResult[]): Record<DoctorStatus, number> {
  const counts: Record<DoctorStatus, number> = { PASS: 0, WARN: 0, FAIL: 0 };
  for (const r of results) counts[r.status] += 1;
  return counts;
}

/** A fixed-width table (status, check, detail), with the fix under each WARN and FAIL line. */
export function formatDoctorTable(results: DoctorResult[]): string {
  const nameWidth = Math.max(5, ...results.map((r) => r.name.length));
  const lines = [`STATUS  ${"CHECK".padEnd(nameWidth)}  DETAIL`, `------  ${"-".repeat(nameWidth)}  ------`];
  for (const r of results) {
    lines.push(`${r.status.padEnd(6)}  ${r.name.padEnd(nameWidth)}  ${r.detail}`);
    if (r.status !== "PASS" && r.fix) lines.push(`${" ".repeat(8 + nameWidth + 2)}→ fix: ${r.fix}`);
  }
  const c = countByStatus(results);
  lines.push("", `${c.FAIL} FAIL, ${c.WARN} WARN, ${c.PASS} PASS${c.FAIL ? " — not ready for launch" : " — ready for launch"}`);
  return lines.join("\n");
}

/** Splits text at line ends into chunks of at most `max` characters (Telegram: 4096 per message). */
export function splitLines(text: string, max: number): string[] {
  const chunks: string[] = [];
  let current = "";
  for (const line of text.split("\n")) {
    const piece = line.length > max ? line.slice(0, max - 1) + "…" : line;
    if (current && current.length + 1 + piece.length > max) {
      chunks.push(current);
      current = piece;
    } else current = current ? `${current}\n${piece}` : piece;
  }
  if (current) chunks.push(current);
  return chunks;
}
