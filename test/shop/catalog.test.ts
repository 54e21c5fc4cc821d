/**
 * The catalog as a customer sees it (shop/catalog/catalog.ts), against a real Postgres seeded
 * with the demo catalog (db/seed.ts) at a fixed moment NOW. Prices worked out by hand:
 *
 *   DO Basic 1 GB   75.000 / 210.000 / 780.000   promo 20% on 1 month: 75.000 − 15.000 = 60.000
 *   DO Basic 2 GB  145.000 / 405.000 / 1.515.000
 *   Vultr Cloud 1 GB 80.000 / …                  Vultr Cloud 4 GB has stock 10
 *   Reseller tier = floor(public × 0,85 / 1.000) × 1.000:
 *     75.000 → 63.750 → 63.000   210.000 → 178.500 → 178.000   780.000 → 663.000
 *     145.000 → 123.250 → 123.000   80.000 → 68.000
 *   The promo runs [NOW − 1 day, NOW + 30 days).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../db/client.js";
import { DEMO_PROMO, seedDemoCatalog } from "../../db/seed.js";
import { Catalog, type Buyer } from "../../shop/catalog/catalog.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

const NOW = new Date("2026-11-21T03:00:00.000Z");
const DAY = 24 * 3600_000;
const PROMO_ENDS = new Date(NOW.getTime() + 30 * DAY);

let db: TestDatabase;
let prisma: PrismaClient;
let catalog: Catalog;
let publicBuyer: Buyer;
let resellerBuyer: Buyer;
let tierId: number;
const planId: Record<string, number> = {};
let promoId: number;
/** image ids by "<provider>:<code>" */
const imageId: Record<string, number> = {};

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
  await seedDemoCatalog(prisma, NOW);
  catalog = new Catalog(prisma, { providers: ["DIGITALOCEAN", "VULTR"] });
  tierId = (await prisma.resellerTier.findUniqueOrThrow({ where: { code: "RESELLER" } })).id;
  const pub = await prisma.user.create({ data: { telegramId: 7_100_001n, firstName: "Budi" } });
  const res = await prisma.user.create({ data: { telegramId: 7_100_002n, firstName: "Rina", resellerTierId: tierId } });
  publicBuyer = { userId: pub.id, resellerTierId: null };
  resellerBuyer = { userId: res.id, resellerTierId: tierId };
  for (const p of await prisma.plan.findMany()) planId[p.code] = p.id;
  for (const i of await prisma.osImage.findMany({ include: { provider: true } })) imageId[`${i.provider.code}:${i.code}`] = i.id;
  promoId = (await prisma.promo.findFirstOrThrow({ where: { label: DEMO_PROMO.label } })).id;
});

afterAll(async () => {
  await db?.drop();
});

const DO1 = "do-s-1vcpu-1gb-sgp1";
const DO2 = "do-s-1vcpu-2gb-sgp1";
const DO4 = "do-s-2vcpu-4gb-sgp1";
const VU1 = "vultr-vc2-1c-1gb-sgp";
const VU4 = "vultr-vc2-2c-4gb-sgp";
const LI1 = "linode-g6-nanode-1-ap-south";

/** The 1-month DO 1 GB price with the seeded promo, as shown to everyone while it runs. */
const DO1_PROMO_1M = {
  durationMonths: 1,
  basePriceIdr: 75_000,
  promoDiscountIdr: 15_000,
  subtotalIdr: 60_000,
  publicPriceIdr: 75_000,
  source: "public",
  promo: { id: expect.any(Number), label: DEMO_PROMO.label, endsAt: PROMO_ENDS.toISOString() },
};

function quote(code: string, durationMonths: number, image: string, couponCode?: string | null, buyer = publicBuyer, now = NOW) {
  return catalog.quote(prisma, { planId: planId[code]!, durationMonths, imageId: imageId[image]!, couponCode }, buyer, now);
}

describe("providers", () => {
  it("lists only the configured providers, with their active plan counts, in display order", async () => {
    expect(await catalog.providers()).toEqual([
      { code: "DIGITALOCEAN", name: "DigitalOcean", plans: 3 },
      { code: "VULTR", name: "Vultr", plans: 3 },
    ]);
    expect(await new Catalog(prisma, { providers: ["LINODE"] }).providers()).toEqual([{ code: "LINODE", name: "Linode (Akamai)", plans: 3 }]);
    expect(await new Catalog(prisma, { providers: [] }).providers()).toEqual([]);
  });

  it("hides a provider that is inactive or has no active plan left, and counts only active plans", async () => {
    await prisma.provider.update({ where: { code: "VULTR" }, data: { active: false } });
    await prisma.plan.update({ where: { code: DO2 }, data: { active: false } });
    try {
      expect(await catalog.providers()).toEqual([{ code: "DIGITALOCEAN", name: "DigitalOcean", plans: 2 }]);
    } finally {
      await prisma.provider.update({ where: { code: "VULTR" }, data: { active: true } });
      await prisma.plan.update({ where: { code: DO2 }, data: { active: true } });
    }
    await prisma.plan.updateMany({ where: { provider: { code: "VULTR" } }, data: { active: false } });
    try {
      expect((await catalog.providers()).map((p) => p.code)).toEqual(["DIGITALOCEAN"]);
    } finally {
      await prisma.plan.updateMany({ where: { provider: { code: "VULTR" } }, data: { active: true } });
    }
  });
});

describe("plans and offers", () => {
  it("shows each plan's cheapest price, with the promo and the struck-through public price", async () => {
    const plans = await catalog.plans("DIGITALOCEAN", publicBuyer, NOW);
    expect(plans.map((p) => [p.code, p.name, p.available])).toEqual([
      [DO1, "DO Basic 1 GB", true],
      [DO2, "DO Basic 2 GB", true],
      [DO4, "DO Basic 4 GB", true],
    ]);
    expect(plans[0]).toMatchObject({ providerCode: "DIGITALOCEAN", providerName: "DigitalOcean", vcpu: 1, memoryMb: 1024, diskGb: 25, bandwidthGb: 1000, region: "sgp1" });
    expect(plans[0]!.from).toEqual({ ...DO1_PROMO_1M, promo: { ...DO1_PROMO_1M.promo, id: promoId } });
    // no promo on the 2 GB plan: public price, nothing struck through
    expect(plans[1]!.from).toEqual({ durationMonths: 1, basePriceIdr: 145_000, promoDiscountIdr: 0, subtotalIdr: 145_000, publicPriceIdr: 145_000, source: "public" });
    // a provider that is not configured sells nothing, even if asked for directly
    expect(await catalog.plans("LINODE", publicBuyer, NOW)).toEqual([]);
  });

  it("offers every duration and the plan's OS images in order", async () => {
    const offer = await catalog.offer(planId[DO1]!, publicBuyer, NOW);
    expect(offer?.prices).toEqual([
      DO1_PROMO_1M,
      { durationMonths: 3, basePriceIdr: 210_000, promoDiscountIdr: 0, subtotalIdr: 210_000, publicPriceIdr: 210_000, source: "public" },
      { durationMonths: 12, basePriceIdr: 780_000, promoDiscountIdr: 0, subtotalIdr: 780_000, publicPriceIdr: 780_000, source: "public" },
    ]);
    expect(offer?.images.map((i) => i.code)).toEqual(["ubuntu-22.04", "ubuntu-24.04", "debian-12", "rocky-9", "almalinux-9"]);
    expect(offer?.images[0]).toEqual({ id: imageId["DIGITALOCEAN:ubuntu-22.04"], code: "ubuntu-22.04", name: "Ubuntu 22.04 LTS" });
  });

  it("drops the promo exactly at its end: the full price comes back", async () => {
    const before = await catalog.offer(planId[DO1]!, publicBuyer, new Date(PROMO_ENDS.getTime() - 1));
    expect(before?.prices[0]).toMatchObject({ subtotalIdr: 60_000, promoDiscountIdr: 15_000 });
    const at = await catalog.offer(planId[DO1]!, publicBuyer, PROMO_ENDS);
    expect(at?.prices[0]).toEqual({ durationMonths: 1, basePriceIdr: 75_000, promoDiscountIdr: 0, subtotalIdr: 75_000, publicPriceIdr: 75_000, source: "public" });
  });

  it("marks a plan with stock 0 as not available and refuses to quote it (sold_out)", async () => {
    const vu4 = () => catalog.plans("VULTR", publicBuyer, NOW).then((ps) => ps.find((p) => p.code === VU4));
    expect((await vu4())?.available).toBe(true); // stock 10
    await prisma.plan.update({ where: { code: VU4 }, data: { stock: 0 } });
    try {
      expect((await vu4())?.available).toBe(false);
      // still listed with its price, so the customer sees it is sold out
      expect((await vu4())?.from?.subtotalIdr).toBe(290_000);
      expect((await catalog.offer(planId[VU4]!, publicBuyer, NOW))?.plan.available).toBe(false);
      expect(await quote(VU4, 1, "VULTR:ubuntu-22.04")).toEqual({ ok: false, reason: "sold_out" });
      await prisma.plan.update({ where: { code: VU4 }, data: { stock: 1 } });
      expect((await vu4())?.available).toBe(true);
      expect((await quote(VU4, 1, "VULTR:ubuntu-22.04")).ok).toBe(true);
    } finally {
      await prisma.plan.update({ where: { code: VU4 }, data: { stock: 10 } });
    }
  });

  it("does not offer an inactive plan at all", async () => {
    await prisma.plan.update({ where: { code: DO2 }, data: { active: false } });
    try {
      expect((await catalog.plans("DIGITALOCEAN", publicBuyer, NOW)).map((p) => p.code)).toEqual([DO1, DO4]);
      expect(await catalog.offer(planId[DO2]!, publicBuyer, NOW)).toBeNull();
      expect(await quote(DO2, 1, "DIGITALOCEAN:ubuntu-22.04")).toEqual({ ok: false, reason: "plan_unavailable" });
    } finally {
      await prisma.plan.update({ where: { code: DO2 }, data: { active: true } });
    }
  });

  it("shows a plan without any active price as not available", async () => {
    await prisma.planPrice.updateMany({ where: { planId: planId[DO2]! }, data: { active: false } });
    try {
      const do2 = (await catalog.plans("DIGITALOCEAN", publicBuyer, NOW)).find((p) => p.code === DO2);
      expect(do2).toMatchObject({ available: false, from: null });
    } finally {
      await prisma.planPrice.updateMany({ where: { planId: planId[DO2]! }, data: { active: true } });
    }
  });
});

describe("reseller prices", () => {
  it("a reseller sees the tier price, or the public promo price when that is lower", async () => {
    const offer = await catalog.offer(planId[DO1]!, resellerBuyer, NOW);
    expect(offer?.prices).toEqual([
      // promo 60.000 < tier 63.000: the reseller never pays more than the public
      DO1_PROMO_1M,
      { durationMonths: 3, basePriceIdr: 178_000, promoDiscountIdr: 0, subtotalIdr: 178_000, publicPriceIdr: 210_000, source: "reseller" },
      { durationMonths: 12, basePriceIdr: 663_000, promoDiscountIdr: 0, subtotalIdr: 663_000, publicPriceIdr: 780_000, source: "reseller" },
    ]);
    const plans = await catalog.plans("DIGITALOCEAN", resellerBuyer, NOW);
    expect(plans[1]!.from).toEqual({ durationMonths: 1, basePriceIdr: 123_000, promoDiscountIdr: 0, subtotalIdr: 123_000, publicPriceIdr: 145_000, source: "reseller" });
    // once the promo is over, the tier price 63.000 is the reseller's price again
    const later = await catalog.offer(planId[DO1]!, resellerBuyer, PROMO_ENDS);
    expect(later?.prices[0]).toEqual({ durationMonths: 1, basePriceIdr: 63_000, promoDiscountIdr: 0, subtotalIdr: 63_000, publicPriceIdr: 75_000, source: "reseller" });
  });

  it("a public buyer never gets tier prices", async () => {
    const plans = await catalog.plans("VULTR", publicBuyer, NOW);
    expect(plans[0]!.from).toMatchObject({ subtotalIdr: 80_000, source: "public" });
    const reseller = await catalog.plans("VULTR", resellerBuyer, NOW);
    expect(reseller[0]!.from).toMatchObject({ subtotalIdr: 68_000, source: "reseller" });
  });

  it("falls back to the public price where the tier has no price row", async () => {
    const row = await prisma.resellerPrice.findUniqueOrThrow({ where: { tierId_planId_durationMonths: { tierId, planId: planId[DO1]!, durationMonths: 3 } } });
    await prisma.resellerPrice.delete({ where: { id: row.id } });
    try {
      const offer = await catalog.offer(planId[DO1]!, resellerBuyer, NOW);
      expect(offer?.prices[1]).toEqual({ durationMonths: 3, basePriceIdr: 210_000, promoDiscountIdr: 0, subtotalIdr: 210_000, publicPriceIdr: 210_000, source: "public" });
    } finally {
      await prisma.resellerPrice.create({ data: { tierId, planId: planId[DO1]!, durationMonths: 3, priceIdr: 178_000 } });
    }
  });

  it("a switched-off tier no longer gives its prices: its resellers pay the public price", async () => {
    await prisma.resellerTier.update({ where: { id: tierId }, data: { active: false } });
    try {
      const offer = await catalog.offer(planId[DO1]!, resellerBuyer, NOW);
      expect(offer?.prices.map((p) => [p.subtotalIdr, p.source])).toEqual([
        [60_000, "public"],
        [210_000, "public"],
        [780_000, "public"],
      ]);
      const r = await quote(DO1, 3, "DIGITALOCEAN:debian-12", null, resellerBuyer);
      expect(r.ok && r.quote.breakdown.totalIdr).toBe(210_000);
    } finally {
      await prisma.resellerTier.update({ where: { id: tierId }, data: { active: true } });
    }
  });

  it("quotes a reseller at the tier price and applies a coupon on top of it", async () => {
    const r = await quote(DO1, 3, "DIGITALOCEAN:debian-12", "HEMAT10", resellerBuyer);
    // 178.000 − 10% (17.800, under the 50.000 cap) = 160.200
    expect(r.ok && r.quote.breakdown).toEqual({ basePriceIdr: 178_000, promoDiscountIdr: 0, couponDiscountIdr: 17_800, totalIdr: 160_200 });
    expect(r.ok && r.quote.price.source).toBe("reseller");
  });
});

describe("quote", () => {
  it("freezes everything an order needs, with the coupon applied after the promo", async () => {
    const r = await quote(DO1, 1, "DIGITALOCEAN:ubuntu-22.04", " hemat10 ");
    expect(r).toEqual({
      ok: true,
      quote: {
        planId: planId[DO1],
        planCode: DO1,
        planName: "DO Basic 1 GB",
        providerCode: "DIGITALOCEAN",
        providerName: "DigitalOcean",
        providerSizeSlug: "s-1vcpu-1gb",
        region: "sgp1",
        specs: { vcpu: 1, memoryMb: 1024, diskGb: 25, bandwidthGb: 1000 },
        durationMonths: 1,
        imageId: imageId["DIGITALOCEAN:ubuntu-22.04"],
        imageCode: "ubuntu-22.04",
        imageName: "Ubuntu 22.04 LTS",
        providerImageRef: "ubuntu-22-04-x64",
        price: { ...DO1_PROMO_1M, promo: { ...DO1_PROMO_1M.promo, id: promoId } },
        coupon: { id: expect.any(Number), code: "HEMAT10", kind: "PERCENT", value: 10 },
        // 60.000 × 10% = 6.000 → 54.000
        breakdown: { basePriceIdr: 75_000, promoDiscountIdr: 15_000, couponDiscountIdr: 6_000, totalIdr: 54_000 },
        quotedAt: NOW.toISOString(),
      },
    });
  });

  it("caps HEMAT10 at Rp 50.000", async () => {
    const r = await quote(DO4, 12, "DIGITALOCEAN:rocky-9", "HEMAT10");
    // 2.975.000 × 10% = 297.500 → capped 50.000 → 2.925.000
    expect(r.ok && r.quote.breakdown).toEqual({ basePriceIdr: 2_975_000, promoDiscountIdr: 0, couponDiscountIdr: 50_000, totalIdr: 2_925_000 });
  });

  it("without a coupon the total is the list price", async () => {
    const r = await quote(VU1, 3, "VULTR:debian-12");
    expect(r.ok && r.quote.breakdown).toEqual({ basePriceIdr: 225_000, promoDiscountIdr: 0, couponDiscountIdr: 0, totalIdr: 225_000 });
    expect(r.ok && [r.quote.coupon, r.quote.providerImageRef, "couponRejection" in r]).toEqual([null, "2136", false]);
  });

  it("refuses what cannot be bought, with the reason", async () => {
    // 6 months is not a sold duration
    expect(await quote(DO1, 6, "DIGITALOCEAN:ubuntu-22.04")).toEqual({ ok: false, reason: "duration_unavailable" });
    // a Vultr image is not attached to a DigitalOcean plan
    expect(await quote(DO1, 1, "VULTR:ubuntu-22.04")).toEqual({ ok: false, reason: "image_unavailable" });
    // a plan that does not exist, and a plan of a provider that is not configured
    expect(await catalog.quote(prisma, { planId: 999_999, durationMonths: 1, imageId: imageId["DIGITALOCEAN:ubuntu-22.04"]! }, publicBuyer, NOW)).toEqual({
      ok: false,
      reason: "plan_unavailable",
    });
    expect(await quote(LI1, 1, "LINODE:ubuntu-22.04")).toEqual({ ok: false, reason: "plan_unavailable" });
  });

  it("refuses a duration whose price was switched off, and an image that was switched off", async () => {
    await prisma.planPrice.update({ where: { planId_durationMonths: { planId: planId[DO1]!, durationMonths: 12 } }, data: { active: false } });
    await prisma.osImage.update({ where: { id: imageId["DIGITALOCEAN:rocky-9"]! }, data: { active: false } });
    try {
      expect(await quote(DO1, 12, "DIGITALOCEAN:ubuntu-22.04")).toEqual({ ok: false, reason: "duration_unavailable" });
      expect(await quote(DO1, 1, "DIGITALOCEAN:rocky-9")).toEqual({ ok: false, reason: "image_unavailable" });
      expect((await catalog.offer(planId[DO1]!, publicBuyer, NOW))?.images.map((i) => i.code)).toEqual(["ubuntu-22.04", "ubuntu-24.04", "debian-12", "almalinux-9"]);
    } finally {
      await prisma.planPrice.update({ where: { planId_durationMonths: { planId: planId[DO1]!, durationMonths: 12 } }, data: { active: true } });
      await prisma.osImage.update({ where: { id: imageId["DIGITALOCEAN:rocky-9"]! }, data: { active: true } });
    }
  });
});

describe("quote with a coupon that cannot be used", () => {
  /** The DO 1 GB 1-month quote priced without any coupon. */
  const NO_COUPON = { basePriceIdr: 75_000, promoDiscountIdr: 15_000, couponDiscountIdr: 0, totalIdr: 60_000 };

  async function rejected(code: string, buyer = publicBuyer, plan = DO1, months = 1) {
    const r = await quote(plan, months, plan === VU1 ? "VULTR:ubuntu-22.04" : "DIGITALOCEAN:ubuntu-22.04", code, buyer);
    if (!r.ok) throw new Error(`quote failed: ${r.reason}`);
    expect(r.quote.coupon).toBeNull();
    return { rejection: r.couponRejection, breakdown: r.quote.breakdown };
  }

  it("expired (LAMA50) and unknown codes still get a quote, priced without the coupon", async () => {
    expect(await rejected("LAMA50")).toEqual({ rejection: { reason: "expired" }, breakdown: NO_COUPON });
    expect(await rejected("ngawur")).toEqual({ rejection: { reason: "unknown" }, breakdown: NO_COUPON });
    await prisma.coupon.create({ data: { code: "MATI", kind: "PERCENT", value: 50, active: false } });
    expect(await rejected("MATI")).toEqual({ rejection: { reason: "unknown" }, breakdown: NO_COUPON });
  });

  it("not_yet_valid, used_up and not_for_plan (plan list and duration list)", async () => {
    await prisma.coupon.createMany({
      data: [
        { code: "SEGERA", kind: "PERCENT", value: 10, validFrom: new Date(NOW.getTime() + DAY) },
        { code: "HABIS", kind: "PERCENT", value: 10, usageLimit: 2, usedCount: 2 },
        { code: "KHUSUSDO2", kind: "FIXED", value: 20_000, planIds: [planId[DO2]!] },
        { code: "TAHUNAN", kind: "PERCENT", value: 15, durations: [12] },
      ],
    });
    expect(await rejected("SEGERA")).toEqual({ rejection: { reason: "not_yet_valid" }, breakdown: NO_COUPON });
    expect(await rejected("HABIS")).toEqual({ rejection: { reason: "used_up" }, breakdown: NO_COUPON });
    expect(await rejected("KHUSUSDO2")).toEqual({ rejection: { reason: "not_for_plan" }, breakdown: NO_COUPON });
    expect(await rejected("TAHUNAN")).toEqual({ rejection: { reason: "not_for_plan" }, breakdown: NO_COUPON });
    // where they do fit: 145.000 − 20.000 = 125.000; 780.000 − 15% (117.000) = 663.000
    const fit2 = await quote(DO2, 1, "DIGITALOCEAN:ubuntu-22.04", "KHUSUSDO2");
    expect(fit2.ok && [fit2.quote.breakdown.totalIdr, "couponRejection" in fit2]).toEqual([125_000, false]);
    const fit12 = await quote(DO1, 12, "DIGITALOCEAN:ubuntu-22.04", "TAHUNAN");
    expect(fit12.ok && fit12.quote.breakdown).toEqual({ basePriceIdr: 780_000, promoDiscountIdr: 0, couponDiscountIdr: 117_000, totalIdr: 663_000 });
  });

  it("HEMAT10 below its minimum after the promo: min_not_met with the minimum", async () => {
    // A FIXED 35.000 promo on Vultr 1 GB: 80.000 (above the 50.000 minimum) − 35.000 = 45.000 (below it)
    const promo = await prisma.promo.create({
      data: { planId: planId[VU1]!, durationMonths: 1, kind: "FIXED", value: 35_000, startsAt: new Date(NOW.getTime() - DAY), endsAt: PROMO_ENDS, label: "Flash sale" },
    });
    try {
      expect(await rejected("HEMAT10", publicBuyer, VU1)).toEqual({
        rejection: { reason: "min_not_met", minOrderIdr: 50_000 },
        breakdown: { basePriceIdr: 80_000, promoDiscountIdr: 35_000, couponDiscountIdr: 0, totalIdr: 45_000 },
      });
    } finally {
      await prisma.promo.delete({ where: { id: promo.id } });
    }
  });

  it("BARU25K is for a first order only; HEMAT10 once per user (released uses do not count)", async () => {
    const user = await prisma.user.create({ data: { telegramId: 7_100_003n, firstName: "Sari" } });
    const buyer = { userId: user.id, resellerTierId: null };
    // before any paid order: 60.000 − 25.000 = 35.000
    const first = await quote(DO1, 1, "DIGITALOCEAN:ubuntu-22.04", "BARU25K", buyer);
    expect(first.ok && [first.quote.breakdown.totalIdr, "couponRejection" in first]).toEqual([35_000, false]);

    const hemat = await prisma.coupon.findUniqueOrThrow({ where: { code: "HEMAT10" } });
    const order = await prisma.order.create({
      data: {
        reference: "ORD-20261120-CATLG",
        userId: user.id,
        kind: "NEW_VPS",
        status: "PAID",
        planId: planId[DO1]!,
        planCode: DO1,
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
        snapshot: {},
        paidAt: new Date(NOW.getTime() - DAY),
      },
    });
    const redemption = await prisma.couponRedemption.create({ data: { couponId: hemat.id, userId: user.id, orderId: order.id, discountIdr: 6_000 } });

    expect(await rejected("BARU25K", buyer)).toEqual({ rejection: { reason: "first_order_only" }, breakdown: NO_COUPON });
    expect(await rejected("HEMAT10", buyer)).toEqual({ rejection: { reason: "already_used" }, breakdown: NO_COUPON });
    // another user is not affected by Sari's use
    const other = await quote(DO1, 1, "DIGITALOCEAN:ubuntu-22.04", "HEMAT10");
    expect(other.ok && other.quote.breakdown.totalIdr).toBe(54_000);
    // a released use (order expired unpaid) gives the coupon back to the user
    await prisma.couponRedemption.update({ where: { id: redemption.id }, data: { status: "RELEASED", releasedAt: NOW } });
    const again = await quote(DO1, 1, "DIGITALOCEAN:ubuntu-22.04", "HEMAT10", buyer);
    expect(again.ok && [again.quote.breakdown.totalIdr, "couponRejection" in again]).toEqual([54_000, false]);
  });
});

describe("the browsing cache", () => {
  it("forged plan ids (as in `cat:plan:<n>` callback data) are not kept; real plans are, and the cache stays bounded", async () => {
    const cached = new Catalog(prisma, { providers: ["DIGITALOCEAN", "VULTR"], cacheTtlMs: 60_000 });
    for (let id = 1_000_000; id < 1_000_300; id++) expect(await cached.offer(id, publicBuyer, NOW)).toBeNull();
    expect(cached.cachedEntries).toBe(0);

    const real = await cached.offer(planId["do-s-1vcpu-1gb-sgp1"]!, publicBuyer, NOW);
    expect(real?.plan.code).toBe("do-s-1vcpu-1gb-sgp1");
    expect(cached.cachedEntries).toBe(1);
  });
});

describe("the whole catalog in one read (offers)", () => {
  /** The walk a chat customer makes: providers, each one's plans, each plan's offer. */
  async function walk(c: Catalog, buyer: Buyer) {
    const out = [];
    for (const provider of await c.providers()) for (const plan of await c.plans(provider.code, buyer, NOW)) out.push(await c.offer(plan.id, buyer, NOW));
    return out.filter((o) => o !== null);
  }

  it("gives exactly the offers, in the order, the provider → plan → offer walk gives, for public and reseller buyers", async () => {
    for (const buyer of [publicBuyer, resellerBuyer]) {
      const all = await catalog.offers(buyer, NOW);
      expect(all.length).toBeGreaterThan(3);
      expect(all).toEqual(await walk(catalog, buyer));
    }
  });

  it("reads the plans once, however many plans and providers there are", async () => {
    let planReads = 0;
    const counting = prisma.$extends({ query: { plan: { async $allOperations({ args, query }) { planReads += 1; return query(args); } } } }) as unknown as PrismaClient;
    await new Catalog(counting, { providers: ["DIGITALOCEAN", "VULTR"] }).offers(publicBuyer, NOW);
    expect(planReads).toBe(1);
  });
});
