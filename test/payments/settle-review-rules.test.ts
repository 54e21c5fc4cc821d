/**
 * What settle_payment tells a seller and what it leaves to them (real Postgres):
 * the amount the gateway reported is stored next to the expected one, the reason for review is
 * stored and reported (also for a duplicate, so its follow-up can be queued again), and nothing
 * but a seller takes an order out of PAYMENT_REVIEW — a second payment, or a later event for the
 * money already under review, goes to the seller too. A gateway refund is reported once per
 * payment, even after a seller's own refund.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../db/client.js";
import type { Actor } from "../../shop/orders/state-machine.js";
import type { GatewayOutcome } from "../../shop/payments/outcome.js";
import { settleAndRecord, settlePayment } from "../../shop/payments/settle.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { createPendingOrder, type PendingOrder } from "../webhooks/payments/harness.js";

let db: TestDatabase;
let prisma: PrismaClient;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
});

afterAll(async () => {
  await db?.drop();
});

const ACTOR: Actor = { type: "GATEWAY", id: "test:gateway" };
const PAID_AT = new Date("2026-12-02T10:00:00.000Z");
let n = 0;
const settle = (p: PendingOrder, outcome: GatewayOutcome, attemptRef = p.attemptRef) =>
  settleAndRecord(prisma, { key: { attemptRef }, outcome, eventKey: `rules-${++n}`, source: "rules", actor: ACTOR });
const paid = (amountIdr: number): GatewayOutcome => ({ kind: "paid", amountIdr, paidAt: PAID_AT });

/** A second attempt of the same order (another method), PENDING. */
async function secondAttempt(p: PendingOrder) {
  return prisma.payment.create({ data: { orderId: p.orderId, gateway: "MIDTRANS", attemptRef: `${p.attemptRef}-2`, amountIdr: p.amountIdr, totalIdr: p.amountIdr } });
}

describe("the amount received", () => {
  it("is stored as the gateway reported it: for a payment, a mismatch and a challenge", async () => {
    const ok = await createPendingOrder(prisma);
    expect((await settle(ok, paid(ok.totalIdr))).settlement.result).toBe("paid");
    expect(await prisma.payment.findUniqueOrThrow({ where: { id: ok.paymentId } })).toMatchObject({ status: "PAID", receivedIdr: ok.totalIdr, totalIdr: ok.totalIdr });

    const short = await createPendingOrder(prisma);
    const r = await settle(short, paid(short.totalIdr - 1_170));
    expect(r).toMatchObject({ settlement: { result: "review", why: "amount_mismatch" }, reviewWhy: "amount_mismatch" });
    expect(await prisma.payment.findUniqueOrThrow({ where: { id: short.paymentId } })).toMatchObject({
      status: "REVIEW",
      receivedIdr: short.totalIdr - 1_170,
      totalIdr: short.totalIdr,
      reviewWhy: "amount_mismatch",
    });

    const held = await createPendingOrder(prisma, { gateway: "MIDTRANS" });
    await settle(held, { kind: "challenge", amountIdr: held.totalIdr });
    expect(await prisma.payment.findUniqueOrThrow({ where: { id: held.paymentId } })).toMatchObject({ status: "REVIEW", receivedIdr: held.totalIdr, reviewWhy: "challenge" });
  });
});

describe("an order in PAYMENT_REVIEW waits for a seller", () => {
  it("a second late payment is not auto-PAID: it goes to the seller too", async () => {
    const p = await createPendingOrder(prisma);
    const other = await secondAttempt(p);
    await prisma.order.update({ where: { id: p.orderId }, data: { status: "EXPIRED" } });
    expect((await settle(p, paid(p.totalIdr))).settlement).toMatchObject({ result: "review", why: "late_payment" });
    expect((await prisma.order.findUniqueOrThrow({ where: { id: p.orderId } })).status).toBe("PAYMENT_REVIEW");

    const second = await settle(p, paid(p.amountIdr), other.attemptRef);
    expect(second.settlement).toMatchObject({ result: "review", why: "order_in_review", paymentId: other.id });
    const order = await prisma.order.findUniqueOrThrow({ where: { id: p.orderId }, include: { statusHistory: true } });
    expect(order.status).toBe("PAYMENT_REVIEW");
    expect(order.statusHistory.filter((h) => h.toStatus === "PAID")).toHaveLength(0);
    expect((await prisma.payment.findUniqueOrThrow({ where: { id: other.id } })).status).toBe("REVIEW");
  });

  it("a later event about the money under review (capture, then settlement) leaves it with the seller", async () => {
    const p = await createPendingOrder(prisma, { gateway: "MIDTRANS" });
    await prisma.order.update({ where: { id: p.orderId }, data: { status: "EXPIRED" } });
    expect((await settle(p, paid(p.totalIdr))).settlement).toMatchObject({ result: "review", why: "late_payment" });
    const again = await settle(p, paid(p.totalIdr));
    expect(again.settlement).toMatchObject({ result: "review", why: "late_payment" });
    expect((await prisma.order.findUniqueOrThrow({ where: { id: p.orderId } })).status).toBe("PAYMENT_REVIEW");
    expect((await prisma.payment.findUniqueOrThrow({ where: { id: p.paymentId } })).status).toBe("REVIEW");
  });

  it("a fraud challenge the gateway clears itself still pays the order", async () => {
    const p = await createPendingOrder(prisma, { gateway: "MIDTRANS" });
    await settle(p, { kind: "challenge", amountIdr: p.totalIdr });
    expect((await settle(p, paid(p.totalIdr))).settlement.result).toBe("paid");
    expect((await prisma.order.findUniqueOrThrow({ where: { id: p.orderId } })).status).toBe("PAID");
  });

  it("a duplicate of a review reports why, so its follow-up can be queued again", async () => {
    const p = await createPendingOrder(prisma);
    const input = { key: { attemptRef: p.attemptRef }, outcome: paid(1), eventKey: `dup-${p.paymentId}`, source: "rules", actor: ACTOR };
    await settleAndRecord(prisma, input);
    expect(await settleAndRecord(prisma, input)).toMatchObject({ settlement: { result: "duplicate" }, paymentStatus: "REVIEW", reviewWhy: "amount_mismatch" });
  });
});

describe("a gateway refund", () => {
  it("is reported once per payment, also after a seller gave the money back", async () => {
    const p = await createPendingOrder(prisma);
    await settle(p, paid(p.totalIdr));
    expect((await settle(p, { kind: "refunded" })).settlement.result).toBe("refunded");
    expect((await settle(p, { kind: "refunded" })).settlement).toMatchObject({ result: "ignored", why: "already refunded" });
    expect((await prisma.payment.findUniqueOrThrow({ where: { id: p.paymentId } })).gatewayRefundedAt).toBeInstanceOf(Date);

    const q = await createPendingOrder(prisma);
    await settle(q, paid(1));
    // A seller refunded it to the wallet (shop/payments/review.ts), then the gateway refunds too.
    await prisma.payment.update({ where: { id: q.paymentId }, data: { status: "REFUNDED", reviewResolution: "WALLET" } });
    expect(await settlePayment(prisma, { key: { attemptRef: q.attemptRef }, outcome: { kind: "refunded" }, eventKey: `ref-${q.paymentId}`, source: "rules", actor: ACTOR })).toMatchObject({
      result: "refunded",
    });
  });
});
