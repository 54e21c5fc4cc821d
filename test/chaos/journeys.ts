/**
 * Customer journeys through the domain (the bulk of a chaos run): an order placed with
 * shop/orders/create-order.ts, a payment attempt opened with the real Checkout against the
 * fake Tripay/Midtrans, and the payment made at the gateway, whose signed callbacks reach the
 * web role (gateway.ts). Also wallet top-ups spent on an order, and renewals of a live VPS.
 * Every step against a service that may be down right now is retried until the run's deadline.
 */
import type { PrismaClient, ProviderCode } from "../../db/client.js";
import { dispatchSettlement } from "../../jobs/dispatch-settlement.js";
import type { Queues } from "../../jobs/queues.js";
import type { Catalog } from "../../shop/catalog/catalog.js";
import { createRenewalOrder } from "../../shop/lifecycle/renewal.js";
import { createOrder } from "../../shop/orders/create-order.js";
import type { Checkout, PayableOrder } from "../../shop/payments/checkout.js";
import { payOrderFromWallet, walletBalance } from "../../shop/wallet/ledger.js";
import { createTopUpOrder } from "../../shop/wallet/topup.js";
import type { ChaosFakes } from "./fakes.js";
import type { GatewayDriver } from "./gateway.js";
import { retrying, sleep } from "./options.js";

export type OrderKindName = "NEW_VPS" | "RENEWAL" | "WALLET_TOPUP";

/** What the runner did to one order; the invariants compare it with what the service did. */
export interface OrderRecord {
  reference: string;
  orderId: number;
  kind: OrderKindName;
  telegramId: number;
  userId: number;
  via: "domain" | "chat";
  pay: "tripay" | "midtrans" | "wallet";
  /** Paid at the gateway (or from the wallet): the service owes this order its outcome. */
  paid: boolean;
  totalIdr: number;
  renewal?: { instanceId: number; expiresBefore: string; months: number };
  /** When the order was placed and when the money moved (ms since the epoch). */
  placedAt: number;
  paidAt?: number;
}

/** The money moved: from now on the service owes this order its outcome. */
export function markPaid(record: OrderRecord): void {
  record.paid = true;
  record.paidAt = Date.now();
}

export interface ChaosPlan {
  planId: number;
  imageId: number;
  providerCode: ProviderCode;
  /** Chat buttons: the provider and the plan (see the catalog's labels). */
  providerButton: RegExp;
  planButton: RegExp;
}

export interface JourneyContext {
  prisma: PrismaClient;
  catalog: Catalog;
  checkout: Checkout;
  queues: Queues;
  fakes: ChaosFakes;
  gateway: GatewayDriver;
  random: () => number;
  plans: ChaosPlan[];
  /** When placing and paying must have finished (steps retry until then). */
  deadline: () => number;
  records: OrderRecord[];
  /** What the runner noticed on the way (a chat screen that never came…), for the report. */
  problems: string[];
  /** Journeys that could not be completed (an invariant: they must be 0). */
  failures: string[];
  /** Journeys running outside the pool (renewals waiting for their VPS). */
  background: Promise<unknown>[];
}

/** The seeded 1 GB plans with Ubuntu 22.04, one per cloud. */
export async function loadPlans(prisma: PrismaClient): Promise<ChaosPlan[]> {
  const wanted: Array<[string, ProviderCode, RegExp, RegExp]> = [
    ["do-s-1vcpu-1gb-sgp1", "DIGITALOCEAN", /^DigitalOcean \(/, /^DO Basic 1 GB · /],
    ["vultr-vc2-1c-1gb-sgp", "VULTR", /^Vultr \(/, /^Vultr Cloud 1 GB · /],
    ["linode-g6-nanode-1-ap-south", "LINODE", /^Linode \(Akamai\) \(/, /^Linode Nanode 1 GB · /],
  ];
  const plans: ChaosPlan[] = [];
  for (const [code, providerCode, providerButton, planButton] of wanted) {
    const plan = await prisma.plan.findUniqueOrThrow({ where: { code } });
    const image = await prisma.osImage.findFirstOrThrow({ where: { code: "ubuntu-22.04", plans: { some: { planId: plan.id } } } });
    plans.push({ planId: plan.id, imageId: image.id, providerCode, providerButton, planButton });
  }
  return plans;
}

/** A customer known to the shop (as the bot's /start would record them) with a chat at the fake Telegram. */
export async function newCustomer(ctx: JourneyContext, telegramId: number): Promise<{ userId: number; name: string }> {
  const name = `Pelanggan ${telegramId % 100_000}`;
  ctx.fakes.telegram.user(telegramId, { firstName: name, languageCode: "id" });
  const user = await retrying("create customer", () => ctx.prisma.user.upsert({ where: { telegramId: BigInt(telegramId) }, create: { telegramId: BigInt(telegramId), firstName: name }, update: {} }), {
    deadline: ctx.deadline(),
  });
  return { userId: user.id, name };
}

async function placeOrder(ctx: JourneyContext, userId: number, plan: ChaosPlan): Promise<{ id: number; reference: string; totalIdr: number }> {
  const request = { planId: plan.planId, durationMonths: 1, imageId: plan.imageId };
  const buyer = { userId, resellerTierId: null };
  return retrying(
    "create order",
    async () => {
      const quoted = await ctx.catalog.quote(ctx.prisma, request, buyer, new Date());
      if (!quoted.ok) throw new Error(`quote: ${quoted.reason}`); // e.g. the availability check hit a cloud fault
      const created = await createOrder(ctx.prisma, ctx.catalog, { buyer, request, expectedTotalIdr: quoted.quote.breakdown.totalIdr, paymentTtlHours: 24 });
      if (created.status !== "created") throw new Error(`create order: ${created.status}`);
      return created.order;
    },
    { deadline: ctx.deadline() },
  );
}

export async function payable(ctx: JourneyContext, orderId: number, userId: number): Promise<PayableOrder> {
  return retrying(
    "payable order",
    async () => {
      const check = await ctx.checkout.payable(orderId, userId);
      if (!check.ok) throw new Error(`not payable: ${check.reason}`);
      return check.order;
    },
    { deadline: ctx.deadline() },
  );
}

/** Opens an attempt and pays it at the gateway (with duplicates and out-of-order deliveries). */
export async function payAtGateway(ctx: JourneyContext, order: PayableOrder, customer: { name: string; telegramId: number }, prefer: "tripay" | "midtrans"): Promise<"tripay" | "midtrans"> {
  let gateway = prefer;
  let attempt = 0;
  return retrying(
    "pay at the gateway",
    async () => {
      // A failed start switches gateways: a Midtrans order id taken by a half-recorded attempt stays taken.
      if (attempt++ > 0 && ctx.random() < 0.5) gateway = gateway === "tripay" ? "midtrans" : "tripay";
      if (gateway === "midtrans") {
        const started = await ctx.checkout.startMidtrans(order, customer);
        const payment = await ctx.prisma.payment.findUniqueOrThrow({ where: { id: started.paymentId } });
        await ctx.gateway.payMidtrans(payment.attemptRef);
        return gateway;
      }
      const main = await ctx.checkout.startTripay(order, order.totalIdr >= 10_000 && ctx.random() < 0.5 ? "BRIVA" : "QRIS", customer);
      const tx = await ctx.prisma.payment.findUniqueOrThrow({ where: { id: main.paymentId } });
      // A quarter of the orders have a second attempt open that expires around the payment.
      let other: { reference: string; before: boolean } | undefined;
      if (ctx.random() < 0.25) {
        const second = await ctx.checkout.startTripay(order, main.channel.code === "QRIS" ? "OVO" : "QRIS", customer);
        const row = await ctx.prisma.payment.findUniqueOrThrow({ where: { id: second.paymentId } });
        other = { reference: row.gatewayReference!, before: ctx.random() < 0.5 };
      }
      await ctx.gateway.payTripay(tx.gatewayReference!, other);
      return gateway;
    },
    { deadline: ctx.deadline() },
  );
}

/** The bulk journey: a new VPS ordered through the domain and paid through Tripay or Midtrans. */
export async function gatewayOrderJourney(ctx: JourneyContext, telegramId: number, plan: ChaosPlan): Promise<OrderRecord> {
  const customer = await newCustomer(ctx, telegramId);
  const order = await placeOrder(ctx, customer.userId, plan);
  const record: OrderRecord = { reference: order.reference, orderId: order.id, kind: "NEW_VPS", telegramId, userId: customer.userId, via: "domain", pay: "tripay", paid: false, placedAt: Date.now(), totalIdr: order.totalIdr };
  ctx.records.push(record);
  const payableOrder = await payable(ctx, order.id, customer.userId);
  record.pay = await payAtGateway(ctx, payableOrder, { name: customer.name, telegramId }, ctx.random() < 0.6 ? "tripay" : "midtrans");
  markPaid(record);
  return record;
}

/** A top-up through Tripay, then waits until the wallet holds at least `needIdr`. */
export async function topUp(ctx: JourneyContext, customer: { userId: number; name: string }, telegramId: number, amountIdr: number, needIdr: number): Promise<void> {
  const topup = await retrying(
    "create top-up",
    async () => {
      const r = await createTopUpOrder(ctx.prisma, { userId: customer.userId, amountIdr, paymentTtlHours: 24 });
      if (!r.ok) throw new Error(`top-up: ${r.reason}`);
      return r;
    },
    { deadline: ctx.deadline() },
  );
  const record: OrderRecord = { reference: topup.reference, orderId: topup.orderId, kind: "WALLET_TOPUP", telegramId, userId: customer.userId, via: "domain", pay: "tripay", paid: false, placedAt: Date.now(), totalIdr: amountIdr };
  ctx.records.push(record);
  const order = await payable(ctx, topup.orderId, customer.userId);
  record.pay = await payAtGateway(ctx, order, { name: customer.name, telegramId }, "tripay");
  markPaid(record);
  await retrying(
    "top-up credited to the wallet by the service (payment follow-up)",
    async () => {
      if ((await walletBalance(ctx.prisma, customer.userId)) < needIdr) throw new Error("not credited yet");
    },
    { deadline: ctx.deadline(), pauseMs: 1_000 },
  );
}

/** Tops the wallet up, then pays a new VPS from it the way the bot's "pay from balance" button does. */
export async function walletOrderJourney(ctx: JourneyContext, telegramId: number, plan: ChaosPlan): Promise<OrderRecord> {
  const customer = await newCustomer(ctx, telegramId);
  const order = await placeOrder(ctx, customer.userId, plan);
  await topUp(ctx, customer, telegramId, 100_000, order.totalIdr);
  const record: OrderRecord = { reference: order.reference, orderId: order.id, kind: "NEW_VPS", telegramId, userId: customer.userId, via: "domain", pay: "wallet", paid: false, placedAt: Date.now(), totalIdr: order.totalIdr };
  ctx.records.push(record);
  const paid = await retrying(
    "pay from wallet",
    async () => {
      const existing = await ctx.prisma.payment.findFirst({ where: { orderId: order.id, gateway: "WALLET" } });
      if (existing) return { paymentId: existing.id }; // paid by an earlier try whose answer was lost
      const r = await payOrderFromWallet(ctx.prisma, { orderId: order.id, userId: customer.userId });
      if (!r.ok) throw new Error(`wallet payment: ${r.reason}`);
      return r;
    },
    { deadline: ctx.deadline() },
  );
  markPaid(record);
  // As the bot does right after the money commit; if this fails, the recovery sweep must find the PAID order.
  await dispatchSettlement(ctx.queues, { result: "paid", orderId: order.id, paymentId: paid.paymentId }).catch((err: unknown) => {
    ctx.problems.push(`wallet follow-up of ${order.reference} not enqueued (left to recovery): ${err instanceof Error ? err.message : String(err)}`);
  });
  return record;
}

/** After `record`'s VPS is live (waited for), renews it for a month through Tripay or Midtrans. */
export async function renewalJourney(ctx: JourneyContext, of: OrderRecord): Promise<OrderRecord | undefined> {
  const live = () => ctx.prisma.instance.findFirst({ where: { orderId: of.orderId, status: "ACTIVE" } }).catch(() => null);
  let found = await live();
  while (!found && Date.now() < ctx.deadline()) {
    await sleep(1_000);
    found = await live();
  }
  if (!found) return undefined;
  const instance = found;
  const expiresBefore = instance.expiresAt.toISOString();
  const renewal = await retrying(
    "create renewal",
    async () => {
      const r = await createRenewalOrder(ctx.prisma, { userId: of.userId, instanceId: instance.id, months: 1, paymentTtlHours: 24 });
      if (!r.ok) throw new Error(`renewal: ${r.reason}`);
      return r;
    },
    { deadline: ctx.deadline() },
  );
  const record: OrderRecord = {
    reference: renewal.reference,
    orderId: renewal.orderId,
    kind: "RENEWAL",
    telegramId: of.telegramId,
    userId: of.userId,
    via: "domain",
    pay: "tripay",
    paid: false,
    placedAt: Date.now(),
    totalIdr: renewal.totalIdr,
    renewal: { instanceId: instance.id, expiresBefore, months: 1 },
  };
  ctx.records.push(record);
  const order = await payable(ctx, renewal.orderId, of.userId);
  record.pay = await payAtGateway(ctx, order, { name: `Pelanggan ${of.telegramId % 100_000}`, telegramId: of.telegramId }, ctx.random() < 0.5 ? "tripay" : "midtrans");
  markPaid(record);
  return record;
}
