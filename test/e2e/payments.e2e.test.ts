/**
 * Paying for orders, end to end: the whole service (web, bot, worker, scheduler) in-process,
 * a customer (and the seller) chatting through the fake Telegram over HTTP, and the fake
 * Tripay and Midtrans sending signed callbacks to the service's real `/webhooks/*` routes.
 * Every path ends with the order PAID exactly once, the customer told exactly once (the
 * invoice PDF with the text as caption) and, for a new VPS, one provisioning job.
 */
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_BANK_ACCOUNT, seedDemoCatalog } from "../../db/seed.js";
import { QueueName } from "../../jobs/queues.js";
import type { FakeUser } from "../../ops/fakes/telegram/index.js";
import type { BotMessageState } from "../../ops/fakes/telegram/types.js";
import { waitForIdleQueues } from "../support/quiet.js";
import { SELLER_ID, startTestService, type TestGateways, type TestService } from "../support/service.js";

let t: TestService;
let gw: TestGateways;
/**
 * Every queue has run out of work, but for provisioning (left unprocessed) and owner alerts (the
 * test owner never opened the chat, so they retry until they give up).
 */
const IDLE = { except: [QueueName.Provisioning, QueueName.OwnerAlerts] };

beforeAll(async () => {
  // A customer here taps through catalog, top-up and payment faster than any person could:
  // lift the per-user anti-spam limit (15 updates / 10 s) so no tap is dropped.
  // Provisioning is not this file's subject: its queue is left unprocessed so the job a paid
  // NEW_VPS order enqueues can be inspected as it was enqueued.
  t = await startTestService({
    gateways: true,
    clouds: true, // the catalog only sells plans its cloud says are available
    env: { BOT_RATE_LIMIT_PER_10S: "1000" },
    processors: ({ [QueueName.Provisioning]: _provisioning, ...rest }) => rest,
  });
  gw = t.gateways!;
  await seedDemoCatalog(t.service.prisma);
});
afterAll(async () => {
  await t?.stop();
});

const WAIT = { timeoutMs: 10_000 };
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const rp = (n: number) => `Rp ${n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ".")}`;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

type Lang = "id" | "en";
const UI = {
  id: {
    provider: "DigitalOcean (3 paket)",
    providers: /Pilih penyedia cloud/,
    plans: /DigitalOcean — pilih paket/,
    plan: "DO Basic 1 GB · mulai Rp 60.000",
    durations: /Pilih durasi sewa/,
    duration: "1 bulan · Rp 60.000",
    images: /Pilih sistem operasi/,
    coupon: /Punya kode kupon\?/,
    skip: "Lewati",
    summary: /Ringkasan pesanan/,
    confirm: "✅ Konfirmasi pesanan",
    created: /✅ Pesanan (ORD-\d{8}-[A-Z0-9]{5}) dibuat\./,
    payNow: "💳 Bayar sekarang",
    methods: /Pilih cara bayar/,
    paid: (ref: string) => new RegExp(`Pembayaran pesanan ${esc(ref)} diterima`),
  },
  en: {
    provider: "DigitalOcean (3 plans)",
    providers: /Choose a cloud provider/,
    plans: /DigitalOcean — choose a plan/,
    plan: "DO Basic 1 GB · from Rp 60.000",
    durations: /Choose the rental period/,
    duration: "1 month · Rp 60.000",
    images: /Choose the operating system/,
    coupon: /Have a coupon code\?/,
    skip: "Skip",
    summary: /Order summary/,
    confirm: "✅ Confirm order",
    created: /✅ Order (ORD-\d{8}-[A-Z0-9]{5}) created\./,
    payNow: "💳 Pay now",
    methods: /Choose how to pay/,
    paid: (ref: string) => new RegExp(`Payment for order ${esc(ref)} received`),
  },
} as const;

/** A customer who has opened the bot (and switched to English with /language when asked). */
async function customer(id: number, firstName: string, lang: Lang = "id"): Promise<FakeUser> {
  const user = t.fake.user(id, { firstName, languageCode: lang });
  await user.sendText("/start");
  await user.waitForMessage(`Halo, ${firstName}!`, WAIT); // the shop speaks Indonesian until asked otherwise
  if (lang === "en") {
    await user.sendText("/language");
    await user.waitForMessage("Pilih bahasa yang Anda inginkan:", WAIT);
    await user.pressButton("🇬🇧 English");
    await user.waitForMessage(/Language switched to English/, WAIT);
  }
  return user;
}

/** Orders "DO Basic 1 GB, 1 month, Ubuntu 22.04, no coupon" (Rp 60.000) the way shopping.e2e does. */
async function orderVps(user: FakeUser, lang: Lang = "id") {
  const ui = UI[lang];
  await user.sendText("/catalog");
  await user.waitForMessage(ui.providers, WAIT);
  await user.pressButton(ui.provider);
  await user.waitForMessage(ui.plans, WAIT);
  await user.pressButton(ui.plan);
  await user.waitForMessage(ui.durations, WAIT);
  await user.pressButton(ui.duration);
  await user.waitForMessage(ui.images, WAIT);
  await user.pressButton("Ubuntu 22.04 LTS");
  await user.waitForMessage(ui.coupon, WAIT);
  await user.pressButton(ui.skip);
  await user.waitForMessage(ui.summary, WAIT);
  await user.pressButton(ui.confirm);
  const created = await user.waitForMessage(ui.created, WAIT);
  const reference = ui.created.exec(created.text ?? "")![1]!;
  const order = await t.service.prisma.order.findUniqueOrThrow({ where: { reference } });
  expect(order).toMatchObject({ status: "PENDING_PAYMENT", kind: "NEW_VPS", totalIdr: 60_000 });
  expect(created.replyMarkup?.inline_keyboard.flat().map((b) => b.text)).toContain(ui.payNow);
  return { order, reference, created };
}

/** Presses "💳 Bayar sekarang" on the order message and returns the methods screen. */
async function openMethods(user: FakeUser, messageId: number, lang: Lang = "id"): Promise<BotMessageState> {
  await user.pressButton({ messageId, text: UI[lang].payNow });
  return user.waitForMessage(UI[lang].methods, WAIT);
}

function buttonTexts(m: BotMessageState): string[] {
  return m.replyMarkup?.inline_keyboard.flat().map((b) => b.text) ?? [];
}

/** The customer's "payment received" messages for an order (document captions or texts). */
function paidNotices(user: FakeUser, reference: string, lang: Lang = "id"): BotMessageState[] {
  const re = UI[lang].paid(reference);
  return user.messages().filter((m) => !m.deleted && re.test(m.caption ?? m.text ?? ""));
}

/** Waits for the invoice document and checks it is a real PDF named after the order. */
async function expectInvoice(user: FakeUser, reference: string, total: number, lang: Lang = "id") {
  const doc = await user.waitForMessage(UI[lang].paid(reference), { ...WAIT, since: 0 });
  expect(doc.media?.kind).toBe("document");
  expect(doc.media?.fileName).toBe(`invoice-${reference}.pdf`);
  expect(doc.media?.mimeType).toBe("application/pdf");
  const bytes = t.fake.fileBytes(doc.media!.fileId)!;
  expect(bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-");
  expect(doc.caption).toContain(rp(total));
  return doc;
}

/** The order is PAID with exactly one PAID history row, and (NEW_VPS) one provisioning job. */
async function expectPaidOnce(orderId: number, opts: { provisioning?: boolean } = {}) {
  const order = await t.service.prisma.order.findUniqueOrThrow({ where: { id: orderId }, include: { statusHistory: { orderBy: { id: "asc" } } } });
  expect(order.statusHistory.filter((h) => h.toStatus === "PAID")).toHaveLength(1);
  if (opts.provisioning !== false) {
    expect(order.status).toBe("PAID");
    // The follow-up queues the invoice before the provisioning job: the invoice's arrival does not
    // mean the job is there yet, so wait for it (a state, not a time).
    const queue = t.service.queues.get("provisioning");
    await expect.poll(async () => (await queue.getJob(`provision-${orderId}`))?.data, { timeout: 20_000 }).toMatchObject({ orderId });
    expect(await (await queue.getJob(`provision-${orderId}`))?.getState()).toBe("waiting");
  }
  return order;
}

/** Every ledger transaction balances, and the wallet's balance is the sum of its entries. */
async function expectBalancedLedger(userId: number, expectedBalance: number) {
  const prisma = t.service.prisma;
  const unbalanced = await prisma.$queryRaw<{ transaction_id: number }[]>`
    SELECT transaction_id FROM ledger_entries GROUP BY transaction_id HAVING SUM(amount_idr) <> 0`;
  expect(unbalanced).toEqual([]);
  const [row] = await prisma.$queryRaw<{ balance: bigint | null }[]>`
    SELECT SUM(amount_idr)::bigint AS balance FROM ledger_entries WHERE account = ${`wallet:${userId}`}`;
  expect(Number(row?.balance ?? 0)).toBe(expectedBalance);
}

describe("paying orders end to end (fake Telegram + fake Tripay/Midtrans)", () => {
  it("Tripay QRIS: methods with fees, the QR as a photo, callback → PAID → invoice PDF, a duplicate callback changes nothing", async () => {
    const user = await customer(8_200_001, "Sinta");
    const { order, reference, created } = await orderVps(user);

    const methods = await openMethods(user, created.messageId);
    expect(methods.text).toContain(`Pilih cara bayar — pesanan ${reference}`);
    expect(methods.text).toContain("Total pesanan: Rp 60.000");
    const labels = buttonTexts(methods);
    // QRIS: 750 + 0.7 % of 60.000 = 1.170; VA: flat 4.250; e-wallets: 3 %.
    expect(labels).toContain("QRIS by ShopeePay · biaya Rp 1.170 · total Rp 61.170");
    expect(labels).toContain("BRI Virtual Account · biaya Rp 4.250 · total Rp 64.250");
    expect(labels).toContain("OVO · biaya Rp 1.800 · total Rp 61.800");
    expect(labels.some((l) => l.startsWith("Permata"))).toBe(false); // inactive channel
    expect(labels).toContain("💳 Midtrans (kartu, e-wallet, VA) · total Rp 60.000");
    expect(labels).toContain("💰 Saldo Rp 0 · kurang untuk Rp 60.000");
    expect(labels).toContain("🏦 Transfer bank (dicek penjual)");

    await user.pressButton("QRIS by ShopeePay · biaya Rp 1.170 · total Rp 61.170");
    const qr = await user.waitFor((m) => m.media?.kind === "photo", WAIT);
    expect(qr.caption).toContain("QRIS — pindai kode QR ini");
    expect(qr.caption).toContain("Jumlah: Rp 61.170 (termasuk biaya Rp 1.170)");
    const png = t.fake.fileBytes(qr.media!.fileId)!;
    expect(png.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
    expect(qr.media?.width).toBeGreaterThanOrEqual(200);
    const checkout = qr.replyMarkup?.inline_keyboard.flat().find((b) => "url" in b);
    expect(checkout && "url" in checkout ? checkout.url : "").toMatch(new RegExp(`^${esc(gw.tripay.url)}/checkout/`));

    const tx = gw.tripay.transaction(reference)!;
    expect(tx).toMatchObject({ payment_method: "QRIS", amount: 61_170, fee_customer: 1_170, amount_received: 60_000, status: "UNPAID" });
    expect(tx.qr_string).toMatch(/^000201/);
    expect(tx.callback_url).toBeNull(); // no PUBLIC_BASE_URL: the fake's dashboard URL (this service) applies
    const payment = await t.service.prisma.payment.findFirstOrThrow({ where: { orderId: order.id, gateway: "TRIPAY" } });
    expect(payment).toMatchObject({ method: "QRIS", gatewayReference: tx.reference, qrString: tx.qr_string, amountIdr: 60_000, feeIdr: 1_170, totalIdr: 61_170, status: "PENDING" });

    const callback = await gw.tripay.pay(tx.reference);
    expect(callback.url).toBe(`${t.baseUrl}/webhooks/tripay`);
    expect(callback.status).toBe(200);
    expect(JSON.parse(callback.body!)).toEqual({ success: true });

    await expectInvoice(user, reference, 61_170);
    const paid = await expectPaidOnce(order.id);
    expect(paid.statusHistory.at(-1)).toMatchObject({ fromStatus: "PENDING_PAYMENT", toStatus: "PAID", actorType: "GATEWAY", actorId: `tripay:${tx.reference}` });
    expect(paid.paymentFeeIdr).toBe(1_170);

    // Tripay retries: the exact same signed bytes, then a fresh callback for the same payment.
    const replay = await fetch(`${t.baseUrl}/webhooks/tripay`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-callback-signature": callback.signature, "x-callback-event": "payment_status" },
      body: callback.rawBody,
    });
    expect(replay.status).toBe(200);
    expect((await gw.tripay.pay(tx.reference)).status).toBe(200);
    await waitForIdleQueues(t.service.queues, IDLE); // every follow-up has run: a second notice would be here
    expect(paidNotices(user, reference)).toHaveLength(1);
    await expectPaidOnce(order.id);
    const outcomes = (await t.service.prisma.paymentCallback.findMany({ where: { reference: tx.reference }, orderBy: { id: "asc" } })).map((c) => c.outcome);
    expect(outcomes[0]).toBe("paid");
    expect(outcomes.slice(1).every((o) => o?.startsWith("duplicate"))).toBe(true);
    expect(outcomes).toHaveLength(3);
  });

  it("Midtrans: a Snap link button, settlement notification → status checked with Midtrans → PAID once", async () => {
    const user = await customer(8_200_002, "Rudi");
    const { order, reference, created } = await orderVps(user);
    await openMethods(user, created.messageId);
    await user.pressButton("💳 Midtrans (kartu, e-wallet, VA) · total Rp 60.000");
    const snapMsg = await user.waitForMessage(/Midtrans\nJumlah: Rp 60\.000/, WAIT);
    const link = snapMsg.replyMarkup?.inline_keyboard.flat().find((b) => b.text === "🔗 Buka halaman pembayaran");
    const attemptRef = `${reference}-MT1`;
    const tx = gw.midtrans.transaction(attemptRef)!;
    expect(tx).toMatchObject({ gross_amount: 60_000, transaction_status: null });
    expect(link && "url" in link ? link.url : undefined).toBe(tx.redirect_url);

    const statusChecksBefore = gw.midtrans.requests().filter((r) => r.path === `/v2/${attemptRef}/status`).length;
    const note = await gw.midtrans.pay(attemptRef, { transactionStatus: "settlement" });
    expect(note.url).toBe(`${t.baseUrl}/webhooks/midtrans`);
    expect(note.status).toBe(200);

    await expectInvoice(user, reference, 60_000);
    const paid = await expectPaidOnce(order.id);
    expect(paid.statusHistory.at(-1)).toMatchObject({ toStatus: "PAID", actorType: "GATEWAY", actorId: `midtrans:${tx.transaction_id}` });
    // The follow-up job asked Midtrans' status API before settling.
    const checks = gw.midtrans.requests().filter((r) => r.path === `/v2/${attemptRef}/status`);
    expect(checks.length).toBeGreaterThan(statusChecksBefore);
    expect(checks.every((r) => r.status === 200)).toBe(true);
    const cb = await t.service.prisma.paymentCallback.findFirstOrThrow({ where: { gateway: "MIDTRANS", merchantRef: attemptRef } });
    expect(cb).toMatchObject({ verified: true, outcome: "status settlement: paid" });

    // Midtrans sends the same notification again: still one payment, one message.
    expect((await gw.midtrans.pay(attemptRef, { transactionStatus: "settlement" })).status).toBe(200);
    await waitForIdleQueues(t.service.queues, IDLE); // every follow-up has run: a second notice would be here
    expect(paidNotices(user, reference)).toHaveLength(1);
    await expectPaidOnce(order.id);
    expect(await t.service.prisma.payment.findFirstOrThrow({ where: { attemptRef } })).toMatchObject({ status: "PAID" });
  });

  it("wallet: top up by BRIVA through /wallet, then pay an order from the balance; the ledger balances", async () => {
    const user = await customer(8_200_003, "Wati");
    const shopUser = await t.service.prisma.user.findUniqueOrThrow({ where: { telegramId: 8_200_003n } });
    await user.sendText("/wallet");
    const wallet = await user.waitForMessage(/Saldo Anda: Rp 0/, WAIT);
    expect(wallet.text).toContain("(belum ada transaksi)");
    await user.pressButton("Rp 100.000");
    const topupMsg = await user.waitForMessage(/Isi saldo Rp 100\.000 — pesanan (TOP-\d{8}-[A-Z0-9]{5})\. Pilih cara bayar:/, WAIT);
    const topupRef = /(TOP-\d{8}-[A-Z0-9]{5})/.exec(topupMsg.text!)![1]!;
    const topup = await t.service.prisma.order.findUniqueOrThrow({ where: { reference: topupRef } });
    expect(topup).toMatchObject({ kind: "WALLET_TOPUP", status: "PENDING_PAYMENT", totalIdr: 100_000, userId: shopUser.id });

    const methods = await openMethods(user, topupMsg.messageId);
    expect(buttonTexts(methods).some((l) => l.startsWith("💰 Saldo"))).toBe(false); // a top-up cannot be paid from the wallet
    await user.pressButton("BRI Virtual Account · biaya Rp 4.250 · total Rp 104.250");
    const va = await user.waitForMessage(/Nomor pembayaran:/, WAIT);
    const tx = gw.tripay.transaction(topupRef)!;
    expect(tx.pay_code).toMatch(/^26215\d+$/);
    expect(va.text).toContain(`BRI Virtual Account\nNomor pembayaran: ${tx.pay_code}\nJumlah: Rp 104.250 (termasuk biaya Rp 4.250)`);
    expect(va.entities?.some((e) => e.type === "code")).toBe(true);

    expect((await gw.tripay.pay(tx.reference)).status).toBe(200);
    await user.waitForMessage("✅ Isi saldo Rp 100.000 berhasil. Saldo Anda sekarang Rp 100.000.", { ...WAIT, since: 0 });
    await expectPaidOnce(topup.id, { provisioning: false });
    expect((await t.service.prisma.order.findUniqueOrThrow({ where: { id: topup.id } })).status).toBe("ACTIVE");
    expect(await t.service.queues.get("provisioning").getJob(`provision-${topup.id}`)).toBeUndefined();
    await expectBalancedLedger(shopUser.id, 100_000);

    await user.sendText("/wallet");
    const after = await user.waitForMessage(/Saldo Anda: Rp 100\.000/, WAIT);
    expect(after.text).toMatch(/\+Rp 100\.000 · isi saldo/);

    const { order, reference, created } = await orderVps(user);
    await openMethods(user, created.messageId);
    await user.pressButton("💰 Saldo Rp 100.000 · bayar Rp 60.000");
    await user.waitForMessage("Bayar Rp 60.000 dari saldo Anda? Saldo sekarang Rp 100.000, sisa setelahnya Rp 40.000.", WAIT);
    await user.pressButton("✅ Ya, bayar dari saldo");
    await user.waitForMessage(`✅ Pesanan ${reference} dibayar dari saldo. Sisa saldo Rp 40.000.`, WAIT);
    await expectInvoice(user, reference, 60_000);
    const paid = await expectPaidOnce(order.id);
    expect(paid.statusHistory.at(-1)).toMatchObject({ toStatus: "PAID", actorType: "CUSTOMER", actorId: String(shopUser.id) });
    await expectBalancedLedger(shopUser.id, 40_000);

    await user.sendText("/wallet");
    const last = await user.waitForMessage(/Saldo Anda: Rp 40\.000/, WAIT);
    expect(last.text).toMatch(/−Rp 60\.000 · bayar pesanan/);
    await waitForIdleQueues(t.service.queues, IDLE); // every follow-up has run: a second notice would be here
    expect(paidNotices(user, reference)).toHaveLength(1);
    expect(user.messages().filter((m) => /Isi saldo Rp 100\.000 berhasil/.test(m.text ?? ""))).toHaveLength(1);
  });

  it("manual transfer: unique amount, photo proof, the seller views and approves it; a second proof is rejected with a reason", async () => {
    const prisma = t.service.prisma;
    const seller = t.fake.user(SELLER_ID, { firstName: "Penjual" });
    await seller.sendText("/start");
    await seller.waitForMessage(/Halo, Penjual!/, WAIT);
    const sellerRow = await prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(SELLER_ID) } });
    expect(sellerRow.role).toBe("SELLER");

    const user = await customer(8_200_004, "Dewi");
    const { order, reference, created } = await orderVps(user);
    await openMethods(user, created.messageId);
    await user.pressButton("🏦 Transfer bank (dicek penjual)");
    const instructions = await user.waitForMessage(/Transfer bank\nTransfer tepat/, WAIT);
    const payment = await prisma.payment.findFirstOrThrow({ where: { orderId: order.id, gateway: "MANUAL_TRANSFER" } });
    expect(payment.uniqueCodeIdr).toBeGreaterThanOrEqual(1);
    expect(payment.uniqueCodeIdr).toBeLessThanOrEqual(999);
    expect(payment.totalIdr).toBe(60_000 + payment.uniqueCodeIdr);
    expect(instructions.text).toContain(`Transfer tepat ${rp(payment.totalIdr)} (sudah termasuk kode unik ${rp(payment.uniqueCodeIdr)})`);
    expect(instructions.text).toContain(`• ${DEMO_BANK_ACCOUNT.bankName} ${DEMO_BANK_ACCOUNT.accountNumber} a.n. ${DEMO_BANK_ACCOUNT.accountHolder}`);

    // A real JPEG screenshot carrying EXIF (which must not survive storage).
    const proof = await sharp({ create: { width: 640, height: 960, channels: 3, background: { r: 30, g: 120, b: 200 } } })
      .jpeg()
      .withExif({ IFD0: { Copyright: "Dewi's phone", Software: "Camera" } })
      .toBuffer();
    const sellerMark = seller.mark();
    await user.sendPhoto(proof);
    await user.waitForMessage(`🧾 Bukti transfer untuk ${reference} diterima dan sedang diperiksa penjual. Kami kabari di sini.`, WAIT);

    const review = await seller.waitForMessage(new RegExp(`Bukti transfer baru\\nPesanan: ${esc(reference)} \\(DO Basic 1 GB\\)`), { ...WAIT, since: sellerMark });
    expect(review.text).toContain("Pelanggan: Dewi · id 8200004");
    expect(review.text).toContain(`Jumlah yang harus masuk: ${rp(payment.totalIdr)}`);
    expect(buttonTexts(review)).toEqual(["👁 Lihat bukti", "✅ Setujui", "❌ Tolak"]);

    await seller.pressButton({ messageId: review.messageId, text: "👁 Lihat bukti" });
    const shown = await seller.waitFor((m) => m.media?.kind === "photo", WAIT);
    expect(shown.message.has_protected_content).toBe(true);
    const shownBytes = t.fake.fileBytes(shown.media!.fileId)!;
    const meta = await sharp(shownBytes).metadata();
    expect(meta).toMatchObject({ format: "jpeg", width: 640, height: 960 });
    expect(meta.exif).toBeUndefined();
    const stored = await prisma.transferProof.findFirstOrThrow({ where: { paymentId: payment.id } });
    expect(stored.status).toBe("PENDING");

    await seller.pressButton({ messageId: review.messageId, text: "✅ Setujui" });
    const confirm = await seller.waitForMessage(`Yakin setujui pembayaran ${rp(payment.totalIdr)} untuk ${reference}? Pastikan uangnya sudah masuk ke rekening.`, WAIT);
    expect((await prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("PENDING_PAYMENT"); // nothing before the second tap
    const decidedMark = seller.mark();
    await seller.pressButton({ messageId: confirm.messageId, text: "✅ Ya, uang sudah masuk" });
    await seller.waitForMessage("✅ Disetujui oleh Penjual.", WAIT);
    // The pushed card itself is edited (every staff copy is): who approved, when, no buttons left.
    const card = await seller.waitFor((m) => m.messageId === review.messageId && /✅ Disetujui oleh Penjual \d\d:\d\d/.test(m.text ?? ""), { ...WAIT, since: decidedMark });
    expect(buttonTexts(card)).toEqual([]);

    await expectInvoice(user, reference, payment.totalIdr);
    const paid = await expectPaidOnce(order.id);
    expect(paid.statusHistory.at(-1)).toMatchObject({ fromStatus: "PENDING_PAYMENT", toStatus: "PAID", actorType: "SELLER", actorId: String(sellerRow.id) });
    const approvals = await prisma.auditLog.findMany({ where: { action: "payment.approve", targetId: String(payment.id) } });
    expect(approvals).toHaveLength(1);
    expect(approvals[0]).toMatchObject({ actorUserId: sellerRow.id, actorType: "SELLER", targetType: "payment" });
    expect((await prisma.transferProof.findUniqueOrThrow({ where: { id: stored.id } })).status).toBe("APPROVED");

    // No button is left to tap twice (a late tap is told who handled it: test/bot/pending-queue.test.ts); nothing sent twice.
    await waitForIdleQueues(t.service.queues, IDLE); // every follow-up has run: a second notice would be here
    expect(paidNotices(user, reference)).toHaveLength(1);
    expect(await prisma.auditLog.count({ where: { action: "payment.approve", targetId: String(payment.id) } })).toBe(1);

    // Second order: the proof is rejected with a reason the customer reads.
    const second = await orderVps(user);
    await openMethods(user, second.created.messageId);
    await user.pressButton("🏦 Transfer bank (dicek penjual)");
    await user.waitForMessage(/Transfer tepat/, WAIT);
    const payment2 = await prisma.payment.findFirstOrThrow({ where: { orderId: second.order.id, gateway: "MANUAL_TRANSFER" } });
    expect(payment2.totalIdr).toBe(60_000 + payment2.uniqueCodeIdr);
    const mark2 = seller.mark();
    await user.sendPhoto(proof, { caption: `bukti ${second.reference}` });
    await user.waitForMessage(`🧾 Bukti transfer untuk ${second.reference} diterima`, WAIT);
    const review2 = await seller.waitForMessage(new RegExp(`Pesanan: ${esc(second.reference)}`), { ...WAIT, since: mark2 });

    // Another customer tries to pass a proof off for Dewi's order.
    const other = await customer(8_200_005, "Eko");
    await other.sendPhoto(proof, { caption: `Ini bukti untuk ${second.reference.toLowerCase()}` });
    await other.waitForMessage(`❌ Pesanan ${second.reference} bukan milik Anda, jadi buktinya tidak bisa diterima.`, WAIT);
    expect(await prisma.transferProof.count({ where: { paymentId: payment2.id } })).toBe(1);

    await seller.pressButton({ messageId: review2.messageId, text: "❌ Tolak" });
    await seller.waitForMessage(`Ketik alasan penolakan untuk ${second.reference} (dikirim ke pelanggan), atau /cancel.`, WAIT);
    const reason = "nominal di mutasi BCA tidak ditemukan";
    await seller.sendText(reason);
    await seller.waitForMessage(`❌ Ditolak oleh Penjual: ${reason}`, WAIT);
    await user.waitForMessage(`❌ Bukti transfer untuk pesanan ${second.reference} ditolak penjual: ${reason}. Kirim bukti yang benar ke chat ini, atau pilih cara bayar lain.`, { ...WAIT, since: 0 });

    const rejected = await prisma.order.findUniqueOrThrow({ where: { id: second.order.id }, include: { statusHistory: true } });
    expect(rejected.status).toBe("PENDING_PAYMENT");
    expect(rejected.statusHistory.map((h) => h.toStatus)).toEqual(["PENDING_PAYMENT"]);
    const rejects = await prisma.auditLog.findMany({ where: { action: "payment.reject", targetId: String(payment2.id) } });
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ actorUserId: sellerRow.id, actorType: "SELLER", details: { orderId: second.order.id, reason, orderCancelled: false } });
    expect((await prisma.transferProof.findFirstOrThrow({ where: { paymentId: payment2.id } })).status).toBe("REJECTED");
    expect((await prisma.payment.findUniqueOrThrow({ where: { id: payment2.id } })).status).toBe("PENDING");
    expect(paidNotices(user, second.reference)).toHaveLength(0);
    expect(await t.service.queues.get("provisioning").getJob(`provision-${second.order.id}`)).toBeUndefined();
  });

  it("in English: the methods, Midtrans and the paid invoice speak the customer's language", async () => {
    const user = await customer(8_200_006, "Emma", "en");
    const { order, reference, created } = await orderVps(user, "en");
    const methods = await openMethods(user, created.messageId, "en");
    expect(methods.text).toContain(`Choose how to pay — order ${reference}`);
    expect(buttonTexts(methods)).toContain("QRIS by ShopeePay · fee Rp 1.170 · total Rp 61.170");
    await user.pressButton("💳 Midtrans (card, e-wallet, VA) · total Rp 60.000");
    await user.waitForMessage(/Midtrans\nAmount: Rp 60\.000/, WAIT);
    await gw.midtrans.pay(`${reference}-MT1`);
    const doc = await expectInvoice(user, reference, 60_000, "en");
    expect(doc.caption).toContain("Your VPS is being set up automatically");
    await expectPaidOnce(order.id);
    await waitForIdleQueues(t.service.queues, IDLE); // every follow-up has run: a second notice would be here
    expect(paidNotices(user, reference, "en")).toHaveLength(1);
  });
});
