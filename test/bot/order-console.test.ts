/**
 * The orders console through the real bot (every middleware, real Postgres and Redis, a
 * recording Telegram): the order card's timeline of an order that went through review, a
 * provisioning failure, a retry from the card and ACTIVE — its history built by the shop's own
 * domain calls — search and paging, every action (refused without the permission, audited, a
 * second tap changes nothing), and the CSV export.
 */
import { InputFile } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloudError, type CloudProvider, type CloudServer } from "../../shop/cloud/provider.js";
import { csvField } from "../../shop/orders/console/csv.js";
import { newOrderReference } from "../../shop/orders/reference.js";
import { approvePayment } from "../../shop/payments/review.js";
import { settleAndRecord } from "../../shop/payments/settle.js";
import { provisionOrder, recordProvisioningFailure } from "../../shop/provisioning/provision.js";
import { buttonsOf, updates, type RecordedCall, type TestUser } from "../support/bot-harness.js";
import { failedVpsOrder, userRow } from "../support/factories.js";
import { createBotHarness, OWNER_ID, SELLER_ID } from "../support/service.js";

const OWNER: TestUser = { id: OWNER_ID, first_name: "Rina", username: "rina_owner" };
const SELLER: TestUser = { id: SELLER_ID, first_name: "Sari" };
const CUSTOMER: TestUser = { id: 9_511_001, first_name: "Budi", username: "budi_vps" };

let h: Awaited<ReturnType<typeof createBotHarness>>;

beforeAll(async () => {
  h = await createBotHarness();
});
afterAll(async () => {
  await h?.close();
});

async function send(user: TestUser, step: { text: string } | { data: string }): Promise<RecordedCall[]> {
  const from = h.calls.length;
  await h.bot.handleUpdate("data" in step ? updates.callback(user, step.data) : updates.text(user, step.text));
  return h.calls.slice(from);
}
const texts = (calls: RecordedCall[]) => calls.filter((c) => ["sendMessage", "editMessageText"].includes(c.method)).map((c) => String(c.payload.text));
const allText = (calls: RecordedCall[]) => texts(calls).join("\n");

async function customerId(user: TestUser = CUSTOMER) {
  const row = await userRow(h.prisma, user.id, user.first_name);
  if (user.username) await h.prisma.user.update({ where: { id: row.id }, data: { username: user.username } });
  return row.id;
}

/** A DigitalOcean VPS order waiting for its Tripay payment, as checkout leaves it. */
async function unpaidVpsOrder(userId: number, opts: { totalIdr?: number } = {}) {
  const totalIdr = opts.totalIdr ?? 75_000;
  const order = await h.prisma.order.create({
    data: {
      reference: newOrderReference(), userId, kind: "NEW_VPS", status: "PENDING_PAYMENT",
      planCode: "do-s-1vcpu-1gb-sgp1", planName: "Basic 1 GB", providerCode: "DIGITALOCEAN", providerSizeSlug: "s-1vcpu-1gb", region: "sgp1",
      imageCode: "ubuntu-22.04", imageName: "Ubuntu 22.04", providerImageRef: "ubuntu-22-04-x64", durationMonths: 1,
      basePriceIdr: totalIdr + 5_000, promoDiscountIdr: 5_000, totalIdr, snapshot: {}, paymentDeadline: new Date(Date.now() + 3_600_000),
    },
  });
  const payment = await h.prisma.payment.create({
    data: { orderId: order.id, gateway: "TRIPAY", method: "QRIS", attemptRef: `TP-${order.reference}`, amountIdr: totalIdr, feeIdr: 1_500, totalIdr: totalIdr + 1_500, status: "PENDING" },
  });
  return { order, payment };
}

/** A provider whose first create is refused and whose second boots at once. */
function flakyCloud(): CloudProvider {
  let creates = 0;
  const server: CloudServer = { id: "4242", label: "vps", status: "running", ipv4: "203.0.113.7", ipv6: null, region: "sgp1", sizeSlug: "s-1vcpu-1gb", imageRef: "ubuntu-22-04-x64", tags: [], createdAt: null };
  return {
    code: "DIGITALOCEAN",
    capabilities: { actions: [], passwordResetNeedsOff: false, consoleUrl: false },
    createServer: async () => {
      creates += 1;
      if (creates === 1) throw new CloudError("DIGITALOCEAN", "invalid_request", "size s-1vcpu-1gb unavailable in sgp1", false, 422);
      return server;
    },
    getServer: async () => server,
    findByTag: async () => (creates > 1 ? [server] : []),
    findByLabel: async () => [],
    listTagged: async () => [],
    deleteServer: async () => undefined,
    action: async () => undefined,
    consoleUrl: async () => null,
    isAvailable: async () => true,
    listRegions: async () => [],
    listSizes: async () => [],
    listImages: async () => [],
  };
}

describe("/order timeline", () => {
  it("shows an order that went through review, a provisioning failure, a retry from the card and ACTIVE", async () => {
    await send(OWNER, { text: "/start" });
    const owner = await h.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(OWNER.id) } });
    await h.prisma.user.update({ where: { id: owner.id }, data: { username: OWNER.username } });
    const { order, payment } = await unpaidVpsOrder(await customerId());

    // The gateway reports less money than expected: settlement sends it to review.
    const settled = await settleAndRecord(h.prisma, {
      key: { attemptRef: payment.attemptRef },
      outcome: { kind: "paid", amountIdr: payment.totalIdr - 1_000, paidAt: new Date(), method: "QRIS" },
      eventKey: `tripay:T-${order.id}:PAID`,
      source: "tripay",
      actor: { type: "GATEWAY", id: "tripay" },
      callback: { gateway: "TRIPAY", verified: true, event: "payment_status", reference: `T-${order.id}`, merchantRef: payment.attemptRef, status: "PAID", rawBody: JSON.stringify({ total_amount: payment.totalIdr - 1_000, status: "PAID" }), headers: {} },
    });
    expect(settled.settlement.result).toBe("review");
    // The owner accepts it.
    expect((await approvePayment(h.prisma, { paymentId: payment.id, reviewer: { userId: owner.id, role: "OWNER" } })).result).toBe("paid");
    // Provisioning fails for good.
    const cloud = flakyCloud();
    const deps = { prisma: h.prisma, providers: { DIGITALOCEAN: cloud }, encryptionKey: h.config.encryptionKey, deadlineMs: 5_000, pollIntervalMs: 1, sleep: async () => undefined };
    const failure = await provisionOrder(deps, order.id).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(CloudError);
    expect(await recordProvisioningFailure(h.prisma, order.id, failure, true)).toBe(true);

    // The card offers the retry; the owner taps it.
    const card = await send(OWNER, { text: `/order ${order.reference.toLowerCase()}` });
    expect(allText(card)).toContain("Gagal disiapkan");
    expect(allText(card)).toContain("size s-1vcpu-1gb unavailable");
    expect(buttonsOf(card.find((c) => c.method === "sendMessage")).map((b) => b.data)).toContain(`oc:rt:${order.id}`);
    expect(allText(await send(OWNER, { data: `oc:rt:${order.id}` }))).toContain(order.reference);
    // The retried run (the job the tap queued) succeeds.
    expect((await provisionOrder(deps, order.id)).status).toBe("active");

    const final = await send(OWNER, { text: `/order ${order.reference}` });
    const text = allText(final);
    expect(text).toContain(`${order.reference}</b> · Aktif`);
    expect(text).toContain("@budi_vps");
    // The timeline, in order, with who moved it.
    const steps = ["Menunggu pembayaran", "Diperiksa penjual · GATEWAY tripay", "Sudah dibayar · @rina_owner (OWNER)", "VPS sedang disiapkan", "Gagal disiapkan · SYSTEM provisioning", "VPS sedang disiapkan · @rina_owner (OWNER)", "Aktif"];
    let at = 0;
    for (const step of steps) {
      const found = text.indexOf(step, at);
      expect(found, `${step} after position ${at} in:\n${text}`).toBeGreaterThan(-1);
      at = found;
    }
    expect(text).toContain("203.0.113.7");

    // Drill-ins: the full history with reasons, the callback with its amount and signature, the retry.
    const history = allText(await send(OWNER, { data: `oc:d:h:${order.id}` }));
    expect(history).toContain("approved by seller after review (amount_mismatch)");
    expect(history).toContain("retry requested by seller");
    const payments = allText(await send(OWNER, { data: `oc:d:pa:${order.id}` }));
    expect(payments).toContain("callback");
    expect(payments).toMatch(/Rp\s?75\.500/);
    expect(payments).toContain("tanda tangan sah");
    const prov = allText(await send(OWNER, { data: `oc:d:pr:${order.id}` }));
    expect(prov).toContain("diulang oleh @rina_owner");
    const audit = allText(await send(OWNER, { data: `oc:d:au:${order.id}` }));
    expect(audit).toContain("payment.approve");
    expect(audit).toContain("provisioning.retry");
    expect(allText(await send(OWNER, { data: `oc:d:in:${order.id}` }))).toContain("203.0.113.7");
    expect(allText(await send(OWNER, { data: `oc:d:ms:${order.id}` }))).toContain("Pesan ke pelanggan");
  });
});

describe("search and paging", () => {
  it("finds by @username, telegram id, name, status and provider, and pages newest first without overlap", async () => {
    const ani = await customerId({ id: 9_511_101, first_name: "Ani Lestari", username: "ani_l" });
    const made: number[] = [];
    for (let i = 0; i < 19; i++) made.push((await unpaidVpsOrder(ani, { totalIdr: 50_000 + i })).order.id);
    const other = await failedVpsOrder(h.prisma, await customerId({ id: 9_511_102, first_name: "Joko" }));

    const page1 = await send(OWNER, { text: "/order @ANI_L" });
    const ids1 = buttonsOf(page1.at(-1)).filter((b) => b.data?.startsWith("oc:c:")).map((b) => Number(b.data!.slice(5)));
    expect(ids1).toEqual(made.slice(-8).reverse());
    const older = buttonsOf(page1.at(-1)).find((b) => b.data?.startsWith("oc:pg:n:"))!;
    expect(older.data).toBe(`oc:pg:n:${ids1.at(-1)}:2`);
    const page2 = await send(OWNER, { data: older.data! });
    expect(page2.find((c) => c.method === "editMessageText")).toBeDefined();
    const ids2 = buttonsOf(page2.at(-1)).filter((b) => b.data?.startsWith("oc:c:")).map((b) => Number(b.data!.slice(5)));
    expect(ids2).toEqual(made.slice(-16, -8).reverse());
    const newer = buttonsOf(page2.at(-1)).find((b) => b.data?.startsWith("oc:pg:p:"))!;
    const back = await send(OWNER, { data: newer.data! });
    expect(buttonsOf(back.at(-1)).filter((b) => b.data?.startsWith("oc:c:")).map((b) => Number(b.data!.slice(5)))).toEqual(ids1);
    const page3 = await send(OWNER, { data: buttonsOf(page2.at(-1)).find((b) => b.data?.startsWith("oc:pg:n:"))!.data! });
    const ids3 = buttonsOf(page3.at(-1)).filter((b) => b.data?.startsWith("oc:c:")).map((b) => Number(b.data!.slice(5)));
    expect(ids3).toEqual(made.slice(0, 3).reverse());
    expect(buttonsOf(page3.at(-1)).some((b) => b.data?.startsWith("oc:pg:n:"))).toBe(false);

    expect(allText(await send(OWNER, { text: "/order 9511102" }))).toContain(other.reference);
    expect(allText(await send(OWNER, { text: "/order lestari" }))).toContain("@ani_l");
    const failed = allText(await send(OWNER, { text: "/order status:failed provider:do" }));
    expect(failed).toContain(other.reference);
    expect(failed).not.toContain("@ani_l");
    expect(allText(await send(OWNER, { text: "/order status:bogus" }))).toContain("Saringan tidak dikenal: status:bogus");
    expect(allText(await send(OWNER, { text: "/order ORD-NOPE-0000" }))).toContain("tidak ditemukan");
    // The one-tap menu and its filters.
    const menu = await send(OWNER, { text: "/order" });
    expect(buttonsOf(menu.at(-1)).map((b) => b.data)).toContain("oc:f:s:4");
    expect(allText(await send(OWNER, { data: "oc:f:s:4" }))).toContain(other.reference);
  });

  it("refuses a customer and a seller without orders.view the whole console", async () => {
    const { order } = await unpaidVpsOrder(await customerId());
    // A chat member whose role has no orders.view (the chat made them staff for the catalog only).
    const CATALOGUER: TestUser = { id: 9_511_077, first_name: "Tono" };
    const role = await h.prisma.staffRole.create({ data: { name: "catalog-only-ordc", permissions: ["catalog.manage"] } });
    await h.prisma.staffMember.create({ data: { userId: await customerId(CATALOGUER), roleId: role.id } });
    for (const who of [CUSTOMER, CATALOGUER]) {
      for (const step of [{ text: "/order" }, { text: `/order ${order.reference}` }, { data: `oc:c:${order.id}` }, { data: `oc:d:h:${order.id}` }, { data: "oc:csv:7" }]) {
        const out = await send(who, step);
        expect(allText(out)).not.toContain(order.reference);
        expect(out.some((c) => c.method === "sendDocument")).toBe(false);
      }
    }
  });
});

describe("actions from the card", () => {
  const auditCount = (action: string, targetId: number) => h.prisma.auditLog.count({ where: { action, targetId: String(targetId) } });

  it("marks a stuck gateway payment paid through settlement, once, with the reason audited; a seller cannot", async () => {
    const { order, payment } = await unpaidVpsOrder(await customerId());
    const card = await send(OWNER, { data: `oc:c:${order.id}` });
    expect(buttonsOf(card.at(-1)).map((b) => b.data)).toContain(`oc:mp:${payment.id}`);

    const refused = await send(SELLER, { data: `oc:mp:${payment.id}` });
    expect(allText(refused)).not.toContain(order.reference);
    await send(SELLER, { text: "dicek di dasbor" });
    expect((await h.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe("PENDING");

    expect(allText(await send(OWNER, { data: `oc:mp:${payment.id}` }))).toContain("Tulis alasannya");
    expect(allText(await send(OWNER, { text: "dicek di dasbor Tripay, callback tidak masuk" }))).toContain("ditandai lunas oleh Rina");
    expect((await h.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("PAID");
    expect((await h.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe("PAID");
    const row = await h.prisma.auditLog.findFirstOrThrow({ where: { action: "payment.mark_paid", targetId: String(payment.id) } });
    expect(row.details).toMatchObject({ reason: "dicek di dasbor Tripay, callback tidak masuk", before: { payment: "PENDING", order: "PENDING_PAYMENT" } });
    // The follow-up (paid notice, invoice, provisioning) is recorded like a callback's.
    expect(await h.prisma.jobOutbox.count({ where: { queue: "payment-followups", jobId: `paid-${payment.id}` } })).toBe(1);

    await send(OWNER, { data: `oc:mp:${payment.id}` });
    expect(allText(await send(OWNER, { text: "sekali lagi" }))).toContain("Tidak bisa");
    expect(await auditCount("payment.mark_paid", payment.id)).toBe(1);
    expect(await h.prisma.orderStatusHistory.count({ where: { orderId: order.id, toStatus: "PAID" } })).toBe(1);
  });

  it("marking paid the money of an order that already expired sends it to review, as a late callback would", async () => {
    const { order, payment } = await unpaidVpsOrder(await customerId());
    await h.prisma.order.update({ where: { id: order.id }, data: { status: "EXPIRED" } });
    await h.prisma.payment.update({ where: { id: payment.id }, data: { status: "EXPIRED" } });
    await send(OWNER, { data: `oc:mp:${payment.id}` });
    expect(allText(await send(OWNER, { text: "uang masuk setelah batas waktu" }))).toContain("masuk ke pemeriksaan (late_payment)");
    expect((await h.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("PAYMENT_REVIEW");
    expect((await h.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe("REVIEW");
    const row = await h.prisma.auditLog.findFirstOrThrow({ where: { action: "payment.mark_paid", targetId: String(payment.id) } });
    expect(row.details).toMatchObject({ after: { review: "late_payment" } });
  });

  it("a catalog button tapped at the reason prompt ends it: a number typed for the form settles nothing", async () => {
    const { payment } = await unpaidVpsOrder(await customerId());
    expect(allText(await send(OWNER, { data: `oc:mp:${payment.id}` }))).toContain("Tulis alasannya");
    await send(OWNER, { data: "bk:new" });
    await send(OWNER, { text: "150000" });
    expect((await h.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe("PENDING");
    expect(await auditCount("payment.mark_paid", payment.id)).toBe(0);
    // And the other way: a reason prompt ends the open catalog form, the text is the reason only.
    await send(OWNER, { data: "bk:new" });
    await send(OWNER, { data: `oc:mp:${payment.id}` });
    await send(OWNER, { text: "dicek di dasbor Tripay" });
    expect((await h.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe("PAID");
    const after = allText(await send(OWNER, { text: "BCA" }));
    expect(after).not.toMatch(/rekening|account/i);
  });

  it("an old Mark-paid button of a payment whose order another payment already paid changes nothing", async () => {
    const { order, payment } = await unpaidVpsOrder(await customerId());
    const other = await h.prisma.payment.create({
      data: { orderId: order.id, gateway: "TRIPAY", method: "BRIVA", attemptRef: `TP2-${order.reference}`, amountIdr: 75_000, feeIdr: 1_500, totalIdr: 76_500, status: "PENDING" },
    });
    await settleAndRecord(h.prisma, { key: { attemptRef: other.attemptRef }, outcome: { kind: "paid", amountIdr: other.totalIdr, paidAt: new Date() }, eventKey: `test-paid:${other.id}`, source: "test", actor: { type: "SYSTEM" } });
    expect((await h.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("PAID");
    await send(OWNER, { data: `oc:mp:${payment.id}` });
    expect(allText(await send(OWNER, { text: "dicek di dasbor Tripay" }))).toContain("Tidak bisa");
    expect((await h.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe("PENDING");
    expect(await auditCount("payment.mark_paid", payment.id)).toBe(0);
  });

  it("refunds the gateway money in review, not a fraud-challenged payment of the same order", async () => {
    const { order, payment } = await unpaidVpsOrder(await customerId());
    await h.prisma.order.update({ where: { id: order.id }, data: { status: "PAYMENT_REVIEW" } });
    const challenged = await h.prisma.payment.create({
      data: { orderId: order.id, gateway: "MIDTRANS", method: "CARD", attemptRef: `MT-${order.reference}`, amountIdr: 75_000, feeIdr: 0, totalIdr: 75_000, status: "REVIEW", reviewWhy: "challenge" },
    });
    await h.prisma.payment.update({ where: { id: payment.id }, data: { status: "REVIEW", reviewWhy: "late_payment", receivedIdr: payment.totalIdr } });
    // (The update moved the late payment's row after the challenged one in the table.)
    await send(OWNER, { data: `oc:rf:${order.id}` });
    expect(allText(await send(OWNER, { data: `oc:rf2:${order.id}` }))).toContain("dikembalikan ke saldo");
    expect((await h.prisma.payment.findUniqueOrThrow({ where: { id: challenged.id } })).status).toBe("REVIEW");
    expect((await h.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).not.toBe("REVIEW");
  });

  it("cancels an unpaid order with a reason the customer reads; a second tap changes nothing", async () => {
    const { order } = await unpaidVpsOrder(await customerId());
    await send(SELLER, { data: `oc:cx:${order.id}` });
    await send(SELLER, { text: "salah pesan" });
    expect((await h.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("PENDING_PAYMENT");

    await send(OWNER, { data: `oc:cx:${order.id}` });
    expect(allText(await send(OWNER, { text: "pelanggan minta batal" }))).toContain("dibatalkan oleh Rina");
    expect((await h.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("CANCELLED");
    expect(await h.prisma.jobOutbox.count({ where: { queue: "notifications", jobId: `oc-cancelled-${order.id}` } })).toBe(1);
    await send(OWNER, { data: `oc:cx:${order.id}` });
    expect(allText(await send(OWNER, { text: "lagi" }))).toContain("Tidak bisa");
    expect(await auditCount("order.cancel", order.id)).toBe(1);
  });

  it("refunds a failed order to the wallet after a confirmation, once; a customer cannot", async () => {
    const order = await failedVpsOrder(h.prisma, await customerId());
    await send(CUSTOMER, { data: `oc:rf2:${order.id}` });
    expect((await h.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("PROVISIONING_FAILED");

    const confirm = await send(OWNER, { data: `oc:rf:${order.id}` });
    expect(buttonsOf(confirm.at(-1)).map((b) => b.data)).toEqual([`oc:rf2:${order.id}`]);
    expect(allText(await send(OWNER, { data: `oc:rf2:${order.id}` }))).toContain("dikembalikan ke saldo");
    expect((await h.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("REFUNDED");
    expect(allText(await send(OWNER, { data: `oc:rf2:${order.id}` }))).toContain("Tidak bisa");
    expect(await auditCount("order.refund", order.id)).toBe(1);
    expect(await h.prisma.ledgerTransaction.count({ where: { orderId: order.id, kind: "REFUND" } })).toBe(1);
    // The customer's refund notice is among the order's messages.
    expect(allText(await send(OWNER, { data: `oc:d:ms:${order.id}` }))).toContain("notify-refunded");
  });

  it("retries provisioning once; a second tap is refused while it runs", async () => {
    const order = await failedVpsOrder(h.prisma, await customerId());
    await send(CUSTOMER, { data: `oc:rt:${order.id}` });
    expect((await h.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("PROVISIONING_FAILED");
    await send(SELLER, { data: `oc:rt:${order.id}` });
    expect((await h.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("PROVISIONING");
    expect(allText(await send(OWNER, { data: `oc:rt:${order.id}` }))).toContain("Tidak bisa");
    expect(await auditCount("provisioning.retry", order.id)).toBe(1);
  });

  it("resends the invoice as a copy, once per double tap; a seller cannot", async () => {
    const { order } = await unpaidVpsOrder(await customerId());
    await h.prisma.order.update({ where: { id: order.id }, data: { paidAt: new Date(), invoiceMessageId: 77 } });
    await send(SELLER, { data: `oc:ri:${order.id}` });
    expect(await auditCount("order.resend_invoice", order.id)).toBe(0);

    expect(allText(await send(OWNER, { data: `oc:ri:${order.id}` }))).toContain("Dikirim ulang");
    expect(allText(await send(OWNER, { data: `oc:ri:${order.id}` }))).toContain("Sudah dikirim ulang oleh @rina_owner");
    expect(await auditCount("order.resend_invoice", order.id)).toBe(1);
    const jobs = await h.prisma.jobOutbox.findMany({ where: { queue: "notifications", jobId: { startsWith: `oc-resend-invoice-${order.id}-` } } });
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.payload).toMatchObject({ document: { kind: "invoice", orderId: order.id, copy: true } });
    // The invoice row's first message stays the one recorded.
    expect((await h.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).invoiceMessageId).toBe(77);
    const messages = allText(await send(OWNER, { data: `oc:d:ms:${order.id}` }));
    expect(messages).toContain("Invoice terkirim");
    expect(messages).toContain("(pesan #77)");
    expect(messages).toContain("ordc-notify-invoice-copy</code> + invoice");
    // Credentials only for an active VPS.
    expect(allText(await send(OWNER, { data: `oc:rc:${order.id}` }))).toContain("Tidak bisa");
  });

  it("a long audit drill-in shows the newest rows, cut at whole lines (valid HTML)", async () => {
    const { order } = await unpaidVpsOrder(await customerId());
    const staff = await customerId(OWNER);
    for (let i = 1; i <= 60; i++) {
      await h.prisma.auditLog.create({ data: { actorUserId: staff, actorType: "OWNER", action: "order.note", targetType: "order", targetId: String(order.id), details: { note: `catatan nomor ${i} ${"&<x>".repeat(60)}` } } });
    }
    const out = texts(await send(OWNER, { data: `oc:d:au:${order.id}` })).at(-1)!;
    expect(out.length).toBeLessThanOrEqual(4096);
    expect(out).toContain("catatan nomor 60 ");
    expect(out).not.toContain("catatan nomor 1 ");
    expect(out.match(/<code>/g)?.length).toBe(out.match(/<\/code>/g)?.length);
    expect(out).not.toMatch(/&[a-z]*$|&[a-z]*[^a-z;]/m);
  });

  it("adds a note the card shows, audited", async () => {
    const { order } = await unpaidVpsOrder(await customerId());
    await send(SELLER, { data: `oc:nt:${order.id}` });
    await send(SELLER, { text: "bukan catatan" });
    await send(OWNER, { data: `oc:nt:${order.id}` });
    expect(allText(await send(OWNER, { text: "pelanggan <b>VIP</b>, prioritaskan" }))).toContain("Catatan disimpan");
    const card = allText(await send(OWNER, { data: `oc:c:${order.id}` }));
    expect(card).toContain("pelanggan &lt;b&gt;VIP&lt;/b&gt;, prioritaskan — @rina_owner");
    expect(card).not.toContain("bukan catatan");
    expect(await auditCount("order.note", order.id)).toBe(1);
  });
});

describe("CSV export", () => {
  it("sends the orders of a period as a document: quoted fields, integer money, formulas defused", async () => {
    const tricky = await customerId({ id: 9_511_201, first_name: 'Tono, "si" =SUM(A1)' });
    const { order } = await unpaidVpsOrder(tricky, { totalIdr: 123_456 });
    await h.prisma.order.update({ where: { id: order.id }, data: { createdAt: new Date("2026-11-15T05:00:00Z") } });
    // The document goes out as multipart: the file is read from the API call before it is encoded.
    const sent: Array<{ caption: string; name: string; csv: string }> = [];
    h.bot.api.config.use((prev, method, payload, signal) => {
      if (method === "sendDocument") {
        const p = payload as unknown as { caption: string; document: InputFile };
        sent.push({ caption: p.caption, name: p.document.filename ?? "", csv: Buffer.from((p.document as unknown as { fileData: Uint8Array }).fileData).toString("utf8") });
      }
      return prev(method, payload, signal);
    });
    await send(OWNER, { text: "/order csv dari:2026-11-15 sampai:2026-11-15" });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.caption).toContain("1 pesanan, 2026-11-15 – 2026-11-15");
    expect(sent[0]!.name).toBe("orders-2026-11-15-2026-11-15.csv");
    const csv = sent[0]!.csv;
    const lines = csv.split("\r\n");
    expect(lines[0]).toBe("reference,created_at,status,kind,customer_telegram_id,customer_username,customer_name,plan,provider,region,duration_months,base_price_idr,promo_discount_idr,coupon_code,coupon_discount_idr,total_idr,payment_fee_idr,paid_total_idr,payment_gateway,payment_method,paid_at");
    expect(lines[1]).toBe(`${order.reference},2026-11-15T05:00:00.000Z,PENDING_PAYMENT,NEW_VPS,9511201,,"Tono, ""si"" =SUM(A1)",Basic 1 GB,DIGITALOCEAN,sgp1,1,128456,5000,,0,123456,0,0,,,`);
    expect(lines).toHaveLength(3);
    // A text that a spreadsheet would run is defused; numbers stay numbers.
    expect(csvField("=HYPERLINK(\"x\")")).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField("@cmd")).toBe("'@cmd");
    expect(csvField(-1500)).toBe("-1500");
    expect(allText(await send(OWNER, { text: "/order csv" }))).toContain("Tulis rentang tanggal");
  });
});
