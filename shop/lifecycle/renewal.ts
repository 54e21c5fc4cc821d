import type { Order, Prisma, PrismaClient } from "../../db/client.js";
import { isUniqueViolation } from "../../db/client.js";
import { audit } from "../audit.js";
import { listPrice } from "../pricing/discounts.js";
import { newOrderReference } from "../orders/reference.js";
import { transitionOrder } from "../orders/state-machine.js";
import { addMonths } from "../provisioning/provision.js";
import { refundToWallet } from "../wallet/ledger.js";

export interface RenewalOption {
  months: number;
  totalIdr: number;
}

/** Renewal prices for a VPS: its plan's current prices (promo and reseller tier applied). */
export async function renewalOptions(prisma: PrismaClient, instanceId: number, userId: number, now = new Date()): Promise<RenewalOption[]> {
  const instance = await prisma.instance.findFirst({ where: { id: instanceId, userId }, include: { user: true } });
  if (!instance?.planId) return [];
  const plan = await prisma.plan.findUnique({
    where: { id: instance.planId },
    include: { prices: { where: { active: true }, orderBy: { durationMonths: "asc" } }, promos: { where: { active: true } }, resellerPrices: { where: { tier: { active: true } } } },
  });
  if (!plan) return [];
  const tier = instance.user.resellerTierId;
  return plan.prices.map((p) => {
    const price = listPrice({
      durationMonths: p.durationMonths,
      publicPriceIdr: p.priceIdr,
      resellerPriceIdr: tier === null ? undefined : plan.resellerPrices.find((r) => r.tierId === tier && r.durationMonths === p.durationMonths)?.priceIdr,
      promos: plan.promos,
      now,
    });
    return { months: p.durationMonths, totalIdr: price.subtotalIdr };
  });
}

export type RenewalOrderResult =
  /** `replayed`: the request (`requestKey`) had placed this order already; nothing new was written. */
  | { ok: true; orderId: number; reference: string; totalIdr: number; months: number; replayed: boolean }
  | { ok: false; reason: "not_found" | "not_renewable" | "no_price" };

/**
 * A renewal is an order (kind RENEWAL) for the same plan at today's price; it is
 * paid like any order and, once paid, extends the VPS from its CURRENT expiry.
 *
 * `requestKey` names the request (the chat's tap): handled a second time (its process died after
 * the order committed; bot/inbox.ts hands the update to another process) it gets the same order
 * back while that order awaits payment, as createOrder does for a checkout. A key that meets an
 * order of another VPS, length or state (a reused id) places a new order without the key.
 */
export async function createRenewalOrder(
  prisma: PrismaClient,
  input: { userId: number; instanceId: number; months: number; paymentTtlHours: number; now?: Date; requestKey?: string | null },
): Promise<RenewalOrderResult> {
  const now = input.now ?? new Date();
  let requestKey = input.requestKey ?? null;
  if (requestKey) {
    const placed = await renewalOfRequest(prisma, input, requestKey);
    if (placed === "other") requestKey = null;
    else if (placed) return placed;
  }
  const instance = await prisma.instance.findFirst({ where: { id: input.instanceId, userId: input.userId }, include: { order: true } });
  if (!instance) return { ok: false, reason: "not_found" };
  // DELETED, or claimed for deletion by the expiry run (deletedAt): nothing left to extend.
  if (!["ACTIVE", "OFF", "SUSPENDED"].includes(instance.status) || instance.deletedAt) return { ok: false, reason: "not_renewable" };
  const option = (await renewalOptions(prisma, instance.id, input.userId, now)).find((o) => o.months === input.months);
  if (!option) return { ok: false, reason: "no_price" };
  const o = instance.order;
  const create = () => prisma.$transaction(async (tx) => {
    const order = await tx.order.create({
      data: {
        reference: newOrderReference(now, "RNW"),
        userId: input.userId,
        kind: "RENEWAL",
        status: "PENDING_PAYMENT",
        instanceId: instance.id,
        planId: instance.planId,
        planCode: o.planCode,
        planName: o.planName,
        providerCode: o.providerCode,
        providerSizeSlug: o.providerSizeSlug,
        region: o.region,
        imageCode: o.imageCode,
        imageName: o.imageName,
        providerImageRef: o.providerImageRef,
        durationMonths: input.months,
        basePriceIdr: option.totalIdr,
        totalIdr: option.totalIdr,
        snapshot: { kind: "RENEWAL", instanceId: instance.id, months: input.months, priceIdr: option.totalIdr, expiresAtBefore: instance.expiresAt.toISOString() } as Prisma.InputJsonObject,
        paymentDeadline: new Date(now.getTime() + input.paymentTtlHours * 3600_000),
        requestKey,
        createdAt: now,
      },
    });
    await tx.orderStatusHistory.create({ data: { orderId: order.id, toStatus: "PENDING_PAYMENT", actorType: "CUSTOMER", actorId: String(input.userId), reason: `renewal of ${instance.label}`, createdAt: now } });
    return { ok: true, orderId: order.id, reference: order.reference, totalIdr: option.totalIdr, months: input.months, replayed: false } as const;
  });
  try {
    return await create();
  } catch (err) {
    // The same request placed it in another process a moment ago: give that one back.
    if (!requestKey || !isUniqueViolation(err, ["request_key"])) throw err;
    const placed = await renewalOfRequest(prisma, input, requestKey);
    if (placed && placed !== "other") return placed;
    throw err;
  }
}

/** The renewal order `requestKey` placed, while it awaits payment; "other" when the key names something else. */
async function renewalOfRequest(prisma: PrismaClient, input: { userId: number; instanceId: number; months: number }, requestKey: string): Promise<RenewalOrderResult | "other" | null> {
  const placed = await prisma.order.findUnique({ where: { userId_requestKey: { userId: input.userId, requestKey } } });
  if (!placed) return null;
  const same = placed.kind === "RENEWAL" && placed.instanceId === input.instanceId && placed.durationMonths === input.months && placed.status === "PENDING_PAYMENT";
  return same ? { ok: true, orderId: placed.id, reference: placed.reference, totalIdr: placed.totalIdr, months: input.months, replayed: true } : "other";
}

export type RenewalApplied =
  | { applied: true; instanceId: number; expiresAt: Date; wasSuspended: boolean }
  | { applied: false; why: string; refundedIdr?: number };

/**
 * Extends a VPS for a paid renewal order, exactly once: the order's
 * PAID → ACTIVE compare-and-set decides who applies it, and the new expiry is
 * counted from the current expiry date — never from today — so a late payment
 * or a double delivery can neither shorten nor double-extend.
 *
 * The instance row is locked first, which orders this against the expiry run's claims: a VPS
 * deleted (or claimed for deletion) before the money arrived is not extended; the payment goes
 * back to the customer's wallet through the ledger (audited) and the order becomes REFUNDED.
 */
export async function applyRenewal(prisma: PrismaClient, orderId: number): Promise<RenewalApplied> {
  return prisma.$transaction(async (tx) => {
    const order = await tx.order.findUnique({ where: { id: orderId } });
    if (!order || order.kind !== "RENEWAL" || !order.instanceId) return { applied: false, why: "not a renewal order" } as const;
    await tx.$queryRaw`SELECT id FROM instances WHERE id = ${order.instanceId} FOR UPDATE`;
    const instance = await tx.instance.findUniqueOrThrow({ where: { id: order.instanceId } });
    if (instance.status === "DELETED" || instance.deletedAt) return refundDeletedRenewal(tx, order, instance.label);
    const moved = await transitionOrder(tx, orderId, "ACTIVE", { type: "SYSTEM", id: "renewal" }, { reason: `renewed ${order.durationMonths} month(s)`, onlyFrom: ["PAID"] });
    if (!moved.ok) return { applied: false, why: `order is ${"current" in moved ? moved.current : "gone"}` } as const;
    const expiresAt = addMonths(instance.expiresAt, order.durationMonths ?? 1);
    await tx.instance.update({ where: { id: instance.id }, data: { expiresAt, lastReminderDays: null } });
    return { applied: true, instanceId: instance.id, expiresAt, wasSuspended: instance.status === "SUSPENDED" } as const;
  });
}

/** A paid renewal of a VPS that no longer exists: the money to the wallet, the order REFUNDED, audited. */
async function refundDeletedRenewal(tx: Prisma.TransactionClient, order: Order, label: string): Promise<RenewalApplied> {
  const moved = await transitionOrder(tx, order.id, "REFUNDED", { type: "SYSTEM", id: "renewal" }, { reason: `${label} was deleted before the renewal was applied; refunded to the wallet`, onlyFrom: ["PAID"] });
  if (!moved.ok) return { applied: false, why: `order is ${"current" in moved ? moved.current : "gone"}` };
  const amountIdr = order.totalIdr + order.paymentFeeIdr;
  const refund = await refundToWallet(tx, { userId: order.userId, amountIdr, orderId: order.id, reason: `renewal of deleted VPS ${label}` });
  // already_refunded: the money went back by another path; only the status was left to set.
  if (!refund.ok && refund.reason !== "already_refunded") throw new Error(`renewal ${order.reference}: refund refused (${refund.reason})`);
  await audit(tx, { actorType: "SYSTEM", action: "renewal.refund_deleted", targetType: "order", targetId: order.id, details: { instanceId: order.instanceId, amountIdr } });
  return { applied: false, why: "instance deleted", refundedIdr: amountIdr };
}
