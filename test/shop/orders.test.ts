/**
 * Orders (shop/orders/*) against a real Postgres seeded with the demo catalog at NOW, and a
 * real Redis for the rate limit. The order used throughout, worked out by hand:
 *
 *   DO Basic 1 GB, 1 month: 75.000 − promo 20% (15.000) = 60.000
 *   with a 10% coupon (HEMAT10 or the test coupons): 60.000 × 10% = 6.000 → total 54.000
 *
 * The race tests use their own client with a pool big enough for every racer to be inside
 * its transaction at the same time (the app's default pool is 10).
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type PrismaClient } from "../../db/client.js";
import { seedDemoCatalog } from "../../db/seed.js";
import { Catalog, type Buyer, type QuoteRequest } from "../../shop/catalog/catalog.js";
import { createOrder, type CreateOrderResult } from "../../shop/orders/create-order.js";
import { expireUnpaidOrders } from "../../shop/orders/expire-orders.js";
import { allowOrderCreation } from "../../shop/orders/order-rate-limit.js";
import { newOrderReference } from "../../shop/orders/reference.js";
import { transitionOrder } from "../../shop/orders/state-machine.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from "../support/redis.js";

const NOW = new Date("2026-11-21T03:00:00.000Z"); // 10:00 in Jakarta, 21 Nov 2026
const HOUR = 3600_000;
const DAY = 24 * HOUR;

let db: TestDatabase;
let prisma: PrismaClient;
let racePrisma: PrismaClient;
let catalog: Catalog;
let do1: number;
let ubuntu: number;
let nextTelegramId = 8_200_000n;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
  racePrisma = createPrisma(db.url, { max: 14, applicationName: "vps-shop:test-race" });
  await seedDemoCatalog(prisma, NOW);
  catalog = new Catalog(prisma, { providers: ["DIGITALOCEAN", "VULTR"] });
  const plan = await prisma.plan.findUniqueOrThrow({ where: { code: "do-s-1vcpu-1gb-sgp1" } });
  do1 = plan.id;
  ubuntu = (await prisma.osImage.findFirstOrThrow({ where: { code: "ubuntu-22.04", provider: { code: "DIGITALOCEAN" } } })).id;
});

afterAll(async () => {
  await racePrisma?.$disconnect();
  await db?.drop();
});

/** Telegram id of each buyer created by newBuyer(), by user id. */
const telegramIdOf = new Map<number, bigint>();

async function newBuyer(): Promise<Buyer> {
  nextTelegramId += 1n;
  const user = await prisma.user.create({ data: { telegramId: nextTelegramId, firstName: "Pembeli" } });
  telegramIdOf.set(user.id, user.telegramId);
  return { userId: user.id, resellerTierId: null };
}

function do1Request(couponCode?: string): QuoteRequest {
  return { planId: do1, durationMonths: 1, imageId: ubuntu, couponCode: couponCode ?? null };
}

function order(buyer: Buyer, opts: { coupon?: string; expected: number; now?: Date; client?: PrismaClient; ttlHours?: number }) {
  return createOrder(opts.client ?? prisma, catalog, {
    buyer,
    request: do1Request(opts.coupon),
    expectedTotalIdr: opts.expected,
    paymentTtlHours: opts.ttlHours ?? 24,
    now: opts.now ?? NOW,
  });
}

function created(r: CreateOrderResult) {
  if (r.status !== "created") throw new Error(`expected an order, got ${JSON.stringify(r)}`);
  return r.order;
}

async function usedCount(code: string) {
  return (await prisma.coupon.findUniqueOrThrow({ where: { code } })).usedCount;
}

describe("createOrder", () => {
  it("creates a PENDING_PAYMENT order with the exact price snapshot, its history row and the coupon use", async () => {
    const buyer = await newBuyer();
    const r = await order(buyer, { coupon: "hemat10", expected: 54_000 });
    const o = created(r);
    expect(o.totalIdr).toBe(54_000);
    expect(o.reference).toMatch(/^ORD-20261121-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{5}$/);
    expect(o.paymentDeadline).toBe(new Date(NOW.getTime() + 24 * HOUR).toISOString());

    const row = await prisma.order.findUniqueOrThrow({ where: { id: o.id } });
    expect(row).toMatchObject({
      reference: o.reference,
      userId: buyer.userId,
      kind: "NEW_VPS",
      status: "PENDING_PAYMENT",
      planId: do1,
      planCode: "do-s-1vcpu-1gb-sgp1",
      planName: "DO Basic 1 GB",
      providerCode: "DIGITALOCEAN",
      providerSizeSlug: "s-1vcpu-1gb",
      region: "sgp1",
      imageCode: "ubuntu-22.04",
      imageName: "Ubuntu 22.04 LTS",
      providerImageRef: "ubuntu-22-04-x64",
      durationMonths: 1,
      basePriceIdr: 75_000,
      promoDiscountIdr: 15_000,
      couponDiscountIdr: 6_000,
      couponCode: "HEMAT10",
      totalIdr: 54_000,
      paymentFeeIdr: 0,
      paidAt: null,
      paymentDeadline: new Date(NOW.getTime() + 24 * HOUR),
      createdAt: NOW,
    });
    expect(row.snapshot).toMatchObject({
      planCode: "do-s-1vcpu-1gb-sgp1",
      breakdown: { basePriceIdr: 75_000, promoDiscountIdr: 15_000, couponDiscountIdr: 6_000, totalIdr: 54_000 },
      coupon: { code: "HEMAT10", kind: "PERCENT", value: 10 },
      buyer: { userId: buyer.userId, resellerTierId: null },
    });

    const history = await prisma.orderStatusHistory.findMany({ where: { orderId: o.id } });
    expect(history).toMatchObject([
      { fromStatus: null, toStatus: "PENDING_PAYMENT", actorType: "CUSTOMER", actorId: String(buyer.userId), reason: "order placed", createdAt: NOW },
    ]);
    const coupon = await prisma.coupon.findUniqueOrThrow({ where: { code: "HEMAT10" } });
    expect(coupon.usedCount).toBe(1);
    expect(await prisma.couponRedemption.findMany({ where: { couponId: coupon.id } })).toMatchObject([
      { userId: buyer.userId, orderId: o.id, discountIdr: 6_000, status: "ACTIVE", releasedAt: null },
    ]);

    // the same customer cannot use HEMAT10 (1 per user) a second time
    const again = await order(buyer, { coupon: "HEMAT10", expected: 54_000 });
    expect(again).toMatchObject({ status: "coupon_rejected", rejection: { reason: "already_used" }, quote: { breakdown: { totalIdr: 60_000 } } });
    expect(await prisma.order.count({ where: { userId: buyer.userId } })).toBe(1);
    expect(await usedCount("HEMAT10")).toBe(1);
  });

  it("without a coupon: no redemption, couponCode null", async () => {
    const buyer = await newBuyer();
    const o = created(await order(buyer, { expected: 60_000 }));
    expect(await prisma.order.findUniqueOrThrow({ where: { id: o.id } })).toMatchObject({ couponCode: null, couponDiscountIdr: 0, totalIdr: 60_000 });
    expect(await prisma.couponRedemption.count({ where: { orderId: o.id } })).toBe(0);
  });

  it("price_changed when the total is not what the customer confirmed, and nothing is written", async () => {
    const buyer = await newBuyer();
    const before = await usedCount("HEMAT10");
    // the customer saw 60.000 (before typing the coupon); the real total is 54.000
    const r = await order(buyer, { coupon: "HEMAT10", expected: 60_000 });
    expect(r.status).toBe("price_changed");
    expect(r.status === "price_changed" && r.quote.breakdown).toEqual({ basePriceIdr: 75_000, promoDiscountIdr: 15_000, couponDiscountIdr: 6_000, totalIdr: 54_000 });
    // the promo ended between summary and confirmation: 60.000 expected, 75.000 now
    const late = await order(buyer, { expected: 60_000, now: new Date(NOW.getTime() + 30 * DAY) });
    expect(late.status === "price_changed" && late.quote.breakdown.totalIdr).toBe(75_000);
    expect(await prisma.order.count({ where: { userId: buyer.userId } })).toBe(0);
    expect(await prisma.couponRedemption.count({ where: { userId: buyer.userId } })).toBe(0);
    expect(await usedCount("HEMAT10")).toBe(before);
  });

  it("coupon_rejected when the coupon stopped being usable, and nothing is written", async () => {
    const buyer = await newBuyer();
    await prisma.coupon.create({ data: { code: "KILAT", kind: "PERCENT", value: 10, validTo: new Date(NOW.getTime() + HOUR) } });
    // the customer saw the summary while it was valid; the confirmation arrives exactly at validTo
    const r = await order(buyer, { coupon: "KILAT", expected: 54_000, now: new Date(NOW.getTime() + HOUR) });
    expect(r).toMatchObject({ status: "coupon_rejected", rejection: { reason: "expired" } });
    expect(r.status === "coupon_rejected" && r.quote.breakdown).toEqual({ basePriceIdr: 75_000, promoDiscountIdr: 15_000, couponDiscountIdr: 0, totalIdr: 60_000 });
    // a seller switched the coupon off
    await prisma.coupon.update({ where: { code: "KILAT" }, data: { active: false } });
    expect(await order(buyer, { coupon: "KILAT", expected: 54_000 })).toMatchObject({ status: "coupon_rejected", rejection: { reason: "unknown" } });
    expect(await prisma.order.count({ where: { userId: buyer.userId } })).toBe(0);
    expect(await usedCount("KILAT")).toBe(0);
  });

  it("unavailable when the plan cannot be bought any more", async () => {
    const buyer = await newBuyer();
    expect(await createOrder(prisma, catalog, { buyer, request: { ...do1Request(), durationMonths: 6 }, expectedTotalIdr: 60_000, paymentTtlHours: 24, now: NOW })).toEqual({
      status: "unavailable",
      reason: "duration_unavailable",
    });
    expect(await prisma.order.count({ where: { userId: buyer.userId } })).toBe(0);
  });

  it("THE RACE: 12 customers, a coupon with 3 uses left → exactly 3 orders get it", async () => {
    const coupon = await prisma.coupon.create({ data: { code: "KUOTA3", kind: "PERCENT", value: 10, usageLimit: 3 } });
    const buyers = await Promise.all(Array.from({ length: 12 }, () => newBuyer()));
    const results = await Promise.all(buyers.map((b) => order(b, { coupon: "KUOTA3", expected: 54_000, client: racePrisma })));

    const winners = results.filter((r) => r.status === "created");
    const losers = results.filter((r) => r.status !== "created");
    expect(winners).toHaveLength(3);
    expect(losers).toHaveLength(9);
    for (const l of losers) {
      expect(l).toMatchObject({ status: "coupon_rejected", rejection: { reason: "used_up" } });
      // priced without the coupon, so the customer can choose to pay 60.000
      expect(l.status === "coupon_rejected" && l.quote.breakdown.totalIdr).toBe(60_000);
    }
    const orders = await prisma.order.findMany({ where: { couponCode: "KUOTA3" } });
    expect(orders).toHaveLength(3);
    expect(orders.every((o) => o.totalIdr === 54_000 && o.couponDiscountIdr === 6_000)).toBe(true);
    expect(new Set(orders.map((o) => o.userId)).size).toBe(3);
    expect(await usedCount("KUOTA3")).toBe(3);
    expect(await prisma.couponRedemption.count({ where: { couponId: coupon.id, status: "ACTIVE" } })).toBe(3);
    // the 9 who lost have no order at all
    expect(await prisma.order.count({ where: { userId: { in: buyers.map((b) => b.userId) } } })).toBe(3);
  });

  it("THE RACE: one customer fires 5 orders at once with a 1-per-user coupon → exactly 1 gets it", async () => {
    const coupon = await prisma.coupon.create({ data: { code: "SEKALI", kind: "PERCENT", value: 10, perUserLimit: 1 } });
    const buyer = await newBuyer();
    const results = await Promise.all(Array.from({ length: 5 }, () => order(buyer, { coupon: "SEKALI", expected: 54_000, client: racePrisma })));

    expect(results.filter((r) => r.status === "created")).toHaveLength(1);
    const losers = results.filter((r) => r.status !== "created");
    expect(losers).toHaveLength(4);
    for (const l of losers) expect(l).toMatchObject({ status: "coupon_rejected", rejection: { reason: "already_used" } });
    expect(await prisma.order.count({ where: { userId: buyer.userId } })).toBe(1);
    expect(await usedCount("SEKALI")).toBe(1);
    expect(await prisma.couponRedemption.count({ where: { couponId: coupon.id, status: "ACTIVE" } })).toBe(1);
  });
});

describe("newOrderReference", () => {
  it("carries the Jakarta (UTC+7) date, so an order at 00:30 WIB is dated that day", () => {
    // 16:59:59.999 UTC = 23:59:59.999 WIB on the 21st; 17:00 UTC = 00:00 WIB on the 22nd
    expect(newOrderReference(new Date("2026-11-21T16:59:59.999Z"))).toMatch(/^ORD-20261121-[2-9A-HJKMNP-Z]{5}$/);
    expect(newOrderReference(new Date("2026-11-21T17:00:00.000Z"))).toMatch(/^ORD-20261122-[2-9A-HJKMNP-Z]{5}$/);
    expect(newOrderReference(new Date("2026-12-31T18:00:00.000Z"), "TOP")).toMatch(/^TOP-20270101-[2-9A-HJKMNP-Z]{5}$/);
  });
});

describe("transitionOrder", () => {
  it("allows the machine's moves and refuses the others, writing history only for real moves", async () => {
    const buyer = await newBuyer();
    const { id } = created(await order(buyer, { expected: 60_000 }));
    const gateway = { type: "GATEWAY" as const, id: "T0001" };

    expect(await transitionOrder(prisma, id, "PROVISIONING", gateway)).toEqual({ ok: false, reason: "not_allowed", current: "PENDING_PAYMENT" });
    expect(await transitionOrder(prisma, id, "PAID", gateway, { reason: "tripay callback" })).toEqual({ ok: true, from: "PENDING_PAYMENT", to: "PAID" });
    // a paid order can never go back to unpaid, nor expire
    expect(await transitionOrder(prisma, id, "PENDING_PAYMENT", gateway)).toEqual({ ok: false, reason: "not_allowed", current: "PAID" });
    expect(await transitionOrder(prisma, id, "EXPIRED", { type: "SCHEDULER" })).toEqual({ ok: false, reason: "not_allowed", current: "PAID" });
    expect(await transitionOrder(prisma, id, "PROVISIONING", { type: "SYSTEM" })).toEqual({ ok: true, from: "PAID", to: "PROVISIONING" });
    expect(await transitionOrder(prisma, 999_999, "PAID", gateway)).toEqual({ ok: false, reason: "not_found" });

    const history = await prisma.orderStatusHistory.findMany({ where: { orderId: id }, orderBy: { id: "asc" } });
    expect(history.map((h) => [h.fromStatus, h.toStatus, h.actorType, h.actorId, h.reason])).toEqual([
      [null, "PENDING_PAYMENT", "CUSTOMER", String(buyer.userId), "order placed"],
      ["PENDING_PAYMENT", "PAID", "GATEWAY", "T0001", "tripay callback"],
      ["PAID", "PROVISIONING", "SYSTEM", null, null],
    ]);
    expect((await prisma.order.findUniqueOrThrow({ where: { id } })).status).toBe("PROVISIONING");
  });

  it("onlyFrom narrows an allowed move to the given starting states", async () => {
    const buyer = await newBuyer();
    const { id } = created(await order(buyer, { expected: 60_000 }));
    expect(await transitionOrder(prisma, id, "PAYMENT_REVIEW", { type: "GATEWAY" })).toMatchObject({ ok: true });
    // PAYMENT_REVIEW → PAID is allowed by the machine, but not when only PENDING_PAYMENT may move
    expect(await transitionOrder(prisma, id, "PAID", { type: "GATEWAY" }, { onlyFrom: ["PENDING_PAYMENT"] })).toEqual({
      ok: false,
      reason: "not_allowed",
      current: "PAYMENT_REVIEW",
    });
    expect(await transitionOrder(prisma, id, "PAID", { type: "SELLER", id: "9" }, { onlyFrom: ["PAYMENT_REVIEW"], data: { paidAt: NOW } })).toEqual({
      ok: true,
      from: "PAYMENT_REVIEW",
      to: "PAID",
    });
    expect(await prisma.order.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "PAID", paidAt: NOW });
    expect(await prisma.orderStatusHistory.count({ where: { orderId: id } })).toBe(3);
  });

  it("10 concurrent PENDING_PAYMENT → PAID calls: exactly one wins, exactly one history row", async () => {
    const buyer = await newBuyer();
    const { id } = created(await order(buyer, { expected: 60_000 }));
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => transitionOrder(racePrisma, id, "PAID", { type: "GATEWAY", id: `callback-${i}` }, { data: { paidAt: NOW } })),
    );
    expect(results.filter((r) => r.ok)).toEqual([{ ok: true, from: "PENDING_PAYMENT", to: "PAID" }]);
    for (const r of results.filter((x) => !x.ok)) {
      expect(r).toMatchObject({ ok: false, current: "PAID" });
      expect(["conflict", "not_allowed"]).toContain(!r.ok && r.reason);
    }
    expect(await prisma.orderStatusHistory.count({ where: { orderId: id, toStatus: "PAID" } })).toBe(1);
    expect(await prisma.orderStatusHistory.count({ where: { orderId: id } })).toBe(2);
  });

  it("the move and its history row are one: if the history row cannot be written, the status does not change", async () => {
    // Found by `npm run chaos`: a top-up killed between its status change and its history row
    // was left ACTIVE with no ACTIVE transition in its audit trail. A trigger stands in for the crash.
    await prisma.$executeRawUnsafe(`
      CREATE FUNCTION test_history_write_fails() RETURNS trigger AS $$
      BEGIN IF NEW.reason = 'history write fails' THEN RAISE EXCEPTION 'simulated crash before the history row'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await prisma.$executeRawUnsafe(`CREATE TRIGGER test_history_write_fails BEFORE INSERT ON order_status_history FOR EACH ROW EXECUTE FUNCTION test_history_write_fails()`);
    try {
      const { id } = created(await order(await newBuyer(), { expected: 60_000 }));
      await expect(transitionOrder(prisma, id, "PAID", { type: "GATEWAY" }, { reason: "history write fails" })).rejects.toThrow(/simulated crash/);
      expect((await prisma.order.findUniqueOrThrow({ where: { id } })).status).toBe("PENDING_PAYMENT");
      expect(await prisma.orderStatusHistory.count({ where: { orderId: id } })).toBe(1);
    } finally {
      await prisma.$executeRawUnsafe(`DROP TRIGGER test_history_write_fails ON order_status_history`);
      await prisma.$executeRawUnsafe(`DROP FUNCTION test_history_write_fails()`);
    }
  });
});

describe("expireUnpaidOrders", () => {
  // These orders live 10 days before NOW so no other test's order is due when they are.
  const T0 = new Date(NOW.getTime() - 10 * DAY);
  const DUE = new Date(T0.getTime() + HOUR + 60_000); // deadline T0 + 1 h has passed by a minute
  // No promo 10 days before NOW: 75.000 − 10% = 67.500 with the coupon.

  it("expires what is due (actor SCHEDULER), releases its coupon use exactly once, leaves the rest", async () => {
    const coupon = await prisma.coupon.create({ data: { code: "LEPAS", kind: "PERCENT", value: 10 } });
    const [a, b, z, w] = await Promise.all([newBuyer(), newBuyer(), newBuyer(), newBuyer()]);
    const dueWithCoupon = created(await order(a!, { coupon: "LEPAS", expected: 67_500, now: T0, ttlHours: 1 }));
    const dueNoCoupon = created(await order(b!, { expected: 75_000, now: T0, ttlHours: 1 }));
    // created 30 min later: its deadline T0 + 1 h 30 min is still ahead at DUE
    const notYetDue = created(await order(z!, { coupon: "LEPAS", expected: 67_500, now: new Date(T0.getTime() + 30 * 60_000), ttlHours: 1 }));
    // past its deadline but paid: must stay PAID with its coupon use
    const paid = created(await order(w!, { coupon: "LEPAS", expected: 67_500, now: T0, ttlHours: 1 }));
    expect(await transitionOrder(prisma, paid.id, "PAID", { type: "GATEWAY" }, { data: { paidAt: T0 } })).toMatchObject({ ok: true });
    expect(await usedCount("LEPAS")).toBe(3);

    // a minute before the deadline nothing is due
    expect(await expireUnpaidOrders(prisma, new Date(T0.getTime() + HOUR - 60_000))).toEqual([]);

    // two schedulers at once
    const [first, second] = await Promise.all([expireUnpaidOrders(racePrisma, DUE), expireUnpaidOrders(racePrisma, DUE)]);
    const expired = [...first!, ...second!].sort((x, y) => x.orderId - y.orderId);
    expect(expired).toEqual([
      { orderId: dueWithCoupon.id, reference: dueWithCoupon.reference, chatId: Number(telegramIdOf.get(a!.userId)), couponReleased: true },
      { orderId: dueNoCoupon.id, reference: dueNoCoupon.reference, chatId: Number(telegramIdOf.get(b!.userId)), couponReleased: false },
    ]);
    // and once more later: nothing left to do
    expect(await expireUnpaidOrders(prisma, DUE)).toEqual([]);

    const status = async (id: number) => (await prisma.order.findUniqueOrThrow({ where: { id } })).status;
    expect([await status(dueWithCoupon.id), await status(dueNoCoupon.id), await status(notYetDue.id), await status(paid.id)]).toEqual([
      "EXPIRED",
      "EXPIRED",
      "PENDING_PAYMENT",
      "PAID",
    ]);
    const history = await prisma.orderStatusHistory.findMany({ where: { orderId: dueWithCoupon.id, toStatus: "EXPIRED" } });
    expect(history).toMatchObject([{ fromStatus: "PENDING_PAYMENT", actorType: "SCHEDULER", actorId: "order-expiry", reason: "payment deadline passed" }]);
    expect(await prisma.orderStatusHistory.count({ where: { orderId: dueNoCoupon.id, toStatus: "EXPIRED" } })).toBe(1);

    // 3 uses − 1 released = 2 (a double release would show 1)
    expect(await usedCount("LEPAS")).toBe(2);
    const redemptions = await prisma.couponRedemption.findMany({ where: { couponId: coupon.id }, orderBy: { orderId: "asc" } });
    // (created in this order, so ordered by id)
    expect(redemptions.map((r) => [r.orderId, r.status, r.releasedAt])).toEqual([
      [dueWithCoupon.id, "RELEASED", DUE],
      [notYetDue.id, "ACTIVE", null],
      [paid.id, "ACTIVE", null],
    ]);

    // the released use is really back: capped at 3 with 2 in use, one more order can take it
    await prisma.coupon.update({ where: { id: coupon.id }, data: { usageLimit: 3 } });
    const c = await newBuyer();
    expect((await order(c, { coupon: "LEPAS", expected: 67_500, now: DUE })).status).toBe("created");
    expect(await usedCount("LEPAS")).toBe(3);
  });
});

describe("allowOrderCreation", () => {
  const prefix = uniquePrefix("shop-orders");
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    redis?.disconnect();
    await deleteKeys(prefix);
  });

  it("allows 10 orders per user per minute, refuses the 11th, and allows again the next minute", async () => {
    const minute = Date.UTC(2026, 10, 21, 3, 0, 0);
    const at = minute + 15_000;
    // 11 attempts at once (two processes would race the same way): exactly 10 pass
    const verdicts = await Promise.all(Array.from({ length: 11 }, () => allowOrderCreation(redis, prefix, 42, 10, at)));
    expect(verdicts.filter(Boolean)).toHaveLength(10);
    // still refused at the last millisecond of that minute
    expect(await allowOrderCreation(redis, prefix, 42, 10, minute + 59_999)).toBe(false);
    // another user has their own budget
    expect(await allowOrderCreation(redis, prefix, 43, 10, at)).toBe(true);
    // the next minute starts a fresh count
    expect(await allowOrderCreation(redis, prefix, 42, 10, minute + 60_000)).toBe(true);
    // keys do not live forever
    const ttl = await redis.ttl(`${prefix}:order-rate:42:${Math.floor(at / 60_000)}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(120);
  });

  it("honours a custom limit", async () => {
    const t = Date.UTC(2026, 10, 21, 4, 0, 0);
    expect(await allowOrderCreation(redis, prefix, 7, 2, t)).toBe(true);
    expect(await allowOrderCreation(redis, prefix, 7, 2, t + 1)).toBe(true);
    expect(await allowOrderCreation(redis, prefix, 7, 2, t + 2)).toBe(false);
  });

  it("a checkout of several VPS spends one token per VPS", async () => {
    const t = Date.UTC(2026, 10, 21, 5, 0, 0);
    expect(await allowOrderCreation(redis, prefix, 8, 10, t, 10)).toBe(true);
    expect(await allowOrderCreation(redis, prefix, 8, 10, t + 1)).toBe(false);
    expect(await allowOrderCreation(redis, prefix, 9, 10, t, 7)).toBe(true);
    expect(await allowOrderCreation(redis, prefix, 9, 10, t + 1, 4)).toBe(false);
  });
});

describe("createOrder reads the buyer's reseller tier when it creates the order", () => {
  it("a tier taken away during checkout is not priced: price_changed with the public price, nothing written", async () => {
    const tier = await prisma.resellerTier.create({ data: { code: "ORD-T", name: "Tier" } });
    await prisma.resellerPrice.create({ data: { tierId: tier.id, planId: do1, durationMonths: 1, priceIdr: 40_000 } });
    const plain = await newBuyer();
    await prisma.user.update({ where: { id: plain.userId }, data: { resellerTierId: tier.id } });
    const asReseller: Buyer = { userId: plain.userId, resellerTierId: tier.id };
    const tierQuote = await catalog.quote(prisma, do1Request(), asReseller, NOW);
    const publicQuote = await catalog.quote(prisma, do1Request(), plain, NOW);
    if (!tierQuote.ok || !publicQuote.ok) throw new Error("plan not quotable");
    expect(tierQuote.quote.breakdown.totalIdr).toBeLessThan(publicQuote.quote.breakdown.totalIdr);

    await prisma.user.update({ where: { id: plain.userId }, data: { resellerTierId: null } });
    const result = await order(asReseller, { expected: tierQuote.quote.breakdown.totalIdr });
    expect(result.status).toBe("price_changed");
    if (result.status === "price_changed") expect(result.quote.breakdown.totalIdr).toBe(publicQuote.quote.breakdown.totalIdr);
    expect(await prisma.order.count({ where: { userId: plain.userId } })).toBe(0);

    const placed = await order(asReseller, { expected: publicQuote.quote.breakdown.totalIdr });
    expect(placed.status).toBe("created");
    const row = await prisma.order.findFirstOrThrow({ where: { userId: plain.userId } });
    expect(row.snapshot).toMatchObject({ buyer: { userId: plain.userId, resellerTierId: null } });
  });
});
