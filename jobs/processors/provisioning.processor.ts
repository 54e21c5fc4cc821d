import { cardKeys } from "../../shop/pending/cards.js";
import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import type { Api } from "grammy";
import type { I18n } from "@grammyjs/i18n";
import type { Context } from "grammy";
import type { Redis } from "ioredis";
import type { PrismaClient, ProviderCode } from "../../db/client.js";
import { DEFAULT_LOCALE, isLocale } from "../../shop/messages/locale.js";
import type { CloudProvider } from "../../shop/cloud/provider.js";
import { ProvisioningError, isTransient, provisionOrder, provisioningLeaseKey, recordProvisioningFailure } from "../../shop/provisioning/provision.js";
import { discardOrderServer } from "../../shop/provisioning/discard.js";
import { configRoster, staffPowers } from "../../shop/users/staff.js";
import { isLeaseHeld, LeaseBusyError, withLease } from "../../shop/leases.js";
import type { Logger } from "../../shop/platform/logger.js";
import type { Metrics } from "../../shop/platform/metrics.js";
import { JobOutbox } from "../outbox.js";
import { queueOutbound } from "./outbound.processor.js";
import { QueueName, jobId, type Payload, type Queues } from "../queues.js";
import type { FailedJob } from "../workers.js";

export interface ProvisioningDeps {
  prisma: PrismaClient;
  redis: Redis;
  queues: Queues;
  api: Api;
  i18n: I18n<Context>;
  logger: Logger;
  /** Provisioning duration (payment → running VPS, or → final failure), when the process exports metrics. */
  metrics?: Pick<Metrics, "provisioningDuration">;
  providers: Partial<Record<ProviderCode, CloudProvider>>;
  encryptionKey: Uint8Array;
  prefix: string;
  deadlineMs: number;
  pollIntervalMs?: number;
  /**
   * TTL of the per-order lease in Postgres (renewed every third of it while the job runs). Keep
   * it at most the BullMQ job lock: after a kill -9 it must have lapsed by the time another
   * worker takes the stalled job over. Default 60 s.
   */
  orderLockTtlMs?: number;
  staff: { sellerIds: number[]; ownerIds: number[] };
}

const DEFAULT_LOCK_TTL_MS = 60_000;

/**
 * Test-only: `VPSBOT_TEST_PAUSE_AFTER_CREATE_MS` makes a run wait this long right after the
 * provider accepted the create and before the server id is saved, so process tests can kill
 * the worker in exactly that window. Unset (production) it is 0 and nothing waits.
 */
function testPauseAfterCreateMs(): number {
  const ms = Number(process.env.VPSBOT_TEST_PAUSE_AFTER_CREATE_MS ?? "");
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

/**
 * Consumes the PAID event: one job per order (jobId `provision-<order>`), a Postgres lease per
 * order while it runs (so neither a second job nor a job pushed again after a Redis wipe can
 * build a second server), progress shown in the chat, credentials sent once. A failure that
 * may pass is retried by the queue; the last one is recorded and handed to the final-failure
 * handler below.
 */
export function provisioningProcessor(deps: ProvisioningDeps) {
  const lockTtlMs = deps.orderLockTtlMs ?? DEFAULT_LOCK_TTL_MS;
  const pauseAfterCreateMs = testPauseAfterCreateMs();
  return async (payload: Payload<"provisioning">, job: Job, token?: string) => {
    const order = await deps.prisma.order.findUnique({ where: { id: payload.orderId }, include: { user: true } });
    if (!order) throw new UnrecoverableError(`order ${payload.orderId} not found`);
    const chatId = Number(order.user.telegramId);
    const locale = isLocale(order.user.language) ? order.user.language : DEFAULT_LOCALE;
    const t = (key: string, vars?: Record<string, string | number>) => deps.i18n.t(locale, key, vars);
    const observeDuration = (outcome: "active" | "failed") =>
      deps.metrics?.provisioningDuration.observe({ provider: (order.providerCode ?? "unknown").toLowerCase(), outcome }, (Date.now() - (order.paidAt ?? order.createdAt).getTime()) / 1000);

    try {
      return await withLease(deps.prisma, provisioningLeaseKey(order.id), lockTtlMs, async (_lease, leaseSignal, confirmLease) => {
        // One progress message per order, edited in place ("Menyiapkan VPS… 45 dtk").
        const progressKey = `${deps.prefix}:provision-progress:${order.id}`;
        let progressId = Number(await deps.redis.get(progressKey)) || undefined;
        let lastEdit = 0;
        const progress = async (seconds: number) => {
          if (Date.now() - lastEdit < 5_000) return;
          lastEdit = Date.now();
          const text = t("provision-progress", { seconds });
          try {
            if (progressId) await deps.api.editMessageText(chatId, progressId, text);
            else {
              progressId = (await deps.api.sendMessage(chatId, text)).message_id;
              await deps.redis.set(progressKey, String(progressId), "EX", 86_400);
            }
          } catch (err) {
            deps.logger.debug({ err, orderId: order.id }, "progress message not updated");
          }
        };
        try {
          const result = await provisionOrder(
            {
              prisma: deps.prisma,
              providers: deps.providers,
              encryptionKey: deps.encryptionKey,
              deadlineMs: deps.deadlineMs,
              pollIntervalMs: deps.pollIntervalMs ?? 3_000,
              onProgress: progress,
              signal: leaseSignal,
              confirmLease,
              afterCreate: async (server) => {
                deps.logger.info({ orderId: order.id, serverId: server.id, provider: order.providerCode }, "provider accepted create");
                if (pauseAfterCreateMs > 0) await new Promise((r) => setTimeout(r, pauseAfterCreateMs));
              },
            },
            order.id,
          );
          if (result.status === "skipped") return result;
          if (!result.alreadyDone) observeDuration("active");
          if (result.outbound) await queueOutbound(deps.queues, result.outbound);
          if (progressId) await deps.api.deleteMessage(chatId, progressId).catch(() => undefined);
          await deps.queues.enqueue(
            QueueName.Notifications,
            { chatId, key: "vps-ready", locale, credentials: { instanceId: result.instanceId }, buttons: [[{ text: "t:menu-vps", data: `vps:view:${result.instanceId}` }]] },
            { jobId: jobId("vps-ready", order.id) },
          );
          return result;
        } catch (err) {
          // Lost the lease: another run may own the order now; this one records nothing.
          if (leaseSignal.aborted) throw new LeaseBusyError(provisioningLeaseKey(order.id), lockTtlMs);
          const final = !isTransient(err) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
          await recordProvisioningFailure(deps.prisma, order.id, err, final, (jobs) => queueOutbound(deps.queues, jobs));
          if (!final) throw err;
          observeDuration("failed");
          if (progressId) await deps.api.deleteMessage(chatId, progressId).catch(() => undefined);
          throw new UnrecoverableError(err instanceof Error ? err.message : String(err));
        }
      });
    } catch (err) {
      if (!(err instanceof LeaseBusyError)) throw err;
      // Another run of this order is alive (a copy pushed again after a Redis wipe, a seller's
      // retry): wait for it without spending an attempt; it finishes or its lease lapses.
      if (!token) throw err;
      await job.moveToDelayed(Date.now() + err.retryInMs, token);
      throw new DelayedError();
    }
  };
}

/**
 * A provisioning job failed for good — its last attempt, an unrecoverable error, or it stalled
 * more often than allowed (a worker killed mid-run, twice) or no run is alive any more (found
 * by the recovery sweep). The order becomes PROVISIONING_FAILED if it is not already, and the
 * customer and the sellers hear about it once per failure (keyed by the status-history row of
 * that failure, kept in the durable outbox), and the server the run left at the provider is
 * deleted (it costs money; a seller's retry builds a new one).
 */
export function provisioningFailureHandler(deps: Pick<ProvisioningDeps, "prisma" | "queues" | "staff" | "providers" | "logger">) {
  return async (payload: Payload<"provisioning">, reason: string, failed?: FailedJob): Promise<void> => {
    const { prisma, queues } = deps;
    // Keyed on the run that failed: a newer run of the order (a seller's Retry after this failure
    // was recorded) owns the order now; failing the order or deleting its server would undo it.
    if (failed && (await new JobOutbox(prisma).hasNewer(QueueName.Provisioning, "orderId", payload.orderId, failed.jobId))) {
      deps.logger.info({ orderId: payload.orderId, jobId: failed.jobId }, "an older provisioning run failed; a newer one is in charge, nothing to do");
      return;
    }
    const before = await prisma.order.findUnique({ where: { id: payload.orderId }, select: { status: true } });
    // A run is alive (it holds the order's lease), and it is not the one that failed: leave the
    // order to it (if it dies too, the sweep fails the order once no run is alive).
    if (failed && (before?.status === "PAID" || before?.status === "PROVISIONING") && (await isLeaseHeld(prisma, provisioningLeaseKey(payload.orderId)))) {
      deps.logger.info({ orderId: payload.orderId, jobId: failed.jobId }, "a provisioning run failed while another holds the order; left to that one");
      return;
    }
    if (before?.status === "PAID" || before?.status === "PROVISIONING") {
      // Not recorded by the run itself (it died, or stalled out): record it now.
      const code = /stalled/i.test(reason) ? "stalled" : "job_failed";
      await recordProvisioningFailure(prisma, payload.orderId, new ProvisioningError(code, reason, false), true, (jobs) => queueOutbound(queues, jobs));
    }
    const order = await prisma.order.findUnique({ where: { id: payload.orderId }, include: { user: true } });
    if (order?.status !== "PROVISIONING_FAILED") return;
    const failure = await prisma.orderStatusHistory.findFirst({ where: { orderId: order.id, toStatus: "PROVISIONING_FAILED" }, orderBy: { id: "desc" } });
    const episode = failure?.id ?? 0;
    const task = await prisma.provisioningTask.findUnique({ where: { orderId: order.id } });
    const detail = (task?.lastError ?? reason).slice(0, 500);
    const locale = isLocale(order.user.language) ? order.user.language : DEFAULT_LOCALE;
    await queues.enqueue(
      QueueName.Notifications,
      { chatId: Number(order.user.telegramId), key: "provision-failed", locale, params: { reference: order.reference } },
      { jobId: jobId("provision-failed", order.id, episode) },
    );
    // The card goes to who can retry it; its Refund button only to who can also refund.
    const retriers = (await staffPowers(prisma, configRoster(deps.staff))).filter((m) => m.permissions.includes("provisioning.retry"));
    for (const { telegramId: reviewer, permissions } of retriers) {
      const refund = permissions.includes("orders.refund") ? [{ text: "t:staff-refund", data: `prov:refund:${order.id}` }] : [];
      await queues.enqueue(
        QueueName.Notifications,
        {
          chatId: reviewer,
          key: "provision-failed-staff",
          params: { reference: order.reference, reason: detail },
          buttons: [[{ text: "t:staff-retry", data: `prov:retry:${order.id}` }, ...refund]],
          card: cardKeys.provisioning(order.id, episode),
        },
        { jobId: jobId("provision-failed-staff", order.id, episode, reviewer) },
      );
    }
    try {
      await discardOrderServer({ prisma, providers: deps.providers }, order.id);
    } catch (err) {
      // The orphan sweep deletes it later; the failure itself is recorded and announced.
      deps.logger.warn({ err, orderId: order.id }, "could not delete the failed order's server yet");
    }
  };
}
