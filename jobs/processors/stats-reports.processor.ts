import type { Api } from "grammy";
import type { PrismaClient } from "../../db/client.js";
import { sendWeeklySummary } from "../../shop/stats/charts/weekly.js";
import type { Translator } from "../../shop/alerts/render.js";
import type { Logger } from "../../shop/platform/logger.js";
import type { StaffRoster } from "../../shop/users/staff.js";
import { QueueName, type Queues } from "../queues.js";
import { tickEntry, type ScheduleEntry } from "../scheduler.js";
import type { ProcessorMap } from "../workers.js";

/**
 * The scheduler's half: every hour on the hour (Asia/Jakarta), keyed by tick. The job itself
 * decides whether the week's summary is due (Monday 08:00 on) and not yet sent, so the first tick
 * after 08:00 on Monday sends it, and a shop that was down then sends it at its next tick that week.
 */
export function statsReportSchedules(queues: Queues): ScheduleEntry[] {
  return [tickEntry(queues, "weekly-summary", "0 * * * *", QueueName.StatsReports, (tick) => ({ task: "weekly-summary", tick }))];
}

/** The worker's entry for the `stats-reports` queue: one domain call (shop/stats/charts/weekly.ts). */
export function statsReportsWorker(deps: { prisma: PrismaClient; api: Api; roster: StaffRoster; i18n: Translator; logger: Logger }): NonNullable<ProcessorMap["stats-reports"]> {
  return {
    process: async () => sendWeeklySummary(deps),
    concurrency: 1,
    // Drawing and sending a dozen pictures per owner takes seconds, not the default minute.
    lockDuration: 120_000,
  };
}
