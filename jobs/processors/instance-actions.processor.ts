import { type Job } from "bullmq";
import type { PrismaClient, ProviderCode } from "../../db/client.js";
import type { CloudProvider } from "../../shop/cloud/provider.js";
import { runAction } from "../../shop/vps/actions.js";
import { QueueName, jobId, type Payload, type Queues } from "../queues.js";

/**
 * Runs a customer's VPS action at the provider and reports the result in the
 * chat (a new password arrives in a self-deleting spoiler message). Transient
 * provider errors are retried (runAction never repeats a call the provider
 * accepted); the last failure is reported, not swallowed.
 */
export function instanceActionsProcessor(deps: {
  prisma: PrismaClient;
  queues: Queues;
  providers: Partial<Record<ProviderCode, CloudProvider>>;
  encryptionKey: Uint8Array;
  pollMs?: number;
}) {
  return async (payload: Payload<"instance-actions">, job: Job) => {
    const outcome = await runAction({ prisma: deps.prisma, providers: deps.providers, encryptionKey: deps.encryptionKey, pollMs: deps.pollMs }, payload.actionId);
    const row = await deps.prisma.instanceAction.findUniqueOrThrow({ where: { id: payload.actionId }, include: { instance: true, user: true } });
    const chatId = Number(row.user.telegramId);
    const params = { action: `t:vps-action-${outcome.action}`, label: row.instance.label };
    if (!outcome.ok) {
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (outcome.retryable && !lastAttempt) throw new Error(outcome.error);
      if (outcome.retryable) {
        await deps.prisma.instanceAction.update({ where: { id: payload.actionId }, data: { status: "FAILED", error: outcome.error.slice(0, 500), finishedAt: new Date() } });
      }
      await deps.queues.enqueue(QueueName.Notifications, { chatId, key: "vps-action-failed", params: { ...params, reason: outcome.error.slice(0, 300) } }, { jobId: jobId("action-result", payload.actionId) });
      // The provider took the new password before things went wrong: the server has it now.
      if (outcome.passwordChanged) {
        await deps.queues.enqueue(
          QueueName.Notifications,
          { chatId, key: "vps-new-password", params: { label: row.instance.label }, credentials: { instanceId: row.instanceId } },
          { jobId: jobId("action-password", payload.actionId) },
        );
      }
      return outcome;
    }
    await deps.queues.enqueue(
      QueueName.Notifications,
      outcome.newPassword
        ? { chatId, key: "vps-new-password", params: { label: row.instance.label }, credentials: { instanceId: row.instanceId } }
        : { chatId, key: "vps-action-done", params, buttons: [[{ text: "t:vps-refresh", data: `vps:view:${row.instanceId}` }]] },
      { jobId: jobId("action-result", payload.actionId) },
    );
    return outcome;
  };
}
