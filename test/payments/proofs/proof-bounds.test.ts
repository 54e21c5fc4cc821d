/**
 * Transfer screenshots cannot exhaust the bot process: decodes run one at a time with a short
 * queue, the pixel cap is 24 MP, one screenshot per transfer waits for a seller, and uploads per
 * customer are rate-limited before anything is downloaded. Real sharp, real Postgres and Redis,
 * and the real bot with a recording Bot API.
 */
import { randomBytes } from "node:crypto";
import type { Update } from "grammy/types";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROOF_UPLOADS } from "../../../bot/features/payments/proof.feature.js";
import { newOrderReference } from "../../../shop/orders/reference.js";
import { DecodeSlots, MAX_PROOF_PIXELS, prepareProofImage } from "../../../shop/payments/proofs/proof-image.js";
import { ProofNotAcceptedError, storeProof } from "../../../shop/payments/proofs/transfer-proofs.js";
import { textsSince, updates, type TestUser } from "../../support/bot-harness.js";
import { createBotHarness } from "../../support/service.js";

let h: Awaited<ReturnType<typeof createBotHarness>>;
const key = new Uint8Array(randomBytes(32));

beforeAll(async () => {
  h = await createBotHarness();
});
afterAll(async () => {
  await h?.close();
});

const flatPng = (width: number, height: number) => sharp({ create: { width, height, channels: 3, background: "#336699" } }).png().toBuffer();

let nextTelegramId = 5_400_000;
/** A customer with an order waiting for a manual transfer. */
async function openTransfer() {
  const telegramId = ++nextTelegramId;
  const user = await h.prisma.user.create({ data: { telegramId: BigInt(telegramId), firstName: "Sari" } });
  const order = await h.prisma.order.create({
    data: { reference: newOrderReference(), userId: user.id, kind: "WALLET_TOPUP", status: "PENDING_PAYMENT", basePriceIdr: 100_000, totalIdr: 100_000, snapshot: {}, paymentDeadline: new Date(Date.now() + 3600_000) },
  });
  const payment = await h.prisma.payment.create({
    data: { orderId: order.id, gateway: "MANUAL_TRANSFER", method: "BANK_TRANSFER", attemptRef: `${order.reference}-MT`, amountIdr: 100_000, uniqueCodeIdr: nextTelegramId % 999 + 1, totalIdr: 100_000 + (nextTelegramId % 999) + 1 },
  });
  return { telegramId, userId: user.id, order, payment };
}

describe("decoding screenshots", () => {
  it("decodes one image at a time, however many arrive together (sharp's own task counter)", async () => {
    const png = await flatPng(4000, 3000);
    let most = 0;
    const sample = setInterval(() => (most = Math.max(most, sharp.counters().process)), 1);
    const results = await Promise.all(Array.from({ length: 4 }, () => prepareProofImage(png)));
    clearInterval(sample);
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
    expect(most).toBe(1);
  });

  it("queues a few decodes in arrival order and refuses more at once as busy", async () => {
    const slots = new DecodeSlots(1, 2);
    const started: number[] = [];
    const gates: Array<() => void> = [];
    const work = (n: number) => () => {
      started.push(n);
      return new Promise<number>((resolve) => gates.push(() => resolve(n)));
    };
    const runs = [1, 2, 3].map((n) => slots.run(work(n)));
    expect(await slots.run(work(4))).toBeNull();
    expect(started).toEqual([1]);
    for (let i = 0; i < 3; i++) {
      while (gates.length === 0) await new Promise((r) => setImmediate(r));
      gates.shift()!();
      expect(await runs[i]).toBe(i + 1);
    }
    expect(started).toEqual([1, 2, 3]);
    // The slot is free again.
    expect(await slots.run(async () => "again")).toBe("again");
  });

  it(`accepts up to ${MAX_PROOF_PIXELS / 1e6} MP and refuses a 48 MP photo before decoding it`, async () => {
    expect(await prepareProofImage(await flatPng(6000, 4000))).toMatchObject({ ok: true, width: 2000, height: 1333 });
    expect(await prepareProofImage(await flatPng(8000, 6000))).toEqual({ ok: false, reason: "too_big_dimensions" });
    expect(await prepareProofImage(await flatPng(6001, 4000))).toEqual({ ok: false, reason: "too_big_dimensions" });
  });
});

describe("one screenshot per transfer", () => {
  it("a second screenshot while one waits for a seller is refused and leaves no row; after a rejection a new one is taken", async () => {
    const { userId, order, payment } = await openTransfer();
    const prepared = await prepareProofImage(await flatPng(300, 200));
    if (!prepared.ok) throw new Error(prepared.reason);
    const store = () => storeProof(h.prisma, { key, orderId: order.id, userId, paymentId: payment.id, image: prepared.image });

    const [first, second] = await Promise.allSettled([store(), store()]);
    const outcomes = [first, second].map((r) => (r.status === "fulfilled" ? "stored" : (r.reason as ProofNotAcceptedError).reason)).sort();
    expect(outcomes).toEqual(["already_pending", "stored"]);
    expect(await h.prisma.transferProof.count({ where: { paymentId: payment.id } })).toBe(1);

    await h.prisma.transferProof.updateMany({ where: { paymentId: payment.id }, data: { status: "REJECTED" } });
    await expect(store()).resolves.toMatchObject({ proofId: expect.any(Number) });

    await h.prisma.transferProof.updateMany({ where: { paymentId: payment.id }, data: { status: "REJECTED" } });
    await h.prisma.payment.update({ where: { id: payment.id }, data: { status: "EXPIRED" } });
    await expect(store()).rejects.toMatchObject({ reason: "transfer_closed" });
  });
});

describe("uploads in the chat", () => {
  const photo = (user: TestUser): Update =>
    ({
      update_id: Math.floor(Math.random() * 1e9),
      message: {
        message_id: Math.floor(Math.random() * 1e6),
        date: Math.floor(Date.now() / 1000),
        chat: { id: user.id, type: "private", first_name: user.first_name },
        from: { is_bot: false, ...user },
        photo: [{ file_id: "photo-1", file_unique_id: "u1", width: 1280, height: 960, file_size: 120_000 }],
      },
    }) as Update;

  it(`while a screenshot waits, another is answered at once without a download; past ${PROOF_UPLOADS.limit} images in ${PROOF_UPLOADS.windowMs / 60_000} minutes, a polite refusal`, async () => {
    const t = await openTransfer();
    const user: TestUser = { id: t.telegramId, first_name: "Sari" };
    await h.bot.handleUpdate(updates.text(user, "/start"));
    await h.prisma.transferProof.create({ data: { orderId: t.order.id, userId: t.userId, paymentId: t.payment.id, storagePath: "proofs/x.bin", sizeBytes: 1, mimeType: "image/jpeg" } });

    const before = h.calls.length;
    for (let i = 0; i < PROOF_UPLOADS.limit + 2; i++) await h.bot.handleUpdate(photo(user));
    const texts = textsSince(h.calls, before);
    expect(texts.slice(0, PROOF_UPLOADS.limit)).toEqual(
      Array(PROOF_UPLOADS.limit).fill(`🧾 Bukti transfer untuk ${t.order.reference} sudah kami terima dan sedang diperiksa penjual. Tunggu keputusannya; jika ditolak, Anda bisa mengirim bukti baru.`),
    );
    expect(texts.slice(PROOF_UPLOADS.limit)).toEqual(Array(2).fill(`⏳ Terlalu banyak gambar dalam waktu singkat. Tunggu ${PROOF_UPLOADS.windowMs / 60_000} menit lalu kirim lagi.`));
    expect(h.calls.slice(before).filter((c) => c.method === "getFile")).toEqual([]);
  });
});
