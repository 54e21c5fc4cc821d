/**
 * What staff do to an order from its card. Each action is one transaction that locks what it
 * changes, checks the state it needs, makes the change through the shop's own path (settlement,
 * the state machine, the refund code) and writes its audit row — so a second tap, or two staff
 * tapping at once, gets one change and one clear refusal.
 */
import type { PrismaClient } from "../../../db/client.js";
import { audit } from "../../audit.js";
import type { CloudProviders } from "../../cloud/providers.js";
import { endOpenTransfers } from "../../payments/manual-transfer.js";
import { refundReviewedPayment } from "../../payments/review.js";
import { settleAndRecord, type SettlementResult } from "../../payments/settle.js";
import { refundFailedOrder, type Staff } from "../../provisioning/staff-actions.js";
import { releaseCouponRedemption } from "../coupon-redemptions.js";
import { transitionOrder } from "../state-machine.js";
import { MARKABLE_GATEWAYS } from "./card.js";

export type { Staff };

export type ActionResult<T = object> = ({ ok: true } & T) | { ok: false; why: string };

const actorOf = (s: Staff) => ({ type: s.role, id: String(s.userId) }) as const;

/** Reasons and notes are kept short: they are shown on a phone and stored in audit rows. */
export function cleanText(text: string, max = 500): string {
  return text.trim().replace(/\s+/g, " ").slice(0, max);
}

/** Order states in which money for it can still be marked paid (expired/cancelled: as late money, to review). */
const AWAITING_MONEY: readonly string[] = ["PENDING_PAYMENT", "EXPIRED", "CANCELLED"];

/**
 * A gateway payment whose money arrived but whose callback never did (the staff member checked
 * the gateway's dashboard) is settled as paid — through settle_payment, like a callback, with
 * the event key `console-paid:<payment>`: exactly once however often it is tapped, and every
 * rule a callback meets still applies (late money goes to review). Refused when the order no
 * longer waits for money (paid by another payment meanwhile, delivered…). Audited with the
 * reason in the same transaction. The caller dispatches the settlement's follow-up (invoice,
 * provisioning) as for a callback.
 */
export async function markGatewayPaymentPaid(prisma: PrismaClient, input: { paymentId: number; staff: Staff; reason: string }): Promise<ActionResult<{ settlement: SettlementResult; reference: string }>> {
  const reason = cleanText(input.reason);
  if (reason.length < 3) return { ok: false, why: "a reason is required" };
  return prisma.$transaction(async (tx) => {
    const payment = await tx.payment.findUnique({ where: { id: input.paymentId }, include: { order: { select: { id: true, reference: true, status: true } } } });
    if (!payment) return { ok: false, why: "payment not found" } as const;
    if (!(MARKABLE_GATEWAYS as readonly string[]).includes(payment.gateway)) return { ok: false, why: `a ${payment.gateway} payment is not marked paid here` } as const;
    if (!["PENDING", "EXPIRED", "FAILED"].includes(payment.status)) return { ok: false, why: `payment is already ${payment.status}` } as const;
    // Payment then order, the order settle_payment locks them in. An old button of a payment whose
    // order was since paid by another one would send the full total to review as "received" —
    // money that never arrived, which the console's refund would then credit.
    await tx.$queryRaw`SELECT id FROM payments WHERE id = ${payment.id} FOR UPDATE`;
    await tx.$queryRaw`SELECT id FROM orders WHERE id = ${payment.order.id} FOR UPDATE`;
    const now = await tx.order.findUniqueOrThrow({ where: { id: payment.order.id }, select: { status: true, payments: { where: { status: "PAID", id: { not: payment.id } }, select: { id: true } } } });
    if (!AWAITING_MONEY.includes(now.status)) return { ok: false, why: `the order is ${now.status}: it is not waiting for money` } as const;
    if (now.payments.length > 0) return { ok: false, why: `the order is already paid by payment #${now.payments[0]!.id}` } as const;
    const { settlement } = await settleAndRecord(tx, {
      key: { attemptRef: payment.attemptRef },
      outcome: { kind: "paid", amountIdr: payment.totalIdr, paidAt: new Date(), ...(payment.method ? { method: payment.method } : {}) },
      eventKey: `console-paid:${payment.id}`,
      source: "order-console",
      actor: actorOf(input.staff),
    });
    if (settlement.result !== "paid" && settlement.result !== "review") return { ok: false, why: `nothing changed (${settlement.result}${"why" in settlement && settlement.why ? `: ${settlement.why}` : ""})` } as const;
    await audit(tx, {
      actorUserId: input.staff.userId,
      actorType: input.staff.role,
      action: "payment.mark_paid",
      targetType: "payment",
      targetId: payment.id,
      details: { orderId: payment.order.id, reason, amountIdr: payment.totalIdr, before: { payment: payment.status, order: payment.order.status }, after: settlement.result === "review" ? { review: settlement.why } : { payment: "PAID", order: "PAID" } },
    });
    return { ok: true, settlement, reference: payment.order.reference } as const;
  });
}

/**
 * Staff cancel an unpaid order (the customer asked, or it is a mistake): the state machine moves
 * it to CANCELLED, its coupon use and manual-transfer code are released, and the reason is
 * audited. Money that still arrives later goes to review as a late payment, as for an expired order.
 */
export async function cancelOrder(prisma: PrismaClient, input: { orderId: number; staff: Staff; reason: string }): Promise<ActionResult<{ reference: string; chatId: number }>> {
  const reason = cleanText(input.reason);
  if (reason.length < 3) return { ok: false, why: "a reason is required" };
  return prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM orders WHERE id = ${input.orderId} FOR UPDATE`;
    const order = await tx.order.findUnique({ where: { id: input.orderId }, select: { id: true, reference: true, status: true, user: { select: { telegramId: true } } } });
    if (!order) return { ok: false, why: "order not found" } as const;
    const moved = await transitionOrder(tx, order.id, "CANCELLED", actorOf(input.staff), { reason: `cancelled by staff: ${reason}`, onlyFrom: ["PENDING_PAYMENT"] });
    if (!moved.ok) return { ok: false, why: `only an unpaid order can be cancelled (this one is ${"current" in moved ? moved.current : "gone"})` } as const;
    await releaseCouponRedemption(tx, order.id);
    await endOpenTransfers(tx, { orderIds: [order.id] });
    await audit(tx, { actorUserId: input.staff.userId, actorType: input.staff.role, action: "order.cancel", targetType: "order", targetId: order.id, details: { reason, before: order.status, after: "CANCELLED" } });
    return { ok: true, reference: order.reference, chatId: Number(order.user.telegramId) } as const;
  });
}

export type RefundDone = { reference: string; chatId: number; amountIdr: number; balanceAfterIdr?: number; how: "failed-order" | "review" };

/**
 * Money back to the customer's wallet, by the code that already owns each case: a failed order
 * (refundFailedOrder: ledger credit, REFUNDED, its server deleted) or money held in review
 * (refundReviewedPayment to the wallet). Anything else is refused with why.
 */
export async function refundOrderToWallet(deps: { prisma: PrismaClient; providers: CloudProviders }, input: { orderId: number; staff: Staff }): Promise<ActionResult<RefundDone>> {
  const order = await deps.prisma.order.findUnique({ where: { id: input.orderId }, select: { status: true, reference: true, user: { select: { telegramId: true } }, payments: { where: { status: "REVIEW", gateway: { not: "WALLET" }, OR: [{ reviewWhy: null }, { reviewWhy: { not: "challenge" } }] }, orderBy: { id: "asc" }, select: { id: true } } } });
  if (!order) return { ok: false, why: "order not found" };
  if (order.status === "PROVISIONING_FAILED") {
    const done = await refundFailedOrder(deps, input.orderId, input.staff);
    if (!done.ok) return done;
    return { ok: true, reference: done.reference, chatId: done.chatId, amountIdr: done.amountIdr ?? 0, how: "failed-order" };
  }
  const inReview = order.payments[0];
  if (!inReview) return { ok: false, why: `nothing to refund: the order is ${order.status} and no money of it is in review` };
  const result = await refundReviewedPayment(deps.prisma, { paymentId: inReview.id, reviewer: input.staff, reason: "refunded to wallet from the order console", to: "wallet" });
  if (result.result !== "returned") return { ok: false, why: result.result === "not_reviewable" ? result.why : result.result };
  return { ok: true, reference: order.reference, chatId: Number(order.user.telegramId), amountIdr: result.amountIdr, ...(result.balanceAfterIdr !== undefined ? { balanceAfterIdr: result.balanceAfterIdr } : {}), how: "review" };
}

/** A staff note on the order: an audit row (action order.note) the card shows. */
export async function addOrderNote(prisma: PrismaClient, input: { orderId: number; staff: Staff; note: string }): Promise<ActionResult<{ reference: string }>> {
  const note = cleanText(input.note, 300);
  if (note.length === 0) return { ok: false, why: "the note is empty" };
  const order = await prisma.order.findUnique({ where: { id: input.orderId }, select: { id: true, reference: true } });
  if (!order) return { ok: false, why: "order not found" };
  await audit(prisma, { actorUserId: input.staff.userId, actorType: input.staff.role, action: "order.note", targetType: "order", targetId: order.id, details: { note } });
  return { ok: true, reference: order.reference };
}

/** A second resend of the same thing inside this window is taken for a double tap. */
export const RESEND_WINDOW_MS = 2 * 60_000;

export type ResendClaim = { chatId: number; reference: string; auditId: number; instanceId?: number };

/**
 * Records a resend of the invoice or the login details (audited), unless one was made in the last
 * RESEND_WINDOW_MS (then: who and when). The order row is locked so two taps at once record one.
 * The caller queues the message with the audit id in its job id.
 */
export async function claimResend(prisma: PrismaClient, input: { orderId: number; staff: Staff; what: "invoice" | "credentials"; now?: Date }): Promise<ActionResult<ResendClaim> | { ok: false; why: "recent"; by: string; at: Date }> {
  const now = input.now ?? new Date();
  const action = input.what === "invoice" ? "order.resend_invoice" : "order.resend_credentials";
  return prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM orders WHERE id = ${input.orderId} FOR UPDATE`;
    const order = await tx.order.findUnique({ where: { id: input.orderId }, select: { id: true, reference: true, status: true, paidAt: true, user: { select: { telegramId: true } }, createdInstance: { select: { id: true, ipv4: true, rootPasswordEnc: true } } } });
    if (!order) return { ok: false, why: "order not found" } as const;
    if (input.what === "invoice" && !order.paidAt) return { ok: false, why: "the order is not paid: it has no invoice yet" } as const;
    const instance = order.createdInstance;
    if (input.what === "credentials" && (order.status !== "ACTIVE" || !instance?.ipv4 || !instance.rootPasswordEnc)) return { ok: false, why: "the order has no active VPS with login details" } as const;
    const recent = await tx.auditLog.findFirst({ where: { targetType: "order", targetId: String(order.id), action, createdAt: { gte: new Date(now.getTime() - RESEND_WINDOW_MS) } }, orderBy: { id: "desc" }, include: { actor: { select: { firstName: true, username: true } } } });
    if (recent) return { ok: false, why: "recent", by: recent.actor?.username ? `@${recent.actor.username}` : (recent.actor?.firstName ?? "?"), at: recent.createdAt } as const;
    const row = await tx.auditLog.create({
      data: { actorUserId: input.staff.userId, actorType: input.staff.role, action, targetType: "order", targetId: String(order.id), details: { reference: order.reference } },
      select: { id: true },
    });
    return { ok: true, chatId: Number(order.user.telegramId), reference: order.reference, auditId: row.id, ...(instance && input.what === "credentials" ? { instanceId: instance.id } : {}) } as const;
  });
}
