/**
 * Plan stock (issue 11): a NEW_VPS order takes one unit when it is created (createOrder) and
 * the trigger `orders_plan_stock` gives it back exactly once when the order ends without a VPS,
 * whichever path moves it (transitionOrder or settle_payment's own SQL). Real Postgres, seeded
 * with the demo catalog; DO Basic 1 GB for 1 month costs 60.000 after its promo.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type PrismaClient } from "../../db/client.js";
import { seedDemoCatalog } from "../../db/seed.js";
import { Catalog, type Buyer } from "../../shop/catalog/catalog.js";
import { createOrder, type CreateOrderResult } from "../../shop/orders/create-order.js";
import { expireUnpaidOrders } from "../../shop/orders/expire-orders.js";
import { transitionOrder } from "../../shop/orders/state-machine.js";
import { refundFailedOrder } from "../../shop/provisioning/staff-actions.js";
import { catalogFlagsAvailability } from "../../shop/catalog/availability.js";
import { Checkout } from "../../shop/payments/checkout.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

const NOW = new Date("2026-11-21T03:00:00.000Z");
const TOTAL = 60_000;
const system = { type: "SYSTEM" as const };

let db: TestDatabase;
let prisma: PrismaClient;
let racePrisma: PrismaClient;
let catalog: Catalog;
let planId: number;
let imageId: number;
let nextTelegramId = 8_700_000n;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
  racePrisma = createPrisma(db.url, { max: 6, applicationName: "vps-shop:test-stock-race" });
  await seedDemoCatalog(prisma, NOW);
  catalog = new Catalog(prisma, { providers: ["DIGITALOCEAN", "VULTR"] });
  planId = (await prisma.plan.findUniqueOrThrow({ where: { code: "do-s-1vcpu-1gb-sgp1" } })).id;
  imageId = (await prisma.osImage.findFirstOrThrow({ where: { code: "ubuntu-22.04", provider: { code: "DIGITALOCEAN" } } })).id;
});

afterAll(async () => {
  await racePrisma?.$disconnect();
  await db?.drop();
});

async function newBuyer(): Promise<Buyer> {
  nextTelegramId += 1n;
  const user = await prisma.user.create({ data: { telegramId: nextTelegramId, firstName: "Pembeli" } });
  return { userId: user.id, resellerTierId: null };
}

function buy(buyer: Buyer, client: PrismaClient = prisma) {
  return createOrder(client, catalog, {
    buyer,
    request: { planId, durationMonths: 1, imageId, couponCode: null },
    expectedTotalIdr: TOTAL,
    paymentTtlHours: 24,
    now: NOW,
  });
}

function created(r: CreateOrderResult) {
  if (r.status !== "created") throw new Error(`expected an order, got ${JSON.stringify(r)}`);
  return r.order;
}

async function setStock(stock: number | null) {
  await prisma.plan.update({ where: { id: planId }, data: { stock } });
}

async function stock() {
  return (await prisma.plan.findUniqueOrThrow({ where: { id: planId }, select: { stock: true } })).stock;
}

async function held(orderId: number) {
  return (await prisma.order.findUniqueOrThrow({ where: { id: orderId }, select: { stockHeld: true } })).stockHeld;
}

describe("plan stock", () => {
  it("stock 1 sells once: of two buyers at the same moment one gets the order, the other sold out, and nothing is written for them", async () => {
    await setStock(1);
    const [a, b] = [await newBuyer(), await newBuyer()];
    const results = await Promise.all([buy(a, racePrisma), buy(b, racePrisma)]);
    expect(results.map((r) => r.status).sort()).toEqual(["created", "unavailable"]);
    expect(results.find((r) => r.status === "unavailable")).toEqual({ status: "unavailable", reason: "sold_out" });
    expect(await stock()).toBe(0);
    expect(await prisma.order.count({ where: { userId: { in: [a.userId, b.userId] } } })).toBe(1);
    const order = created(results.find((r) => r.status === "created")!);
    expect(await held(order.id)).toBe(true);

    // A third buyer later: sold out, the catalog shows it so.
    expect(await buy(await newBuyer())).toEqual({ status: "unavailable", reason: "sold_out" });
    const listed = (await catalog.plans("DIGITALOCEAN", a, NOW)).find((p) => p.id === planId);
    expect(listed?.available).toBe(false);
    await transitionOrder(prisma, order.id, "CANCELLED", system);
  });

  it("an expired unpaid order gives its unit back, and the plan sells again", async () => {
    await setStock(1);
    const order = created(await buy(await newBuyer()));
    expect(await stock()).toBe(0);
    await prisma.order.update({ where: { id: order.id }, data: { paymentDeadline: new Date(NOW.getTime() - 1) } });
    const expired = await expireUnpaidOrders(prisma, NOW);
    expect(expired.map((e) => e.orderId)).toEqual([order.id]);
    expect(await stock()).toBe(1);
    expect(await held(order.id)).toBe(false);
    const again = created(await buy(await newBuyer()));
    expect(await stock()).toBe(0);
    await transitionOrder(prisma, again.id, "CANCELLED", system);
    expect(await stock()).toBe(1);
  });

  it("a refunded failed order gives its unit back; refunding again does not", async () => {
    await setStock(1);
    const buyer = await newBuyer();
    const order = created(await buy(buyer));
    for (const to of ["PAID", "PROVISIONING", "PROVISIONING_FAILED"] as const) expect((await transitionOrder(prisma, order.id, to, system)).ok).toBe(true);
    expect(await stock()).toBe(0);
    const staff = { userId: buyer.userId, role: "OWNER" as const };
    expect(await refundFailedOrder({ prisma, providers: {} }, order.id, staff)).toMatchObject({ ok: true });
    expect(await stock()).toBe(1);
    expect(await refundFailedOrder({ prisma, providers: {} }, order.id, staff)).toMatchObject({ ok: false });
    expect(await stock()).toBe(1);
  });

  it("releases once: a second ending of the same order (late money reviewed, then refused) gives nothing more", async () => {
    await setStock(2);
    const order = created(await buy(await newBuyer()));
    expect(await stock()).toBe(1);
    // settle_payment's own move (a gateway says the payment expired) releases through the same trigger.
    await prisma.$queryRaw`SELECT "settle_payment_move_order"(${order.id}::int, 'EXPIRED', '{PENDING_PAYMENT}', 'PENDING_PAYMENT', 'GATEWAY', 'test', 'gateway expired')`;
    expect(await stock()).toBe(2);
    expect((await transitionOrder(prisma, order.id, "PAYMENT_REVIEW", system)).ok).toBe(true);
    expect((await transitionOrder(prisma, order.id, "CANCELLED", system)).ok).toBe(true);
    expect(await stock()).toBe(2);
    expect(await held(order.id)).toBe(false);
  });

  it("late money accepted takes the unit back while one is left, and its refund returns it", async () => {
    await setStock(1);
    const order = created(await buy(await newBuyer()));
    await transitionOrder(prisma, order.id, "EXPIRED", system);
    expect(await stock()).toBe(1);
    await transitionOrder(prisma, order.id, "PAYMENT_REVIEW", system);
    await transitionOrder(prisma, order.id, "PAID", system);
    expect(await stock()).toBe(0);
    expect(await held(order.id)).toBe(true);
    await transitionOrder(prisma, order.id, "REFUNDED", system);
    expect(await stock()).toBe(1);
  });

  it("unlimited (null) stock is never touched, and such an order holds nothing", async () => {
    await setStock(null);
    const order = created(await buy(await newBuyer()));
    expect(await held(order.id)).toBeNull();
    await transitionOrder(prisma, order.id, "CANCELLED", system);
    expect(await stock()).toBeNull();
  });

  it("a renewal of the plan neither takes nor returns stock", async () => {
    await setStock(3);
    const buyer = await newBuyer();
    const bought = created(await buy(buyer));
    const vps = await prisma.instance.create({
      data: {
        orderId: bought.id, userId: buyer.userId, providerCode: "DIGITALOCEAN", providerInstanceId: `do-stock-${bought.id}`, label: "vps-stock", region: "sgp1",
        planCode: "do-s-1vcpu-1gb-sgp1", imageCode: "ubuntu-22.04", status: "ACTIVE", expiresAt: new Date(NOW.getTime() + 30 * 86_400_000),
      },
    });
    expect(await stock()).toBe(2);
    const { id: _id, reference: _ref, stockHeld: _held, createdAt: _c, updatedAt: _u, ...copy } = await prisma.order.findUniqueOrThrow({ where: { id: bought.id } });
    const renewal = await prisma.order.create({
      data: { ...copy, snapshot: {}, reference: `RNW-STOCK-${bought.id}`, kind: "RENEWAL", status: "PENDING_PAYMENT", instanceId: vps.id },
    });
    expect(await held(renewal.id)).toBeNull();
    await transitionOrder(prisma, renewal.id, "EXPIRED", system);
    expect(await stock()).toBe(2);
  });

  it("a delivered VPS refunded later keeps the unit sold", async () => {
    await setStock(1);
    const order = created(await buy(await newBuyer()));
    for (const to of ["PAID", "PROVISIONING", "ACTIVE", "REFUNDED"] as const) expect((await transitionOrder(prisma, order.id, to, system)).ok).toBe(true);
    expect(await stock()).toBe(0);
  });

  it("the order that took the last unit can still be paid; another order of the sold-out plan cannot", async () => {
    await setStock(1);
    const holder = await newBuyer();
    const order = created(await buy(holder));
    expect(await stock()).toBe(0);
    // Bought at NOW (the seeded promo's time); its deadline moved to the real future so it is payable today.
    await prisma.order.update({ where: { id: order.id }, data: { paymentDeadline: new Date(Date.now() + 3_600_000) } });
    const checkout = new Checkout({ prisma, availability: catalogFlagsAvailability });
    expect((await checkout.payable(order.id, holder.userId)).ok).toBe(true);

    // An order of the same plan that holds no unit (bought while stock was unlimited) meets the sold-out plan.
    await setStock(null);
    const other = await newBuyer();
    const unheld = created(await buy(other));
    await prisma.order.update({ where: { id: unheld.id }, data: { paymentDeadline: new Date(Date.now() + 3_600_000) } });
    await setStock(0);
    expect(await checkout.payable(unheld.id, other.userId)).toEqual({ ok: false, reason: "sold_out" });
    await setStock(null);
  });
});
