import { randomUUID } from "node:crypto";
import { UnrecoverableError, type Job } from "bullmq";
import type { Api } from "grammy";
import type { I18n } from "@grammyjs/i18n";
import type { Context } from "grammy";
import type { Redis } from "ioredis";
import type { PrismaClient, ProviderCode } from "../../db/client.js";
import { DEFAULT_LOCALE, isLocale } from "../../bot/i18n.js";
import type { CloudProvider } from "../../shop/cloud/provider.js";
import { isTransient, provisionOrder, recordProvisioningFailure } from "../../shop/provisioning/provision.js";
import { reviewerChatIds } from "../../shop/users/staff.js";
import type { Logger } from "../../ops/logger.js";
import { QueueName, jobId, type Payload, type Queues } from "../queues.js";

export interface ProvisioningDeps {
  prisma: PrismaClient;
  redis: Redis;
  queues: Queues;
  api: Api;
  i18n: I18n<Context>;
  logger: Logger;
  providers: Partial<Record<ProviderCode, CloudProvider>>;
  encryptionKey: Uint8Array;
  prefix: string;
  deadlineMs: number;
  pollIntervalMs?: number;
  /**
   * TTL of the per-order Redis lock (renewed every third of it while the job runs). Keep it at
   * most the BullMQ job lock: after a kill -9 it must have lapsed by the time another worker
   * takes the stalled job over. Default 60 s.
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

/** A per-order Redis lock (SET NX PX + token), renewed while the job works. */
async function withOrderLock<T>(redis: Redis, key: string, ttlMs: number, work: () => Promise<T>): Promise<T> {
  const token = randomUUID();
  if ((await redis.set(key, token, "PX", ttlMs, "NX")) === null) {
    throw new Error(`another provisioning run holds ${key}; retrying later`);
  }
  const renew = setInterval(() => {
    void redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end", 1, key, token, ttlMs);
  }, Math.max(1, Math.floor(ttlMs / 3)));
  try {
    return await work();
  } finally {
    clearInterval(renew);
    await redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end", 1, key, token).catch(() => undefined);
  }
}

/**
 * Consumes the PAID event: one job per order (jobId `provision-<order>`), a
 * Redis lock per order while it runs, progress shown in the chat, credentials
 * sent once, and on the last failed attempt PROVISIONING_FAILED with the
 * customer told what happens next and the sellers alerted.
 */
export function provisioningProcessor(deps: ProvisioningDeps) {
  const lockTtlMs = deps.orderLockTtlMs ?? DEFAULT_LOCK_TTL_MS;
  const pauseAfterCreateMs = testPauseAfterCreateMs();
  return async (payload: Payload<"provisioning">, job: Job) => {
    const order = await deps.prisma.order.findUnique({ where: { id: payload.orderId }, include: { user: true } });
    if (!order) throw new UnrecoverableError(`order ${payload.orderId} not found`);
    const chatId = Number(order.user.telegramId);
    const locale = isLocale(order.user.language) ? order.user.language : DEFAULT_LOCALE;
    const t = (key: string, vars?: Record<string, string | number>) => deps.i18n.t(locale, key, vars);

    return withOrderLock(deps.redis, `${deps.prefix}:lock:provision:${order.id}`, lockTtlMs, async () => {
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
            afterCreate: async (server) => {
              deps.logger.info({ orderId: order.id, serverId: server.id, provider: order.providerCode }, "provider accepted create");
              if (pauseAfterCreateMs > 0) await new Promise((r) => setTimeout(r, pauseAfterCreateMs));
            },
          },
          order.id,
        );
        if (result.status === "skipped") return result;
        if (progressId) await deps.api.deleteMessage(chatId, progressId).catch(() => undefined);
        await deps.queues.enqueue(
          QueueName.Notifications,
          { chatId, key: "vps-ready", locale, credentials: { instanceId: result.instanceId }, buttons: [[{ text: "t:menu-vps", data: `vps:view:${result.instanceId}` }]] },
          { jobId: jobId("vps-ready", order.id) },
        );
        return result;
      } catch (err) {
        const final = !isTransient(err) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        const failed = await recordProvisioningFailure(deps.prisma, order.id, err, final);
        if (!final) throw err;
        if (failed) {
          if (progressId) await deps.api.deleteMessage(chatId, progressId).catch(() => undefined);
          const reason = err instanceof Error ? err.message : String(err);
          await deps.queues.enqueue(QueueName.Notifications, { chatId, key: "provision-failed", locale, params: { reference: order.reference } }, { jobId: jobId("provision-failed", order.id, job.id ?? "") });
          for (const reviewer of await reviewerChatIds(deps.prisma, deps.staff)) {
            await deps.queues.enqueue(
              QueueName.Notifications,
              {
                chatId: reviewer,
                key: "provision-failed-staff",
                params: { reference: order.reference, reason: reason.slice(0, 500) },
                buttons: [[{ text: "t:staff-retry", data: `prov:retry:${order.id}` }, { text: "t:staff-refund", data: `prov:refund:${order.id}` }]],
              },
              { jobId: jobId("provision-failed-staff", order.id, job.id ?? "", reviewer) },
            );
          }
        }
        throw new UnrecoverableError(err instanceof Error ? err.message : String(err));
      }
    });
  };
}
