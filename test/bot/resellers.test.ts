import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeClouds, type FakeClouds } from "../../ops/fakes/clouds/index.js";
import { seedDemoCatalog } from "../../db/seed.js";
import { invoicePdfFor } from "../../shop/resellers/invoices.js";
import { parseClientLabel } from "../../shop/resellers/labels.js";
import { createOrder } from "../../shop/orders/create-order.js";
import type { Update } from "grammy/types";
import { buttonsOf, updates, type TestUser } from "../support/bot-harness.js";
import * as chat from "./reseller-chat.js";
import { createBotHarness } from "../support/service.js";

/** Issue 11, resellers: order labels at checkout and later, /orders by label, invoice history. Through the real bot. */
let h: Awaited<ReturnType<typeof createBotHarness>>;
let clouds: FakeClouds | undefined;
beforeAll(async () => {
  clouds = await startFakeClouds();
  // A reseller taps a lot in a few seconds: the per-chat flood limit is not what these tests are about.
  h = await createBotHarness({ ...clouds.env, BOT_RATE_LIMIT_PER_10S: "1000" });
  await seedDemoCatalog(h.prisma);
});
afterAll(async () => {
  await h?.close();
  await clouds?.stop();
});

const send = (update: Update) => chat.send(h, update);
const lastSentId = () => chat.lastSentId(h);

async function shopUser(user: TestUser) {
  await h.bot.handleUpdate(updates.text(user, "/start"));
  if (user.language_code === "en") {
    await h.bot.handleUpdate(updates.text(user, "/language"));
    await h.bot.handleUpdate(updates.callback(user, "lang:en", 9));
  }
  return h.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(user.id) } });
}

/** Catalog → plan → duration → image → coupon skipped: the summary, in message `msg`. */
const toSummary = async (user: TestUser, msg: number) => (await chat.toSummary(h, user, msg, "vultr-vc2-1c-1gb-sgp")).summary;

/** A NEW_VPS order placed by the shop's own createOrder `minutesAgo`, with a label. */
async function orderRow(userId: number, clientLabel: string | null, minutesAgo: number) {
  const plan = await h.prisma.plan.findUniqueOrThrow({ where: { code: "vultr-vc2-1c-1gb-sgp" } });
  const image = await h.prisma.osImage.findFirstOrThrow({ where: { providerId: plan.providerId, active: true } });
  const buyer = { userId, resellerTierId: null };
  const request = { planId: plan.id, durationMonths: 1, imageId: image.id, couponCode: null };
  const now = new Date(Date.now() - minutesAgo * 60_000);
  const quoted = await h.core.botDeps.catalog.quote(h.prisma, request, buyer, now);
  if (!quoted.ok) throw new Error(`no quote: ${quoted.reason}`);
  const created = await createOrder(h.prisma, h.core.botDeps.catalog, { buyer, request, expectedTotalIdr: quoted.quote.breakdown.totalIdr, paymentTtlHours: 24, now, clientLabel });
  if (created.status !== "created") throw new Error(`not created: ${created.status}`);
  return created.order;
}


describe("order labels", () => {
  it("the label is checked: trimmed, inner spaces collapsed, 1–32 characters, letters/digits/some punctuation", () => {
    expect(parseClientLabel("  PT   Maju & Co. ")).toEqual({ ok: true, label: "PT Maju & Co." });
    expect(parseClientLabel("Toko Budi #2 (Bandung)")).toEqual({ ok: true, label: "Toko Budi #2 (Bandung)" });
    expect(parseClientLabel("株式会社テスト")).toEqual({ ok: true, label: "株式会社テスト" });
    expect(parseClientLabel("   ")).toEqual({ ok: false, reason: "empty" });
    expect(parseClientLabel("x".repeat(33))).toEqual({ ok: false, reason: "too_long" });
    expect(parseClientLabel("é".repeat(32))).toEqual({ ok: true, label: "é".repeat(32) });
    expect(parseClientLabel("<b>klien</b>")).toEqual({ ok: false, reason: "bad_chars" });
    expect(parseClientLabel("a:b")).toEqual({ ok: false, reason: "bad_chars" });
    expect(parseClientLabel("klien 🚀")).toEqual({ ok: false, reason: "bad_chars" });
  });

  it("is set at checkout (optional), refused when invalid, stored on the order and shown escaped on the order and the VPS", async () => {
    const rina: TestUser = { id: 5_500_001, first_name: "Rina", language_code: "en" };
    const user = await shopUser(rina);
    const summary = await toSummary(rina, 30);
    expect(buttonsOf(summary.last).map((b) => b.data)).toContain("chk:label");
    expect(summary.text).not.toContain("Label:");

    const ask = await send(updates.callback(rina, "chk:label", 30));
    expect(ask.text).toContain("Send the label for this order");
    const bad = await send(updates.text(rina, "<b>Acme</b>"));
    expect(bad.text).toContain("letters, digits, spaces");
    const good = await send(updates.text(rina, "  PT   Maju & Co. "));
    expect(good.text).toContain("Label: <b>PT Maju &amp; Co.</b>");
    expect(buttonsOf(good.last).find((b) => b.data === "chk:label")?.text).toBe("🏷 Change label");

    const placed = await send(updates.callback(rina, "chk:confirm", lastSentId()));
    expect(placed.text).toContain("Order");
    const order = await h.prisma.order.findFirstOrThrow({ where: { userId: user.id } });
    expect(order.clientLabel).toBe("PT Maju & Co.");

    const card = await send(updates.callback(rina, `ord:view:${order.id}`, 31));
    expect(card.text).toContain("🏷 PT Maju &amp; Co.");
    expect(buttonsOf(card.last).map((b) => b.data)).toEqual(expect.arrayContaining([`rs:e:${order.id}`, `rs:x:${order.id}`]));
    const list = await send(updates.text(rina, "/orders"));
    expect(list.text).toContain("🏷 PT Maju &amp; Co.");

    const instance = await h.prisma.instance.create({
      data: { orderId: order.id, userId: user.id, providerCode: "VULTR", label: "vps-rina", region: "sgp", planCode: order.planCode!, imageCode: order.imageCode!, status: "ACTIVE", ipv4: "203.0.113.7", expiresAt: new Date(Date.now() + 20 * 86_400_000) },
    });
    const vps = await send(updates.callback(rina, `vps:view:${instance.id}`, 32));
    expect(vps.text).toContain("🏷 PT Maju &amp; Co.");
    const vpsList = await send(updates.text(rina, "/vps"));
    expect(vpsList.text).toContain("🏷 PT Maju &amp; Co.");
  });

  it("checkout without a label places the order without one (the step is optional)", async () => {
    const eko: TestUser = { id: 5_500_002, first_name: "Eko", language_code: "id" };
    const user = await shopUser(eko);
    await toSummary(eko, 40);
    await send(updates.callback(eko, "chk:confirm", 40));
    const order = await h.prisma.order.findFirstOrThrow({ where: { userId: user.id } });
    expect(order.clientLabel).toBeNull();
  });

  it("is edited and removed later from the order view, audited; someone else's order is refused and unchanged", async () => {
    const ana: TestUser = { id: 5_500_003, first_name: "Ana", language_code: "en" };
    const user = await shopUser(ana);
    const order = await orderRow(user.id, null, 5);

    const card = await send(updates.callback(ana, `ord:view:${order.id}`, 50));
    expect(buttonsOf(card.last).find((b) => b.data === `rs:e:${order.id}`)?.text).toBe("🏷 Add a label (client/project)");
    await send(updates.callback(ana, `rs:e:${order.id}`, 50));
    const tooLong = await send(updates.text(ana, "k".repeat(33)));
    expect(tooLong.text).toContain("too long");
    expect((await h.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).clientLabel).toBeNull();
    const saved = await send(updates.text(ana, "klien/acme"));
    expect(saved.text).toContain("labelled <b>klien/acme</b>");
    expect((await h.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).clientLabel).toBe("klien/acme");
    const audit = await h.prisma.auditLog.findFirstOrThrow({ where: { action: "order.label.update", targetId: String(order.id) } });
    expect(audit).toMatchObject({ actorUserId: user.id, actorType: "CUSTOMER", details: { before: null, after: "klien/acme" } });

    // Cancel leaves it as it was.
    await send(updates.callback(ana, `rs:e:${order.id}`, 50));
    const cancelled = await send(updates.callback(ana, "rs:c", lastSentId()));
    expect(cancelled.text).toContain("Label unchanged");
    expect((await h.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).clientLabel).toBe("klien/acme");

    // Another customer, with crafted buttons: refused, nothing changed.
    const mallory: TestUser = { id: 5_500_004, first_name: "Mallory", language_code: "en" };
    await shopUser(mallory);
    await send(updates.callback(mallory, `rs:e:${order.id}`, 51));
    const foreign = await send(updates.text(mallory, "stolen"));
    expect(foreign.text).toContain("Order not found");
    const clear = await send(updates.callback(mallory, `rs:x:${order.id}`, 51));
    expect(clear.calls.find((c) => c.method === "answerCallbackQuery")?.payload).toMatchObject({ text: "Order not found.", show_alert: true });
    expect((await h.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).clientLabel).toBe("klien/acme");

    await send(updates.callback(ana, `rs:x:${order.id}`, 50));
    expect((await h.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).clientLabel).toBeNull();
  });
});

describe("/orders by label", () => {
  it("groups a customer's orders by label with counts, pages one label's orders, and refuses another customer's group", async () => {
    const budi: TestUser = { id: 5_500_010, first_name: "Budi", language_code: "en" };
    const user = await shopUser(budi);
    const acme = [];
    for (let i = 0; i < 6; i++) acme.push(await orderRow(user.id, "Acme", 60 - i));
    await orderRow(user.id, "Toko Sari", 10);
    await orderRow(user.id, null, 70);
    await orderRow(user.id, null, 71);

    const list = await send(updates.text(budi, "/orders"));
    expect(buttonsOf(list.last).map((b) => b.data)).toContain("rs:l:0");
    const groups = await send(updates.callback(budi, "rs:l:0", 60));
    expect(groups.text).toContain("Acme — 6 orders");
    expect(groups.text).toContain("Toko Sari — 1 order");
    expect(groups.text).toContain("(no label) — 2 orders");
    // Most recently used label first, the unlabelled last.
    expect(groups.text.indexOf("Toko Sari")).toBeLessThan(groups.text.indexOf("Acme"));
    expect(groups.text.indexOf("Acme")).toBeLessThan(groups.text.indexOf("(no label)"));
    const acmeButton = buttonsOf(groups.last).find((b) => b.text === "Acme (6)")!;
    expect(acmeButton.data).toMatch(/^rs:g:\d+:0$/);

    const page0 = await send(updates.callback(budi, acmeButton.data!, 60));
    expect(page0.text).toContain("🏷 Acme</b> — 6 orders");
    const shown0 = buttonsOf(page0.last).filter((b) => b.data?.startsWith("ord:view:"));
    expect(shown0).toHaveLength(5);
    const next = buttonsOf(page0.last).find((b) => b.data?.endsWith(":1"))!;
    const page1 = await send(updates.callback(budi, next.data!, 60));
    const shown1 = buttonsOf(page1.last).filter((b) => b.data?.startsWith("ord:view:"));
    expect([...shown0, ...shown1].map((b) => Number(b.data!.split(":")[2])).sort()).toEqual(acme.map((o) => o.id).sort());

    const unlabelled = buttonsOf(groups.last).find((b) => b.text === "(no label) (2)")!;
    const none = await send(updates.callback(budi, unlabelled.data!, 60));
    expect(buttonsOf(none.last).filter((b) => b.data?.startsWith("ord:view:"))).toHaveLength(2);

    const mallory: TestUser = { id: 5_500_011, first_name: "Mallory", language_code: "en" };
    await shopUser(mallory);
    const foreign = await send(updates.callback(mallory, acmeButton.data!, 61));
    expect(foreign.calls.find((c) => c.method === "answerCallbackQuery")?.payload).toMatchObject({ show_alert: true });
    expect(foreign.text).not.toContain("Acme");
  });
});

describe("/invoices", () => {
  it("lists the customer's paid orders and sends any invoice PDF again, the same document every time; only their own", async () => {
    const dewi: TestUser = { id: 5_500_020, first_name: "Dewi", language_code: "id" };
    const user = await shopUser(dewi);
    expect((await send(updates.text(dewi, "/invoices"))).text).toContain("Belum ada faktur");
    await chat.fundWallet(h.prisma, user.id, 500_000, `rsl:wallet:${user.id}`);

    // Two orders placed and paid from the wallet through the chat, one left unpaid.
    const paid: number[] = [];
    for (const msg of [70, 71, 72]) {
      await toSummary(dewi, msg);
      const placed = await send(updates.callback(dewi, "chk:confirm", msg));
      const order = await h.prisma.order.findFirstOrThrow({ where: { userId: user.id, kind: "NEW_VPS" }, orderBy: { id: "desc" } });
      if (msg === 72) {
        expect(placed.text).toContain(order.reference);
        break;
      }
      await send(updates.callback(dewi, `pay:wlok:${order.id}`, msg));
      expect((await h.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).paidAt).not.toBeNull();
      paid.push(order.id);
    }
    const unpaid = await h.prisma.order.findFirstOrThrow({ where: { userId: user.id, paidAt: null, kind: "NEW_VPS" } });

    const list = await send(updates.text(dewi, "/invoices"));
    const refs = await h.prisma.order.findMany({ where: { id: { in: paid } }, select: { reference: true } });
    for (const { reference } of refs) expect(list.text).toContain(reference);
    expect(list.text).not.toContain(unpaid.reference);
    expect(buttonsOf(list.last).map((b) => b.data)).toEqual(expect.arrayContaining(paid.map((id) => `rs:d:${id}`)));

    const download = await send(updates.callback(dewi, `rs:d:${paid[0]}`, 73));
    expect(download.calls.filter((c) => c.method === "sendDocument")).toHaveLength(1);

    const one = await invoicePdfFor(h.prisma, { userId: user.id, orderId: paid[0]!, shopName: h.config.shopName });
    const again = await invoicePdfFor(h.prisma, { userId: user.id, orderId: paid[0]!, shopName: h.config.shopName });
    expect(one!.pdf.subarray(0, 5).toString()).toBe("%PDF-");
    expect(one!.pdf.equals(again!.pdf)).toBe(true);

    // Unpaid, or someone else's: refused, nothing sent.
    const notPaid = await send(updates.callback(dewi, `rs:d:${unpaid.id}`, 73));
    expect(notPaid.calls.filter((c) => c.method === "sendDocument")).toHaveLength(0);
    expect(notPaid.calls.find((c) => c.method === "answerCallbackQuery")?.payload).toMatchObject({ show_alert: true });
    const mallory: TestUser = { id: 5_500_021, first_name: "Mallory", language_code: "en" };
    const m = await shopUser(mallory);
    const foreign = await send(updates.callback(mallory, `rs:d:${paid[0]}`, 74));
    expect(foreign.calls.filter((c) => c.method === "sendDocument")).toHaveLength(0);
    expect(await invoicePdfFor(h.prisma, { userId: m.id, orderId: paid[0]!, shopName: h.config.shopName })).toBeNull();
  });
});
