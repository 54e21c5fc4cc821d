import type { PrismaClient } from "../../db/client.js";
import { isUniqueViolation } from "../../db/client.js";
import { audit } from "../audit.js";
import { releaseCouponRedemption } from "../orders/coupon-redemptions.js";
import { transitionOrder } from "../orders/state-machine.js";
import type { SettlementResult } from "./settle.js";
import { settlePayment } from "./settle.js";

export interface Reviewer {
  userId: number;
  role: "SELLER" | "OWNER";
}

export type ReviewResult =
  | SettlementResult
  | { result: "rejected"; orderId: number; paymentId: number; orderCancelled: boolean }
  | { result: "not_reviewable"; why: string };

/**
 * A seller accepts a payment: a manual transfer they matched in their bank
 * mutation, or money held for review (wrong amount, late, challenged). Never
 * automatic. Exactly once per payment, recorded in the audit log with who did it.
 */
export async function approvePayment(prisma: PrismaClient, input: { paymentId: number; reviewer: Reviewer }): Promise<ReviewResult> {
  const payment = await prisma.payment.findUnique({ where: { id: input.paymentId }, include: { order: { select: { status: true } } } });
  if (!payment) return { result: "not_reviewable", why: "unknown payment" };
  const actor = { type: input.reviewer.role, id: String(input.reviewer.userId) } as const;

  if (payment.gateway === "MANUAL_TRANSFER" && payment.status === "PENDING") {
    const settled = await settlePayment(prisma, {
      key: { attemptRef: payment.attemptRef },
      outcome: { kind: "paid", amountIdr: payment.totalIdr, paidAt: new Date(), method: "BANK_TRANSFER" },
      eventKey: `approve:${payment.id}`,
      source: "review",
      actor,
    });
    if (settled.result === "paid" || settled.result === "review") {
      await prisma.$transaction(async (tx) => {
        await tx.transferProof.updateMany({
          where: { paymentId: payment.id, status: "PENDING" },
          data: { status: "APPROVED", reviewedById: input.reviewer.userId, reviewedAt: new Date() },
        });
        await audit(tx, { actorUserId: input.reviewer.userId, actorType: input.reviewer.role, action: "payment.approve", targetType: "payment", targetId: payment.id, details: { orderId: payment.orderId, amountIdr: payment.totalIdr, gateway: payment.gateway } });
      });
    }
    return settled;
  }

  if (payment.status === "REVIEW" && payment.order.status === "PAYMENT_REVIEW") {
    try {
      return await prisma.$transaction(async (tx) => {
        await tx.processedEvent.create({ data: { source: "review", key: `approve:${payment.id}` } });
        const moved = await transitionOrder(tx, payment.orderId, "PAID", actor, {
          reason: "approved by seller after review",
          onlyFrom: ["PAYMENT_REVIEW"],
          data: { paidAt: payment.paidAt ?? new Date(), paymentFeeIdr: payment.feeIdr },
        });
        if (!moved.ok) return { result: "not_reviewable", why: `order is ${"current" in moved ? moved.current : "gone"}` } as const;
        await tx.payment.update({ where: { id: payment.id }, data: { status: "PAID" } });
        await audit(tx, { actorUserId: input.reviewer.userId, actorType: input.reviewer.role, action: "payment.approve", targetType: "payment", targetId: payment.id, details: { orderId: payment.orderId, afterReview: true } });
        return { result: "paid", orderId: payment.orderId, paymentId: payment.id } as const;
      });
    } catch (err) {
      if (isUniqueViolation(err, ["source", "key"])) return { result: "duplicate", why: "already approved" };
      throw err;
    }
  }
  return { result: "not_reviewable", why: `payment is ${payment.status}, order is ${payment.order.status}` };
}

/**
 * A seller refuses a payment with a reason the customer will read. A refused
 * transfer screenshot leaves the order payable (the customer can send a better
 * one); refused money under review cancels the order.
 */
export async function rejectPayment(prisma: PrismaClient, input: { paymentId: number; reviewer: Reviewer; reason: string }): Promise<ReviewResult> {
  const reason = input.reason.trim().slice(0, 500);
  const actor = { type: input.reviewer.role, id: String(input.reviewer.userId) } as const;
  return prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM payments WHERE id = ${input.paymentId} FOR UPDATE`;
    const payment = await tx.payment.findUnique({ where: { id: input.paymentId }, include: { order: { select: { status: true } } } });
    if (!payment) return { result: "not_reviewable", why: "unknown payment" } as const;
    const log = (orderCancelled: boolean) =>
      audit(tx, { actorUserId: input.reviewer.userId, actorType: input.reviewer.role, action: "payment.reject", targetType: "payment", targetId: payment.id, details: { orderId: payment.orderId, reason, orderCancelled } });

    if (payment.gateway === "MANUAL_TRANSFER" && payment.status === "PENDING") {
      const { count } = await tx.transferProof.updateMany({
        where: { paymentId: payment.id, status: "PENDING" },
        data: { status: "REJECTED", reviewedById: input.reviewer.userId, reviewedAt: new Date(), rejectReason: reason },
      });
      if (count === 0) return { result: "not_reviewable", why: "no screenshot waiting for review" } as const;
      await log(false);
      return { result: "rejected", orderId: payment.orderId, paymentId: payment.id, orderCancelled: false } as const;
    }
    if (payment.status === "REVIEW" && payment.order.status === "PAYMENT_REVIEW") {
      const moved = await transitionOrder(tx, payment.orderId, "CANCELLED", actor, { reason: `rejected after review: ${reason}`, onlyFrom: ["PAYMENT_REVIEW"] });
      if (!moved.ok) return { result: "not_reviewable", why: "order changed meanwhile" } as const;
      await tx.payment.update({ where: { id: payment.id }, data: { status: "FAILED" } });
      await releaseCouponRedemption(tx, payment.orderId);
      await log(true);
      return { result: "rejected", orderId: payment.orderId, paymentId: payment.id, orderCancelled: true } as const;
    }
    return { result: "not_reviewable", why: `payment is ${payment.status}` } as const;
  });
}
