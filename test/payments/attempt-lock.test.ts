/**
 * Payment attempts started at the same moment (a double tap, several orders tapped at once):
 * "look for the open attempt, check the limits, record the attempt" runs under the customer's
 * attempt lock (shop/payments/attempt-limits.ts withAttemptLock), so the limits hold exactly and
 * a double tap shows one attempt. Real Postgres; a Midtrans stand-in that answers after a pause.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../db/client.js";
import { ATTEMPT_LIMITS, PaymentAttemptLimitError } from "../../shop/payments/attempt-limits.js";
import { Checkout } from "../../shop/payments/checkout.js";
import type { MidtransClient } from "../../shop/payments/gateways/midtrans.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { createPendingOrder } from "../webhooks/payments/harness.js";

let db: TestDatabase;
let prisma: PrismaClient;
let snaps = 0;

/** Answers every Snap request after a few event-loop turns, so concurrent starts overlap. */
const midtrans = {
  async createSnap(input: { orderId: string }) {
    snaps++;
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    return { token: `tok-${snaps}`, redirectUrl: `https://snap.test/${input.orderId}/${snaps}` };
  },
} as unknown as MidtransClient;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
  await prisma.bankAccount.create({ data: { bankName: "BCA", accountNumber: "1234567890", accountHolder: "Toko VPS" } });
});

afterAll(async () => {
  await db?.drop();
});

const checkout = () => new Checkout({ prisma, midtrans });
const customer = { name: "Budi", telegramId: 1 };

/** `n` orders of one customer, PENDING_PAYMENT, with `earlier` attempts of that customer opened just now. */
async function ordersOfOneCustomer(n: number, earlier: number) {
  const first = await createPendingOrder(prisma);
  await prisma.payment.deleteMany({ where: { orderId: first.orderId } });
  const ids = [first.orderId];
  for (let i = 1; i < n; i++) {
    const p = await createPendingOrder(prisma);
    await prisma.payment.deleteMany({ where: { orderId: p.orderId } });
    await prisma.order.update({ where: { id: p.orderId }, data: { userId: first.userId } });
    ids.push(p.orderId);
  }
  const old = await createPendingOrder(prisma);
  await prisma.order.update({ where: { id: old.orderId }, data: { userId: first.userId } });
  await prisma.payment.createMany({
    data: Array.from({ length: earlier - 1 }, (_, i) => ({ orderId: old.orderId, gateway: "TRIPAY" as const, method: "BRIVA", attemptRef: `${old.attemptRef}-old-${i}`, amountIdr: 1, totalIdr: 1, status: "FAILED" as const })),
  });
  return { userId: first.userId, orders: await prisma.order.findMany({ where: { id: { in: ids } }, orderBy: { id: "asc" } }) };
}

const attemptsOf = (userId: number) => prisma.payment.count({ where: { order: { userId }, gateway: { in: ["TRIPAY", "MIDTRANS", "MANUAL_TRANSFER"] } } });

describe("concurrent payment attempts of one customer", () => {
  it("Midtrans on four orders at once with one attempt left this hour: one opens, three are refused", async () => {
    const { userId, orders } = await ordersOfOneCustomer(4, ATTEMPT_LIMITS.perUserPerHour - 1);
    const results = await Promise.allSettled(orders.map((o) => checkout().startMidtrans(o, customer)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.filter((r) => r.status === "rejected" && r.reason instanceof PaymentAttemptLimitError)).toHaveLength(3);
    expect(await attemptsOf(userId)).toBe(ATTEMPT_LIMITS.perUserPerHour);
  });

  it("manual transfer on five orders at once with two attempts left: two open, three are refused", async () => {
    const { userId, orders } = await ordersOfOneCustomer(5, ATTEMPT_LIMITS.perUserPerHour - 2);
    const results = await Promise.allSettled(orders.map((o) => checkout().startManual(o)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
    expect(results.filter((r) => r.status === "rejected" && r.reason instanceof PaymentAttemptLimitError)).toHaveLength(3);
    expect(await attemptsOf(userId)).toBe(ATTEMPT_LIMITS.perUserPerHour);
  });

  it("Midtrans tapped three times at once on one order: one attempt recorded, the same page shown to every tap", async () => {
    const { orders } = await ordersOfOneCustomer(1, 1);
    const order = orders[0]!;
    const results = await Promise.all([1, 2, 3].map(() => checkout().startMidtrans(order, customer)));
    expect(new Set(results.map((r) => r.paymentId)).size).toBe(1);
    expect(new Set(results.map((r) => r.redirectUrl)).size).toBe(1);
    expect(await prisma.payment.count({ where: { orderId: order.id } })).toBe(1);
  });
});
