import type { Logger } from "../platform/logger.js";
import { closeQuietEvents, flushHeldAlerts, openFingerprints, raiseAlert, resolveAlert } from "./store.js";
import type { AlertCheck, AlertCheckContext, AlertDeps } from "./types.js";

/** A check that takes longer than this is treated as failed (one slow check must not hold the others). */
export const CHECK_TIMEOUT_MS = 20_000;

export interface CheckRunReport {
  kind: string;
  ok: boolean;
  present: string[];
  raised: string[];
  resolved: string[];
  error?: string;
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The fingerprint of the alert about a check that could not run. */
export const checkFailedFingerprint = (kind: string) => `check-failed:${kind}`;

/**
 * One pass over every check: each condition present is raised (a new fingerprint alerts, an
 * open one counts and reminds), each open fingerprint the check no longer reports is resolved.
 * A check that throws or times out is itself an alert ("check failed"), its own alerts are left
 * as they are (nobody knows their state), and the others still run. Then held alerts go out as
 * one summary and old one-off events close quietly.
 */
export async function runAlertChecks(
  ctx: AlertCheckContext,
  checks: readonly AlertCheck[],
  deps: (source?: string) => AlertDeps,
  logger?: Logger,
): Promise<CheckRunReport[]> {
  const reports: CheckRunReport[] = [];
  for (const check of checks) {
    const report: CheckRunReport = { kind: check.kind, ok: true, present: [], raised: [], resolved: [] };
    reports.push(report);
    let conditions;
    try {
      conditions = await withTimeout(check.evaluate(ctx), CHECK_TIMEOUT_MS, `check ${check.kind}`);
    } catch (err) {
      report.ok = false;
      report.error = err instanceof Error ? err.message : String(err);
      logger?.warn({ err, check: check.kind }, "alert check failed");
      await raiseAlert(deps("check-failed"), {
        fingerprint: checkFailedFingerprint(check.kind),
        kind: "check-failed",
        severity: "warning",
        title: `Pemeriksaan "${check.kind}" gagal berjalan`,
        detail: report.error.slice(0, 1000),
        nextStep: "Selama pemeriksaan ini gagal, masalah yang dijaganya tidak akan diberitahukan. Lihat log proses scheduler/worker (pesan 'alert check failed') dan perbaiki penyebabnya (biasanya basis data atau Redis tidak terjangkau).",
      });
      continue;
    }
    await resolveAlert(deps(), checkFailedFingerprint(check.kind));
    const source = deps(check.kind);
    for (const condition of conditions) {
      report.present.push(condition.fingerprint);
      const outcome = await raiseAlert(source, condition);
      if (outcome === "raised") report.raised.push(condition.fingerprint);
    }
    const present = new Set(report.present);
    for (const fingerprint of await openFingerprints(ctx.prisma, check.kind)) {
      if (present.has(fingerprint)) continue;
      await resolveAlert(source, fingerprint);
      report.resolved.push(fingerprint);
    }
  }
  await flushHeldAlerts(deps());
  await closeQuietEvents(ctx.prisma);
  return reports;
}
