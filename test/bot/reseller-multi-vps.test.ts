import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeClouds } from "../../ops/fakes/clouds/index.js";
import { seedDemoCatalog } from "../../db/seed.js";
import { formatIdr } from "../../shop/messages/format.js";
import { createOrder } from "../../shop/orders/create-order.js";
import { expireUnpaidOrders } from "../../shop/orders/expire-orders.js";
import { walletBalance } from "../../shop/wallet/ledger.js";
import { payGroupFromWallet } from "../../shop/resellers/group-orders.js";
import type { CloudProviders } from "../../shop/cloud/providers.js";
import type { Update } from "grammy/types";
import { buttonsOf, updates, type TestUser } from "../support/bot-harness.js";
import * as chat from "./reseller-chat.js";
import { createBotHarness } from "../support/service.js";
import { fakeOf, fakeProviders, provisionWith, startFastClouds } from "../provisioning/fixtures.js";

/** Issue 11, resellers: several identical VPS in one checkout, as N sibling orders paid together from the wallet. */
let h: Awaited<ReturnType<typeof createBotHarness>>;
let clouds: FakeClouds | undefined;
let providers: CloudProviders;
const PLAN = "vultr-vc2-2c-4gb-sgp";
/** Several VPS in one checkout are for buyers with a reseller tier (one with no own prices: public prices). */
let tierId: number;
beforeAll(async () => {
  clouds = await startFastClouds();
  h = await createBotHarness({ ...clouds.env, BOT_RATE_LIMIT_PER_10S: "1000" });
  providers = fakeProviders(clouds);
  await seedDemoCatalog(h.prisma);
  tierId = (await h.prisma.resellerTier.create({ data: { code: "MULTI", name: "Multi" } })).id;
});
afterAll(async () => {
  await h?.close();
  await clouds?.stop();
});

const send = (update: Update) => chat.send(h, update);
const lastSentId = () => chat.lastSentId(h);

async function customer(user: TestUser, balanceIdr: number, reseller = true) {
  await h.bot.handleUpdate(updates.text(user, "/start"));
  const row = await h.prisma.user.update({ where: { telegramId: BigInt(user.id) }, data: { resellerTierId: reseller ? tierId : null } });
  await h.core.botDeps.users.forget(user.id);
  if (balanceIdr > 0) await chat.fundWallet(h.prisma, row.id, balanceIdr, `multi:${user.id}`);
  return row;
}

/** Catalog → plan → 1 month → image → no coupon → quantity `n` on the summary, in message `msg`. */
async function summaryOf(user: TestUser, n: number, msg: number) {
  let shown = (await chat.toSummary(h, user, msg, PLAN)).summary;
  for (let q = 2; q <= n; q++) shown = await send(updates.callback(user, `chk:q:${q}`, msg));
  return shown;
}

const stockOf = async () => (await h.prisma.plan.findUniqueOrThrow({ where: { code: PLAN } })).stock;

describe("several identical VPS in one checkout", () => {
  it("takes N units of stock at once or refuses with nothing written; price = N × unit, no coupon offered", async () => {
    const rudi: TestUser = { id: 5_600_001, first_name: "Rudi", language_code: "id" };
    const user = await customer(rudi, 0);
    await h.prisma.plan.update({ where: { code: PLAN }, data: { stock: 3 } });

    const four = await summaryOf(rudi, 4, 80);
    const unit = (await h.prisma.planPrice.findFirstOrThrow({ where: { plan: { code: PLAN }, durationMonths: 1 } })).priceIdr;
    expect(four.text).toContain(`Total: 4 × ${formatIdr(unit)} = ${formatIdr(4 * unit)}`);
    const buttons = buttonsOf(four.last).map((b) => b.data);
    expect(buttons).not.toContain("chk:coupon");
    expect(buttons).toEqual(expect.arrayContaining(["chk:q:3", "chk:q:5"]));
    const refused = await send(updates.callback(rudi, "chk:confirm", 80));
    expect(refused.text).toContain("tidak tersedia");
    expect(await stockOf()).toBe(3);
    expect(await h.prisma.order.count({ where: { userId: user.id } })).toBe(0);

    await summaryOf(rudi, 3, 81);
    const placed = await send(updates.callback(rudi, "chk:confirm", 81));
    const orders = await h.prisma.order.findMany({ where: { userId: user.id }, orderBy: { id: "asc" } });
    expect(orders).toHaveLength(3);
    expect(new Set(orders.map((o) => o.checkoutGroup)).size).toBe(1);
    expect(orders[0]!.checkoutGroup).not.toBeNull();
    expect(orders.every((o) => o.totalIdr === unit && o.stockHeld === true && o.status === "PENDING_PAYMENT" && o.couponCode === null)).toBe(true);
    expect(await stockOf()).toBe(0);
    for (const o of orders) expect(placed.text).toContain(o.reference);
    expect(placed.text).toContain(`Total ${formatIdr(3 * unit)}`);
    expect(buttonsOf(placed.last).map((b) => b.data)).toContain(`rs:pg:${orders[0]!.id}`);

    // Nobody paid: at the deadline every sibling expires and gives its unit back, once.
    await expireUnpaidOrders(h.prisma, new Date(Date.now() + 3 * 86_400_000));
    expect(await stockOf()).toBe(3);
    await expireUnpaidOrders(h.prisma, new Date(Date.now() + 4 * 86_400_000));
    expect(await stockOf()).toBe(3);
  });

  it("a coupon is for one VPS: createOrder refuses quantity > 1 with a coupon, and a quantity out of range", async () => {
    const user = await h.prisma.user.create({ data: { telegramId: 5_600_009n, firstName: "X", resellerTierId: tierId } });
    const plan = await h.prisma.plan.findUniqueOrThrow({ where: { code: PLAN } });
    const image = await h.prisma.osImage.findFirstOrThrow({ where: { providerId: plan.providerId, active: true } });
    const base = { buyer: { userId: user.id, resellerTierId: tierId }, expectedTotalIdr: 1, paymentTtlHours: 24 };
    const request = { planId: plan.id, durationMonths: 1, imageId: image.id, couponCode: null };
    await expect(createOrder(h.prisma, h.core.botDeps.catalog, { ...base, request: { ...request, couponCode: "HEMAT" }, quantity: 2 })).rejects.toThrow(RangeError);
    await expect(createOrder(h.prisma, h.core.botDeps.catalog, { ...base, request, quantity: 11 })).rejects.toThrow(RangeError);
    await expect(createOrder(h.prisma, h.core.botDeps.catalog, { ...base, request, quantity: 0 })).rejects.toThrow(RangeError);
    expect(await h.prisma.order.count({ where: { userId: user.id } })).toBe(0);
  });

  it("several VPS are for resellers: a customer without a tier sees no quantity buttons, a crafted one stays at 1, createOrder refuses", async () => {
    const budi: TestUser = { id: 5_600_006, first_name: "Budi", language_code: "id" };
    const user = await customer(budi, 0, false);
    await h.prisma.plan.update({ where: { code: PLAN }, data: { stock: 5 } });
    const one = await summaryOf(budi, 1, 98);
    expect(buttonsOf(one.last).map((b) => b.data).filter((d) => d?.startsWith("chk:q:"))).toEqual([]);
    const crafted = await send(updates.callback(budi, "chk:q:3", 98));
    expect(crafted.text).not.toContain("3 ×");
    await send(updates.callback(budi, "chk:confirm", 98));
    expect(await h.prisma.order.count({ where: { userId: user.id } })).toBe(1);

    const plan = await h.prisma.plan.findUniqueOrThrow({ where: { code: PLAN } });
    const image = await h.prisma.osImage.findFirstOrThrow({ where: { providerId: plan.providerId, active: true } });
    const unit = (await h.prisma.planPrice.findFirstOrThrow({ where: { planId: plan.id, durationMonths: 1 } })).priceIdr;
    // The tier is read from the database, not from the caller's (older) copy of the buyer.
    const refused = await createOrder(h.prisma, h.core.botDeps.catalog, {
      buyer: { userId: user.id, resellerTierId: tierId },
      request: { planId: plan.id, durationMonths: 1, imageId: image.id, couponCode: null },
      expectedTotalIdr: unit,
      paymentTtlHours: 24,
      quantity: 2,
    });
    expect(refused).toEqual({ status: "quantity_not_allowed" });
    expect(await h.prisma.order.count({ where: { userId: user.id } })).toBe(1);
  });

  it("with several VPS a crafted chk:coupon is ignored, and confirm places the orders at the price shown (no price_changed loop)", async () => {
    const eka: TestUser = { id: 5_600_007, first_name: "Eka", language_code: "id" };
    const user = await customer(eka, 0);
    await h.prisma.plan.update({ where: { code: PLAN }, data: { stock: 5 } });
    await summaryOf(eka, 2, 99);
    const crafted = await send(updates.callback(eka, "chk:coupon", 99));
    expect(crafted.text).not.toContain("Punya kode kupon");
    await send(updates.text(eka, "HEMAT10"));
    const placed = await send(updates.callback(eka, "chk:confirm", 99));
    expect(placed.text).not.toContain("berubah");
    const orders = await h.prisma.order.findMany({ where: { userId: user.id } });
    expect(orders).toHaveLength(2);
    expect(orders.every((o) => o.couponCode === null)).toBe(true);
  });

  it("a text starting with / at the label step leaves checkout; it is not stored as a label", async () => {
    const fajar: TestUser = { id: 5_600_008, first_name: "Fajar", language_code: "id" };
    const user = await customer(fajar, 0);
    await summaryOf(fajar, 1, 100);
    await send(updates.callback(fajar, "chk:label", 100));
    // A /command with its entity already ends every flow (start.command.ts); this one comes without it.
    const typed = updates.text(fajar, "/orders");
    delete (typed.message as { entities?: unknown }).entities;
    await send(typed);
    // Had it been taken as a label, the summary would now be below it, in the last message sent.
    await send(updates.callback(fajar, "chk:confirm", lastSentId()));
    expect(await h.prisma.order.count({ where: { userId: user.id } })).toBe(0);
  });

  it("the group is paid from the wallet exactly once, all or nothing, and provisions N servers exactly once even when each job runs twice", async () => {
    const sari: TestUser = { id: 5_600_002, first_name: "Sari", language_code: "id" };
    const unit = (await h.prisma.planPrice.findFirstOrThrow({ where: { plan: { code: PLAN }, durationMonths: 1 } })).priceIdr;
    const user = await customer(sari, 3 * unit - 1);
    await h.prisma.plan.update({ where: { code: PLAN }, data: { stock: 5 } });
    await summaryOf(sari, 3, 90);
    await send(updates.callback(sari, "chk:confirm", 90));
    const orders = await h.prisma.order.findMany({ where: { userId: user.id }, orderBy: { id: "asc" } });
    expect(orders).toHaveLength(3);
    const anchor = orders[1]!.id; // any sibling names the group
    const card = await send(updates.callback(sari, `ord:view:${anchor}`, 91));
    expect(buttonsOf(card.last).map((b) => b.data)).toContain(`rs:pg:${anchor}`);

    // One rupiah short: nothing is paid, not even the first two.
    const short = await send(updates.callback(sari, `rs:pg:${anchor}`, 91));
    expect(short.text).toContain("Saldo tidak cukup untuk 3 pesanan");
    expect(buttonsOf(short.last).map((b) => b.data)).not.toContain(`rs:pgok:${anchor}`);
    const crafted = await send(updates.callback(sari, `rs:pgok:${anchor}`, 91));
    expect(crafted.alert).toMatchObject({ show_alert: true });
    expect(await h.prisma.payment.count({ where: { orderId: { in: orders.map((o) => o.id) } } })).toBe(0);
    expect(await h.prisma.order.count({ where: { userId: user.id, status: "PENDING_PAYMENT" } })).toBe(3);

    await chat.fundWallet(h.prisma, user.id, 1, `multi:more:${user.id}`);
    const ask = await send(updates.callback(sari, `rs:pg:${anchor}`, 92));
    expect(ask.text).toContain(`Total ${formatIdr(3 * unit)}`);
    const paid = await send(updates.callback(sari, `rs:pgok:${anchor}`, 92));
    expect(paid.text).toContain("3 pesanan dibayar");
    const again = await send(updates.callback(sari, `rs:pgok:${anchor}`, 92));
    expect(again.alert).toMatchObject({ show_alert: true });

    const payments = await h.prisma.payment.findMany({ where: { orderId: { in: orders.map((o) => o.id) } } });
    expect(payments).toHaveLength(3);
    expect(payments.every((p) => p.gateway === "WALLET" && p.status === "PAID" && p.totalIdr === unit)).toBe(true);
    expect(new Set(payments.map((p) => p.orderId)).size).toBe(3);
    expect(await h.prisma.order.count({ where: { userId: user.id, status: "PAID" } })).toBe(3);
    expect(await walletBalance(h.prisma, user.id)).toBe(0);
    expect(await stockOf()).toBe(2);

    // Each sibling provisions like any paid order; a job that runs twice finds its server by the order's tag.
    const vultr = fakeOf(clouds!, "VULTR");
    const before = vultr.servers().length;
    for (const o of orders) {
      const first = await provisionWith({ prisma: h.prisma, providers }, o.id);
      const second = await provisionWith({ prisma: h.prisma, providers }, o.id);
      expect(first.status).toBe("active");
      expect(second).toMatchObject({ status: "active", alreadyDone: true });
    }
    expect(vultr.servers().length - before).toBe(3);
    const instances = await h.prisma.instance.findMany({ where: { orderId: { in: orders.map((o) => o.id) } } });
    expect(instances).toHaveLength(3);
    expect(new Set(instances.map((i) => i.providerInstanceId)).size).toBe(3);
    expect(await h.prisma.order.count({ where: { userId: user.id, status: "ACTIVE" } })).toBe(3);
  });

  it("the group is paid only if every sibling could be paid alone: a switched-off plan or a passed deadline pays nothing", async () => {
    const dewi: TestUser = { id: 5_600_005, first_name: "Dewi", language_code: "id" };
    const unit = (await h.prisma.planPrice.findFirstOrThrow({ where: { plan: { code: PLAN }, durationMonths: 1 } })).priceIdr;
    const user = await customer(dewi, 5 * unit);
    await h.prisma.plan.update({ where: { code: PLAN }, data: { stock: 5 } });
    await summaryOf(dewi, 2, 97);
    await send(updates.callback(dewi, "chk:confirm", 97));
    const orders = await h.prisma.order.findMany({ where: { userId: user.id }, orderBy: { id: "asc" } });
    expect(orders).toHaveLength(2);
    const ids = orders.map((o) => o.id);
    const nothingPaid = async () => {
      expect(await h.prisma.payment.count({ where: { orderId: { in: ids } } })).toBe(0);
      expect(await h.prisma.ledgerTransaction.count({ where: { orderId: { in: ids } } })).toBe(0);
      expect(await h.prisma.order.count({ where: { id: { in: ids }, status: "PENDING_PAYMENT" } })).toBe(2);
      expect(await walletBalance(h.prisma, user.id)).toBe(5 * unit);
    };

    await h.prisma.plan.update({ where: { code: PLAN }, data: { active: false } });
    const off = await send(updates.callback(dewi, `rs:pgok:${ids[0]}`, 97));
    expect(off.alert).toMatchObject({ show_alert: true });
    expect(off.alert?.text).toContain("tidak bisa dibeli");
    await nothingPaid();
    await h.prisma.plan.update({ where: { code: PLAN }, data: { active: true } });

    await h.prisma.order.update({ where: { id: ids[1]! }, data: { paymentDeadline: new Date(Date.now() - 60_000) } });
    const late = await send(updates.callback(dewi, `rs:pgok:${ids[0]}`, 97));
    expect(late.alert?.text).toContain("batas waktu");
    await nothingPaid();
    await h.prisma.order.update({ where: { id: ids[1]! }, data: { paymentDeadline: orders[1]!.paymentDeadline } });

    // A failure while paying the second sibling rolls back the first: a payment row already holding
    // sibling 2's wallet reference makes its insert fail inside the group's transaction.
    const blocker = await h.prisma.payment.create({
      data: { orderId: ids[1]!, gateway: "WALLET", method: "WALLET", attemptRef: `WAL-${orders[1]!.reference}`, amountIdr: unit, feeIdr: 0, totalIdr: unit, status: "PENDING" },
    });
    const payable = (orderId: number, userId: number) => h.core.botDeps.checkout.payable(orderId, userId);
    await expect(payGroupFromWallet(h.prisma, { userId: user.id, anchorOrderId: ids[0]!, payable })).rejects.toThrow();
    expect(await h.prisma.payment.count({ where: { orderId: { in: ids } } })).toBe(1);
    await h.prisma.payment.delete({ where: { id: blocker.id } });
    await nothingPaid();

    const paid = await send(updates.callback(dewi, `rs:pgok:${ids[0]}`, 97));
    expect(paid.text).toContain("2 pesanan dibayar");
    expect(await walletBalance(h.prisma, user.id)).toBe(3 * unit);
  });

  it("another customer cannot see or pay someone else's group", async () => {
    const owner: TestUser = { id: 5_600_003, first_name: "Tono", language_code: "id" };
    const user = await customer(owner, 0);
    await summaryOf(owner, 2, 95);
    await send(updates.callback(owner, "chk:confirm", 95));
    const [first] = await h.prisma.order.findMany({ where: { userId: user.id }, orderBy: { id: "asc" } });
    const mallory: TestUser = { id: 5_600_004, first_name: "Mallory", language_code: "id" };
    await customer(mallory, 10_000_000);
    const ask = await send(updates.callback(mallory, `rs:pg:${first!.id}`, 96));
    expect(ask.alert).toMatchObject({ show_alert: true });
    expect(ask.text).not.toContain(first!.reference);
    const pay = await send(updates.callback(mallory, `rs:pgok:${first!.id}`, 96));
    expect(pay.alert).toMatchObject({ show_alert: true });
    expect(await h.prisma.order.count({ where: { userId: user.id, status: "PENDING_PAYMENT" } })).toBe(2);
    expect(lastSentId()).toBeGreaterThan(1000);
    // Someone with no wallet yet: the refused tap leaves no trace (no empty wallet row either).
    const eve: TestUser = { id: 5_600_099, first_name: "Eve", language_code: "id" };
    await send(updates.text(eve, "/start"));
    const eveRow = await h.prisma.user.findUniqueOrThrow({ where: { telegramId: BigInt(eve.id) } });
    const walletsBefore = await h.prisma.wallet.count({ where: { userId: eveRow.id } });
    await send(updates.callback(eve, `rs:pgok:${first!.id}`, 97));
    expect(walletsBefore).toBe(0);
    expect(await h.prisma.wallet.count({ where: { userId: eveRow.id } })).toBe(0);
  });
});
