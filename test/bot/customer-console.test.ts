/**
 * The customers console end to end through the real bot (every middleware, real Postgres and
 * Redis, real queues with no worker behind them): /customer finds a customer by @username,
 * Telegram id and name; the owner bans (the customer is refused everywhere with a clear
 * message, the ban seen on the very next update) and unbans; sets and clears the reseller tier;
 * adjusts the wallet up and down (a refusal below zero, a double tap applied once, the ledger
 * balanced); sends a message that is queued once. People without the permission are refused by
 * command and by crafted callback data, and nothing changes.
 */
import { Api } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notificationsProcessor } from "../../jobs/processors/notifications.processor.js";
import { parsePayload, QueueName } from "../../jobs/queues.js";
import { applyAdjustment, draftAdjustment } from "../../shop/customers/wallet-adjustment.js";
import { walletBalance } from "../../shop/wallet/balance.js";
import { buttonsOf, recordingFetch, textsSince, updates, type RecordedCall, type TestUser } from "../support/bot-harness.js";
import { failedVpsOrder } from "../support/factories.js";
import { createBotHarness, TEST_TOKEN } from "../support/service.js";

const OWNER: TestUser = { id: 9_520_001, first_name: "Pemilik" };
const SELLER: TestUser = { id: 9_520_002, first_name: "Penjual" };
const BUDI: TestUser = { id: 9_520_010, first_name: "Budi Santoso", username: "budi_vps" };
const SITI: TestUser = { id: 9_520_011, first_name: "Siti Budiarti", username: "siti_b" };
const OTHER: TestUser = { id: 9_520_012, first_name: "Pembeli Lain" };

let h: Awaited<ReturnType<typeof createBotHarness>>;
const t = (key: string, vars?: Record<string, string | number>) => h.core.i18n.t("id", key, vars);

async function send(user: TestUser, text: string): Promise<RecordedCall[]> {
  const from = h.calls.length;
  await h.bot.handleUpdate(updates.text(user, text));
  return h.calls.slice(from);
}
async function tap(user: TestUser, data: string): Promise<RecordedCall[]> {
  const from = h.calls.length;
  await h.bot.handleUpdate(updates.callback(user, data));
  return h.calls.slice(from);
}
const texts = (calls: RecordedCall[]) => textsSince(calls);
const alerts = (calls: RecordedCall[]) => calls.filter((c) => c.method === "answerCallbackQuery").map((c) => String(c.payload.text ?? ""));
const lastButtons = (calls: RecordedCall[]) => buttonsOf([...calls].reverse().find((c) => c.method === "sendMessage" || c.method === "editMessageText"));
const userId = async (u: TestUser) => (await h.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(u.id) } })).id;
const audits = (action: string) => h.prisma.auditLog.findMany({ where: { action }, orderBy: { id: "asc" } });

/** Types "+50000 reason" after the wallet button and returns the draft id on the confirm button. */
async function draftVia(owner: TestUser, customerId: number, line: string): Promise<number> {
  await tap(owner, `cu:w:${customerId}`);
  const calls = await send(owner, line);
  const data = lastButtons(calls).find((b) => b.data?.startsWith("cu:wok:"))?.data;
  expect(data, texts(calls).join("\n")).toBeDefined();
  return Number(data!.slice("cu:wok:".length));
}

beforeAll(async () => {
  h = await createBotHarness({ OWNER_IDS: String(OWNER.id), SELLER_IDS: String(SELLER.id), BOT_RATE_LIMIT_PER_10S: "100000" });
  // Everyone writes once, so the bot knows them (and caches them) as it would in the shop.
  for (const u of [OWNER, SELLER, BUDI, SITI, OTHER]) await send(u, "/start");
});
afterAll(async () => {
  await h?.close();
});

describe("/customer lookup", () => {
  it("finds a customer by @username, by Telegram id and by a unique part of the name", async () => {
    for (const query of ["@budi_vps", "@BUDI_VPS", String(BUDI.id), "santoso"]) {
      const calls = await send(OWNER, `/customer ${query}`);
      const card = texts(calls).join("\n");
      expect(card, query).toContain("Budi Santoso");
      expect(card).toContain(String(BUDI.id));
      expect(card).toContain(t("cust-card-wallet", { balance: "Rp 0" }));
      expect(lastButtons(calls).map((b) => b.data)).toEqual(expect.arrayContaining([`cu:l:${await userId(BUDI)}:1`, `cu:ban:${await userId(BUDI)}`, `cu:w:${await userId(BUDI)}`]));
    }
  });

  it("lists several matches to pick from, says when nothing matches, and explains the command", async () => {
    const many = await send(OWNER, "/customer budi");
    expect(texts(many)).toEqual([t("cust-many-found", { query: "budi" })]);
    expect(lastButtons(many).map((b) => b.data).sort()).toEqual([`cu:v:${await userId(BUDI)}`, `cu:v:${await userId(SITI)}`].sort());
    const picked = await tap(OWNER, `cu:v:${await userId(SITI)}`);
    expect(texts(picked).join("\n")).toContain("Siti Budiarti");
    expect(texts(await send(OWNER, "/customer @nobody_here"))).toEqual([t("cust-none-found", { query: "@nobody_here" })]);
    expect(texts(await send(OWNER, "/customer"))).toEqual([t("cust-usage")]);
  });

  it("shows the customer's orders by status, their VPS and their ledger pages", async () => {
    const id = await userId(OTHER);
    const failed = await failedVpsOrder(h.prisma, id);
    const active = await failedVpsOrder(h.prisma, id);
    await h.prisma.order.update({ where: { id: active.id }, data: { status: "ACTIVE", paidAt: new Date() } });
    await h.prisma.instance.create({
      data: { orderId: active.id, userId: id, providerCode: "DIGITALOCEAN", providerInstanceId: `cu-${active.id}`, label: "vps-pembeli", region: "sgp1", planCode: "do-s-1vcpu-1gb-sgp1", imageCode: "ubuntu-22.04", ipv4: "203.0.113.7", status: "ACTIVE", expiresAt: new Date(Date.now() + 30 * 86_400_000) },
    });
    const card = texts(await send(OWNER, `/customer ${OTHER.id}`)).join("\n");
    expect(card).toContain(t("cust-card-orders", { total: 2, counts: `${t("order-status-ACTIVE")} 1 · ${t("order-status-PROVISIONING_FAILED")} 1` }));
    expect(card).toContain(failed.reference);
    expect(card).toContain(active.reference);
    expect(card).toContain(t("cust-card-vps", { live: 1 }));
    expect(card).toContain(`vps-pembeli · ${t("vps-status-running")} · 203.0.113.7`);
    const ledger = await tap(OWNER, `cu:l:${id}:1`);
    expect(texts(ledger).join("\n")).toContain(t("cust-ledger-empty"));
    expect(lastButtons(ledger).map((b) => b.data)).toEqual([`cu:v:${id}`]);
  });
});

describe("ban and unban", () => {
  it("a banned customer is refused everywhere with a clear message at once, and shops again after the unban", async () => {
    const budi = await userId(BUDI);
    // Budi's copy is cached (he just wrote): the ban must still be seen on his next update.
    expect(texts(await send(BUDI, "/start"))).not.toContain(t("cust-banned-notice"));

    expect(texts(await tap(OWNER, `cu:ban:${budi}`))).toEqual([t("cust-ask-ban", { name: "Budi Santoso" })]);
    expect(texts(await send(OWNER, "no"))).toEqual([t("cust-reason-invalid")]);
    expect(texts(await send(OWNER, "penipuan chargeback berulang"))).toEqual([t("cust-banned", { name: "Budi Santoso" })]);
    const row = await h.prisma.user.findUniqueOrThrow({ where: { id: budi } });
    expect(row.bannedAt).not.toBeNull();
    expect(row.banReason).toBe("penipuan chargeback berulang");
    expect(row.bannedByUserId).toBe(await userId(OWNER));
    expect(row.blocked).toBe(false);
    const [ban] = await audits("customer.ban");
    expect(ban).toMatchObject({ actorUserId: await userId(OWNER), actorType: "OWNER", targetType: "user", targetId: String(budi) });
    expect(ban!.details).toMatchObject({ before: { banned: false }, after: { banned: true, reason: "penipuan chargeback berulang" } });

    expect(texts(await send(BUDI, "/start"))).toEqual([t("cust-banned-notice")]);
    expect(texts(await send(BUDI, "/catalog"))).toEqual([t("cust-banned-notice")]);
    expect(alerts(await tap(BUDI, "menu:catalog"))).toEqual([t("cust-banned-notice")]);
    const card = texts(await send(OWNER, `/customer ${BUDI.id}`)).join("\n");
    expect(card).toContain("penipuan chargeback berulang");

    await tap(OWNER, `cu:unb:${budi}`);
    expect(texts(await send(OWNER, "sudah dikonfirmasi bank"))).toEqual([t("cust-unbanned", { name: "Budi Santoso" })]);
    expect((await h.prisma.user.findUniqueOrThrow({ where: { id: budi } })).bannedAt).toBeNull();
    expect((await audits("customer.unban"))[0]!.details).toMatchObject({ before: { banned: true }, after: { banned: false }, reason: "sudah dikonfirmasi bank" });
    const back = texts(await send(BUDI, "/start"));
    expect(back).not.toContain(t("cust-banned-notice"));
    expect(back.join("\n")).toContain("Budi Santoso");
  });

  it("a banned staff member loses their staff powers; the owner cannot be banned", async () => {
    const seller = await userId(SELLER);
    await tap(OWNER, `cu:ban:${seller}`);
    await send(OWNER, "staf keluar dari tim");
    expect(texts(await send(SELLER, "/stats"))).toEqual([t("cust-banned-notice")]);
    await tap(OWNER, `cu:unb:${seller}`);
    await send(OWNER, "kembali bekerja");
    expect(texts(await send(SELLER, "/stats"))).not.toContain(t("cust-banned-notice"));

    await tap(OWNER, `cu:ban:${await userId(OWNER)}`);
    expect(texts(await send(OWNER, "mencoba diri sendiri"))).toEqual([t("cust-ban-refused-self")]);
    expect((await h.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(OWNER.id) } })).bannedAt).toBeNull();
  });
});

describe("reseller tier", () => {
  it("sets a tier from the active ones and takes it away, audited with before and after", async () => {
    const siti = await userId(SITI);
    const gold = await h.prisma.resellerTier.create({ data: { code: "cu-gold", name: "Gold" } });
    await h.prisma.resellerTier.create({ data: { code: "cu-old", name: "Lama", active: false } });
    const picker = await tap(OWNER, `cu:t:${siti}`);
    const choices = lastButtons(picker).map((b) => b.data);
    expect(choices).toContain(`cu:ts:${siti}:${gold.id}`);
    expect(choices).toContain(`cu:ts:${siti}:0`);
    expect(lastButtons(picker).map((b) => b.text)).not.toContain("Lama");

    const set = await tap(OWNER, `cu:ts:${siti}:${gold.id}`);
    expect(texts(set).join("\n")).toContain(t("cust-tier-set"));
    expect((await h.prisma.user.findUniqueOrThrow({ where: { id: siti } })).resellerTierId).toBe(gold.id);
    await tap(OWNER, `cu:ts:${siti}:0`);
    expect((await h.prisma.user.findUniqueOrThrow({ where: { id: siti } })).resellerTierId).toBeNull();
    const trail = await audits("customer.tier.set");
    expect(trail.map((a) => a.details)).toEqual([
      { before: { tier: null }, after: { tier: { id: gold.id, code: "cu-gold" } } },
      { before: { tier: { id: gold.id, code: "cu-gold" } }, after: { tier: null } },
    ]);
  });
});

describe("wallet adjustment", () => {
  it("adds and takes money through the ledger, refuses below zero, and applies a double tap once", async () => {
    const siti = await userId(SITI);
    const plus = await draftVia(OWNER, siti, "+50.000 kompensasi gangguan jaringan");
    expect(await walletBalance(h.prisma, siti)).toBe(0);
    const first = await tap(OWNER, `cu:wok:${plus}`);
    expect(texts(first)).toEqual([t("cust-adjust-done", { amount: "+Rp 50.000", before: "Rp 0", after: "Rp 50.000" })]);
    expect(alerts(await tap(OWNER, `cu:wok:${plus}`))).toEqual([t("cust-draft-done")]);
    expect(await walletBalance(h.prisma, siti)).toBe(50_000);

    const minus = await draftVia(OWNER, siti, "-20000 koreksi salah input");
    await tap(OWNER, `cu:wok:${minus}`);
    expect(await walletBalance(h.prisma, siti)).toBe(30_000);

    const tooMuch = await draftVia(OWNER, siti, "-40000 terlalu banyak");
    expect(alerts(await tap(OWNER, `cu:wok:${tooMuch}`))).toEqual([t("cust-adjust-below-zero", { balance: "Rp 30.000", amount: "Rp 40.000" })]);
    expect(await walletBalance(h.prisma, siti)).toBe(30_000);

    const adjustments = await h.prisma.ledgerTransaction.findMany({ where: { kind: "ADJUSTMENT" }, include: { entries: true }, orderBy: { id: "asc" } });
    expect(adjustments.map((a) => a.idempotencyKey)).toEqual([`adjust:action:${plus}`, `adjust:action:${minus}`]);
    for (const a of adjustments) expect(a.entries.reduce((s, e) => s + e.amountIdr, 0)).toBe(0);
    const shopSide = await h.prisma.ledgerEntry.aggregate({ where: { account: "adjustments" }, _sum: { amountIdr: true } });
    expect(shopSide._sum.amountIdr).toBe(-30_000);
    const trail = await audits("wallet.adjust");
    expect(trail.map((a) => a.details)).toEqual([
      expect.objectContaining({ amountIdr: 50_000, before: { balanceIdr: 0 }, after: { balanceIdr: 50_000 }, reason: "kompensasi gangguan jaringan" }),
      expect.objectContaining({ amountIdr: -20_000, before: { balanceIdr: 50_000 }, after: { balanceIdr: 30_000 } }),
    ]);
    // The customer's own statement shows the correction with its reason.
    const history = await h.prisma.ledgerEntry.count({ where: { account: `wallet:${siti}` } });
    expect(history).toBe(2);
  });

  it("two taps racing on one confirmation post once", async () => {
    const other = await userId(OTHER);
    const staff = { userId: await userId(OWNER), role: "OWNER" as const };
    const { draftId } = await draftAdjustment(h.prisma, { customerId: other, staff, amountIdr: 7_000, reason: "uji ketukan ganda" });
    const results = await Promise.all([applyAdjustment(h.prisma, { draftId, staff }), applyAdjustment(h.prisma, { draftId, staff })]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => (r as { reason: string }).reason)).toEqual(["already_done"]);
    expect(await walletBalance(h.prisma, other)).toBe(7_000);
  });

  it("refuses a malformed amount with the format and changes nothing", async () => {
    const siti = await userId(SITI);
    await tap(OWNER, `cu:w:${siti}`);
    expect(texts(await send(OWNER, "lima puluh ribu"))).toEqual([t("cust-adjust-format")]);
    expect(texts(await send(OWNER, "+0 nol"))).toEqual([t("cust-adjust-zero")]);
    // Three unusable answers end the step.
    expect(texts(await send(OWNER, "+999999999 typo"))).toEqual([t("cust-adjust-too_large"), t("cust-input-gave-up")]);
    await tap(OWNER, `cu:w:${siti}`);
    for (let i = 0; i < 2; i++) await send(OWNER, "bukan angka");
    expect(texts(await send(OWNER, "bukan angka"))).toEqual([t("cust-adjust-format"), t("cust-input-gave-up")]);
    expect(texts(await send(OWNER, "+5000 sesudah berhenti"))).toEqual([t("unknown-input")]);
    expect(await h.prisma.customerAction.count({ where: { customerId: siti, doneAt: null, amountIdr: { not: -40_000 } } })).toBe(0);
  });
});

describe("a message from the shop", () => {
  it("is queued once through the notifications outbox and audited", async () => {
    const budi = await userId(BUDI);
    await tap(OWNER, `cu:m:${budi}`);
    const preview = await send(OWNER, "Server Anda akan dipindah malam ini pukul 23.00.");
    const data = lastButtons(preview).find((b) => b.data?.startsWith("cu:mok:"))!.data!;
    expect(texts(await tap(OWNER, data))).toEqual([t("cust-message-sent")]);
    expect(alerts(await tap(OWNER, data))).toEqual([t("cust-draft-done")]);
    const jobId = `cu-msg-${data.slice("cu:mok:".length)}`;
    const rows = await h.prisma.jobOutbox.findMany({ where: { queue: QueueName.Notifications, jobId } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.payload).toEqual({ chatId: BUDI.id, key: "cust-shop-message", params: { text: "Server Anda akan dipindah malam ini pukul 23.00." } });
    const job = await h.core.queues.get(QueueName.Notifications).getJob(jobId);
    expect(job?.data).toEqual(rows[0]!.payload);
    const waiting = await h.core.queues.get(QueueName.Notifications).getJobs(["waiting", "delayed"]);
    expect(waiting.filter((j) => j.id?.startsWith("cu-msg-"))).toHaveLength(1);
    expect(await audits("customer.message")).toHaveLength(1);
  });

  it("reaches the customer in their language, word for word (a text starting with t: is not read as a key)", async () => {
    const budi = await userId(BUDI);
    await h.prisma.user.update({ where: { id: budi }, data: { language: "en" } });
    await tap(OWNER, `cu:m:${budi}`);
    const preview = await send(OWNER, "t:start-greeting <b>bukan HTML</b>");
    const data = lastButtons(preview).find((b) => b.data?.startsWith("cu:mok:"))!.data!;
    await tap(OWNER, data);
    const row = await h.prisma.jobOutbox.findFirstOrThrow({ where: { jobId: `cu-msg-${data.slice("cu:mok:".length)}` } });
    // The worker's side: the real notifications processor, Telegram recorded.
    const wire = recordingFetch();
    const deliver = notificationsProcessor({
      api: new Api(TEST_TOKEN, { fetch: wire.fetch }),
      i18n: h.core.i18n,
      prisma: h.prisma,
      shopName: "Toko Uji",
      encryptionKey: h.config.encryptionKey,
      queues: h.core.queues,
      credentialsTtlMs: 60_000,
    });
    await deliver(parsePayload(QueueName.Notifications, row.payload));
    const sent = wire.calls.filter((c) => c.method === "sendMessage");
    expect(sent).toHaveLength(1);
    expect(sent[0]!.payload.chat_id).toBe(BUDI.id);
    expect(sent[0]!.payload.parse_mode).toBeUndefined();
    expect(String(sent[0]!.payload.text)).toBe(h.core.i18n.t("en", "cust-shop-message", { text: "t\u200b:start-greeting <b>bukan HTML</b>" }));
    expect(String(sent[0]!.payload.text)).toContain("A message from the shop");
    await h.prisma.user.update({ where: { id: budi }, data: { language: "id" } });
  });
});

describe("people without the permission", () => {
  it("a customer gets no card by command or by crafted callback data, and nothing changes", async () => {
    const budi = await userId(BUDI);
    const ownerDraft = await draftVia(OWNER, budi, "+1000 uji izin");
    expect(texts(await send(OTHER, `/customer ${BUDI.id}`))).toEqual([t("unknown-input")]);
    for (const data of [`cu:v:${budi}`, `cu:l:${budi}:1`, `cu:ban:${budi}`, `cu:t:${budi}`, `cu:ts:${budi}:0`, `cu:w:${budi}`, `cu:wok:${ownerDraft}`, `cu:m:${budi}`]) {
      const calls = await tap(OTHER, data);
      expect(alerts(calls), data).toEqual([t("stale-button")]);
      expect(texts(calls), data).toEqual([]);
    }
    expect(texts(await send(OTHER, "spam spam spam"))).toEqual([t("unknown-input")]);
    expect((await h.prisma.user.findUniqueOrThrow({ where: { id: budi } })).bannedAt).toBeNull();
    expect(await walletBalance(h.prisma, budi)).toBe(0);
  });

  it("a seller without wallet.adjust cannot adjust, even with the owner's confirmation button", async () => {
    const budi = await userId(BUDI);
    const ownerDraft = await draftVia(OWNER, budi, "+2000 uji izin penjual");
    for (const data of [`cu:w:${budi}`, `cu:wok:${ownerDraft}`, `cu:ban:${budi}`, `cu:ts:${budi}:0`, `cu:m:${budi}`]) {
      const calls = await tap(SELLER, data);
      expect(alerts(calls), data).toEqual([t("stale-button")]);
    }
    expect(await walletBalance(h.prisma, budi)).toBe(0);
    expect(await h.prisma.customerAction.count({ where: { customerId: budi, doneAt: { not: null }, kind: "WALLET_ADJUSTMENT" } })).toBe(0);
  });
});
