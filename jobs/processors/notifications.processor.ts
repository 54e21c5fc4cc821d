import { UnrecoverableError } from "bullmq";
import { GrammyError, InlineKeyboard, InputFile, type Api } from "grammy";
import type { I18n } from "@grammyjs/i18n";
import type { Context } from "grammy";
import type { PrismaClient } from "../../db/client.js";
import { isPermanentTelegramError } from "../../shop/messages/telegram-api.js";
import { afterSend } from "../../shop/messages/after-send.js";

export { afterSend };
import { escapeHtml, formatDate, formatMemory } from "../../shop/messages/format.js";
import { isLocale, DEFAULT_LOCALE, type Locale } from "../../shop/messages/locale.js";
import { open, ready } from "../../shop/crypto/secretbox.js";
import { invoiceDataFor } from "../../shop/payments/invoice/invoice-data.js";
import { renderInvoicePdf } from "../../shop/payments/invoice/invoice-pdf.js";
import { recordCopy } from "../../shop/pending/cards.js";
import { refreshCardCopies } from "../../shop/pending/copies.js";
import type { Logger } from "../../shop/platform/logger.js";
import { QueueName, jobId, type Payload, type Queues } from "../queues.js";

export interface NotificationDeps {
  api: Api;
  i18n: I18n<Context>;
  prisma: PrismaClient;
  shopName: string;
  encryptionKey: Uint8Array;
  queues: Queues;
  credentialsTtlMs: number;
  /** The two-person rule's amount (staff cards show it); 0 = off. */
  secondStaffAboveIdr?: number;
  logger?: Logger;
}

/**
 * Sends a customer notification rendered in the recipient's language at send
 * time (they may have switched language since the job was queued). Parameter
 * values and button labels written as `t:<key>` are translated too. Documents
 * (invoices) and secrets (a VPS password) are produced from our records at
 * send time, so neither ever sits in Redis. Each root password and each order's
 * invoice is sent once: the sent message id is recorded on the instance / order
 * right after the send, and a later job for the same one sends nothing.
 */
export function notificationsProcessor(deps: NotificationDeps) {
  return async (payload: Payload<"notifications">) => {
    if ("deleteMessageId" in payload) {
      await deps.api.deleteMessage(payload.chatId, payload.deleteMessageId).catch((err) => {
        // Already gone (deleted by the user, or older than 48 h): nothing left to do.
        if (!(err instanceof GrammyError && err.error_code === 400)) throw err;
      });
      return { deleted: payload.deleteMessageId };
    }
    if ("cardKey" in payload) {
      const copies = await refreshCardCopies(cardDeps(deps), payload.cardKey);
      return { edited: copies.edited, gone: copies.gone };
    }
    let locale: Locale = DEFAULT_LOCALE;
    if (isLocale(payload.locale)) locale = payload.locale;
    else {
      const user = await deps.prisma.user.findUnique({ where: { telegramId: BigInt(payload.chatId) }, select: { language: true } });
      if (isLocale(user?.language)) locale = user.language;
    }
    const tr = (value: string) => (value.startsWith("t:") ? deps.i18n.t(locale, value.slice(2)) : value);
    const params: Record<string, string | number> = Object.fromEntries(Object.entries(payload.params).map(([k, v]) => [k, typeof v === "string" ? tr(v) : v]));
    let reply_markup: InlineKeyboard | undefined;
    if (payload.buttons?.length) {
      reply_markup = new InlineKeyboard(payload.buttons.map((row) => row.map((b) => (b.url ? InlineKeyboard.url(tr(b.text), b.url) : InlineKeyboard.text(tr(b.text), b.data ?? "noop")))));
    }
    try {
      if (payload.credentials) {
        const { instanceId } = payload.credentials;
        const earlier = await deps.prisma.instance.findUnique({ where: { id: instanceId }, select: { credentialsMessageId: true, credentialsSentAt: true } });
        // This password was already sent (a retried job, a duplicate follow-up days later): never again.
        if (earlier?.credentialsMessageId != null && !payload.credentials.copy) {
          const left = (earlier.credentialsSentAt?.getTime() ?? Date.now()) + deps.credentialsTtlMs - Date.now();
          await scheduleDelete(deps, payload.chatId, earlier.credentialsMessageId, Math.max(0, left));
          return { messageId: earlier.credentialsMessageId, alreadySent: true };
        }
        // A staff copy already sent by an earlier try of this job: only its self-delete is (re)scheduled.
        const copyId = payload.credentials.copy ? payload.credentials.copyId : undefined;
        const copied = copyId !== undefined ? await copySent(deps.prisma, copyId) : null;
        if (copied) {
          await scheduleDelete(deps, payload.chatId, copied.messageId, Math.max(0, copied.at.getTime() + deps.credentialsTtlMs - Date.now()));
          return { messageId: copied.messageId, alreadySent: true };
        }
        const details = await credentialParams(deps, instanceId, locale);
        if (!details) throw new UnrecoverableError(`instance ${instanceId} has no credentials to send`);
        // protect_content: Telegram refuses to forward or save it.
        const sent = await deps.api.sendMessage(payload.chatId, deps.i18n.t(locale, payload.key, { ...params, ...details }), { parse_mode: "HTML", reply_markup, protect_content: true });
        // Recorded before anything else can fail, so a retry of this job never sends it twice.
        await afterSend(() => deps.prisma.instance.updateMany({ where: { id: instanceId, credentialsMessageId: null }, data: { credentialsMessageId: sent.message_id, credentialsSentAt: new Date() } }));
        if (copyId !== undefined) await afterSend(() => recordCopySent(deps.prisma, copyId, sent.message_id));
        await scheduleDelete(deps, payload.chatId, sent.message_id, deps.credentialsTtlMs);
        return { messageId: sent.message_id };
      }
      const text = deps.i18n.t(locale, payload.key, params);
      // With a document, the text rides as its caption: one API call, so a retry never sends half twice.
      if (payload.document?.kind === "invoice") {
        const { orderId } = payload.document;
        const order = await deps.prisma.order.findUnique({ where: { id: orderId }, select: { invoiceMessageId: true } });
        if (order?.invoiceMessageId != null && !payload.document.copy) return { messageId: order.invoiceMessageId, alreadySent: true };
        const copyId = payload.document.copy ? payload.document.copyId : undefined;
        const copied = copyId !== undefined ? await copySent(deps.prisma, copyId) : null;
        if (copied) return { messageId: copied.messageId, alreadySent: true };
        const data = await invoiceDataFor(deps.prisma, orderId, deps.shopName);
        if (data) {
          const pdf = await renderInvoicePdf(data);
          const sent = await deps.api.sendDocument(payload.chatId, new InputFile(pdf, `invoice-${data.orderReference}.pdf`), { caption: text.slice(0, 1024), reply_markup });
          await afterSend(() => deps.prisma.order.updateMany({ where: { id: orderId, invoiceMessageId: null }, data: { invoiceMessageId: sent.message_id, invoiceSentAt: new Date() } }));
          if (copyId !== undefined) await afterSend(() => recordCopySent(deps.prisma, copyId, sent.message_id));
          return { messageId: sent.message_id, invoice: data.orderReference };
        }
      }
      const sent = await deps.api.sendMessage(payload.chatId, text, { reply_markup });
      if (payload.card) {
        const card = payload.card;
        // A card decided before this copy was sent is brought up to date at once.
        const version = await afterSend(() => recordCopy(deps.prisma, card, payload.chatId, sent.message_id));
        if (version > 0) await refreshCardCopies(cardDeps(deps), card).catch((err: unknown) => deps.logger?.warn({ err, card }, "new staff card copy not brought up to date yet"));
      }
      return { messageId: sent.message_id };
    } catch (err) {
      if (isPermanentTelegramError(err)) throw new UnrecoverableError(`recipient unreachable: ${(err as Error).message}`);
      throw err;
    }
  };
}

const cardDeps = (deps: NotificationDeps) => ({
  prisma: deps.prisma,
  api: deps.api,
  t: (locale: Locale, key: string, params?: Record<string, string | number>) => deps.i18n.t(locale, key, params),
  secondAboveIdr: deps.secondStaffAboveIdr ?? 0,
  ...(deps.logger ? { logger: deps.logger } : {}),
});

/**
 * The password must not stay in the chat history: the message deletes itself `credentialsTtlMs`
 * after it was sent (`delay`: what is left of it). Its job id makes a repeat of this a no-op.
 */
async function scheduleDelete(deps: NotificationDeps, chatId: number, messageId: number, delay: number): Promise<void> {
  await deps.queues.enqueue(QueueName.Notifications, { chatId, deleteMessageId: messageId }, { jobId: jobId("delete", chatId, messageId), delay });
}

/**
 * A staff copy (orders console resend) is sent once per resend: its message id is written on the
 * resend's audit row (`copyId`) right after the send, and a retry of the job finds it there.
 */
async function copySent(prisma: PrismaClient, copyId: number): Promise<{ messageId: number; at: Date } | null> {
  const row = await prisma.auditLog.findUnique({ where: { id: copyId }, select: { details: true } });
  const d = row?.details as { sentMessageId?: unknown; sentAt?: unknown } | null | undefined;
  if (typeof d?.sentMessageId !== "number") return null;
  return { messageId: d.sentMessageId, at: typeof d.sentAt === "string" ? new Date(d.sentAt) : new Date() };
}

async function recordCopySent(prisma: PrismaClient, copyId: number, messageId: number): Promise<void> {
  await prisma.$executeRaw`UPDATE audit_logs SET details = details || jsonb_build_object('sentMessageId', ${messageId}::int, 'sentAt', ${new Date().toISOString()}::text) WHERE id = ${copyId} AND NOT (details ? 'sentMessageId')`;
}

/** Login details of a VPS, with the password decrypted only here, only now. */
async function credentialParams(deps: NotificationDeps, instanceId: number, locale: Locale): Promise<Record<string, string> | null> {
  const instance = await deps.prisma.instance.findUnique({ where: { id: instanceId }, include: { order: true, plan: true } });
  if (!instance?.rootPasswordEnc || !instance.ipv4) return null;
  await ready();
  const password = new TextDecoder().decode(open(deps.encryptionKey, new Uint8Array(instance.rootPasswordEnc)));
  const plan = instance.plan;
  return {
    ip: instance.ipv4,
    username: "root",
    password: escapeHtml(password),
    os: escapeHtml(instance.order.imageName ?? instance.imageCode),
    plan: escapeHtml(instance.order.planName ?? instance.planCode),
    specs: plan ? `${plan.vcpu} vCPU · ${formatMemory(plan.memoryMb)} · ${plan.diskGb} GB SSD` : "",
    region: instance.region,
    expires: formatDate(instance.expiresAt, locale),
    ttl: String(Math.round(deps.credentialsTtlMs / 60_000)),
  };
}
