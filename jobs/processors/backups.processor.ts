import { UnrecoverableError } from "bullmq";
import type { PrismaClient } from "../../db/client.js";
import { resolveAlert, raiseAlert } from "../../shop/alerts/store.js";
import type { Translator } from "../../shop/alerts/render.js";
import { BACKUP_FAILED_FINGERPRINT, backupFailedCondition, drillFailedCondition, reportDrill } from "../../shop/backup/drill-report.js";
import { createTelegramApi } from "../../shop/messages/telegram-api.js";
import type { Config } from "../../shop/platform/config.js";
import type { Logger } from "../../shop/platform/logger.js";
import { QueueName, type Payload, type Queues } from "../queues.js";
import { tickEntry, type ScheduleEntry } from "../scheduler.js";
import type { ProcessorMap } from "../workers.js";
import { alertDeps } from "./owner-alerts.processor.js";

export interface BackupJobDeps {
  prisma: PrismaClient;
  config: Config;
  queues: Queues;
  logger: Logger;
  i18n: Translator;
}

/**
 * The scheduler's half: the daily backup (BACKUP_CRON) and the restore drill after it
 * (BACKUP_DRILL_CRON), both Asia/Jakarta, keyed by tick so two schedulers never double them.
 */
export function backupSchedules(config: Config, queues: Queues): ScheduleEntry[] {
  return [
    tickEntry(queues, "backup", config.backupSchedule.cron, QueueName.Backups, (tick) => ({ task: "backup", tick })),
    tickEntry(queues, "backup-drill", config.backupSchedule.drillCron, QueueName.Backups, (tick) => ({ task: "drill", tick })),
  ];
}

/**
 * The `backups` queue: each job is one domain call. A backup that throws is retried by the queue
 * (3 attempts, 1 and 2 minutes apart); the last failure raises the owner's alert with the next
 * step, and the next good backup resolves it. A backup another process is already taking (the
 * owner's /backup, `npm run backup`) is that day's backup: the job ends without a second one.
 * A missing key cannot get better by retrying, so it fails at once.
 */
export function backupsProcessor(deps: BackupJobDeps) {
  const alerts = alertDeps(deps, "backups");
  return async (payload: Payload<"backups">) => {
    // Loaded by the first backup job: a worker that never runs one does not carry pg tools and libsodium.
    const { BackupAlreadyRunningError, BackupConfigError, DrillAlreadyRunningError, runBackup, runDrill } = await import("../../shop/backup/index.js");
    const api = createTelegramApi(deps.config);
    if (payload.task === "drill") {
      try {
        const result = await runDrill({ prisma: deps.prisma, config: deps.config, logger: deps.logger, trigger: "schedule" });
        const { sent } = await reportDrill({ ...deps, api, alerts }, result);
        return { ok: result.ok, backupId: result.backupId, durationMs: result.durationMs, reported: sent };
      } catch (err) {
        if (err instanceof DrillAlreadyRunningError) return { skipped: err.message };
        throw err;
      }
    }
    try {
      const result = await runBackup({ prisma: deps.prisma, config: deps.config, api, logger: deps.logger, trigger: "schedule" });
      await resolveAlert(alerts, BACKUP_FAILED_FINGERPRINT);
      return { backupId: result.backupId, bytes: result.bytes, parts: result.parts.length, durationMs: result.durationMs };
    } catch (err) {
      if (err instanceof BackupAlreadyRunningError) return { skipped: err.message };
      if (err instanceof BackupConfigError) throw new UnrecoverableError(err.message);
      throw err;
    }
  };
}

/** The worker's entry for the `backups` queue (one at a time; a backup of a big shop takes minutes). */
export function backupsWorker(deps: BackupJobDeps): NonNullable<ProcessorMap["backups"]> {
  const alerts = alertDeps(deps, "backups");
  return {
    process: backupsProcessor(deps),
    onFinalFailure: async (payload, reason) => {
      const condition = payload.task === "backup" ? backupFailedCondition(reason) : drillFailedCondition({ ok: false, runId: 0, durationMs: 0, tables: [], text: reason, error: reason });
      await raiseAlert(alerts, condition);
    },
    concurrency: 1,
    lockDuration: 120_000,
  };
}
