/**
 * Payment attempts and top-ups are bounded: the real bot (full middleware, real Postgres and
 * Redis) with the fake Tripay and Midtrans. Choosing a method again shows the attempt already
 * open instead of opening another gateway transaction; attempts per order and per customer are
 * limited per hour; a customer keeps at most a few unpaid top-ups, and tapping the same amount
 * again gives the same one back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ATTEMPT_LIMITS } from "../../shop/payments/attempt-limits.js";
import { TOPUP_MAX_OPEN } from "../../shop/wallet/topup.js";
import { textsSince, updates, type TestUser } from "../support/bot-harness.js";
import { createBotHarness, startFakeGateways } from "../support/service.js";

let gw: Awaited<ReturnType<typeof startFakeGateways>>;
let h: Awaited<ReturnType<typeof createBotHarness>>;

beforeAll(async () => {
  gw = await startFakeGateways();
  h = await createBotHarness({ ...gw.env, BOT_RATE_LIMIT_PER_10S: "1000" });
});
afterAll(async () => {
  await h?.close();
  await gw?.stop();
});

let nextId = 5_300_000;
async function customer(): Promise<TestUser & { userId: number }> {
  const user: TestUser = { id: ++nextId, first_name: "Budi", language_code: "id" };
  await h.bot.handleUpdate(updates.text(user, "/start"));
  const row = await h.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(user.id) } });
  return { ...user, userId: row.id };
}

/** Taps a top-up preset; returns the order it leads to (from the "Bayar sekarang" button). */
async function topUp(user: TestUser, amount: number) {
  const before = h.calls.length;
  await h.bot.handleUpdate(updates.callback(user, `wal:top:${amount}`));
  return { texts: textsSince(h.calls, before), order: await h.prisma.order.findFirst({ where: { user: { telegramId: BigInt(user.id) }, totalIdr: amount }, orderBy: { id: "desc" } }) };
}

async function tap(user: TestUser, data: string): Promise<string[]> {
  const before = h.calls.length;
  await h.bot.handleUpdate(updates.callback(user, data));
  return textsSince(h.calls, before);
}

const snapsFor = (reference: string) => gw.midtrans.transactions().filter((t) => t.order_id.startsWith(reference)).length;

/** `n` earlier attempts of an order, opened just now (as if tapped through several methods). */
async function earlierAttempts(orderId: number, reference: string, n: number) {
  await h.prisma.payment.createMany({
    data: Array.from({ length: n }, (_, i) => ({ orderId, gateway: "TRIPAY" as const, method: "BRIVA", attemptRef: `${reference}-old-${i}`, amountIdr: 1, totalIdr: 1, status: "FAILED" as const })),
  });
}

describe("payment attempts", () => {
  it("Midtrans chosen three times opens one Snap transaction and shows the same page each time", async () => {
    const user = await customer();
    const { order } = await topUp(user, 50_000);
    const replies = [...(await tap(user, `pay:mt:${order!.id}`)), ...(await tap(user, `pay:mt:${order!.id}`)), ...(await tap(user, `pay:mt:${order!.id}`))];
    expect(replies).toHaveLength(3);
    expect(snapsFor(order!.reference)).toBe(1);
    const payments = await h.prisma.payment.findMany({ where: { orderId: order!.id } });
    expect(payments).toHaveLength(1);
    // Every reply carries the one page's button.
    const urls = h.calls.filter((c) => c.method === "sendMessage" && JSON.stringify(c.payload).includes(payments[0]!.checkoutUrl!));
    expect(urls).toHaveLength(3);
  });

  it("Tripay: the same channel again reuses its transaction until it is about to expire, then opens a new one", async () => {
    const user = await customer();
    const { order } = await topUp(user, 60_000);
    const payable = await h.core.checkout.payable(order!.id, user.userId);
    if (!payable.ok) throw new Error("not payable");
    const first = await h.core.checkout.startTripay(payable.order, "QRIS", { name: "Budi", telegramId: user.id });
    expect(await h.core.checkout.startTripay(payable.order, "QRIS", { name: "Budi", telegramId: user.id })).toEqual(first);
    expect(gw.tripay.transactions().filter((t) => t.merchant_ref === order!.reference)).toHaveLength(1);

    await h.prisma.payment.update({ where: { id: first.paymentId }, data: { expiresAt: new Date(Date.now() + 60_000) } });
    const second = await h.core.checkout.startTripay(payable.order, "QRIS", { name: "Budi", telegramId: user.id });
    expect(second.paymentId).not.toBe(first.paymentId);
    expect(gw.tripay.transactions().filter((t) => t.merchant_ref === order!.reference)).toHaveLength(2);
  });

  it(`refuses a new attempt past ${ATTEMPT_LIMITS.perOrderPerHour} per order per hour, with a message and no gateway call`, async () => {
    const user = await customer();
    const { order } = await topUp(user, 70_000);
    await earlierAttempts(order!.id, order!.reference, ATTEMPT_LIMITS.perOrderPerHour);
    expect(await tap(user, `pay:mt:${order!.id}`)).toEqual([
      "⏳ Terlalu banyak percobaan pembayaran untuk pesanan ini dalam satu jam. Pakai pembayaran yang sudah dibuka, atau coba lagi nanti.",
    ]);
    expect(snapsFor(order!.reference)).toBe(0);
    // Attempts older than an hour do not count.
    await h.prisma.payment.updateMany({ where: { orderId: order!.id }, data: { createdAt: new Date(Date.now() - 61 * 60_000) } });
    expect((await tap(user, `pay:mt:${order!.id}`))[0]).toMatch(/Midtrans/);
    expect(snapsFor(order!.reference)).toBe(1);
  });

  it(`refuses a new attempt past ${ATTEMPT_LIMITS.perUserPerHour} per customer per hour, across orders`, async () => {
    const user = await customer();
    const orders = [];
    for (const amount of [80_000, 90_000, 100_000]) orders.push((await topUp(user, amount)).order!);
    await earlierAttempts(orders[0]!.id, orders[0]!.reference, ATTEMPT_LIMITS.perOrderPerHour - 1);
    await earlierAttempts(orders[1]!.id, orders[1]!.reference, ATTEMPT_LIMITS.perUserPerHour - (ATTEMPT_LIMITS.perOrderPerHour - 1));
    expect(await tap(user, `pay:mn:${orders[2]!.id}`)).toEqual([
      "⏳ Terlalu banyak percobaan pembayaran dari akun Anda dalam satu jam. Selesaikan pembayaran yang sudah dibuka, atau coba lagi nanti.",
    ]);
    expect(await tap(user, `pay:mt:${orders[2]!.id}`)).toHaveLength(1);
    expect(snapsFor(orders[2]!.reference)).toBe(0);
    expect(await h.prisma.payment.count({ where: { orderId: orders[2]!.id } })).toBe(0);
  });
});

describe("top-ups", () => {
  it(`the same amount again is the same order; at most ${TOPUP_MAX_OPEN} unpaid top-ups, then a clear message`, async () => {
    const user = await customer();
    const first = await topUp(user, 50_000);
    const again = await topUp(user, 50_000);
    expect(again.order!.id).toBe(first.order!.id);
    expect(again.texts).toEqual(first.texts);
    for (const amount of [100_000, 250_000]) await topUp(user, amount);
    expect(await h.prisma.order.count({ where: { userId: user.userId, kind: "WALLET_TOPUP" } })).toBe(TOPUP_MAX_OPEN);

    const refused = await topUp(user, 500_000);
    expect(refused.texts).toEqual([`⏳ Anda masih punya ${TOPUP_MAX_OPEN} isi saldo yang belum dibayar. Bayar salah satunya lewat /orders, atau tunggu sampai kedaluwarsa.`]);
    expect(await h.prisma.order.count({ where: { userId: user.userId, kind: "WALLET_TOPUP" } })).toBe(TOPUP_MAX_OPEN);

    // One expires: there is room again.
    await h.prisma.order.update({ where: { id: first.order!.id }, data: { paymentDeadline: new Date(Date.now() - 1000) } });
    expect((await topUp(user, 500_000)).order).not.toBeNull();
  });
});
