import type { OrderStatus, PaymentGateway, PrismaClient } from "../../db/client.js";
import { isUniqueViolation } from "../../db/client.js";
import { releaseCouponRedemption } from "../orders/coupon-redemptions.js";
import { transitionOrder, type Actor } from "../orders/state-machine.js";
import type { GatewayOutcome } from "./outcome.js";

/** Which payment attempt an outcome is about. */
export type PaymentKey = { attemptRef: string } | { gateway: PaymentGateway; gatewayReference: string };

export type SettlementResult =
  /** The order moved to PAID by this call (exactly one caller ever sees this per order). */
  | { result: "paid"; orderId: number; paymentId: number }
  /** Money arrived but does not fit (wrong amount, late, twice, challenged): a seller decides. */
  | { result: "review"; orderId: number; paymentId: number; why: "amount_mismatch" | "late_payment" | "already_paid" | "challenge" }
  /** The attempt expired or failed; `orderExpired` when that also ended the order. */
  | { result: "expired"; orderId: number; paymentId: number; orderExpired: boolean }
  | { result: "refunded"; orderId: number; paymentId: number }
  /** Already processed, or nothing to do (pending, or a stale status after PAID). */
  | { result: "duplicate" | "ignored"; orderId?: number; paymentId?: number; why?: string }
  | { result: "unknown_payment" };

/**
 * Applies one verified gateway outcome to its payment and order, exactly once.
 *
 * Exactly once rests on the database, not on memory or Redis: the event key is
 * inserted into `processed_events` (unique) in the same transaction as the
 * state change, so a duplicate delivery — ten at once, or a retry an hour
 * later — fails on the unique index and changes nothing. Inside, the payment
 * row is locked and every order move goes through the state machine's
 * compare-and-set, so late or out-of-order events (EXPIRED after PAID) cannot
 * undo a payment.
 */
export async function settlePayment(
  prisma: PrismaClient,
  input: { key: PaymentKey; outcome: GatewayOutcome; eventKey: string; source: string; actor: Actor; now?: Date },
): Promise<SettlementResult> {
  const now = input.now ?? new Date();
  try {
    return await prisma.$transaction(async (tx) => {
      const where = "attemptRef" in input.key ? { attemptRef: input.key.attemptRef } : { gateway_gatewayReference: input.key };
      const found = await tx.payment.findUnique({ where, select: { id: true } });
      if (!found) return { result: "unknown_payment" } as const;
      await tx.processedEvent.create({ data: { source: input.source, key: input.eventKey } });
      // Lock the payment row: concurrent outcomes for the same attempt queue up here.
      await tx.$queryRaw`SELECT id FROM payments WHERE id = ${found.id} FOR UPDATE`;
      const payment = await tx.payment.findUniqueOrThrow({ where: { id: found.id }, include: { order: { select: { id: true, status: true } } } });
      const ids = { orderId: payment.orderId, paymentId: payment.id };
      const outcome = input.outcome;
      const toReview = async (why: "amount_mismatch" | "late_payment" | "already_paid" | "challenge", amountIdr: number) => {
        await tx.payment.update({ where: { id: payment.id }, data: { status: "REVIEW", paidAt: now, ...gatewayFields(outcome) } });
        const from: OrderStatus[] = ["PENDING_PAYMENT", "EXPIRED", "CANCELLED"];
        if (from.includes(payment.order.status)) {
          await transitionOrder(tx, payment.orderId, "PAYMENT_REVIEW", input.actor, {
            reason: `${why}: received ${amountIdr}, expected ${payment.totalIdr}`,
            onlyFrom: from,
          });
        }
        return { result: "review", ...ids, why } as const;
      };

      switch (outcome.kind) {
        case "paid": {
          if (payment.status === "PAID" || payment.status === "REFUNDED") return { result: "ignored", ...ids, why: `payment already ${payment.status}` } as const;
          if (outcome.amountIdr !== payment.totalIdr) return toReview("amount_mismatch", outcome.amountIdr);
          if (payment.order.status === "EXPIRED" || payment.order.status === "CANCELLED") return toReview("late_payment", outcome.amountIdr);
          if (payment.order.status !== "PENDING_PAYMENT" && payment.order.status !== "PAYMENT_REVIEW") return toReview("already_paid", outcome.amountIdr);
          await tx.payment.update({ where: { id: payment.id }, data: { status: "PAID", paidAt: outcome.paidAt, ...gatewayFields(outcome) } });
          const moved = await transitionOrder(tx, payment.orderId, "PAID", input.actor, {
            reason: `paid via ${payment.gateway}${payment.method ? ` ${payment.method}` : ""}`,
            onlyFrom: ["PENDING_PAYMENT", "PAYMENT_REVIEW"],
            data: { paidAt: outcome.paidAt, paymentFeeIdr: payment.feeIdr },
          });
          if (!moved.ok) throw new Error(`order ${payment.orderId} could not move to PAID: ${moved.reason}`);
          return { result: "paid", ...ids } as const;
        }
        case "challenge":
          if (payment.status !== "PENDING") return { result: "ignored", ...ids, why: `payment already ${payment.status}` } as const;
          return toReview("challenge", outcome.amountIdr);
        case "expired":
        case "failed": {
          if (payment.status !== "PENDING") return { result: "ignored", ...ids, why: `payment already ${payment.status}` } as const;
          await tx.payment.update({ where: { id: payment.id }, data: { status: outcome.kind === "expired" ? "EXPIRED" : "FAILED" } });
          // The order only ends if no other attempt (another method) is still open.
          const open = await tx.payment.count({ where: { orderId: payment.orderId, status: { in: ["PENDING", "REVIEW"] } } });
          let orderExpired = false;
          if (open === 0 && payment.order.status === "PENDING_PAYMENT") {
            const moved = await transitionOrder(tx, payment.orderId, "EXPIRED", input.actor, { reason: `payment ${outcome.kind} at ${payment.gateway}`, onlyFrom: ["PENDING_PAYMENT"] });
            if (moved.ok) orderExpired = await releaseCouponRedemption(tx, payment.orderId, now).then(() => true);
          }
          return { result: "expired", ...ids, orderExpired } as const;
        }
        case "refunded":
          if (payment.status === "REFUNDED") return { result: "ignored", ...ids, why: "already refunded" } as const;
          await tx.payment.update({ where: { id: payment.id }, data: { status: "REFUNDED" } });
          return { result: "refunded", ...ids } as const;
        case "pending":
          return { result: "ignored", ...ids, why: "still pending" } as const;
      }
    });
  } catch (err) {
    if (isUniqueViolation(err, ["source", "key"])) return { result: "duplicate", why: `event ${input.eventKey} already processed` };
    throw err;
  }
}

function gatewayFields(outcome: GatewayOutcome): { gatewayReference?: string; method?: string } {
  if (outcome.kind !== "paid" && outcome.kind !== "challenge") return {};
  return {
    ...(outcome.gatewayReference ? { gatewayReference: outcome.gatewayReference } : {}),
    ...(outcome.kind === "paid" && outcome.method ? { method: outcome.method } : {}),
  };
}
