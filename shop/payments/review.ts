/**
 * A seller's decisions about money: a manual transfer matched in the bank mutation (or its
 * screenshot refused), and money held for review by settlement (wrong amount, late, paid twice,
 * challenged). Money under review always has a way out, and exactly one: applied to the order
 * (`approvePayment`), given back as wallet balance through the ledger, or marked as given back
 * outside the shop with a reason (`refundReviewedPayment`). Each decision is one transaction that
 * locks the payment and then its order, checks their state and writes the audit row, so two
 * sellers tapping at once get one decision and one "not possible".
 */
import type { Prisma, PrismaClient } from "../../db/client.js";
import { audit } from "../audit.js";
import { releaseCouponRedemption } from "../orders/coupon-redemptions.js";
import { transitionOrder } from "../orders/state-machine.js";
import { walletBalance } from "../wallet/balance.js";
import { gatewayAccount, walletAccount } from "../wallet/accounts.js";
import { postLedger } from "../wallet/post-ledger.js";
import { APPLICABLE_ORDER_STATUSES } from "./review-notices.js";
import type { SettlementResult } from "./settle.js";
import { settleAndRecord } from "./settle.js";

export interface Reviewer {
  userId: number;
  role: "SELLER" | "OWNER";
}

export type ReviewResult =
  | SettlementResult
  | { result: "rejected"; orderId: number; paymentId: number; orderCancelled: boolean }
  /** Money under review given back; `orderCancelled` when that ended its order. */
  | { result: "returned"; to: "wallet" | "outside"; orderId: number; paymentId: number; amountIdr: number; orderCancelled: boolean; balanceAfterIdr?: number }
  | { result: "not_reviewable"; why: string };

const actorOf = (r: Reviewer) => ({ type: r.role, id: String(r.userId) }) as const;

/** Locks the payment, then its order (the order settlement and every decision take them in). */
async function lockPaymentAndOrder(tx: Prisma.TransactionClient, paymentId: number) {
  await tx.$queryRaw`SELECT id FROM payments WHERE id = ${paymentId} FOR UPDATE`;
  const payment = await tx.payment.findUnique({ where: { id: paymentId } });
  if (!payment) return null;
  await tx.$queryRaw`SELECT id FROM orders WHERE id = ${payment.orderId} FOR UPDATE`;
  const order = await tx.order.findUniqueOrThrow({ where: { id: payment.orderId }, select: { id: true, userId: true, status: true } });
  return { payment, order };
}

/**
 * A seller accepts a payment: a manual transfer they matched in their bank mutation, or money
 * held for review, applied to its order (while the order can still take it: not an order paid
 * by other money, which is refunded instead). Never automatic; audited with who did it.
 */
export async function approvePayment(prisma: PrismaClient, input: { paymentId: number; reviewer: Reviewer }): Promise<ReviewResult> {
  const payment = await prisma.payment.findUnique({ where: { id: input.paymentId }, select: { id: true, gateway: true, status: true, attemptRef: true, totalIdr: true, orderId: true } });
  if (!payment) return { result: "not_reviewable", why: "unknown payment" };
  // An open transfer, or one that ended (order expired/cancelled, code released) whose money
  // turned up after all: settled like a gateway's payment, so late money goes to review.
  if (payment.gateway === "MANUAL_TRANSFER" && (payment.status === "PENDING" || payment.status === "EXPIRED")) return approveTransfer(prisma, payment, input.reviewer);

  return prisma.$transaction(async (tx): Promise<ReviewResult> => {
    const locked = await lockPaymentAndOrder(tx, input.paymentId);
    if (!locked) return { result: "not_reviewable", why: "unknown payment" };
    const { payment: p, order } = locked;
    if (p.status !== "REVIEW") return { result: "not_reviewable", why: `payment is ${p.status}` };
    if (p.reviewWhy === "challenge") return { result: "not_reviewable", why: CHALLENGE_NOT_CAPTURED };
    if (!APPLICABLE_ORDER_STATUSES.has(order.status)) return { result: "not_reviewable", why: `order is ${order.status}: give this money back instead` };
    const moved = await transitionOrder(tx, order.id, "PAID", actorOf(input.reviewer), {
      reason: `approved by seller after review (${p.reviewWhy ?? "review"})`,
      onlyFrom: ["PAYMENT_REVIEW", "PENDING_PAYMENT"],
      data: { paidAt: p.paidAt ?? new Date(), paymentFeeIdr: p.feeIdr },
    });
    if (!moved.ok) return { result: "not_reviewable", why: `order is ${"current" in moved ? moved.current : "gone"}` };
    await tx.payment.update({ where: { id: p.id }, data: { status: "PAID", reviewResolution: "APPLIED" } });
    await audit(tx, {
      actorUserId: input.reviewer.userId,
      actorType: input.reviewer.role,
      action: "payment.approve",
      targetType: "payment",
      targetId: p.id,
      details: { orderId: order.id, afterReview: true, why: p.reviewWhy, receivedIdr: p.receivedIdr, expectedIdr: p.totalIdr },
    });
    return { result: "paid", orderId: order.id, paymentId: p.id };
  });
}

/**
 * A manual transfer found in the bank: settled like a gateway's payment (late → review), in one
 * transaction with the screenshot's status and the audit row, so a crash in between never
 * leaves money settled with its screenshot still waiting and nobody recorded as approving it.
 */
async function approveTransfer(prisma: PrismaClient, payment: { id: number; attemptRef: string; totalIdr: number; orderId: number; gateway: string }, reviewer: Reviewer): Promise<ReviewResult> {
  return prisma.$transaction(async (tx) => {
    const { settlement } = await settleAndRecord(tx, {
      key: { attemptRef: payment.attemptRef },
      outcome: { kind: "paid", amountIdr: payment.totalIdr, paidAt: new Date(), method: "BANK_TRANSFER" },
      eventKey: `approve:${payment.id}`,
      source: "review",
      actor: actorOf(reviewer),
    });
    if (settlement.result === "paid" || settlement.result === "review") {
      await tx.transferProof.updateMany({ where: { paymentId: payment.id, status: "PENDING" }, data: { status: "APPROVED", reviewedById: reviewer.userId, reviewedAt: new Date() } });
      await audit(tx, { actorUserId: reviewer.userId, actorType: reviewer.role, action: "payment.approve", targetType: "payment", targetId: payment.id, details: { orderId: payment.orderId, amountIdr: payment.totalIdr, gateway: payment.gateway } });
    }
    return settlement;
  });
}

/** Why money under a gateway's fraud challenge cannot be applied nor refunded to the wallet. */
const CHALLENGE_NOT_CAPTURED = "the gateway has not captured this money yet (fraud challenge): accept or deny it in the gateway's dashboard first";

/**
 * A seller gives money under review back: to the customer's wallet (a ledger entry from the
 * account that received it, keyed per payment), or marked as returned outside the shop (a bank
 * transfer back, a refund from the gateway's dashboard) with the reason. The amount is what the
 * gateway reported, else what was expected. Its order ends (CANCELLED, coupon released) when it
 * was waiting for this money and no other payment of it is still under review.
 */
export async function refundReviewedPayment(
  prisma: PrismaClient,
  input: { paymentId: number; reviewer: Reviewer; reason: string; to: "wallet" | "outside" },
): Promise<ReviewResult> {
  const reason = input.reason.trim().slice(0, 500);
  return prisma.$transaction(async (tx): Promise<ReviewResult> => {
    const locked = await lockPaymentAndOrder(tx, input.paymentId);
    if (!locked) return { result: "not_reviewable", why: "unknown payment" };
    const { payment, order } = locked;
    if (payment.status !== "REVIEW") return { result: "not_reviewable", why: `payment is ${payment.status}` };
    if (payment.gateway === "WALLET") return { result: "not_reviewable", why: "a wallet payment is never under review" };
    // Money a challenge holds has not arrived: it cannot be given back from the shop's books.
    if (input.to === "wallet" && payment.reviewWhy === "challenge") return { result: "not_reviewable", why: CHALLENGE_NOT_CAPTURED };
    const amountIdr = payment.receivedIdr ?? payment.totalIdr;
    let balanceAfterIdr: number | undefined;
    if (input.to === "wallet") {
      await tx.wallet.createMany({ data: [{ userId: order.userId }], skipDuplicates: true });
      await postLedger(tx, {
        kind: "REFUND",
        idempotencyKey: `refund:payment:${payment.id}`,
        entries: [
          { account: gatewayAccount(payment.gateway), amountIdr: -amountIdr },
          { account: walletAccount(order.userId), userId: order.userId, amountIdr },
        ],
        orderId: order.id,
        paymentId: payment.id,
        memo: reason,
        createdById: input.reviewer.userId,
      });
      balanceAfterIdr = await walletBalance(tx, order.userId);
    }
    await tx.payment.update({ where: { id: payment.id }, data: { status: "REFUNDED", reviewResolution: input.to === "wallet" ? "WALLET" : "OUTSIDE" } });
    let orderCancelled = false;
    const stillInReview = await tx.payment.count({ where: { orderId: order.id, status: "REVIEW" } });
    if (order.status === "PAYMENT_REVIEW" && stillInReview === 0) {
      const moved = await transitionOrder(tx, order.id, "CANCELLED", actorOf(input.reviewer), { reason: `payment returned (${input.to}) after review: ${reason}`, onlyFrom: ["PAYMENT_REVIEW"] });
      if (moved.ok) {
        await releaseCouponRedemption(tx, order.id);
        orderCancelled = true;
      }
    }
    await audit(tx, {
      actorUserId: input.reviewer.userId,
      actorType: input.reviewer.role,
      action: input.to === "wallet" ? "payment.refund_wallet" : "payment.refund_outside",
      targetType: "payment",
      targetId: payment.id,
      details: { orderId: order.id, amountIdr, why: payment.reviewWhy, reason, orderCancelled },
    });
    return { result: "returned", to: input.to, orderId: order.id, paymentId: payment.id, amountIdr, orderCancelled, ...(balanceAfterIdr !== undefined ? { balanceAfterIdr } : {}) };
  });
}

/**
 * A seller refuses a transfer screenshot with a reason the customer will read; the order stays
 * payable (the customer can send a better one). Money under review is not refused but given
 * back (`refundReviewedPayment`): refusing it would keep the money with no way out.
 */
export async function rejectPayment(prisma: PrismaClient, input: { paymentId: number; reviewer: Reviewer; reason: string }): Promise<ReviewResult> {
  const reason = input.reason.trim().slice(0, 500);
  return prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM payments WHERE id = ${input.paymentId} FOR UPDATE`;
    const payment = await tx.payment.findUnique({ where: { id: input.paymentId } });
    if (!payment) return { result: "not_reviewable", why: "unknown payment" } as const;
    if (payment.status === "REVIEW") return { result: "not_reviewable", why: "money under review is given back (to the wallet or outside), not refused" } as const;
    if (payment.gateway !== "MANUAL_TRANSFER" || (payment.status !== "PENDING" && payment.status !== "EXPIRED")) return { result: "not_reviewable", why: `payment is ${payment.status}` } as const;
    const { count } = await tx.transferProof.updateMany({
      where: { paymentId: payment.id, status: "PENDING" },
      data: { status: "REJECTED", reviewedById: input.reviewer.userId, reviewedAt: new Date(), rejectReason: reason },
    });
    if (count === 0) return { result: "not_reviewable", why: "no screenshot waiting for review" } as const;
    await audit(tx, { actorUserId: input.reviewer.userId, actorType: input.reviewer.role, action: "payment.reject", targetType: "payment", targetId: payment.id, details: { orderId: payment.orderId, reason, orderCancelled: false } });
    return { result: "rejected", orderId: payment.orderId, paymentId: payment.id, orderCancelled: false } as const;
  });
}
