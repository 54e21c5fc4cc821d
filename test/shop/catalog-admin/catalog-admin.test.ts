/**
 * The catalog console's domain (shop/catalog/admin/, shop/coupons-admin/) on real Postgres: every
 * edit audited with before and after, bad input refused with nothing written, and a catalog
 * cached in ANOTHER process (a second Catalog on its own connection pool) sees an edit and a
 * sold unit on its next read, not after its 60 s cache.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type PrismaClient } from "../../../db/client.js";
import { seedDemoCatalog } from "../../../db/seed.js";
import { Catalog } from "../../../shop/catalog/catalog.js";
import { addBankAccount, bankAccounts, moveBankAccount, setBankAccountActive } from "../../../shop/catalog/admin/bank-accounts.js";
import { parseJakartaDate, parseRupiah, parseWholeList } from "../../../shop/catalog/admin/input.js";
import { setPlanActive, setPlanPrice, setPlanStock, setProviderActive, setResellerPrice } from "../../../shop/catalog/admin/plans.js";
import { createPromo, disablePromo } from "../../../shop/catalog/admin/promos.js";
import { couponCard, createCoupon, setCouponActive, type CouponDraft } from "../../../shop/coupons-admin/coupons.js";
import { createTestDatabase, type TestDatabase } from "../../support/db.js";

let db: TestDatabase;
let prisma: PrismaClient;
let otherProcess: PrismaClient;
let owner: { userId: number; role: "OWNER" };
let planId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
  otherProcess = createPrisma(db.url, { max: 2, applicationName: "vps-shop:test-other-process" });
  await seedDemoCatalog(prisma);
  owner = { userId: (await prisma.user.create({ data: { telegramId: 8_800_001n, firstName: "Pemilik", role: "OWNER" } })).id, role: "OWNER" };
  planId = (await prisma.plan.findUniqueOrThrow({ where: { code: "vultr-vc2-1c-1gb-sgp" } })).id;
});
afterAll(async () => {
  await otherProcess?.$disconnect();
  await db?.drop();
});

const lastAudit = (action: string) => prisma.auditLog.findFirstOrThrow({ where: { action }, orderBy: { id: "desc" } });
const buyer = { userId: 1, resellerTierId: null };

describe("a catalog cached in another process", () => {
  it("shows a new price, a provider switched off and the stock on its next read", async () => {
    const cached = new Catalog(otherProcess, { providers: ["DIGITALOCEAN", "VULTR"], cacheTtlMs: 60_000 });
    const monthly = async () => (await cached.offer(planId, buyer, new Date()))?.prices.find((p) => p.durationMonths === 1)?.basePriceIdr;
    expect(await monthly()).toBe(80_000);
    await setPlanPrice(prisma, owner, { planId, months: 1, priceIdr: 91_000 });
    expect(await monthly()).toBe(91_000);

    await setPlanStock(prisma, owner, { planId, stock: 0 });
    expect((await cached.plans("VULTR", buyer, new Date())).find((p) => p.id === planId)?.available).toBe(false);
    // A unit given back by SQL outside the console (what the orders_plan_stock trigger does).
    await prisma.$executeRaw`UPDATE plans SET stock = stock + 1 WHERE id = ${planId}`;
    expect((await cached.plans("VULTR", buyer, new Date())).find((p) => p.id === planId)?.available).toBe(true);

    await setProviderActive(prisma, owner, { code: "VULTR", active: false });
    expect((await cached.providers()).map((p) => p.code)).not.toContain("VULTR");
    await setProviderActive(prisma, owner, { code: "VULTR", active: true });
    expect((await cached.providers()).map((p) => p.code)).toContain("VULTR");
  });
});

describe("plan edits", () => {
  it("audit who changed what, with the value before and after", async () => {
    await setPlanPrice(prisma, owner, { planId, months: 3, priceIdr: 250_000 });
    const entry = await lastAudit("plan.price.update");
    expect(entry).toMatchObject({ actorUserId: owner.userId, actorType: "OWNER", targetType: "plan", targetId: String(planId) });
    expect(entry.details).toMatchObject({ before: { priceIdr: 225_000, active: true }, after: { priceIdr: 250_000, active: true }, durationMonths: 3 });

    await setPlanStock(prisma, owner, { planId, stock: null });
    expect((await lastAudit("plan.stock.update")).details).toMatchObject({ before: { stock: 1 }, after: { stock: null } });
    await setPlanActive(prisma, owner, { planId, active: false });
    expect((await lastAudit("plan.disable")).details).toMatchObject({ before: { active: true }, after: { active: false } });
    await setPlanActive(prisma, owner, { planId, active: true });
  });

  it("refuse bad values and change nothing", async () => {
    const audits = await prisma.auditLog.count();
    expect(await setPlanPrice(prisma, owner, { planId, months: 1, priceIdr: 0 })).toEqual({ ok: false, reason: "invalid" });
    expect(await setPlanPrice(prisma, owner, { planId, months: 99, priceIdr: 10_000 })).toEqual({ ok: false, reason: "invalid" });
    expect(await setPlanStock(prisma, owner, { planId, stock: -1 })).toEqual({ ok: false, reason: "invalid" });
    expect(await setPlanPrice(prisma, owner, { planId: 999_999, months: 1, priceIdr: 10_000 })).toEqual({ ok: false, reason: "not_found" });
    expect(await prisma.auditLog.count()).toBe(audits);
  });

  it("sets and removes a reseller tier's price", async () => {
    const tier = await prisma.resellerTier.findFirstOrThrow();
    await setResellerPrice(prisma, owner, { planId, tierId: tier.id, months: 1, priceIdr: 70_000 });
    expect((await prisma.resellerPrice.findFirstOrThrow({ where: { planId, tierId: tier.id, durationMonths: 1 } })).priceIdr).toBe(70_000);
    await setResellerPrice(prisma, owner, { planId, tierId: tier.id, months: 1, priceIdr: null });
    expect(await prisma.resellerPrice.count({ where: { planId, tierId: tier.id, durationMonths: 1 } })).toBe(0);
    expect((await lastAudit("plan.reseller_price.update")).details).toMatchObject({ before: { priceIdr: 70_000 }, after: null });
  });

  it("promos with a window apply inside it only, and end when disabled", async () => {
    const startsAt = new Date(Date.now() - 60_000);
    const endsAt = new Date(Date.now() + 3600_000);
    expect(await createPromo(prisma, owner, { planId, label: "Harbolnas", kind: "PERCENT", value: 10, maxDiscountIdr: null, durationMonths: 1, startsAt: endsAt, endsAt: startsAt })).toEqual({ ok: false, reason: "window" });
    const made = await createPromo(prisma, owner, { planId, label: "Harbolnas", kind: "PERCENT", value: 10, maxDiscountIdr: null, durationMonths: 1, startsAt, endsAt });
    expect(made.ok).toBe(true);
    const catalog = new Catalog(prisma, { providers: ["VULTR"], cacheTtlMs: 60_000 });
    const price = async (at: Date) => (await catalog.offer(planId, buyer, at))!.prices.find((p) => p.durationMonths === 1)!;
    expect((await price(new Date())).promoDiscountIdr).toBe(9_100);
    expect((await price(new Date(endsAt.getTime() + 1))).promoDiscountIdr).toBe(0);
    if (made.ok) await disablePromo(prisma, owner, made.promoId);
    expect((await price(new Date())).promoDiscountIdr).toBe(0);
  });
});

describe("bank accounts", () => {
  it("are added at the end, switched off and moved, each audited", async () => {
    await prisma.bankAccount.deleteMany();
    const a = await addBankAccount(prisma, owner, { bankName: "BCA", accountNumber: "123 456 7890", accountHolder: "PT Toko VPS" });
    const b = await addBankAccount(prisma, owner, { bankName: "Mandiri", accountNumber: "1370012345678", accountHolder: "PT Toko VPS" });
    expect(await addBankAccount(prisma, owner, { bankName: "BCA", accountNumber: "1234567890", accountHolder: "X" })).toEqual({ ok: false, reason: "duplicate" });
    expect(await addBankAccount(prisma, owner, { bankName: "BCA", accountNumber: "12ab", accountHolder: "X" })).toEqual({ ok: false, reason: "invalid" });
    if (!a.ok || !b.ok) throw new Error("not added");
    expect((await bankAccounts(prisma)).map((r) => r.accountNumber)).toEqual(["1234567890", "1370012345678"]);
    await moveBankAccount(prisma, owner, { id: b.id, direction: "up" });
    expect((await bankAccounts(prisma)).map((r) => r.id)).toEqual([b.id, a.id]);
    expect((await lastAudit("bank.reorder")).details).toMatchObject({ before: { order: [a.id, b.id] }, after: { order: [b.id, a.id] } });
    await setBankAccountActive(prisma, owner, { id: b.id, active: false });
    expect((await bankAccounts(prisma)).find((r) => r.id === b.id)?.active).toBe(false);
  });
});

describe("coupons", () => {
  const draft: CouponDraft = {
    code: "PROMO12", kind: "PERCENT", value: 10, maxDiscountIdr: 20_000, minOrderIdr: 50_000, validFrom: null, validTo: null,
    usageLimit: 100, perUserLimit: 1, firstOrderOnly: false, planIds: [], durations: [1, 3],
  };
  it("are created with every rule, refused when invalid or taken, and switched off", async () => {
    expect(await createCoupon(prisma, owner, { ...draft, value: 150 })).toEqual({ ok: false, reason: "value" });
    expect(await createCoupon(prisma, owner, { ...draft, planIds: [999_999] })).toEqual({ ok: false, reason: "unknown_plan" });
    const made = await createCoupon(prisma, owner, { ...draft, planIds: [planId] });
    expect(made.ok).toBe(true);
    expect(await createCoupon(prisma, owner, draft)).toEqual({ ok: false, reason: "duplicate" });
    if (!made.ok) return;
    expect((await couponCard(prisma, made.couponId))!.coupon).toMatchObject({ code: "PROMO12", maxDiscountIdr: 20_000, minOrderIdr: 50_000, perUserLimit: 1, durations: [1, 3], planIds: [planId] });
    await setCouponActive(prisma, owner, { id: made.couponId, active: false });
    expect((await lastAudit("coupon.disable")).details).toMatchObject({ before: { active: true }, after: { active: false }, code: "PROMO12" });
  });
});

describe("what staff type", () => {
  it("is read strictly", () => {
    expect(parseRupiah("Rp 75.000")).toEqual({ ok: true, value: 75_000 });
    expect(parseRupiah("75rb").ok).toBe(false);
    expect(parseRupiah("0")).toEqual({ ok: false, error: "amount_range" });
    expect(parseWholeList("12, 1 3", 1, 36)).toEqual({ ok: true, value: [1, 3, 12] });
    expect(parseJakartaDate("2026-12-31")).toEqual({ ok: true, value: new Date("2026-12-30T17:00:00.000Z") });
    expect(parseJakartaDate("2026-12-31", { endOfDay: true })).toEqual({ ok: true, value: new Date("2026-12-31T17:00:00.000Z") });
    expect(parseJakartaDate("2026-02-31").ok).toBe(false);
    expect(parseJakartaDate("2026-12-31 25:00").ok).toBe(false);
  });
});
