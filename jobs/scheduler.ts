import cron, { type ScheduledTask } from "node-cron";
import type { Logger } from "../shop/platform/logger.js";

/** A recurring task: its cron expression (Asia/Jakarta time) and what it enqueues. */
export interface ScheduleEntry {
  name: string;
  cron: string;
  /** Enqueue the work with a jobId derived from `tick`, so two schedulers never double it. */
  run: (tick: string) => Promise<unknown>;
}

/** The minute a tick belongs to, e.g. "2026-11-21T09:05"; used in job ids. */
export function tickId(date = new Date()): string {
  return date.toISOString().slice(0, 16);
}

/**
 * Runs the cron table in one process. The jobs it enqueues are keyed by tick,
 * so even a second scheduler started by mistake cannot double the work.
 */
export function startScheduler(entries: ScheduleEntry[], logger: Logger): { stop(): Promise<void> } {
  const tasks: ScheduledTask[] = entries.map((entry) =>
    cron.schedule(
      entry.cron,
      async () => {
        const tick = tickId();
        try {
          await entry.run(tick);
          logger.debug({ task: entry.name, tick }, "scheduled work enqueued");
        } catch (err) {
          logger.error({ err, task: entry.name, tick }, "scheduled task could not enqueue its work");
        }
      },
      { name: entry.name, timezone: "Asia/Jakarta", noOverlap: true },
    ),
  );
  logger.info({ tasks: entries.map((e) => `${e.name} (${e.cron})`) }, "scheduler started");
  return {
    async stop() {
      await Promise.allSettled(tasks.map((t) => t.stop()));
    },
  };
}
