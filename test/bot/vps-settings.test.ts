import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoCatalog } from "../../db/seed.js";
import { catalogFlagsAvailability } from "../../shop/catalog/availability.js";
import { Checkout } from "../../shop/payments/checkout.js";
import { buttonsOf, updates, type TestUser } from "../support/bot-harness.js";
import { createBotHarness } from "../support/service.js";

let h: Awaited<ReturnType<typeof createBotHarness>>;
beforeAll(async () => {
  h = await createBotHarness();
  await seedDemoCatalog(h.prisma);
});
afterAll(async () => {
  await h?.close();
});

const owner: TestUser = { id: 5_300_001, first_name: "Dina" };
const stranger: TestUser = { id: 5_300_002, first_name: "Lain" };

/** An ACTIVE VPS row for a user, as provisioning leaves it (no cloud needed for these screens). */
async function activeVps(telegramId: number) {
  const user = await h.prisma.user.upsert({ where: { telegramId: BigInt(telegramId) }, create: { telegramId: BigInt(telegramId), firstName: "X" }, update: {} });
  const plan = await h.prisma.plan.findUniqueOrThrow({ where: { code: "do-s-1vcpu-1gb-sgp1" }, include: { provider: true } });
  const image = await h.prisma.osImage.findFirstOrThrow({ where: { providerId: plan.providerId } });
  const order = await h.prisma.order.create({
    data: {
      reference: `ORD-20261121-${String(telegramId).slice(-5).replace(/[01]/g, "2")}`,
      userId: user.id,
      kind: "NEW_VPS",
      status: "ACTIVE",
      planId: plan.id,
      planCode: plan.code,
      planName: plan.name,
      providerCode: plan.provider.code,
      providerSizeSlug: plan.providerSizeSlug,
      region: plan.region,
      imageCode: image.code,
      imageName: image.name,
      providerImageRef: image.providerRef,
      durationMonths: 1,
      basePriceIdr: 75_000,
      totalIdr: 75_000,
      snapshot: {},
    },
  });
  return h.prisma.instance.create({
    data: { orderId: order.id, userId: user.id, providerCode: "DIGITALOCEAN", label: "vps-test", region: plan.region, planId: plan.id, planCode: plan.code, imageCode: image.code, status: "ACTIVE", ipv4: "203.0.113.7", expiresAt: new Date(Date.now() + 20 * 86_400_000) },
  });
}

function last(method: string) {
  return [...h.calls].reverse().find((c) => c.method === method);
}

describe("VPS settings and payability", () => {
  it("toggles auto-renew from the wallet on the VPS screen, audited; a stranger cannot", async () => {
    const vps = await activeVps(owner.id);
    await h.bot.handleUpdate(updates.callback(owner, `vps:view:${vps.id}`, 10));
    expect(buttonsOf(last("editMessageText")).map((b) => b.text)).toContain("🔁 Perpanjang otomatis: NONAKTIF");

    await h.bot.handleUpdate(updates.callback(owner, `vps:auto:${vps.id}`, 10));
    expect(last("answerCallbackQuery")?.payload.text).toMatch(/^Perpanjangan otomatis dari saldo diaktifkan/);
    expect(buttonsOf(last("editMessageText")).map((b) => b.text)).toContain("🔁 Perpanjang otomatis: AKTIF");
    expect((await h.prisma.instance.findUniqueOrThrow({ where: { id: vps.id } })).autoRenew).toBe(true);
    expect(await h.prisma.auditLog.count({ where: { action: "vps.auto_renew.on", targetId: String(vps.id) } })).toBe(1);

    await h.bot.handleUpdate(updates.callback(stranger, `vps:auto:${vps.id}`, 11));
    expect(last("answerCallbackQuery")?.payload).toMatchObject({ text: "VPS tidak ditemukan.", show_alert: true });
    expect((await h.prisma.instance.findUniqueOrThrow({ where: { id: vps.id } })).autoRenew).toBe(true);

    await h.bot.handleUpdate(updates.callback(owner, `vps:auto:${vps.id}`, 10));
    expect((await h.prisma.instance.findUniqueOrThrow({ where: { id: vps.id } })).autoRenew).toBe(false);
  });

  it("refuses to take money for a plan that became unavailable after the order", async () => {
    const buyer: TestUser = { id: 5_300_003, first_name: "Beli" };
    await h.bot.handleUpdate(updates.text(buyer, "/start"));
    const user = await h.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(buyer.id) } });
    const plan = await h.prisma.plan.findUniqueOrThrow({ where: { code: "vultr-vc2-1c-1gb-sgp" }, include: { provider: true } });
    const image = await h.prisma.osImage.findFirstOrThrow({ where: { providerId: plan.providerId } });
    const order = await h.prisma.order.create({
      data: {
        reference: "ORD-20261121-SLDT2",
        userId: user.id,
        kind: "NEW_VPS",
        planId: plan.id,
        planCode: plan.code,
        planName: plan.name,
        providerCode: plan.provider.code,
        providerSizeSlug: plan.providerSizeSlug,
        region: plan.region,
        imageCode: image.code,
        imageName: image.name,
        providerImageRef: image.providerRef,
        durationMonths: 1,
        basePriceIdr: 80_000,
        totalIdr: 80_000,
        snapshot: {},
        paymentDeadline: new Date(Date.now() + 3600_000),
      },
    });
    // With the catalog's own flags the order is payable; the seller then takes the plan out of
    // stock (the clouds' own answer is tested in test/cloud) and it is not any more.
    const flagsCheckout = new Checkout({ prisma: h.prisma, availability: catalogFlagsAvailability });
    expect((await flagsCheckout.payable(order.id, user.id)).ok).toBe(true);
    await h.prisma.plan.update({ where: { id: plan.id }, data: { stock: 0 } });
    expect(await flagsCheckout.payable(order.id, user.id)).toEqual({ ok: false, reason: "sold_out" });
    await h.bot.handleUpdate(updates.callback(buyer, `pay:m:${order.id}`, 12));
    expect(last("answerCallbackQuery")?.payload).toMatchObject({ text: "⛔ Paket ini sedang habis. Silakan pilih paket lain.", show_alert: true });
    await h.bot.handleUpdate(updates.callback(buyer, `pay:wlok:${order.id}`, 12));
    expect((await h.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("PENDING_PAYMENT");
    expect(await h.prisma.payment.count({ where: { orderId: order.id } })).toBe(0);
  });
});
