/**
 * The seller's and the owner's buttons (bot/features/payments/review.feature.ts, holds.feature.ts)
 * through the real bot: the reason step gives up after a while and changes nothing, money under
 * review is given back (never just refused), and only the owner decides about a refund hold.
 * Also the seller's /retry of a failed order (bot/features/provisioning.staff.ts): a new job per
 * retry, and no "retry started" when nothing was queued.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { REASON_TIMEOUT_MS } from "../../bot/features/payments/review.feature.js";
import { jobId, QueueName } from "../../jobs/queues.js";
import { transitionOrder } from "../../shop/orders/state-machine.js";
import { walletBalance } from "../../shop/wallet/balance.js";
import { textsSince, updates, buttonsOf, type TestUser } from "../support/bot-harness.js";
import { createBotHarness, OWNER_ID, SELLER_ID } from "../support/service.js";
import { createPendingOrder } from "../webhooks/payments/harness.js";
import { paidOutcome, settle } from "./support.js";

let h: Awaited<ReturnType<typeof createBotHarness>>;
const seller: TestUser = { id: SELLER_ID, first_name: "Penjual" };
const owner: TestUser = { id: OWNER_ID, first_name: "Budi" };

beforeAll(async () => {
  h = await createBotHarness();
  await h.bot.handleUpdate(updates.text(seller, "/start"));
  await h.bot.handleUpdate(updates.text(owner, "/start"));
});
afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(async () => {
  await h?.close();
});

/** Runs the updates and returns the texts the bot sent meanwhile. */
async function say(...list: Parameters<typeof h.bot.handleUpdate>[0][]): Promise<string[]> {
  const from = h.calls.length;
  for (const u of list) await h.bot.handleUpdate(u);
  return textsSince(h.calls, from);
}

/** A manual transfer waiting for its screenshot's review. */
async function pendingProof() {
  const p = await createPendingOrder(h.prisma, { gateway: "MANUAL_TRANSFER", gatewayReference: null });
  const proof = await h.prisma.transferProof.create({ data: { orderId: p.orderId, userId: p.userId, paymentId: p.paymentId, storagePath: "x", sizeBytes: 1, mimeType: "image/jpeg" } });
  return { p, proof };
}

describe("the reason step", () => {
  it("gives up after REASON_TIMEOUT_MS: a late answer ends it with a message and changes nothing", async () => {
    const { p, proof } = await pendingProof();
    expect(await say(updates.callback(seller, `rev:no:${p.paymentId}`))).toEqual([`Ketik alasan penolakan untuk ${p.orderReference} (dikirim ke pelanggan), atau /cancel.`]);

    const later = Date.now() + REASON_TIMEOUT_MS + 60_000;
    vi.spyOn(Date, "now").mockImplementation(() => later);
    const texts = await say(updates.text(seller, "nominal tidak ditemukan"));
    expect(texts[0]).toBe(`⌛ Waktu untuk alasan ${p.orderReference} habis; tidak ada yang diubah. Tekan tombolnya lagi bila perlu.`);
    expect((await h.prisma.transferProof.findUniqueOrThrow({ where: { id: proof.id } })).status).toBe("PENDING");
    expect(await h.prisma.auditLog.count({ where: { action: "payment.reject", targetId: String(p.paymentId) } })).toBe(0);
    vi.restoreAllMocks();

    // Asked again and answered in time: refused with that reason.
    await say(updates.callback(seller, `rev:no:${p.paymentId}`));
    expect(await say(updates.text(seller, "nominal tidak ditemukan"))).toEqual(["❌ Ditolak oleh Penjual: nominal tidak ditemukan"]);
    expect((await h.prisma.transferProof.findUniqueOrThrow({ where: { id: proof.id } })).status).toBe("REJECTED");
  });
});

describe("money under review", () => {
  it("is given back to the wallet with a reason; Reject offers the ways back instead of keeping it", async () => {
    const p = await createPendingOrder(h.prisma); // expects 61.170
    await settle(h.prisma, p, paidOutcome(60_000));
    await say(updates.callback(seller, `rev:no:${p.paymentId}`));
    const choose = [...h.calls].reverse().find((c) => c.method === "sendMessage");
    expect(buttonsOf(choose).map((b) => b.data)).toEqual([`rev:wal:${p.paymentId}`, `rev:out:${p.paymentId}`]);

    expect(await say(updates.callback(seller, `rev:wal:${p.paymentId}`))).toEqual([
      `Ketik alasan mengembalikan Rp 60.000 untuk ${p.orderReference} ke saldo pelanggan (dikirim ke pelanggan), atau /cancel.`,
    ]);
    expect(await say(updates.text(seller, "kurang bayar"))).toEqual(["💸 Rp 60.000 dikembalikan ke saldo pelanggan oleh Penjual: kurang bayar"]);
    expect(await walletBalance(h.prisma, p.userId)).toBe(60_000);
    expect((await h.prisma.order.findUniqueOrThrow({ where: { id: p.orderId } })).status).toBe("CANCELLED");
    const told = await h.core.queues.get(QueueName.Notifications).getJob(jobId("review-returned", p.paymentId));
    expect(told?.data).toMatchObject({ key: "notify-review-refunded-wallet", params: { reference: p.orderReference, amount: "Rp 60.000", reason: "kurang bayar", balance: "Rp 60.000" } });
  });
});

describe("a refund hold", () => {
  it("only the owner decides; keep leaves a Release button, release frees the wallet", async () => {
    const p = await createPendingOrder(h.prisma);
    const payment = await h.prisma.payment.update({ where: { id: p.paymentId }, data: { status: "REFUNDED", gatewayRefundedAt: new Date() } });
    await h.prisma.wallet.create({ data: { userId: p.userId, heldAt: new Date(), holdReason: "test" } });
    const hold = await h.prisma.paymentHold.create({ data: { paymentId: payment.id, userId: p.userId, reason: "test" } });

    await say(updates.callback(seller, `hold:rel:${hold.id}`));
    expect([...h.calls].reverse().find((c) => c.method === "answerCallbackQuery")?.payload).toMatchObject({ text: "Hanya pemilik toko yang bisa memutuskan ini.", show_alert: true });
    expect((await h.prisma.paymentHold.findUniqueOrThrow({ where: { id: hold.id } })).status).toBe("HELD");

    expect(await say(updates.callback(owner, `hold:keep:${hold.id}`))).toEqual(["⏸ Penahanan dipertahankan oleh Budi."]);
    const kept = [...h.calls].reverse().find((c) => c.method === "editMessageText");
    expect(buttonsOf(kept).map((b) => b.data)).toEqual([`hold:rel:${hold.id}`]);
    expect(await say(updates.callback(owner, `hold:rel:${hold.id}`))).toEqual(["✅ Penahanan dilepas oleh Budi."]);
    expect((await h.prisma.wallet.findUniqueOrThrow({ where: { userId: p.userId } })).heldAt).toBeNull();
    expect(await h.prisma.auditLog.count({ where: { action: { in: ["payment.hold.keep", "payment.hold.release"] }, targetId: String(payment.id) } })).toBe(2);
  });
});

describe("/retry of a failed order", () => {
  /** A paid order whose provisioning failed, ready for a seller's retry. */
  async function failedOrder() {
    const p = await createPendingOrder(h.prisma);
    await settle(h.prisma, p, paidOutcome(p.totalIdr));
    await transitionOrder(h.prisma, p.orderId, "PROVISIONING_FAILED", { type: "SYSTEM", id: "test" }, { onlyFrom: ["PAID"] });
    return p;
  }
  const provisioningJobs = async (orderId: number) =>
    (await h.core.queues.get(QueueName.Provisioning).getJobs(["waiting", "delayed", "prioritized", "active"])).filter((j) => j.data.orderId === orderId);

  it("queues a new provisioning job for each retry, also when the last run failed before counting an attempt", async () => {
    const p = await failedOrder();
    expect((await say(updates.text(seller, `/retry ${p.orderReference}`)))[0]).toContain(p.orderReference);
    await transitionOrder(h.prisma, p.orderId, "PROVISIONING_FAILED", { type: "SYSTEM", id: "test" }, { onlyFrom: ["PROVISIONING"] });
    await say(updates.text(seller, `/retry ${p.orderReference}`));
    expect(await provisioningJobs(p.orderId)).toHaveLength(2);
  });

  it("says the retry is not queued yet when the queue did not take it", async () => {
    const p = await failedOrder();
    vi.spyOn(h.core.queues, "enqueue").mockResolvedValue(undefined);
    const texts = await say(updates.text(seller, `/retry ${p.orderReference}`));
    expect(texts).toEqual([expect.stringContaining("belum menerimanya")]);
  });
});
