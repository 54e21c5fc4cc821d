/**
 * Money under review always has a way out, and exactly one (shop/payments/review.ts): applied
 * to the order, refunded to the wallet through the ledger, or marked as refunded outside with a
 * reason — each audited, each one transaction that locks the payment and its order, so two
 * sellers deciding at once get one decision.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type PrismaClient } from "../../db/client.js";
import { approvePayment, refundReviewedPayment, rejectPayment, type Reviewer } from "../../shop/payments/review.js";
import { walletBalance } from "../../shop/wallet/balance.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { createPendingOrder } from "../webhooks/payments/harness.js";
import { anotherAttempt, paidOutcome, settle } from "./support.js";

let db: TestDatabase;
let prisma: PrismaClient;
let seller: Reviewer;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
  const row = await prisma.user.create({ data: { telegramId: 7_200_001n, firstName: "Penjual", role: "SELLER" } });
  seller = { userId: row.id, role: "SELLER" };
});

afterAll(async () => {
  await db?.drop();
});

/** An order paid once, and a second payment of it that went to review as a double payment. */
async function doublePayment() {
  const p = await createPendingOrder(prisma);
  await settle(prisma, p, paidOutcome(p.totalIdr));
  const second = await anotherAttempt(prisma, p);
  expect((await settle(prisma, { attemptRef: second.attemptRef }, paidOutcome(second.totalIdr))).settlement).toMatchObject({ result: "review", why: "already_paid" });
  return { p, second };
}

const ledgerOf = (paymentId: number) => prisma.ledgerTransaction.findMany({ where: { paymentId }, include: { entries: { select: { account: true, amountIdr: true } } } });

describe("a double payment (already_paid)", () => {
  it("cannot be applied to the paid order nor refused, but can be refunded to the wallet (ledger, audit)", async () => {
    const { p, second } = await doublePayment();
    expect(await approvePayment(prisma, { paymentId: second.id, reviewer: seller })).toMatchObject({ result: "not_reviewable", why: expect.stringContaining("give this money back") });
    expect(await rejectPayment(prisma, { paymentId: second.id, reviewer: seller, reason: "no" })).toMatchObject({ result: "not_reviewable" });

    const r = await refundReviewedPayment(prisma, { paymentId: second.id, reviewer: seller, reason: "dibayar dua kali", to: "wallet" });
    expect(r).toMatchObject({ result: "returned", to: "wallet", amountIdr: second.totalIdr, orderCancelled: false, balanceAfterIdr: second.totalIdr });
    expect(await walletBalance(prisma, p.userId)).toBe(second.totalIdr);
    expect(await ledgerOf(second.id)).toMatchObject([{ kind: "REFUND", idempotencyKey: `refund:payment:${second.id}`, entries: expect.arrayContaining([{ account: `wallet:${p.userId}`, amountIdr: second.totalIdr }]) }]);
    expect(await prisma.payment.findUniqueOrThrow({ where: { id: second.id } })).toMatchObject({ status: "REFUNDED", reviewResolution: "WALLET" });
    expect((await prisma.order.findUniqueOrThrow({ where: { id: p.orderId } })).status).toBe("PAID");
    expect(await prisma.auditLog.findMany({ where: { action: "payment.refund_wallet", targetId: String(second.id) } })).toMatchObject([
      { actorUserId: seller.userId, actorType: "SELLER", details: { reason: "dibayar dua kali", amountIdr: second.totalIdr, why: "already_paid" } },
    ]);
    // Decided: a second tap changes nothing.
    expect(await refundReviewedPayment(prisma, { paymentId: second.id, reviewer: seller, reason: "lagi", to: "wallet" })).toMatchObject({ result: "not_reviewable" });
    expect(await walletBalance(prisma, p.userId)).toBe(second.totalIdr);
  });

  it("can be marked refunded outside the shop with a reason (no ledger entry)", async () => {
    const { second } = await doublePayment();
    expect(await refundReviewedPayment(prisma, { paymentId: second.id, reviewer: seller, reason: "transfer balik BCA 123", to: "outside" })).toMatchObject({ result: "returned", to: "outside" });
    expect(await prisma.payment.findUniqueOrThrow({ where: { id: second.id } })).toMatchObject({ status: "REFUNDED", reviewResolution: "OUTSIDE" });
    expect(await ledgerOf(second.id)).toEqual([]);
    expect(await prisma.auditLog.count({ where: { action: "payment.refund_outside", targetId: String(second.id) } })).toBe(1);
  });
});

describe("a wrong amount", () => {
  it("refunded to the wallet gives back what arrived and ends the order (coupon released)", async () => {
    const p = await createPendingOrder(prisma, { coupon: true });
    await settle(prisma, p, paidOutcome(50_000));
    const r = await refundReviewedPayment(prisma, { paymentId: p.paymentId, reviewer: seller, reason: "kurang bayar", to: "wallet" });
    expect(r).toMatchObject({ result: "returned", amountIdr: 50_000, orderCancelled: true });
    expect(await walletBalance(prisma, p.userId)).toBe(50_000);
    const order = await prisma.order.findUniqueOrThrow({ where: { id: p.orderId }, include: { couponRedemption: true } });
    expect(order.status).toBe("CANCELLED");
    expect(order.couponRedemption?.status).toBe("RELEASED");
  });

  it("two payments under review: giving one back leaves the order waiting, the other can still pay it", async () => {
    const p = await createPendingOrder(prisma);
    const b = await anotherAttempt(prisma, p);
    await settle(prisma, p, paidOutcome(1_000));
    expect((await settle(prisma, { attemptRef: b.attemptRef }, paidOutcome(b.totalIdr))).settlement).toMatchObject({ result: "review", why: "order_in_review" });
    expect(await refundReviewedPayment(prisma, { paymentId: p.paymentId, reviewer: seller, reason: "salah transfer", to: "outside" })).toMatchObject({ orderCancelled: false });
    expect((await prisma.order.findUniqueOrThrow({ where: { id: p.orderId } })).status).toBe("PAYMENT_REVIEW");
    expect(await approvePayment(prisma, { paymentId: b.id, reviewer: seller })).toMatchObject({ result: "paid" });
    expect(await prisma.payment.findUniqueOrThrow({ where: { id: b.id } })).toMatchObject({ status: "PAID", reviewResolution: "APPLIED" });
  });
});

describe("a manual transfer approved after the order expired", () => {
  it("goes to review, and that review can then be approved (not refused as 'already approved')", async () => {
    const p = await createPendingOrder(prisma, { gateway: "MANUAL_TRANSFER", gatewayReference: null });
    await prisma.order.update({ where: { id: p.orderId }, data: { status: "EXPIRED" } });
    expect(await approvePayment(prisma, { paymentId: p.paymentId, reviewer: seller })).toMatchObject({ result: "review", why: "late_payment" });
    expect(await approvePayment(prisma, { paymentId: p.paymentId, reviewer: seller })).toMatchObject({ result: "paid" });
    expect((await prisma.order.findUniqueOrThrow({ where: { id: p.orderId } })).status).toBe("PAID");
  });
});

describe("two sellers deciding at once", () => {
  it("approve and refund racing: exactly one wins, and the money is either applied or refunded", async () => {
    const racers = createPrisma(db.url, { max: 4, applicationName: "vps-shop:test-review-race" });
    try {
      for (let i = 0; i < 6; i++) {
        const p = await createPendingOrder(prisma);
        await prisma.order.update({ where: { id: p.orderId }, data: { status: "EXPIRED" } });
        await settle(prisma, p, paidOutcome(p.totalIdr));
        const results = await Promise.all([
          approvePayment(racers, { paymentId: p.paymentId, reviewer: seller }),
          refundReviewedPayment(racers, { paymentId: p.paymentId, reviewer: seller, reason: "race", to: "wallet" }),
        ]);
        expect(results.filter((r) => r.result === "not_reviewable")).toHaveLength(1);
        const payment = await prisma.payment.findUniqueOrThrow({ where: { id: p.paymentId } });
        const order = await prisma.order.findUniqueOrThrow({ where: { id: p.orderId } });
        const refunded = await walletBalance(prisma, p.userId);
        if (results[0]!.result === "paid") expect([payment.status, order.status, refunded]).toEqual(["PAID", "PAID", 0]);
        else expect([payment.status, order.status, refunded]).toEqual(["REFUNDED", "CANCELLED", p.totalIdr]);
      }
    } finally {
      await racers.$disconnect();
    }
  });
});
