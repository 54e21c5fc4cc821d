import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoCatalog } from "../../db/seed.js";
import { tickId } from "../../jobs/scheduler.js";
import { scheduleTable } from "../../ops/runtime.js";
import { waitForIdleQueues } from "../support/quiet.js";
import { startTestService, type TestService } from "../support/service.js";

let t: TestService;
beforeAll(async () => {
  t = await startTestService({ clouds: true }); // the catalog only sells plans its cloud says are available
  await seedDemoCatalog(t.service.prisma);
});
afterAll(async () => {
  await t?.stop();
});

const WAIT = { timeoutMs: 10_000 };

/** Runs the scheduler's order-expiry entry exactly as its cron tick would. */
async function runExpirySweep() {
  const entry = scheduleTable(t.service.queues).find((e) => e.name === "order-expiry")!;
  await entry.run(tickId(new Date(Date.now() + Math.random() * 1e9)));
}

describe("shopping in the chat, end to end over the fake Telegram", () => {
  it("browses, is told why an expired coupon fails, applies a valid one, orders, lists it, and the unpaid order expires", async () => {
    const user = t.fake.user(8_100_001, { firstName: "Andi" });
    await user.sendText("/start");
    await user.waitForMessage(/Halo, Andi!/, WAIT);
    await user.pressButton("🛒 Katalog VPS");
    await user.waitForMessage(/Pilih penyedia cloud/, WAIT);
    await user.pressButton("DigitalOcean (3 paket)");
    const plans = await user.waitForMessage(/DigitalOcean — pilih paket/, WAIT);
    expect(plans.text).toContain("1 bulan: Rp 75.000 Rp 60.000 🔥 promo s.d.");
    expect(plans.entities?.some((e) => e.type === "strikethrough")).toBe(true);
    await user.pressButton("DO Basic 1 GB · mulai Rp 60.000");
    await user.waitForMessage(/Pilih durasi sewa/, WAIT);
    await user.pressButton("1 bulan · Rp 60.000");
    await user.waitForMessage(/Pilih sistem operasi/, WAIT);
    await user.pressButton("Ubuntu 22.04 LTS");
    await user.waitForMessage(/Punya kode kupon\?/, WAIT);

    await user.sendText("lama50");
    await user.waitForMessage("❌ Kupon LAMA50 sudah kedaluwarsa.\nKetik kode lain, atau tekan Lewati.", WAIT);
    await user.sendText("HEMAT10");
    const summary = await user.waitForMessage(/Ringkasan pesanan/, WAIT);
    expect(summary.text).toContain("✅ Kupon HEMAT10 dipakai: hemat Rp 6.000.");
    expect(summary.text).toContain("Harga: Rp 75.000\nDiskon promo: −Rp 15.000\nDiskon kupon HEMAT10: −Rp 6.000\nTotal: Rp 54.000");

    await user.pressButton("✅ Konfirmasi pesanan");
    const created = await user.waitForMessage(/✅ Pesanan ORD-\d{8}-[A-Z0-9]{5} dibuat\./, WAIT);
    await user.waitForMessage(/menunggu pembayaran\.\nPaket: DO Basic 1 GB · 1 bulan\nTotal: Rp 54\.000/, WAIT);

    const orders = await t.service.prisma.order.findMany({ include: { statusHistory: true, couponRedemption: true } });
    expect(orders).toHaveLength(1);
    const order = orders[0]!;
    expect(created.text).toContain(order.reference);
    expect(order).toMatchObject({
      status: "PENDING_PAYMENT",
      kind: "NEW_VPS",
      planCode: "do-s-1vcpu-1gb-sgp1",
      planName: "DO Basic 1 GB",
      providerCode: "DIGITALOCEAN",
      providerSizeSlug: "s-1vcpu-1gb",
      region: "sgp1",
      imageCode: "ubuntu-22.04",
      providerImageRef: "ubuntu-22-04-x64",
      durationMonths: 1,
      basePriceIdr: 75_000,
      promoDiscountIdr: 15_000,
      couponDiscountIdr: 6_000,
      couponCode: "HEMAT10",
      totalIdr: 54_000,
    });
    expect(order.statusHistory.map((h) => [h.fromStatus, h.toStatus, h.actorType])).toEqual([[null, "PENDING_PAYMENT", "CUSTOMER"]]);
    expect(order.couponRedemption?.status).toBe("ACTIVE");
    expect(Date.parse(String(order.paymentDeadline)) - Date.parse(String(order.createdAt))).toBe(24 * 3600_000);

    await user.sendText("/orders");
    const list = await user.waitForMessage(/Pesanan saya/, WAIT);
    expect(list.text).toContain(`${order.reference} · DO Basic 1 GB · Rp 54.000 · Menunggu pembayaran`);
    await user.pressButton(new RegExp(order.reference));
    const detail = await user.waitForMessage(new RegExp(`Pesanan ${order.reference}`), WAIT);
    expect(detail.text).toContain("Total: Rp 54.000");
    expect(detail.text).toContain("Langkah berikutnya: bayar sebelum");

    // The deadline passes: the scheduler's sweep expires the order, releases the coupon, tells the customer once.
    await t.service.prisma.order.update({ where: { id: order.id }, data: { paymentDeadline: new Date(Date.now() - 1000) } });
    await runExpirySweep();
    await user.waitForMessage(new RegExp(`⌛ Pesanan ${order.reference} kedaluwarsa`), WAIT);
    await runExpirySweep();
    const after = await t.service.prisma.order.findUniqueOrThrow({ where: { id: order.id }, include: { couponRedemption: true, statusHistory: { orderBy: { id: "asc" } } } });
    expect(after.status).toBe("EXPIRED");
    expect(after.couponRedemption?.status).toBe("RELEASED");
    expect(after.statusHistory.at(-1)).toMatchObject({ fromStatus: "PENDING_PAYMENT", toStatus: "EXPIRED", actorType: "SCHEDULER" });
    expect((await t.service.prisma.coupon.findUniqueOrThrow({ where: { code: "HEMAT10" } })).usedCount).toBe(0);
    await waitForIdleQueues(t.service.queues); // the second sweep's work has run: a second notice would be here
    expect(user.messages().filter((m) => /kedaluwarsa karena belum dibayar/.test(m.text ?? ""))).toHaveLength(1);
  });

  it("runs the same flow in English", async () => {
    const user = t.fake.user(8_100_002, { firstName: "Emma", languageCode: "en" });
    await user.sendText("/language");
    await user.waitForMessage("Pilih bahasa yang Anda inginkan:", WAIT);
    await user.pressButton("🇬🇧 English");
    await user.waitForMessage(/Language switched to English/, WAIT);
    await user.sendText("/catalog");
    await user.waitForMessage(/Choose a cloud provider/, WAIT);
    await user.pressButton("Vultr (3 plans)");
    await user.waitForMessage(/Vultr — choose a plan/, WAIT);
    await user.pressButton(/^Vultr Cloud 2 GB · from/);
    await user.waitForMessage(/Choose the rental period/, WAIT);
    await user.pressButton(/^3 months · /);
    await user.waitForMessage(/Choose the operating system/, WAIT);
    await user.pressButton("Debian 12");
    await user.waitForMessage(/Have a coupon code\?/, WAIT);
    await user.sendText("LAMA50");
    await user.waitForMessage("❌ Coupon LAMA50 has expired.\nType another code, or tap Skip.", WAIT);
    await user.pressButton("Skip");
    const summary = await user.waitForMessage(/Order summary/, WAIT);
    expect(summary.text).toMatch(/Period: 3 months/);
    await user.pressButton("✅ Confirm order");
    await user.waitForMessage(/✅ Order ORD-\d{8}-[A-Z0-9]{5} created\./, WAIT);
    const order = await t.service.prisma.order.findFirstOrThrow({ where: { user: { telegramId: 8_100_002n } } });
    expect(order).toMatchObject({ providerCode: "VULTR", durationMonths: 3, imageName: "Debian 12", couponCode: null, couponDiscountIdr: 0 });
    expect(order.totalIdr).toBe(order.basePriceIdr - order.promoDiscountIdr);
    await user.sendText("/orders");
    const list = await user.waitForMessage(/My orders/, WAIT);
    expect(list.text).toContain(`${order.reference} · ${order.planName} · `);
    expect(list.text).toContain("Awaiting payment");
  });
});
