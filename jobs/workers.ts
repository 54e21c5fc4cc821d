import { UnrecoverableError, Worker, type Job, type MinimalJob } from "bullmq";
import type { Redis } from "ioredis";
import { scrubSecrets, type Logger } from "../shop/platform/logger.js";
import type { Metrics } from "../shop/platform/metrics.js";
import { reportError } from "../shop/platform/sentry.js";
import type { JobOutbox } from "./outbox.js";
import { InvalidPayloadError, QueueName, isDurableJob, parsePayload, type Payload, type Queues } from "./queues.js";

/** A processor gets a validated payload plus the raw job (for attempts, progress, id) and the job's lock token. */
export type Processor<Q extends QueueName> = (payload: Payload<Q>, job: Job, token?: string) => Promise<unknown>;

/**
 * What to do when a job has failed for good: its last attempt failed, it failed unrecoverably,
 * or it stalled more often than BullMQ allows (found by the recovery sweep, since BullMQ then
 * emits no `failed` event). Runs once per job; the outbox row is marked FAILED after it.
 */
export type FinalFailureHandler<Q extends QueueName> = (payload: Payload<Q>, reason: string, failed?: FailedJob) => Promise<void>;

/**
 * The job that failed, when the caller knows it (the `failed` event, the recovery sweep settling a
 * job BullMQ failed): a handler acts on that run, not on whatever run is current by then. Absent
 * when no job is behind the failure (the sweep failing a PROVISIONING order no run is alive for).
 */
export interface FailedJob {
  jobId: string;
}

/**
 * `lockDuration`: how long a job's lock lives without renewal (a killed worker's job is taken
 * over only after it expires); `stalledInterval`: how often this worker looks for such jobs
 * (BullMQ default 30 s).
 */
export type ProcessorMap = {
  [Q in QueueName]?: {
    process: Processor<Q>;
    onFinalFailure?: FinalFailureHandler<Q>;
    concurrency?: number;
    lockDuration?: number;
    stalledInterval?: number;
    /** How often a job may stall (its worker died) before it fails for good; BullMQ's default is 1. */
    maxStalledCount?: number;
  };
};

/** Queues whose final failure the owner must hear about right away. */
const ALERT_ON_FINAL_FAILURE = new Set<QueueName>([
  QueueName.Provisioning,
  QueueName.PaymentFollowups,
  QueueName.InstanceActions,
  // Backups: not here, the backups processor raises its own alert (backup:failed) with the next step.
  QueueName.ScreenshotPurge,
  QueueName.Lifecycle,
  // A broadcast run out of retries pauses its broadcast (broadcast.processor.ts); the owner hears why.
  QueueName.Broadcast,
]);

/**
 * The one place workers are created: each gets payload validation, logging,
 * metrics and failure listeners, so no processor can fail silently.
 */
export function registerWorkers(deps: {
  connection: Redis;
  prefix: string;
  processors: ProcessorMap;
  logger: Logger;
  metrics: Metrics;
  queues: Queues;
}): Worker[] {
  const outbox = deps.queues.outbox;
  const workers: Worker[] = [];
  for (const name of Object.values(QueueName)) {
    const entry = deps.processors[name] as ProcessorMap[QueueName] | undefined;
    if (!entry) continue;
    const log = deps.logger.child({ queue: name });
    const worker = new Worker(
      name,
      async (job: Job, token?: string) => {
        let payload;
        try {
          payload = parsePayload(name, job.data);
        } catch (err) {
          if (err instanceof InvalidPayloadError) throw new UnrecoverableError(err.message);
          throw err;
        }
        const jobLog = log.child({ jobId: job.id, attempt: job.attemptsMade + 1 });
        jobLog.debug("job started");
        const durable = outbox && isDurableJob(name, job.id, payload);
        if (durable) {
          // Pushed again after Redis lost it, but it had already run: do not run it twice.
          const status = await outbox.status(name, job.id!);
          if (status === "DONE" || status === "FAILED") return { skipped: `already ${status.toLowerCase()}` };
        }
        const result = await (entry.process as Processor<QueueName>)(payload, job, token);
        // Recorded before BullMQ hears of it: if Redis is gone meanwhile, Postgres still knows.
        if (durable) await outbox.markDone(name, job.id!);
        return result;
      },
      {
        connection: deps.connection,
        prefix: deps.prefix,
        concurrency: entry.concurrency ?? 4,
        lockDuration: entry.lockDuration ?? 60_000,
        ...(entry.stalledInterval !== undefined ? { stalledInterval: entry.stalledInterval } : {}),
        ...(entry.maxStalledCount !== undefined ? { maxStalledCount: entry.maxStalledCount } : {}),
        autorun: true,
        settings: { backoffStrategy: cappedBackoff },
      },
    );
    worker.on("completed", (job) => {
      deps.metrics.jobs.inc({ queue: name, outcome: "completed" });
      log.info({ jobId: job.id }, "job completed");
    });
    worker.on("failed", (job, err) => {
      const attempts = job?.opts.attempts ?? 1;
      const final = !job || err instanceof UnrecoverableError || job.attemptsMade >= attempts;
      deps.metrics.jobs.inc({ queue: name, outcome: final ? "failed" : "retrying" });
      log[final ? "error" : "warn"]({ jobId: job?.id, attemptsMade: job?.attemptsMade, err }, final ? "job failed for good" : "job failed, will retry");
      if (final) reportError(err, { surface: "job", queue: name });
      if (final && job) {
        settleFinalFailure(name, entry, outbox, job.id, job.data, err.message).catch((hookErr) =>
          log.error({ err: hookErr, jobId: job.id }, "final-failure handling failed; the recovery sweep will try again"),
        );
      }
      // A customer message that ran out of attempts (Telegram unreachable all along) is the owner's
      // business too; one refused for good (the recipient blocked the bot) is not.
      if (final && (ALERT_ON_FINAL_FAILURE.has(name) || (name === QueueName.Notifications && !(err instanceof UnrecoverableError)))) {
        deps.queues
          .enqueue(QueueName.OwnerAlerts, {
            severity: "critical",
            title: `Job ${name} gagal permanen`,
            fingerprint: `job-failed:${name}`,
            kind: "job-failed",
            nextStep: `Cari 'job failed for good' dengan queue=${name} di log worker untuk penyebabnya; pesanan yang gagal juga dikirim ke penjual (/retry, /refund). Kegagalan berikutnya di antrean ini dihitung di peringatan yang sama.`,
            // Goes to Telegram, not a log, but the same rule holds: no token or key in it.
            detail: scrubSecrets(`job ${job?.id ?? "?"}: ${err.message}`).slice(0, 3000),
          })
          .catch((alertErr) => log.error({ err: alertErr }, "could not enqueue owner alert"));
      }
    });
    worker.on("error", (err) => log.error({ err }, "worker error"));
    worker.on("stalled", (jobId) => log.warn({ jobId }, "job stalled; it will be retried"));
    workers.push(worker);
  }
  return workers;
}

/**
 * The "capped" backoff (queues.ts): doubling from the job's delay, never above a minute, so a job
 * with many attempts rides out a long outage (Telegram down for minutes) and still runs within
 * about a minute of it ending.
 */
export function cappedBackoff(attemptsMade: number, type?: string, _err?: Error, job?: MinimalJob): number {
  if (type !== "capped") return 0; // BullMQ keeps its built-in strategies for other types
  const base = Number((job?.opts.backoff as { delay?: number } | undefined)?.delay ?? 1_000);
  return Math.min(CAPPED_BACKOFF_MAX_MS, base * 2 ** Math.max(0, attemptsMade - 1));
}
export const CAPPED_BACKOFF_MAX_MS = 60_000;

/**
 * Runs a queue's final-failure handler, then marks the outbox row FAILED (in that order: if the
 * handler cannot run now, the row stays PENDING and the recovery sweep, finding the job failed
 * in BullMQ, calls this again).
 */
export async function settleFinalFailure(
  name: QueueName,
  entry: ProcessorMap[QueueName] | undefined,
  outbox: JobOutbox | undefined,
  jobId: string | undefined,
  data: unknown,
  reason: string,
): Promise<void> {
  let payload: Payload<QueueName> | undefined;
  try {
    payload = parsePayload(name, data);
  } catch {
    payload = undefined; // an invalid payload has no domain state to settle
  }
  if (payload && entry?.onFinalFailure) await (entry.onFinalFailure as FinalFailureHandler<QueueName>)(payload, reason, jobId ? { jobId } : undefined);
  if (outbox && payload && isDurableJob(name, jobId, payload)) await outbox.markFailed(name, jobId, reason);
}

/** Closes workers, letting running jobs finish within the shutdown budget. */
export async function closeWorkers(workers: Worker[]): Promise<void> {
  await Promise.allSettled(workers.map((w) => w.close()));
}
