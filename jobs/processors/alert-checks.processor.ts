import type { Api } from "grammy";
import type { Redis } from "ioredis";
import type { PrismaClient } from "../../db/client.js";
import { ALERT_CHECKS } from "../../shop/alerts/checks.js";
import { deliverNotice, undeliveredNotices, type DeliveryDeps } from "../../shop/alerts/delivery.js";
import type { Translator } from "../../shop/alerts/render.js";
import { runAlertChecks, type CheckRunReport } from "../../shop/alerts/runner.js";
import { pruneAlertData } from "../../shop/alerts/store.js";
import type { AlertCheck, QueueInspector } from "../../shop/alerts/types.js";
import { acquireLease, releaseLease } from "../../shop/leases.js";
import type { Config } from "../../shop/platform/config.js";
import type { Logger } from "../../shop/platform/logger.js";
import { configRoster } from "../../shop/users/staff.js";
import { QueueName, type Queues } from "../queues.js";
import { alertDeps } from "./owner-alerts.processor.js";

/** The alert runner's lease: one process runs the checks at a time (renewed by the next pass). */
export const ALERT_CHECKS_LEASE = "alert-checks";
/** A decided notice still undelivered after this long is sent by the runner itself (the queue lost it, or Redis is down). */
export const UNDELIVERED_AFTER_MS = 2 * 60_000;

export interface AlertChecksDeps {
  prisma: PrismaClient;
  redis: Redis;
  queues: Queues;
  config: Config;
  logger: Logger;
  api: Api;
  alertApi?: Api;
  i18n: Translator;
  /** Checks that live above shop/ (the watchdog's probes in ops/); run after the registry's. */
  extraChecks?: AlertCheck[];
}

/** The oldest job still waiting in each queue, from BullMQ (Redis). */
export function bullQueueInspector(queues: Queues, redis: Redis): QueueInspector {
  return {
    async oldestWaiting() {
      const out: Array<{ queue: string; oldestAt?: Date; waiting: number }> = [];
      for (const name of Object.values(QueueName)) {
        const queue = queues.get(name);
        const [counts, [waiting], firstDelayed] = await Promise.all([
          queue.getJobCounts("waiting", "delayed"),
          queue.getJobs(["waiting"], 0, 0, true),
          redis.zrange(queue.keys.delayed!, 0, 0, "WITHSCORES"),
        ]);
        const due: number[] = [];
        // A waiting job waits since it became due or since its last attempt (a retry), whichever is later.
        if (waiting) due.push(Math.max(waiting.timestamp + (waiting.delay ?? 0), waiting.processedOn ?? 0));
        // A delayed job's score is its due time × 4096: one past due is waiting for a worker to promote it.
        if (firstDelayed[1] !== undefined) due.push(Math.floor(Number(firstDelayed[1]) / 4096));
        const overdue = due.filter((t) => t <= Date.now());
        out.push({ queue: name, waiting: (counts.waiting ?? 0) + (counts.delayed ?? 0), ...(overdue.length ? { oldestAt: new Date(Math.min(...overdue)) } : {}) });
      }
      return out;
    },
  };
}

/**
 * One pass, if this process wins the lease: every registered check (raise new, resolve
 * vanished), then any notice the queue did not deliver within two minutes is sent from here,
 * then old rows are pruned. Returns undefined when another process holds the lease.
 */
export async function runAlertChecksOnce(deps: AlertChecksDeps, checks: readonly AlertCheck[] = ALERT_CHECKS): Promise<CheckRunReport[] | undefined> {
  const lease = await acquireLease(deps.prisma, ALERT_CHECKS_LEASE, 55_000);
  if (!lease) return undefined;
  try {
    const ctx = { prisma: deps.prisma, redis: deps.redis, config: deps.config, now: new Date(), logger: deps.logger, queues: bullQueueInspector(deps.queues, deps.redis) };
    const reports = await runAlertChecks(ctx, [...checks, ...(deps.extraChecks ?? [])], (source) => alertDeps(deps, source), deps.logger);
    const delivery: DeliveryDeps = { prisma: deps.prisma, roster: configRoster(deps.config), api: deps.api, ...(deps.alertApi ? { alertApi: deps.alertApi } : {}), i18n: deps.i18n, logger: deps.logger };
    for (const noticeId of await undeliveredNotices(deps.prisma, UNDELIVERED_AFTER_MS)) {
      await deliverNotice(delivery, noticeId).catch((err: unknown) => deps.logger.warn({ err, noticeId }, "alert notice still undelivered"));
    }
    await pruneAlertData(deps.prisma);
    return reports;
  } finally {
    await releaseLease(deps.prisma, lease).catch(() => undefined);
  }
}

/**
 * Runs the checks every `intervalMs` (a minute) in this process. Several roles start it (web,
 * worker, scheduler: so a dead scheduler is still noticed); the lease lets one run at a time.
 * It runs on a timer, not as a BullMQ job, so it keeps working while Redis is down.
 */
export function startAlertChecks(deps: AlertChecksDeps, intervalMs = 60_000): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  const tick = () => {
    if (running) return;
    running = runAlertChecksOnce(deps)
      .catch((err: unknown) => deps.logger.error({ err }, "alert checks could not run"))
      .finally(() => (running = undefined));
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
