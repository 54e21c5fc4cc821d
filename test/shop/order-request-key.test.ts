/**
 * createOrder's `requestKey` (shop/orders/create-order.ts): the request that placed an order, run
 * again, gets the same order back and writes nothing, even when the first run took the coupon's
 * last use or the plan's last unit; two processes running it at the same moment place one order.
 * Real Postgres, seeded with the demo catalog (DO Basic 1 GB for 1 month: 60.000 after its promo).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type PrismaClient } from "../../db/client.js";
import { seedDemoCatalog } from "../../db/seed.js";
import { Catalog, type Buyer } from "../../shop/catalog/catalog.js";
import { createOrder } from "../../shop/orders/create-order.js";
import { createRenewalOrder } from "../../shop/lifecycle/renewal.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

const NOW = new Date("2026-11-21T03:00:00.000Z");

let db: TestDatabase;
let prisma: PrismaClient;
let otherProcess: PrismaClient;
let catalog: Catalog;
let planId: number;
let imageId: number;
let nextTelegramId = 8_800_000n;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
  otherProcess = createPrisma(db.url, { max: 4, applicationName: "vps-shop:test-request-key" });
  await seedDemoCatalog(prisma, NOW);
  catalog = new Catalog(prisma, { providers: ["DIGITALOCEAN", "VULTR"] });
  planId = (await prisma.plan.findUniqueOrThrow({ where: { code: "do-s-1vcpu-1gb-sgp1" } })).id;
  imageId = (await prisma.osImage.findFirstOrThrow({ where: { code: "ubuntu-22.04", provider: { code: "DIGITALOCEAN" } } })).id;
});

afterAll(async () => {
  await otherProcess?.$disconnect();
  await db?.drop();
});

async function newBuyer(): Promise<Buyer> {
  nextTelegramId += 1n;
  const user = await prisma.user.create({ data: { telegramId: nextTelegramId, firstName: "Pembeli" } });
  return { userId: user.id, resellerTierId: null };
}

async function place(buyer: Buyer, requestKey: string | null, opts: { couponCode?: string | null; client?: PrismaClient } = {}) {
  const request = { planId, durationMonths: 1, imageId, couponCode: opts.couponCode ?? null };
  // As the chat does: the total it can show now, or null when it cannot show one (sold out).
  const quoted = await catalog.quote(prisma, request, buyer, NOW);
  const expectedTotalIdr = quoted.ok ? quoted.quote.breakdown.totalIdr : null;
  return createOrder(opts.client ?? prisma, catalog, { buyer, request, expectedTotalIdr, paymentTtlHours: 24, now: NOW, requestKey });
}

describe("an order placed under a request key", () => {
  it("is given back to the same request run again, although that run took the coupon's last use and the plan's last unit", async () => {
    const buyer = await newBuyer();
    await prisma.coupon.create({ data: { code: "SATUSAJA", kind: "PERCENT", value: 10, usageLimit: 1 } });
    await prisma.plan.update({ where: { id: planId }, data: { stock: 1 } });
    try {
      const first = await place(buyer, "checkout:a", { couponCode: "SATUSAJA" });
      expect(first.status).toBe("created");
      if (first.status !== "created") return;
      expect(first.replayed).toBe(false);
      expect(first.quote.coupon?.code).toBe("SATUSAJA");

      const again = await place(buyer, "checkout:a", { couponCode: "SATUSAJA" });
      expect(again).toMatchObject({ status: "created", replayed: true, order: first.order, orders: first.orders });
      if (again.status === "created") expect(again.quote).toEqual(first.quote);
      expect(await prisma.order.count({ where: { userId: buyer.userId } })).toBe(1);
      expect(await prisma.couponRedemption.count({ where: { userId: buyer.userId } })).toBe(1);
      expect((await prisma.coupon.findUniqueOrThrow({ where: { code: "SATUSAJA" } })).usedCount).toBe(1);
      expect((await prisma.plan.findUniqueOrThrow({ where: { id: planId } })).stock).toBe(0);
      expect(await prisma.orderStatusHistory.count({ where: { orderId: first.order.id } })).toBe(1);

      // Another checkout of the same customer is another request: the plan is sold out for it.
      expect(await place(buyer, "checkout:b")).toMatchObject({ status: "unavailable", reason: "sold_out" });
    } finally {
      await prisma.plan.update({ where: { id: planId }, data: { stock: null } });
    }
  });

  it("run by two processes at the same moment places one order, and both get it", async () => {
    for (let round = 0; round < 5; round++) {
      const buyer = await newBuyer();
      const [a, b] = await Promise.all([place(buyer, `checkout:race-${round}`), place(buyer, `checkout:race-${round}`, { client: otherProcess })]);
      expect(a.status).toBe("created");
      expect(b.status).toBe("created");
      if (a.status !== "created" || b.status !== "created") return;
      expect(b.order).toEqual(a.order);
      expect([a.replayed, b.replayed].sort()).toEqual([false, true]);
      expect(await prisma.order.count({ where: { userId: buyer.userId } })).toBe(1);
    }
  });

  it("is one customer's: another customer's request with the same key places its own order, and no key means no replay", async () => {
    const [one, two] = [await newBuyer(), await newBuyer()];
    const a = await place(one, "checkout:same");
    const b = await place(two, "checkout:same");
    if (a.status !== "created" || b.status !== "created") throw new Error("not created");
    expect(b.order.id).not.toBe(a.order.id);
    expect(b.replayed).toBe(false);
    const c = await place(one, null);
    const d = await place(one, null);
    if (c.status !== "created" || d.status !== "created") throw new Error("not created");
    expect(d.order.id).not.toBe(c.order.id);
    expect(await prisma.order.count({ where: { userId: one.userId } })).toBe(3);
  });

  it("a renewal: the same tap run by two processes at once places one renewal order; a key met on another VPS places a new one", async () => {
    const buyer = await newBuyer();
    const placed = await place(buyer, "checkout:for-renewal");
    if (placed.status !== "created") throw new Error("not created");
    await prisma.order.update({ where: { id: placed.order.id }, data: { status: "ACTIVE", paidAt: NOW } });
    const instance = await prisma.instance.create({
      data: { orderId: placed.order.id, userId: buyer.userId, providerCode: "DIGITALOCEAN", providerInstanceId: `rk-${placed.order.id}`, label: "vps-rk", region: "sgp1", planId, planCode: "do-s-1vcpu-1gb-sgp1", imageCode: "ubuntu-22.04", status: "ACTIVE", expiresAt: new Date(NOW.getTime() + 5 * 86_400_000) },
    });
    const renew = (requestKey: string, client: PrismaClient = prisma, months = 1) => createRenewalOrder(client, { userId: buyer.userId, instanceId: instance.id, months, paymentTtlHours: 24, now: NOW, requestKey });
    for (let round = 0; round < 5; round++) {
      const [a, b] = await Promise.all([renew(`tg-callback:${round}`), renew(`tg-callback:${round}`, otherProcess)]);
      if (!a.ok || !b.ok) throw new Error(`not placed: ${JSON.stringify([a, b])}`);
      expect(b.orderId).toBe(a.orderId);
      expect([a.replayed, b.replayed].sort()).toEqual([false, true]);
    }
    expect(await prisma.order.count({ where: { userId: buyer.userId, kind: "RENEWAL" } })).toBe(5);
    // The checkout's key names a NEW_VPS order: not this renewal's, so a new one is placed (without it).
    const other = await renew("checkout:for-renewal");
    expect(other).toMatchObject({ ok: true, replayed: false });
    // Another length under a used key is another request too.
    expect(await renew("tg-callback:0", prisma, 3)).toMatchObject({ ok: true, replayed: false });
    expect(await prisma.order.count({ where: { userId: buyer.userId, kind: "RENEWAL" } })).toBe(7);
  });
});
