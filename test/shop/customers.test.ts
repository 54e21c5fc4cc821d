/**
 * The customers console's domain rules without Telegram: reading "+amount reason", finding
 * people by what staff type (wildcards are text, not patterns), who may be banned by whom, and
 * tiers that may be given.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../db/client.js";
import { banCustomer, unbanCustomer } from "../../shop/customers/ban.js";
import { findCustomers } from "../../shop/customers/lookup.js";
import { setResellerTier } from "../../shop/customers/tier.js";
import { parseAdjustment } from "../../shop/customers/wallet-adjustment.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

let db: TestDatabase;
let prisma: PrismaClient;
/** No user directory here: nothing is cached to drop. */
const noCache = { forget: async () => undefined };

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
});
afterAll(async () => {
  await db?.drop();
});

const person = (telegramId: number, firstName: string, extra: { username?: string; role?: "CUSTOMER" | "SELLER" | "OWNER" } = {}) =>
  prisma.user.create({ data: { telegramId: BigInt(telegramId), firstName, username: extra.username ?? null, role: extra.role ?? "CUSTOMER" } });

describe("parseAdjustment", () => {
  it.each([
    ["+50000 kompensasi", 50_000, "kompensasi"],
    ["-20.000 koreksi input", -20_000, "koreksi input"],
    ["+ 1,500,000   bonus   reseller ", 1_500_000, "bonus reseller"],
    ["-Rp 5.000 salah transfer", -5_000, "salah transfer"],
  ])("reads %j", (text, amountIdr, reason) => {
    expect(parseAdjustment(text)).toEqual({ ok: true, amountIdr, reason });
  });

  it.each([
    ["50000 tanpa tanda", "format"],
    ["+abc alasan", "format"],
    ["+50000", "format"],
    ["+0 nol", "zero"],
    ["+50000001 terlalu besar", "too_large"],
    ["+99999999999999999999 typo", "too_large"],
    ["+5000 ab", "reason"],
    ["+5.00 desimal", "format"],
  ])("refuses %j (%s)", (text, reason) => {
    expect(parseAdjustment(text)).toEqual({ ok: false, reason });
  });
});

describe("findCustomers", () => {
  it("matches @username exactly, a Telegram id, and names as text (a % or _ is not a wildcard)", async () => {
    const rina = await person(7_100_001, "Rina Wati", { username: "rina_w" });
    await person(7_100_002, "Rinaldi");
    expect(await findCustomers(prisma, "@rina_w")).toEqual({ found: "one", customer: { id: rina.id, telegramId: 7_100_001, firstName: "Rina Wati", username: "rina_w" } });
    expect((await findCustomers(prisma, "@rina")).found).toBe("none");
    expect((await findCustomers(prisma, "7100001")).found).toBe("one");
    expect((await findCustomers(prisma, "99999999999999999999")).found).toBe("none");
    expect((await findCustomers(prisma, "rina")).found).toBe("many");
    expect((await findCustomers(prisma, "%")).found).toBe("none");
    expect((await findCustomers(prisma, "r_na")).found).toBe("none");
    expect((await findCustomers(prisma, "A_W")).found).toBe("one");
    expect((await findCustomers(prisma, "   ")).found).toBe("none");
  });
});

describe("bans", () => {
  it("an owner cannot be banned, a seller cannot ban staff, nobody bans themselves; a repeat changes nothing", async () => {
    const owner = await person(7_200_001, "Pemilik", { role: "OWNER" });
    const seller = await person(7_200_002, "Penjual", { role: "SELLER" });
    const other = await person(7_200_003, "Penjual Dua", { role: "SELLER" });
    const buyer = await person(7_200_004, "Pembeli");
    const asOwner = { userId: owner.id, role: "OWNER" as const };
    const asSeller = { userId: seller.id, role: "SELLER" as const };
    expect(await banCustomer(prisma, { customerId: owner.id, staff: asSeller, reason: "uji" })).toEqual({ ok: false, reason: "owner" });
    expect(await banCustomer(prisma, { customerId: other.id, staff: asSeller, reason: "uji" })).toEqual({ ok: false, reason: "staff" });
    expect(await banCustomer(prisma, { customerId: seller.id, staff: asSeller, reason: "uji" })).toEqual({ ok: false, reason: "self" });
    expect(await banCustomer(prisma, { customerId: 999_999, staff: asOwner, reason: "uji" })).toEqual({ ok: false, reason: "not_found" });
    expect(await banCustomer(prisma, { customerId: other.id, staff: asOwner, reason: "keluar" })).toEqual({ ok: true, changed: true, telegramId: 7_200_003 });
    expect(await banCustomer(prisma, { customerId: buyer.id, staff: asSeller, reason: "penipuan" })).toEqual({ ok: true, changed: true, telegramId: 7_200_004 });
    expect(await banCustomer(prisma, { customerId: buyer.id, staff: asSeller, reason: "lagi" })).toEqual({ ok: true, changed: false, telegramId: 7_200_004 });
    expect(await unbanCustomer(prisma, { customerId: buyer.id, staff: asSeller, reason: "maaf" })).toEqual({ ok: true, changed: true, telegramId: 7_200_004 });
    expect(await unbanCustomer(prisma, { customerId: buyer.id, staff: asSeller, reason: "maaf" })).toEqual({ ok: true, changed: false, telegramId: 7_200_004 });
    const trail = await prisma.auditLog.findMany({ where: { action: { in: ["customer.ban", "customer.unban"] } }, orderBy: { id: "asc" } });
    expect(trail.map((a) => [a.action, a.targetId, a.actorType])).toEqual([
      ["customer.ban", String(other.id), "OWNER"],
      ["customer.ban", String(buyer.id), "SELLER"],
      ["customer.unban", String(buyer.id), "SELLER"],
    ]);
  });

  it("a seller cannot lift a ban the owner put on staff; the owner can", async () => {
    const owner = await person(7_200_011, "Pemilik B", { role: "OWNER" });
    const seller = await person(7_200_012, "Penjual B", { role: "SELLER" });
    const banned = await person(7_200_013, "Penjual Diblokir", { role: "SELLER" });
    const asOwner = { userId: owner.id, role: "OWNER" as const };
    const asSeller = { userId: seller.id, role: "SELLER" as const };
    expect(await banCustomer(prisma, { customerId: banned.id, staff: asOwner, reason: "keluar" })).toMatchObject({ ok: true, changed: true });
    expect(await unbanCustomer(prisma, { customerId: banned.id, staff: asSeller, reason: "teman" })).toEqual({ ok: false, reason: "staff" });
    expect((await prisma.user.findUniqueOrThrow({ where: { id: banned.id } })).bannedAt).not.toBeNull();
    expect(await prisma.auditLog.count({ where: { action: "customer.unban", targetId: String(banned.id) } })).toBe(0);
    expect(await unbanCustomer(prisma, { customerId: banned.id, staff: asOwner, reason: "kembali" })).toMatchObject({ ok: true, changed: true });
  });
});

describe("tiers", () => {
  it("gives only an active tier; an unknown or inactive one is refused and nothing changes", async () => {
    const owner = await person(7_300_001, "Pemilik", { role: "OWNER" });
    const buyer = await person(7_300_002, "Pembeli");
    const staff = { userId: owner.id, role: "OWNER" as const };
    const old = await prisma.resellerTier.create({ data: { code: "t-old", name: "Lama", active: false } });
    expect(await setResellerTier(prisma, noCache, { customerId: buyer.id, tierId: old.id, staff })).toEqual({ ok: false, reason: "tier_not_found" });
    expect(await setResellerTier(prisma, noCache, { customerId: buyer.id, tierId: 2_000_000, staff })).toEqual({ ok: false, reason: "tier_not_found" });
    expect(await setResellerTier(prisma, noCache, { customerId: buyer.id, tierId: null, staff })).toEqual({ ok: true, changed: false, telegramId: 7_300_002 });
    expect((await prisma.user.findUniqueOrThrow({ where: { id: buyer.id } })).resellerTierId).toBeNull();
    expect(await prisma.auditLog.count({ where: { action: "customer.tier.set" } })).toBe(0);
  });
});
