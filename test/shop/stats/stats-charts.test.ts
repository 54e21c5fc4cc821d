/**
 * The numbers behind /stats and the weekly summary, read from a shop built row by row: revenue
 * per Jakarta day counts only money the shop kept (a refunded order and a charged-back payment
 * are out, a wallet top-up is not revenue), the funnel follows catalog views to active VPS,
 * and every chart is a real PNG (decoded, sized, not blank) with its numbers in the caption.
 */
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocaleCache, createI18n } from "../../../bot/i18n.js";
import type { OrderStatus, PrismaClient, ProviderCode } from "../../../db/client.js";
import { newOrderReference } from "../../../shop/orders/reference.js";
import { countCatalogView } from "../../../shop/stats/charts/catalog-views.js";
import { formatIdrShort, type ChartKit } from "../../../shop/stats/charts/charts.js";
import { dayKeys, lastDays, previousWeek, startOfJakartaWeek } from "../../../shop/stats/charts/period.js";
import { chartSpecs, renderCharts } from "../../../shop/stats/charts/report.js";
import { readStatsData, type StatsData } from "../../../shop/stats/charts/stats-data.js";
import { shopStats } from "../../../shop/stats/shop-stats.js";
import { createTestDatabase, type TestDatabase } from "../../support/db.js";
import { userRow } from "../../support/factories.js";

let db: TestDatabase;
let prisma: PrismaClient;
const i18n = createI18n(new LocaleCache());
const kit = (locale: "id" | "en"): ChartKit => ({ locale, t: (key, params) => i18n.t(locale, key, params) });

/** 2026-12-03 10:00 in Jakarta (a Thursday): "today" of every test here. */
const NOW = new Date("2026-12-03T03:00:00Z");
const daysAgo = (n: number, hourUtc = 3) => new Date(Date.UTC(2026, 11, 3 - n, hourUtc));

interface Sale {
  status: OrderStatus;
  totalIdr: number;
  paidAt?: Date;
  createdAt?: Date;
  gateway?: "TRIPAY" | "MIDTRANS" | "WALLET" | "MANUAL_TRANSFER";
  paymentStatus?: "PAID" | "REFUNDED";
  plan?: string;
  provider?: ProviderCode;
  kind?: "NEW_VPS" | "WALLET_TOPUP";
  reachedActive?: boolean;
  provisioning?: { status: "DONE" | "FAILED" | "CREATING"; seconds?: number };
}

let customerId: number;

/** One order as checkout, settlement and provisioning leave it, with its payment and (if any) provisioning run. */
async function sale(s: Sale) {
  const kind = s.kind ?? "NEW_VPS";
  const createdAt = s.createdAt ?? s.paidAt ?? daysAgo(1);
  const vps = kind === "NEW_VPS"
    ? { planCode: s.plan ?? "basic-1g", planName: s.plan ?? "Basic 1 GB", providerCode: s.provider ?? "DIGITALOCEAN", providerSizeSlug: "s-1", region: "sgp1", imageCode: "ubuntu", providerImageRef: "ubuntu", durationMonths: 1 }
    : {};
  const order = await prisma.order.create({
    data: { reference: newOrderReference(), userId: customerId, kind, status: s.status, basePriceIdr: s.totalIdr, totalIdr: s.totalIdr, snapshot: {}, paidAt: s.paidAt ?? null, createdAt, ...vps },
  });
  if (s.paidAt) {
    await prisma.payment.create({
      data: { orderId: order.id, gateway: s.gateway ?? "TRIPAY", attemptRef: `A-${order.reference}`, amountIdr: s.totalIdr, totalIdr: s.totalIdr, status: s.paymentStatus ?? "PAID", paidAt: s.paidAt },
    });
  }
  if (s.reachedActive) await prisma.orderStatusHistory.create({ data: { orderId: order.id, fromStatus: "PROVISIONING", toStatus: "ACTIVE", actorType: "SYSTEM", createdAt } });
  if (s.provisioning) {
    const finishedAt = s.provisioning.seconds === undefined ? null : new Date(createdAt.getTime() + s.provisioning.seconds * 1000);
    await prisma.provisioningTask.create({ data: { orderId: order.id, status: s.provisioning.status, createdAt, finishedAt } });
  }
  return order;
}

async function instance(provider: ProviderCode, status: "ACTIVE" | "OFF" | "SUSPENDED" | "DELETED", orderId: number) {
  await prisma.instance.create({
    data: { orderId, userId: customerId, providerCode: provider, label: `vps-${orderId}`, region: "sgp1", planCode: "basic-1g", imageCode: "ubuntu", status, expiresAt: daysAgo(-30) },
  });
}

let data: StatsData;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
  customerId = (await userRow(prisma, 7_700_001, "Pembeli")).id;
  const viewer2 = (await userRow(prisma, 7_700_002, "Lain")).id;

  // Today (Jakarta): 150.000 kept + 200.000 refunded (not revenue); yesterday 100.000 by wallet.
  const a = await sale({ status: "ACTIVE", totalIdr: 150_000, paidAt: daysAgo(0), gateway: "TRIPAY", plan: "Basic 1 GB", reachedActive: true, provisioning: { status: "DONE", seconds: 90 } });
  await sale({ status: "REFUNDED", totalIdr: 200_000, paidAt: daysAgo(0), gateway: "MIDTRANS", plan: "Pro 4 GB", provisioning: { status: "FAILED" } });
  const c = await sale({ status: "ACTIVE", totalIdr: 100_000, paidAt: daysAgo(1), gateway: "WALLET", plan: "Basic 1 GB", provider: "VULTR", reachedActive: true, provisioning: { status: "DONE", seconds: 300 } });
  // A chargeback: the order still says ACTIVE, but the gateway took the money back.
  await sale({ status: "ACTIVE", totalIdr: 80_000, paidAt: daysAgo(2), gateway: "TRIPAY", paymentStatus: "REFUNDED", reachedActive: true });
  // Paid but provisioning failed and a seller has not decided yet: the shop holds that money.
  await sale({ status: "PROVISIONING_FAILED", totalIdr: 120_000, paidAt: daysAgo(2), gateway: "MANUAL_TRANSFER", plan: "Pro 4 GB", provisioning: { status: "FAILED" } });
  // Not revenue: a wallet top-up, an unpaid order, and a sale 40 days ago.
  await sale({ status: "ACTIVE", kind: "WALLET_TOPUP", totalIdr: 500_000, paidAt: daysAgo(0), gateway: "TRIPAY" });
  await sale({ status: "PENDING_PAYMENT", totalIdr: 90_000, createdAt: daysAgo(0) });
  await sale({ status: "ACTIVE", totalIdr: 999_000, paidAt: daysAgo(40), reachedActive: true });
  // Just before midnight Jakarta 30 days ago counts for that day, not the next (UTC 16:59 = 23:59 WIB).
  await sale({ status: "ACTIVE", totalIdr: 10_000, paidAt: new Date(Date.UTC(2026, 10, 3, 16, 59)), createdAt: new Date(Date.UTC(2026, 10, 3, 16, 0)) });

  await instance("DIGITALOCEAN", "ACTIVE", a.id);
  await instance("VULTR", "OFF", c.id);
  const other = await sale({ status: "ACTIVE", totalIdr: 0, paidAt: daysAgo(60), provider: "VULTR" });
  await instance("VULTR", "SUSPENDED", other.id);

  // Catalog: the customer opened it three times today and once yesterday, another user once today.
  for (const at of [daysAgo(0), daysAgo(0), daysAgo(0), daysAgo(1)]) await countCatalogView(prisma, customerId, at);
  await countCatalogView(prisma, viewer2, daysAgo(0));

  data = await readStatsData(prisma, lastDays(30, NOW));
});

afterAll(async () => {
  await db?.drop();
});

describe("revenue", () => {
  it("counts kept money only: refunds, chargebacks, top-ups, unpaid and old orders are out", () => {
    // 150.000 (today) + 100.000 (yesterday) + 120.000 (failed, undecided); refunded 200.000 and charged back 80.000.
    expect(data.revenue).toEqual({ idr: 370_000, orders: 3, refundedOrders: 2, refundedIdr: 280_000 });
  });

  it("puts each sale on its Jakarta day, 30 days ending today, zero days included", () => {
    expect(data.daily).toHaveLength(30);
    expect(data.daily[0]).toEqual({ day: "2026-11-04", revenueIdr: 0, paidOrders: 0 });
    expect(data.daily.at(-1)).toEqual({ day: "2026-12-03", revenueIdr: 150_000, paidOrders: 1 });
    expect(data.daily.find((d) => d.day === "2026-12-02")).toEqual({ day: "2026-12-02", revenueIdr: 100_000, paidOrders: 1 });
    expect(data.daily.find((d) => d.day === "2026-12-01")).toEqual({ day: "2026-12-01", revenueIdr: 120_000, paidOrders: 1 });
    // 2026-11-03 23:59 WIB is outside "the last 30 days" (4 Nov – 3 Dec): not in the series, not in the total.
    expect(data.daily.reduce((s, d) => s + d.revenueIdr, 0)).toBe(370_000);
  });

  it("/stats' text numbers use the same rule (the refunded 200.000 paid today is not today's revenue)", async () => {
    const stats = await shopStats(prisma, NOW);
    expect(stats.revenueIdr).toEqual({ today: 150_000, last30Days: 370_000 });
  });

  it("mixes payment methods and ranks plans by kept revenue", () => {
    expect(data.methods).toEqual([
      { gateway: "TRIPAY", orders: 1, idr: 150_000 },
      { gateway: "MANUAL_TRANSFER", orders: 1, idr: 120_000 },
      { gateway: "WALLET", orders: 1, idr: 100_000 },
    ]);
    expect(data.topPlans).toEqual([
      { plan: "Basic 1 GB", provider: "DIGITALOCEAN", orders: 1, idr: 150_000 },
      { plan: "Pro 4 GB", provider: "DIGITALOCEAN", orders: 1, idr: 120_000 },
      { plan: "Basic 1 GB", provider: "VULTR", orders: 1, idr: 100_000 },
    ]);
  });
});

describe("funnel, provisioning and servers", () => {
  it("follows catalog viewers to orders, paid and active VPS", () => {
    // Views: 3 + 1 + 1 opens by 3 viewer-days. Orders: the new-VPS orders created in the 30 days.
    expect(data.funnel).toEqual({ views: 5, viewers: 3, orders: 6, paid: 5, active: 3 });
  });

  it("counts a multi-VPS checkout once at every step, however many sibling orders it has", async () => {
    const at = new Date(Date.UTC(2025, 5, 10, 3));
    const siblings = [];
    for (let i = 0; i < 3; i++) siblings.push(await sale({ status: i === 0 ? "ACTIVE" : "PAID", totalIdr: 50_000, paidAt: at, createdAt: at, reachedActive: i === 0 }));
    await prisma.order.updateMany({ where: { id: { in: siblings.map((o) => o.id) } }, data: { checkoutGroup: "grp-stats-1" } });
    await sale({ status: "PENDING_PAYMENT", totalIdr: 50_000, createdAt: at });
    const week = await readStatsData(prisma, lastDays(7, new Date(Date.UTC(2025, 5, 12, 3))));
    expect(week.funnel).toMatchObject({ orders: 2, paid: 1, active: 1 });
  });

  it("reports provisioning success rate and time to active", () => {
    const p = data.provisioning;
    expect({ done: p.done, failed: p.failed, running: p.running }).toEqual({ done: 2, failed: 2, running: 0 });
    expect(p.p50Seconds).toBe(195);
    expect(p.p95Seconds).toBe(290); // 90 s + 0.95 × (300 s − 90 s), rounded
    expect(p.daily.find((d) => d.day === "2026-12-03")).toEqual({ day: "2026-12-03", done: 1, failed: 1 });
  });

  it("counts live servers per cloud (powered-off ones too) and suspended apart", () => {
    expect(data.activeByProvider).toEqual([
      { provider: "DIGITALOCEAN", active: 1, suspended: 0 },
      { provider: "VULTR", active: 1, suspended: 1 },
    ]);
  });
});

describe("charts", () => {
  it("draws six PNGs: decoded, 1200×675, not blank, with the numbers in the caption", async () => {
    const charts = await renderCharts(chartSpecs(data, kit("id")));
    expect(charts.map((c) => c.name)).toEqual(["revenue", "funnel", "methods", "provisioning", "top-plans", "providers"]);
    for (const chart of charts) {
      const meta = await sharp(chart.png).metadata();
      expect({ format: meta.format, width: meta.width, height: meta.height }).toEqual({ format: "png", width: 1200, height: 675 });
      const { channels } = await sharp(chart.png).stats();
      // A blank (single-colour) picture has no spread in any channel; a chart has white, bars and text.
      expect(Math.max(...channels.map((c) => c.stdev))).toBeGreaterThan(10);
      expect(chart.caption.length).toBeLessThanOrEqual(1024);
    }
    if (process.env.STATS_CHARTS_DUMP) for (const c of charts) await sharp(c.png).toFile(`${process.env.STATS_CHARTS_DUMP}/${c.name}.png`);
    const caption = (name: string) => charts.find((c) => c.name === name)!.caption;
    expect(caption("revenue")).toContain("Pendapatan 30 hari: Rp 370.000 dari 3 pesanan dibayar (rata-rata Rp 12.333/hari)");
    expect(caption("revenue")).toContain("di-refund: 2 pesanan, Rp 280.000");
    expect(caption("funnel")).toContain("3 pengunjung katalog per hari (5 kali dibuka)");
    expect(caption("funnel")).toContain("→ 6 pesanan (200%)");
    expect(caption("funnel")).toContain("→ 5 dibayar (83,3%)");
    expect(caption("funnel")).toContain("→ 3 aktif (60%)");
    expect(caption("methods")).toContain("• Saldo dompet: 1 pesanan, Rp 100.000 (27%)");
    expect(caption("provisioning")).toContain("Tingkat berhasil: 50%");
    expect(caption("provisioning")).toContain("median 3 mnt 15 dtk, p95 4 mnt 50 dtk");
    expect(caption("top-plans")).toContain("1. Basic 1 GB · DigitalOcean: 1 pesanan, Rp 150.000");
    expect(caption("providers")).toContain("• Vultr: 1 aktif, 1 ditangguhkan");
  });

  it("speaks English to an English reader, and draws an empty shop without failing", async () => {
    const empty = await readStatsData(prisma, lastDays(7, new Date("2020-01-01T00:00:00Z")));
    const charts = await renderCharts(chartSpecs(empty, kit("en")));
    expect(charts).toHaveLength(6);
    expect(charts[0]!.caption).toContain("Revenue, 7 days: Rp 0 from 0 paid orders");
    expect(charts[2]!.caption).toContain("(no data yet)");
    for (const c of charts) expect((await sharp(c.png).metadata()).format).toBe("png");
  });

  it("writes rupiah short on axes", () => {
    expect(formatIdrShort(1_250_000, "id")).toBe("Rp 1,3 jt");
    expect(formatIdrShort(150_000, "id")).toBe("Rp 150 rb");
    expect(formatIdrShort(1_250_000, "en")).toBe("Rp 1.3M");
    expect(formatIdrShort(0, "id")).toBe("Rp 0");
  });
});

describe("weeks", () => {
  it("start on Monday 00:00 in Jakarta; the Monday summary covers the week before", () => {
    expect(startOfJakartaWeek(NOW).toISOString()).toBe("2026-11-29T17:00:00.000Z"); // Mon 30 Nov 00:00 WIB
    expect(startOfJakartaWeek(new Date("2026-11-29T16:59:00Z")).toISOString()).toBe("2026-11-22T17:00:00.000Z"); // Sun 23:59 WIB
    const week = previousWeek(startOfJakartaWeek(NOW));
    expect(dayKeys(week.from, week.to)).toEqual(["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29"]);
    expect(dayKeys(week.dailyFrom, week.to)).toHaveLength(14);
  });
});
