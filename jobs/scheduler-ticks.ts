import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { Db, PrismaClient } from "../db/client.js";
import type { Logger } from "../shop/platform/logger.js";
import { parsePayload, type Queues } from "./queues.js";
import type { ScheduledJob } from "./scheduler.js";

/** Who claimed a tick: host and process, plus a few random bytes (two schedulers in one process in tests). */
export function schedulerHolder(): string {
  return `${hostname()}:${process.pid}:${randomBytes(2).toString("hex")}`;
}

/**
 * The scheduler's claims (`scheduler_ticks`, one row per task and tick). Why Postgres and not
 * BullMQ's job ids alone: a job removed on completion, or a Redis wipe, lets a second (or a
 * restarted) scheduler enqueue the same tick again; a row in Postgres outlives both.
 */
export class TickClaims {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly queues: Queues,
    private readonly logger: Logger,
    readonly holder: string = schedulerHolder(),
  ) {}

  /** Claims a tick on its own; true when this scheduler won it. */
  async claim(task: string, tick: string, db: Db = this.prisma): Promise<boolean> {
    const n = await db.$executeRaw`
      INSERT INTO scheduler_ticks (task, tick, claimed_by) VALUES (${task}, ${tick}, ${this.holder}) ON CONFLICT (task, tick) DO NOTHING`;
    return n > 0;
  }

  /** Gives back a claim this scheduler made and could not act on (its enqueue failed before recording anything). */
  async release(task: string, tick: string): Promise<void> {
    await this.prisma.$executeRaw`DELETE FROM scheduler_ticks WHERE task = ${task} AND tick = ${tick} AND claimed_by = ${this.holder}`;
  }

  /**
   * Claims a tick and records its job in the durable outbox in one transaction, then pushes the
   * job to Redis. If this process dies after the commit, or Redis refuses the push, the job is
   * not lost: the recovery sweep (jobs/recovery.ts) pushes PENDING outbox rows Redis does not
   * know. True when this scheduler won the tick.
   */
  async claimAndRecord(task: string, tick: string, job: ScheduledJob): Promise<boolean> {
    const outbox = this.queues.outbox;
    if (!outbox) throw new Error("tick claims need the job outbox (Queues created without one)");
    const data = parsePayload(job.queue, job.payload);
    const status = await this.prisma.$transaction(async (tx) => {
      if (!(await this.claim(task, tick, tx))) return undefined;
      return outbox.record(job.queue, job.jobId, data, 0, tx);
    });
    if (status === undefined) return false;
    // Recorded before (a test or an operator ran this tick by hand) and already finished: nothing to push.
    if (status !== "PENDING") return true;
    try {
      await this.queues.push(job.queue, job.jobId, data, 0);
    } catch (err) {
      this.logger.warn({ err, queue: job.queue, jobId: job.jobId }, "tick claimed and recorded but not queued yet; recovery will push it");
    }
    return true;
  }
}

/**
 * Deletes claims older than `olderThanDays` (default 7): a scheduler never fires for a tick that
 * old, so the row can no longer stop a duplicate. Batched like the outbox's prune.
 */
export async function purgeSchedulerTicks(prisma: PrismaClient, olderThanDays = 7, batch = 5_000): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await prisma.$executeRaw`
      DELETE FROM scheduler_ticks WHERE (task, tick) IN (
        SELECT task, tick FROM scheduler_ticks WHERE claimed_at < now() - ${olderThanDays} * interval '1 day' LIMIT ${batch})`;
    total += n;
    if (n < batch) return total;
  }
}
