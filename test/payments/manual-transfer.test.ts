/**
 * Manual-transfer unique codes (shop/payments/manual-transfer.ts) are a scarce resource: 999 per
 * amount. Against a real Postgres (the partial unique index on open manual transfers decides),
 * codes held by orders nobody can pay any more come back; codes still in play do not.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../db/client.js";
import { expireUnpaidOrders } from "../../shop/orders/expire-orders.js";
import { newOrderReference } from "../../shop/orders/reference.js";
import { LATE_PROOF_DAYS, MAX_UNIQUE_CODE, NoFreeTransferCodeError, openTransferFor, startManualTransfer } from "../../shop/payments/manual-transfer.js";
import { storeProof } from "../../shop/payments/proofs/transfer-proofs.js";
import { approvePayment, rejectPayment } from "../../shop/payments/review.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

let db: TestDatabase;
let prisma: PrismaClient;
let userId: number;
let sellerId: number;
const HOUR = 3600_000;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
  userId = (await prisma.user.create({ data: { telegramId: 7_400_001n, firstName: "Rina" } })).id;
  sellerId = (await prisma.user.create({ data: { telegramId: 7_400_002n, firstName: "Joko", role: "SELLER" } })).id;
  await prisma.bankAccount.create({ data: { bankName: "BCA", accountNumber: "1234567890", accountHolder: "Toko VPS" } });
});

afterAll(async () => {
  await db?.drop();
});

type OrderStatus = "PENDING_PAYMENT" | "PAID" | "CANCELLED" | "PAYMENT_REVIEW" | "EXPIRED";

/** `n` top-up orders of `totalIdr`, holding manual-transfer codes from+1..from+n (as startManualTransfer would have drawn them). */
let batches = 0;

async function ordersHoldingCodes(totalIdr: number, opts: { status: OrderStatus; deadline: Date; n?: number; from?: number }) {
  const n = opts.n ?? MAX_UNIQUE_CODE;
  const from = opts.from ?? 0;
  // Numbered references: thousands of random ones (31^5 suffixes a day) collide now and then,
  // with each other and with the batches this file made before.
  const batch = ++batches;
  const orders = await prisma.order.createManyAndReturn({
    data: Array.from({ length: n }, (_, i) => ({
      reference: `${newOrderReference()}-${batch}-${i}`,
      userId,
      kind: "WALLET_TOPUP" as const,
      status: opts.status,
      basePriceIdr: totalIdr,
      totalIdr,
      snapshot: {},
      paymentDeadline: opts.deadline,
    })),
    select: { id: true, reference: true },
  });
  await prisma.payment.createMany({
    data: orders.map((o, i) => ({
      orderId: o.id,
      gateway: "MANUAL_TRANSFER" as const,
      method: "BANK_TRANSFER",
      attemptRef: `${o.reference}-MT`,
      amountIdr: totalIdr,
      uniqueCodeIdr: from + i + 1,
      totalIdr: totalIdr + from + i + 1,
      status: "PENDING" as const,
      expiresAt: opts.deadline,
    })),
  });
  return orders;
}

async function newOrder(totalIdr: number, deadline = new Date(Date.now() + 24 * HOUR)) {
  return prisma.order.create({
    data: { reference: newOrderReference(), userId, kind: "WALLET_TOPUP", status: "PENDING_PAYMENT", basePriceIdr: totalIdr, totalIdr, snapshot: {}, paymentDeadline: deadline },
  });
}

const openTransfers = (orderIds: number[]) => prisma.payment.count({ where: { orderId: { in: orderIds }, status: "PENDING" } });

describe("manual-transfer unique codes", () => {
  it("999 transfers left open by orders that expired: a new order for the same amount still gets a code", async () => {
    // What the order expiry used to leave behind: EXPIRED orders whose transfers stay PENDING.
    const abandoned = await ordersHoldingCodes(50_000, { status: "EXPIRED", deadline: new Date(Date.now() - HOUR) });
    const fresh = await newOrder(50_000);
    const transfer = await startManualTransfer(prisma, fresh);
    expect(transfer.amountIdr).toBe(50_000 + transfer.uniqueCodeIdr);
    expect(await openTransfers(abandoned.map((o) => o.id))).toBeLessThan(MAX_UNIQUE_CODE);
    // The minute's sweep ends the rest.
    await expireUnpaidOrders(prisma);
    expect(await openTransfers(abandoned.map((o) => o.id))).toBe(0);
  });

  it("while their orders can still be paid, all 999 codes are taken; expiring those orders ends their transfers in the same run", async () => {
    const due = await ordersHoldingCodes(55_000, { status: "PENDING_PAYMENT", deadline: new Date(Date.now() - 60_000), n: 5 });
    const live = await ordersHoldingCodes(55_000, { status: "PENDING_PAYMENT", deadline: new Date(Date.now() + HOUR), n: MAX_UNIQUE_CODE - 5, from: 5 });
    const fresh = await newOrder(55_000);
    await expect(startManualTransfer(prisma, fresh)).rejects.toBeInstanceOf(NoFreeTransferCodeError);

    const expired = await expireUnpaidOrders(prisma);
    expect(expired.map((o) => o.orderId).sort()).toEqual(due.map((o) => o.id).sort());
    expect(await openTransfers(due.map((o) => o.id))).toBe(0);
    expect(await openTransfers(live.map((o) => o.id))).toBe(MAX_UNIQUE_CODE - 5);
    expect((await startManualTransfer(prisma, fresh)).uniqueCodeIdr).toBeLessThanOrEqual(5);
  });

  it("orders paid through another attempt, cancelled or under review free their codes at once, and the sweep ends them all", async () => {
    const paid = await ordersHoldingCodes(60_000, { status: "PAID", deadline: new Date(Date.now() + HOUR), n: 500 });
    const cancelled = await ordersHoldingCodes(60_000, { status: "CANCELLED", deadline: new Date(Date.now() + HOUR), n: 400, from: 500 });
    const review = await ordersHoldingCodes(60_000, { status: "PAYMENT_REVIEW", deadline: new Date(Date.now() + HOUR), n: 99, from: 900 });
    const ids = [...paid, ...cancelled, ...review].map((o) => o.id);

    const fresh = await newOrder(60_000);
    const transfer = await startManualTransfer(prisma, fresh);
    expect(transfer.amountIdr - 60_000).toBe(transfer.uniqueCodeIdr);

    await expireUnpaidOrders(prisma);
    expect(await openTransfers(ids)).toBe(0);
    // The new order's own transfer is untouched: it can still be paid.
    expect(await prisma.payment.findUniqueOrThrow({ where: { id: transfer.paymentId } })).toMatchObject({ status: "PENDING" });
  });

  it("starting again shows the same transfer; drawing among the free codes finds the last one left", async () => {
    await ordersHoldingCodes(70_000, { status: "PENDING_PAYMENT", deadline: new Date(Date.now() + HOUR), n: MAX_UNIQUE_CODE - 1 });
    const fresh = await newOrder(70_000);
    const first = await startManualTransfer(prisma, fresh);
    expect(first.uniqueCodeIdr).toBe(MAX_UNIQUE_CODE);
    expect(await startManualTransfer(prisma, fresh)).toEqual(first);
  });

  it("a transfer whose screenshot waits for a seller keeps its code after the order expires, until the seller decides", async () => {
    const order = await newOrder(80_000, new Date(Date.now() + HOUR));
    const transfer = await startManualTransfer(prisma, order);
    await prisma.transferProof.create({ data: { orderId: order.id, userId, paymentId: transfer.paymentId, storagePath: "proofs/x.bin", sizeBytes: 10, mimeType: "image/jpeg" } });
    await prisma.order.update({ where: { id: order.id }, data: { paymentDeadline: new Date(Date.now() - 60_000) } });

    expect((await expireUnpaidOrders(prisma)).map((o) => o.orderId)).toContain(order.id);
    expect(await prisma.payment.findUniqueOrThrow({ where: { id: transfer.paymentId } })).toMatchObject({ status: "PENDING" });

    // The seller refuses the screenshot: nothing holds the code any more; the next sweep frees it.
    const rejected = await rejectPayment(prisma, { paymentId: transfer.paymentId, reviewer: { userId: sellerId, role: "SELLER" }, reason: "blur" });
    expect(rejected).toMatchObject({ result: "rejected" });
    await expireUnpaidOrders(prisma);
    expect(await prisma.payment.findUniqueOrThrow({ where: { id: transfer.paymentId } })).toMatchObject({ status: "EXPIRED" });
  });

  it("a seller can still approve a screenshot sent in time after the order expired (late payment, to review)", async () => {
    const order = await newOrder(90_000, new Date(Date.now() + HOUR));
    const transfer = await startManualTransfer(prisma, order);
    await prisma.transferProof.create({ data: { orderId: order.id, userId, paymentId: transfer.paymentId, storagePath: "proofs/y.bin", sizeBytes: 10, mimeType: "image/jpeg" } });
    await prisma.order.update({ where: { id: order.id }, data: { paymentDeadline: new Date(Date.now() - 60_000) } });
    await expireUnpaidOrders(prisma);

    const approved = await approvePayment(prisma, { paymentId: transfer.paymentId, reviewer: { userId: sellerId, role: "SELLER" } });
    expect(approved).toMatchObject({ result: "review", why: "late_payment" });
  });
});

describe("a transfer whose order ended before the money came (its code released)", () => {
  const key = new Uint8Array(randomBytes(32));

  /** A transfer started in time, then ended by the order expiry (no screenshot yet: its code is released). */
  async function endedTransfer(totalIdr: number) {
    const order = await newOrder(totalIdr, new Date(Date.now() + HOUR));
    const transfer = await startManualTransfer(prisma, order);
    await prisma.order.update({ where: { id: order.id }, data: { paymentDeadline: new Date(Date.now() - 60_000) } });
    await expireUnpaidOrders(prisma);
    expect(await prisma.payment.findUniqueOrThrow({ where: { id: transfer.paymentId } })).toMatchObject({ status: "EXPIRED" });
    return { order, transfer };
  }

  it("still takes the screenshot sent after the deadline, and the seller's approval settles it as a late payment (review)", async () => {
    const { order, transfer } = await endedTransfer(96_000);
    const late = await openTransferFor(prisma, userId, order.reference);
    expect(late?.id).toBe(transfer.paymentId);
    const stored = await storeProof(prisma, { key, orderId: order.id, userId, paymentId: transfer.paymentId, image: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00]) });

    const approved = await approvePayment(prisma, { paymentId: transfer.paymentId, reviewer: { userId: sellerId, role: "SELLER" } });
    expect(approved).toMatchObject({ result: "review", why: "late_payment", paymentId: transfer.paymentId });
    expect((await prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("PAYMENT_REVIEW");
    expect(await prisma.transferProof.findUniqueOrThrow({ where: { id: stored.proofId } })).toMatchObject({ status: "APPROVED", reviewedById: sellerId });
    expect(await prisma.auditLog.count({ where: { action: "payment.approve", targetId: String(transfer.paymentId) } })).toBe(1);
  });

  it(`is not offered for a screenshot more than ${LATE_PROOF_DAYS} days after it ended`, async () => {
    const { order, transfer } = await endedTransfer(97_000);
    await prisma.payment.update({ where: { id: transfer.paymentId }, data: { updatedAt: new Date(Date.now() - (LATE_PROOF_DAYS + 1) * 86_400_000) } });
    expect(await openTransferFor(prisma, userId, order.reference)).toBeNull();
  });
});

describe("approving a transfer", () => {
  it("is one transaction: when its audit row cannot be written, the money is not settled either", async () => {
    const order = await newOrder(98_000);
    const transfer = await startManualTransfer(prisma, order);
    await prisma.transferProof.create({ data: { orderId: order.id, userId, paymentId: transfer.paymentId, storagePath: "proofs/z.bin", sizeBytes: 10, mimeType: "image/jpeg" } });
    // A reviewer with no user row: the audit row's foreign key fails after the settlement ran.
    await expect(approvePayment(prisma, { paymentId: transfer.paymentId, reviewer: { userId: 2_000_000_000, role: "SELLER" } })).rejects.toThrow();
    expect(await prisma.payment.findUniqueOrThrow({ where: { id: transfer.paymentId } })).toMatchObject({ status: "PENDING" });
    expect((await prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("PENDING_PAYMENT");
    expect(await prisma.transferProof.count({ where: { paymentId: transfer.paymentId, status: "PENDING" } })).toBe(1);
    // A real seller approves it afterwards: paid once.
    expect(await approvePayment(prisma, { paymentId: transfer.paymentId, reviewer: { userId: sellerId, role: "SELLER" } })).toMatchObject({ result: "paid" });
  });
});
