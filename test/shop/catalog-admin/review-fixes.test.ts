/**
 * Defects a review found in the catalog console's domain, each a test that failed before its fix:
 * a stock number typed from an old reading overwrote the units sold meanwhile; a promo or coupon
 * typo could make a plan free; switching a globally-off OS image back on was not audited.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../../db/client.js";
import { seedDemoCatalog } from "../../../db/seed.js";
import { attachImage } from "../../../shop/catalog/admin/images.js";
import { setPlanStock } from "../../../shop/catalog/admin/plans.js";
import { createPromo, promoPreview, type PromoDraft } from "../../../shop/catalog/admin/promos.js";
import type { CloudProvider } from "../../../shop/cloud/provider.js";
import { cheapestCouponPrice, createCoupon, type CouponDraft } from "../../../shop/coupons-admin/coupons.js";
import { createTestDatabase, type TestDatabase } from "../../support/db.js";

let db: TestDatabase;
let prisma: PrismaClient;
let owner: { userId: number; role: "OWNER" };
let planId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
  await seedDemoCatalog(prisma);
  owner = { userId: (await prisma.user.create({ data: { telegramId: 8_800_101n, firstName: "Pemilik", role: "OWNER" } })).id, role: "OWNER" };
  planId = (await prisma.plan.findUniqueOrThrow({ where: { code: "vultr-vc2-1c-1gb-sgp" } })).id;
});
afterAll(async () => {
  await db?.drop();
});

const stock = async () => (await prisma.plan.findUniqueOrThrow({ where: { id: planId } })).stock;

describe("a stock edit", () => {
  it("is written only while the plan still has the stock the owner saw; a unit sold meanwhile is not sold twice", async () => {
    expect(await setPlanStock(prisma, owner, { planId, stock: 5 })).toEqual({ ok: true });
    // The owner opens the form at 5; one unit sells (the orders_plan_stock trigger's work).
    await prisma.$executeRaw`UPDATE plans SET stock = stock - 1 WHERE id = ${planId}`;
    const audits = await prisma.auditLog.count();
    expect(await setPlanStock(prisma, owner, { planId, stock: 5, expected: 5 })).toEqual({ ok: false, reason: "changed", current: 4 });
    expect(await stock()).toBe(4);
    expect(await prisma.auditLog.count()).toBe(audits);
    // Set again from the fresh reading: saved.
    expect(await setPlanStock(prisma, owner, { planId, stock: 5, expected: 4 })).toEqual({ ok: true });
    expect(await stock()).toBe(5);
    // Unlimited is a reading too.
    await setPlanStock(prisma, owner, { planId, stock: null });
    expect(await setPlanStock(prisma, owner, { planId, stock: 3, expected: 5 })).toEqual({ ok: false, reason: "changed", current: null });
    expect(await setPlanStock(prisma, owner, { planId, stock: 3, expected: null })).toEqual({ ok: true });
    expect(await stock()).toBe(3);
  });
});

describe("a promo", () => {
  const draft = (over: Partial<PromoDraft>): PromoDraft => ({
    planId, label: "Typo", kind: "FIXED", value: 5_000, maxDiscountIdr: null, durationMonths: null,
    startsAt: new Date(Date.now() - 60_000), endsAt: new Date(Date.now() + 3_600_000), ...over,
  });

  it("that would make the plan free is refused: 100 percent, or a fixed amount at or above its lowest active price", async () => {
    const lowest = (await prisma.planPrice.findFirstOrThrow({ where: { planId, active: true }, orderBy: { priceIdr: "asc" } })).priceIdr;
    const before = await prisma.promo.count();
    expect(await createPromo(prisma, owner, draft({ kind: "PERCENT", value: 100 }))).toEqual({ ok: false, reason: "value" });
    expect(await createPromo(prisma, owner, draft({ value: lowest }))).toEqual({ ok: false, reason: "free" });
    expect(await createPromo(prisma, owner, draft({ value: lowest * 10 }))).toEqual({ ok: false, reason: "free" });
    expect(await prisma.promo.count()).toBe(before);
    // For one longer duration only, the same amount is below that duration's price: allowed.
    expect((await createPromo(prisma, owner, draft({ value: lowest, durationMonths: 3 }))).ok).toBe(true);
    expect((await createPromo(prisma, owner, draft({ value: lowest - 1 }))).ok).toBe(true);
  });

  it("shows the price of each duration it applies to", async () => {
    const preview = await promoPreview(prisma, draft({ kind: "PERCENT", value: 10, durationMonths: null }));
    const prices = await prisma.planPrice.findMany({ where: { planId, active: true }, orderBy: { durationMonths: "asc" } });
    expect(preview.map((p) => p.durationMonths)).toEqual(prices.map((p) => p.durationMonths));
    expect(preview[0]).toEqual({ durationMonths: prices[0]!.durationMonths, priceIdr: prices[0]!.priceIdr, afterIdr: prices[0]!.priceIdr - Math.floor(prices[0]!.priceIdr / 10) });
  });
});

describe("a coupon", () => {
  const draft: CouponDraft = {
    code: "GRATIS", kind: "PERCENT", value: 100, maxDiscountIdr: null, minOrderIdr: null, validFrom: null, validTo: null,
    usageLimit: null, perUserLimit: null, firstOrderOnly: false, planIds: [], durations: [],
  };
  it("of 100 percent is refused; the cheapest price a fixed coupon applies to is known for the warning", async () => {
    expect(await createCoupon(prisma, owner, draft)).toEqual({ ok: false, reason: "value" });
    expect(await prisma.coupon.count({ where: { code: "GRATIS" } })).toBe(0);
    const planLowest = (await prisma.planPrice.findFirstOrThrow({ where: { planId, active: true }, orderBy: { priceIdr: "asc" } })).priceIdr;
    expect(await cheapestCouponPrice(prisma, { planIds: [planId], durations: [] })).toBe(planLowest);
    const threeMonths = (await prisma.planPrice.findFirstOrThrow({ where: { planId, durationMonths: 3 } })).priceIdr;
    expect(await cheapestCouponPrice(prisma, { planIds: [planId], durations: [3] })).toBe(threeMonths);
  });
});

describe("an OS image switched off for every plan", () => {
  it("switched back on by adding it to a plan that already links it, is audited with before and after", async () => {
    const link = await prisma.planImage.findFirstOrThrow({ where: { planId }, include: { image: true } });
    await prisma.osImage.update({ where: { id: link.imageId }, data: { active: false } });
    const provider = { code: "VULTR", listImages: async () => [{ ref: link.image.providerRef, name: link.image.name }] } as unknown as CloudProvider;
    expect(await attachImage(prisma, owner, { planId, provider, ref: link.image.providerRef })).toEqual({ ok: true, imageId: link.imageId });
    expect((await prisma.osImage.findUniqueOrThrow({ where: { id: link.imageId } })).active).toBe(true);
    const entry = await prisma.auditLog.findFirstOrThrow({ where: { action: "image.enable" }, orderBy: { id: "desc" } });
    expect(entry).toMatchObject({ actorUserId: owner.userId, targetType: "image", targetId: String(link.imageId) });
    expect(entry.details).toMatchObject({ before: { active: false }, after: { active: true }, planId });
  });
});
