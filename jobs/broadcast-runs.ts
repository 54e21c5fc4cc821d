import type { PrismaClient } from "../db/client.js";
import type { EnqueueRun } from "../shop/broadcasts/lifecycle.js";
import { startScheduled } from "../shop/broadcasts/lifecycle.js";
import { QueueName, jobId, type Queues } from "./queues.js";

/** The job id of a broadcast's run: a new run (start, resume, unsend) is a new job, a repeat of the same run is the same job. */
export const broadcastJobId = (broadcastId: number, run: number) => jobId("broadcast", broadcastId, run);

/** How broadcasts' runs reach the queue (the lifecycle calls this after its transaction). */
export function broadcastEnqueuer(queues: Queues): EnqueueRun {
  return (broadcastId, task, run, delayMs) =>
    queues.enqueue(QueueName.Broadcast, { broadcastId, task, run }, { jobId: broadcastJobId(broadcastId, run), ...(delayMs && delayMs > 0 ? { delay: delayMs } : {}) });
}

/** A run whose job ended this long ago while its broadcast still has work is followed by a new run. */
const ENDED_GRACE_MS = 30_000;

/**
 * Postgres says which broadcasts need a run; Redis may have lost their jobs (wiped, restarted
 * empty) or a run may have ended early. Each SENDING broadcast, and each being unsent with
 * messages left to delete, gets its run's job back (same id: a no-op while it exists); a run
 * that ended with work left gets a successor; a SCHEDULED one whose time has come starts.
 */
export async function ensureBroadcastRuns(prisma: PrismaClient, queues: Queues): Promise<string[]> {
  const enqueue = broadcastEnqueuer(queues);
  const queued: string[] = [];
  const rows = await prisma.$queryRaw<Array<{ id: number; status: string; run: number; unsending: boolean }>>`
    SELECT b.id, b.status::text AS status, b.run,
      (b.unsent_at IS NOT NULL AND EXISTS (SELECT 1 FROM broadcast_deliveries d WHERE d.broadcast_id = b.id AND d.status = 'SENT' AND d.message_id IS NOT NULL
        AND d.deleted_at IS NULL AND d.sent_at > now() - interval '48 hours')) AS unsending
    FROM broadcasts b
    WHERE b.status = 'SENDING' OR (b.status = 'SCHEDULED' AND b.scheduled_at <= now()) OR (b.unsent_at > now() - interval '48 hours')`;
  for (const row of rows) {
    if (row.status === "SCHEDULED") {
      const run = await startScheduled(prisma, row.id);
      if (run !== null) {
        await enqueue(row.id, "send", run);
        queued.push(broadcastJobId(row.id, run));
      }
      continue;
    }
    const task = row.status === "SENDING" ? "send" : row.unsending ? "unsend" : null;
    if (!task) continue;
    const job = await queues.get(QueueName.Broadcast).getJob(broadcastJobId(row.id, row.run));
    if (!job) {
      await enqueue(row.id, task, row.run);
      queued.push(broadcastJobId(row.id, row.run));
      continue;
    }
    const state = await job.getState();
    if ((state === "completed" || state === "failed") && (job.finishedOn ?? Date.now()) < Date.now() - ENDED_GRACE_MS) {
      const next = await prisma.broadcast.updateMany({ where: { id: row.id, run: row.run, ...(task === "send" ? { status: "SENDING" } : {}) }, data: { run: { increment: 1 } } });
      if (next.count === 1) {
        await enqueue(row.id, task, row.run + 1);
        queued.push(broadcastJobId(row.id, row.run + 1));
      }
    }
  }
  return queued;
}
