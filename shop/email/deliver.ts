/**
 * One attempt at an email copy of a customer event (an email_deliveries row): claimed like a
 * webhook delivery (shop/events/attempts.ts), rendered from the chat's templates at send time,
 * sent over SMTP with timeouts, and the outcome written on the row — the server's Message-ID
 * and the time when accepted; otherwise the error and when the next attempt is due, or FAILED
 * when the schedule is used up or the server refused the message for good (a 5xx reply).
 */
import type { PrismaClient } from "../../db/client.js";
import { claimDelivery, nextAttemptAt, RETRY_DELAYS_MS } from "../events/attempts.js";
import type { DeliveryResult } from "../events/webhook-delivery.js";
import { eventEmail } from "./event-mail.js";
import type { Config } from "../platform/config.js";
import { isPermanentSmtpError, isRecipientRefusal, mailerFor, smtpErrorText, type Mailer } from "./transport.js";
import type { Translate } from "./verification.js";

export interface EmailDeliveryDeps {
  prisma: PrismaClient;
  mailer: Mailer;
  /** The bot's translator (the same i18n bundle the chat messages come from). */
  t: Translate;
  shopName: string;
  /** Waits between attempts (default RETRY_DELAYS_MS); tests shorten them. */
  retryDelaysMs?: readonly number[];
}

/** What one attempt came to (as a webhook attempt's, with the server's Message-ID when sent). */
export type EmailDeliveryResult = Exclude<DeliveryResult, { outcome: "delivered" }> | { outcome: "delivered"; messageId: string } | { outcome: "cancelled"; reason: string };

/** How long one attempt holds its row: rendering the invoice plus an SMTP session at its timeouts. */
const ATTEMPT_LEASE_MS = 2 * 60_000;

/** Makes one attempt at email delivery `deliveryId` if it is due (or exactly at `dueAt`, the time its job was queued for). */
export async function deliverEmail(deps: EmailDeliveryDeps, deliveryId: number, dueAt?: Date): Promise<EmailDeliveryResult> {
  const claim = await claimDelivery(deps.prisma, "email_deliveries", deliveryId, dueAt, ATTEMPT_LEASE_MS);
  if (!claim) return { outcome: "skipped", reason: "not pending, not due, or taken by another attempt" };
  const finish = (outcome: Outcome) => record(deps, { id: deliveryId, attempts: claim.attempts + 1, leaseUntil: claim.leaseUntil }, outcome);
  const delivery = await deps.prisma.emailDelivery.findUniqueOrThrow({ where: { id: deliveryId }, include: { event: { include: { user: { select: { email: true, emailVerifiedAt: true } } } } } });
  const { event } = delivery;
  // Removed or changed in /settings since the event: the old address gets nothing more.
  if (!event.user.emailVerifiedAt || event.user.email !== delivery.toEmail) return finish({ error: "address no longer confirmed by the customer", cancelled: true });
  const email = await eventEmail(deps, event, delivery.toEmail);
  if (!email) return finish({ error: `nothing to send: the ${event.type} event's subject ${event.subjectKey} is gone`, cancelled: true });
  try {
    const sent = await deps.mailer.send(email);
    return finish({ messageId: sent.messageId });
  } catch (err) {
    // A mailbox that does not exist is the customer's address to fix: FAILED, but no alert for the owner.
    if (isRecipientRefusal(err)) return finish({ error: `address refused: ${smtpErrorText(err)}`, cancelled: true });
    return finish({ error: smtpErrorText(err), giveUp: isPermanentSmtpError(err) });
  }
}

/** `giveUp`: the SMTP server refused it for good; `cancelled`: nothing to send any more (not a mail problem). */
type Outcome = { messageId: string } | { error: string; giveUp?: boolean; cancelled?: boolean };

/** Writes the attempt on the row while the claim still holds: sent, retry later, or FAILED. */
async function record(deps: EmailDeliveryDeps, attempt: { id: number; attempts: number; leaseUntil: Date }, outcome: Outcome): Promise<EmailDeliveryResult> {
  const now = new Date();
  const sent = "messageId" in outcome;
  const next = sent || outcome.giveUp || outcome.cancelled ? null : nextAttemptAt(attempt.attempts, now, deps.retryDelaysMs ?? RETRY_DELAYS_MS);
  const error = sent ? null : outcome.error.slice(0, 500);
  const { count } = await deps.prisma.emailDelivery.updateMany({
    // A sent email is recorded even if its claim lapsed meanwhile: a later attempt then finds it sent.
    where: { id: attempt.id, status: "PENDING", ...(sent ? {} : { nextAttemptAt: attempt.leaseUntil }) },
    data: {
      attempts: attempt.attempts,
      lastError: error,
      ...(sent ? { status: "DELIVERED", messageId: outcome.messageId, sentAt: now } : next ? { nextAttemptAt: next } : { status: "FAILED" }),
    },
  });
  // The claim lapsed (an attempt slower than its lease): the row belongs to a later attempt now.
  if (count === 0) return { outcome: "skipped", reason: "the claim lapsed before the attempt was recorded" };
  if (sent) return { outcome: "delivered", messageId: outcome.messageId };
  // FAILED on the row, but no mail problem for the owner to look at (the outbound worker alerts on "failed").
  if (outcome.cancelled) return { outcome: "cancelled", reason: outcome.error };
  return next ? { outcome: "retry", dueAt: next, error: error ?? "" } : { outcome: "failed", error: error ?? "" };
}

/**
 * The outbound worker's email attempt for this configuration, or undefined without SMTP_URL
 * (the worker then marks such deliveries FAILED). `i18n` is the bot's translator, passed as is.
 */
export function emailDelivery(config: Config, prisma: PrismaClient, i18n: { t(locale: string, key: string, params?: Record<string, string | number>): string }) {
  const mailer = mailerFor(config);
  if (!mailer) return undefined;
  const deps: EmailDeliveryDeps = { prisma, mailer, t: (locale, key, params) => i18n.t(locale, key, params), shopName: config.shopName };
  return (deliveryId: number, dueAt?: Date) => deliverEmail(deps, deliveryId, dueAt);
}
