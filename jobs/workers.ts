import { UnrecoverableError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../ops/logger.js";
import type { Metrics } from "../ops/metrics.js";
import { InvalidPayloadError, QueueName, parsePayload, type Payload, type Queues } from "./queues.js";

/** A processor gets a validated payload plus the raw job (for attempts, progress, id). */
export type Processor<Q extends QueueName> = (payload: Payload<Q>, job: Job) => Promise<unknown>;

/**
 * `lockDuration`: how long a job's lock lives without renewal (a killed worker's job is taken
 * over only after it expires); `stalledInterval`: how often this worker looks for such jobs
 * (BullMQ default 30 s).
 */
export type ProcessorMap = { [Q in QueueName]?: { process: Processor<Q>; concurrency?: number; lockDuration?: number; stalledInterval?: number } };

/** Queues whose final failure the owner must hear about right away. */
const ALERT_ON_FINAL_FAILURE = new Set<QueueName>([
  QueueName.Provisioning,
  QueueName.PaymentFollowups,
  QueueName.InstanceActions,
  QueueName.Backups,
  QueueName.ScreenshotPurge,
  QueueName.Lifecycle,
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
  const workers: Worker[] = [];
  for (const name of Object.values(QueueName)) {
    const entry = deps.processors[name] as ProcessorMap[QueueName] | undefined;
    if (!entry) continue;
    const log = deps.logger.child({ queue: name });
    const worker = new Worker(
      name,
      async (job: Job) => {
        let payload;
        try {
          payload = parsePayload(name, job.data);
        } catch (err) {
          if (err instanceof InvalidPayloadError) throw new UnrecoverableError(err.message);
          throw err;
        }
        const jobLog = log.child({ jobId: job.id, attempt: job.attemptsMade + 1 });
        jobLog.debug("job started");
        return (entry.process as Processor<QueueName>)(payload, job);
      },
      {
        connection: deps.connection,
        prefix: deps.prefix,
        concurrency: entry.concurrency ?? 4,
        lockDuration: entry.lockDuration ?? 60_000,
        ...(entry.stalledInterval !== undefined ? { stalledInterval: entry.stalledInterval } : {}),
        autorun: true,
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
      if (final && ALERT_ON_FINAL_FAILURE.has(name)) {
        deps.queues
          .enqueue(QueueName.OwnerAlerts, {
            severity: "critical",
            title: `Job ${name} gagal permanen`,
            detail: `job ${job?.id ?? "?"}: ${err.message}`.slice(0, 3000),
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

/** Closes workers, letting running jobs finish within the shutdown budget. */
export async function closeWorkers(workers: Worker[]): Promise<void> {
  await Promise.allSettled(workers.map((w) => w.close()));
}
