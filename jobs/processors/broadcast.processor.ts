import { DelayedError, type Job } from "bullmq";
import type { PrismaClient } from "../../db/client.js";
import { audit } from "../../shop/audit.js";
import { runBroadcast, type RunnerDeps } from "../../shop/broadcasts/runner.js";
import type { Payload } from "../queues.js";

/** A broadcast run: one domain call (shop/broadcasts/runner.ts); the job's lock token marks the rows it hands to Telegram. */
export function broadcastProcessor(deps: RunnerDeps) {
  return async (payload: Payload<"broadcast">, job: Job, token?: string) => {
    const result = await runBroadcast(deps, payload, token ?? `${job.id}:${job.attemptsMade}`);
    if ("stopped" in result && token) {
      // Shutting down: the run goes back to the queue (no attempt spent) for the next worker.
      await job.moveToDelayed(Date.now() + 1_000, token);
      throw new DelayedError();
    }
    return result;
  };
}

/**
 * A run that failed for good (Postgres or Redis away through every retry): the broadcast is
 * paused with the reason, so staff see it on the progress message and resume it when things work.
 */
export function broadcastFailureHandler(deps: { prisma: PrismaClient }) {
  return async (payload: Payload<"broadcast">, reason: string) => {
    if (payload.task !== "send" || payload.run === 0) return;
    await deps.prisma.$transaction(async (tx) => {
      const paused = await tx.broadcast.updateMany({ where: { id: payload.broadcastId, status: "SENDING", run: payload.run }, data: { status: "PAUSED", pausedReason: reason.slice(0, 300) } });
      if (paused.count === 1) await audit(tx, { actorType: "SYSTEM", action: "broadcast.pause", targetType: "broadcast", targetId: payload.broadcastId, details: { reason: reason.slice(0, 300) } });
    });
  };
}
