import { type Job } from "bullmq";
import type { PrismaClient, ProviderCode } from "../../db/client.js";
import type { CloudProvider, ServerAction } from "../../shop/cloud/provider.js";
import { failOpenAction, runAction } from "../../shop/vps/actions.js";
import { QueueName, jobId, type Payload, type Queues } from "../queues.js";
import { queueOutbound } from "./outbound.processor.js";

interface InstanceActionsDeps {
  prisma: PrismaClient;
  queues: Queues;
  providers: Partial<Record<ProviderCode, CloudProvider>>;
  encryptionKey: Uint8Array;
  pollMs?: number;
}

/**
 * Runs a customer's VPS action at the provider and reports the result in the
 * chat (a new password arrives in a self-deleting spoiler message). Transient
 * provider errors are retried (runAction never repeats a call the provider
 * accepted); the last failure is reported, not swallowed.
 */
export function instanceActionsProcessor(deps: InstanceActionsDeps) {
  return async (payload: Payload<"instance-actions">, job: Job) => {
    const outcome = await runAction({ prisma: deps.prisma, providers: deps.providers, encryptionKey: deps.encryptionKey, pollMs: deps.pollMs }, payload.actionId);
    if (!outcome.ok) {
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (outcome.retryable && !lastAttempt) throw new Error(outcome.error);
      if (outcome.retryable) {
        await deps.prisma.instanceAction.update({ where: { id: payload.actionId }, data: { status: "FAILED", error: outcome.error.slice(0, 500), finishedAt: new Date() } });
      }
      // Refused (the VPS was suspended, held or deleted since it was queued): say why in words.
      const reason = outcome.refused ? `t:vps-action-refused-${outcome.refused}` : outcome.error.slice(0, 300);
      await tellFailure(deps, payload.actionId, outcome.action, reason, outcome.passwordChanged ?? false);
      return outcome;
    }
    if (outcome.outbound) await queueOutbound(deps.queues, outcome.outbound);
    const row = await actionRow(deps, payload.actionId);
    await deps.queues.enqueue(
      QueueName.Notifications,
      outcome.newPassword
        ? { chatId: row.chatId, key: "vps-new-password", params: { label: row.label }, credentials: { instanceId: row.instanceId } }
        : { chatId: row.chatId, key: "vps-action-done", params: { action: `t:vps-action-${outcome.action}`, label: row.label }, buttons: [[{ text: "t:vps-refresh", data: `vps:view:${row.instanceId}` }]] },
      { jobId: jobId("action-result", payload.actionId) },
    );
    return outcome;
  };
}

/**
 * A VPS action's job failed for good without the action recording it (stalled out, or an
 * unexpected error on its last attempt; also called by the recovery sweep for an open action
 * whose job is FAILED in the outbox): the action becomes FAILED, so the VPS takes actions again,
 * and the customer hears of it once (same job id as the processor's own failure message).
 */
export function instanceActionFailureHandler(deps: Pick<InstanceActionsDeps, "prisma" | "queues">) {
  return async (payload: Payload<"instance-actions">, reason: string): Promise<void> => {
    const failed = await failOpenAction(deps.prisma, payload.actionId, reason);
    if (failed) await tellFailure(deps, payload.actionId, failed.action, "t:vps-action-interrupted", failed.passwordChanged);
  };
}

async function actionRow(deps: Pick<InstanceActionsDeps, "prisma">, actionId: number) {
  const row = await deps.prisma.instanceAction.findUniqueOrThrow({ where: { id: actionId }, include: { instance: true, user: true } });
  return { chatId: Number(row.user.telegramId), label: row.instance.label, instanceId: row.instanceId };
}

/** The customer's "failed" message, and the new password when the provider took it before things went wrong. */
async function tellFailure(deps: Pick<InstanceActionsDeps, "prisma" | "queues">, actionId: number, action: ServerAction, reason: string, passwordChanged: boolean): Promise<void> {
  const row = await actionRow(deps, actionId);
  await deps.queues.enqueue(
    QueueName.Notifications,
    { chatId: row.chatId, key: "vps-action-failed", params: { action: `t:vps-action-${action}`, label: row.label, reason } },
    { jobId: jobId("action-result", actionId) },
  );
  if (passwordChanged) {
    await deps.queues.enqueue(
      QueueName.Notifications,
      { chatId: row.chatId, key: "vps-new-password", params: { label: row.label }, credentials: { instanceId: row.instanceId } },
      { jobId: jobId("action-password", actionId) },
    );
  }
}
