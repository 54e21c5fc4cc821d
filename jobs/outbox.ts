import type { Db, JobOutboxStatus } from "../db/client.js";
import type { QueueName } from "./queues.js";

export interface OutboxRow {
  queue: string;
  jobId: string;
  payload: unknown;
  status: JobOutboxStatus;
  runAt: Date;
  createdAt: Date;
}

/**
 * The durable side of the queues. A row is written once per (queue, job id) and never
 * overwritten: the first producer wins, later ones learn the row's status. Workers mark it
 * DONE or FAILED; the recovery sweep pushes PENDING rows whose job Redis lost.
 */
export class JobOutbox {
  constructor(private readonly db: Db) {}

  /**
   * Records a job unless its id is already known. Returns the row's status: `PENDING` for a new
   * row or one not finished yet (push it), `DONE`/`FAILED` when it already ran (do not).
   */
  async record(queue: QueueName, jobId: string, payload: unknown, delayMs = 0, db: Db = this.db): Promise<JobOutboxStatus> {
    const json = JSON.stringify(payload);
    // One round trip: the insert, or (when the id is known) the existing row's status. A row
    // another transaction is inserting right now is not visible yet: then PENDING, and the push
    // that follows is a no-op for BullMQ if that job is already queued.
    const rows = await db.$queryRaw<{ status: JobOutboxStatus }[]>`
      WITH ins AS (
        INSERT INTO job_outbox (queue, job_id, payload, run_at)
        VALUES (${queue}, ${jobId}, ${json}::jsonb, now() + ${delayMs} * interval '1 millisecond')
        ON CONFLICT (queue, job_id) DO NOTHING
        RETURNING status
      )
      SELECT status FROM ins
      UNION ALL
      SELECT status FROM job_outbox WHERE queue = ${queue} AND job_id = ${jobId} AND NOT EXISTS (SELECT 1 FROM ins)`;
    return rows[0]?.status ?? "PENDING";
  }

  async status(queue: QueueName, jobId: string, db: Db = this.db): Promise<JobOutboxStatus | undefined> {
    const rows = await db.$queryRaw<{ status: JobOutboxStatus }[]>`SELECT status FROM job_outbox WHERE queue = ${queue} AND job_id = ${jobId}`;
    return rows[0]?.status;
  }

  async markDone(queue: QueueName, jobId: string): Promise<void> {
    await this.db.$executeRaw`
      UPDATE job_outbox SET status = 'DONE', done_at = now(), last_error = NULL WHERE queue = ${queue} AND job_id = ${jobId} AND status = 'PENDING'`;
  }

  async markFailed(queue: QueueName, jobId: string, error: string): Promise<void> {
    await this.db.$executeRaw`
      UPDATE job_outbox SET status = 'FAILED', done_at = now(), last_error = ${error.slice(0, 2000)}
      WHERE queue = ${queue} AND job_id = ${jobId} AND status = 'PENDING'`;
  }

  /**
   * Takes back a job recorded but not run (its cause was undone): the row goes, so the same job
   * id can be recorded afresh later. False when it had already run (or was never recorded).
   */
  async withdraw(queue: QueueName, jobId: string): Promise<boolean> {
    const n = await this.db.$executeRaw`DELETE FROM job_outbox WHERE queue = ${queue} AND job_id = ${jobId} AND status = 'PENDING'`;
    return n > 0;
  }

  /**
   * PENDING rows older than `minAgeMs` (younger ones are still on their way to Redis), oldest
   * first, one page of `limit` after the row `after` (keyset: rows that stay pending for long,
   * e.g. long-delayed jobs, must not hide the ones behind them).
   */
  async pending(minAgeMs: number, limit = 500, after?: Pick<OutboxRow, "createdAt" | "queue" | "jobId">): Promise<OutboxRow[]> {
    const [afterAt, afterQueue, afterJob] = after ? [after.createdAt, after.queue, after.jobId] : [new Date(0), "", ""];
    return this.db.$queryRaw<OutboxRow[]>`
      SELECT queue, job_id AS "jobId", payload, status, run_at AS "runAt", created_at AS "createdAt"
      FROM job_outbox WHERE status = 'PENDING' AND created_at < now() - ${minAgeMs} * interval '1 millisecond'
        AND (created_at, queue, job_id) > (${afterAt}::timestamptz, ${afterQueue}, ${afterJob})
      ORDER BY created_at, queue, job_id LIMIT ${limit}`;
  }

  async countRepush(queue: string, jobId: string): Promise<void> {
    await this.db.$executeRaw`UPDATE job_outbox SET repushes = repushes + 1 WHERE queue = ${queue} AND job_id = ${jobId}`;
  }

  /** Whether a provisioning run for this order is still due (recorded and not finished). */
  async hasPending(queue: QueueName, payloadKey: string, value: number): Promise<boolean> {
    const rows = await this.db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM job_outbox WHERE queue = ${queue} AND status = 'PENDING' AND payload ->> ${payloadKey} = ${String(value)}`;
    return (rows[0]?.n ?? 0) > 0;
  }

  /**
   * Whether a later job of the same queue was recorded for the same thing (`payload ->> key =
   * value`) after job `jobId`: e.g. a seller's Retry queued a new provisioning run after this one.
   */
  async hasNewer(queue: QueueName, payloadKey: string, value: number, jobId: string): Promise<boolean> {
    const rows = await this.db.$queryRaw<{ newer: boolean }[]>`
      SELECT EXISTS (
        SELECT 1 FROM job_outbox n
        WHERE n.queue = ${queue} AND n.payload ->> ${payloadKey} = ${String(value)} AND n.job_id <> ${jobId}
          AND n.created_at > coalesce((SELECT created_at FROM job_outbox WHERE queue = ${queue} AND job_id = ${jobId}), '-infinity'::timestamptz)
      ) AS newer`;
    return rows[0]?.newer ?? false;
  }

  /**
   * Deletes finished rows older than `olderThanDays` (job ids stay unique for that long), `batch`
   * rows per statement, so no statement holds many locks or runs long (a backlog after months of
   * a busy shop would otherwise be one huge DELETE).
   */
  async prune(olderThanDays: number, batch = 5_000): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.db.$executeRaw`
        DELETE FROM job_outbox WHERE id IN (
          SELECT id FROM job_outbox
          WHERE status <> 'PENDING' AND done_at < now() - ${olderThanDays} * interval '1 day'
          LIMIT ${batch})`;
      total += n;
      if (n < batch) return total;
    }
  }
}
