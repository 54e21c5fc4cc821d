import type { Prisma, PrismaClient } from "../../db/client.js";
import { listPrice } from "../pricing/discounts.js";
import { newOrderReference } from "../orders/reference.js";
import { transitionOrder } from "../orders/state-machine.js";
import { addMonths } from "../provisioning/provision.js";

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

export type RenewalOrderResult = { ok: true; orderId: number; reference: string; totalIdr: number; months: number } | { ok: false; reason: "not_found" | "not_renewable" | "no_price" };

/**
 * A renewal is an order (kind RENEWAL) for the same plan at today's price; it is
 * paid like any order and, once paid, extends the VPS from its CURRENT expiry.
 */
export async function createRenewalOrder(prisma: PrismaClient, input: { userId: number; instanceId: number; months: number; paymentTtlHours: number; now?: Date }): Promise<RenewalOrderResult> {
  const now = input.now ?? new Date();
  const instance = await prisma.instance.findFirst({ where: { id: input.instanceId, userId: input.userId }, include: { order: true } });
  if (!instance) return { ok: false, reason: "not_found" };
  if (!["ACTIVE", "OFF", "SUSPENDED"].includes(instance.status)) return { ok: false, reason: "not_renewable" };
  const option = (await renewalOptions(prisma, instance.id, input.userId, now)).find((o) => o.months === input.months);
  if (!option) return { ok: false, reason: "no_price" };
  const o = instance.order;
  return prisma.$transaction(async (tx) => {
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
        createdAt: now,
      },
    });
    await tx.orderStatusHistory.create({ data: { orderId: order.id, toStatus: "PENDING_PAYMENT", actorType: "CUSTOMER", actorId: String(input.userId), reason: `renewal of ${instance.label}`, createdAt: now } });
    return { ok: true, orderId: order.id, reference: order.reference, totalIdr: option.totalIdr, months: input.months } as const;
  });
}

export type RenewalApplied =
  | { applied: true; instanceId: number; expiresAt: Date; wasSuspended: boolean }
  | { applied: false; why: string };

/**
 * Extends a VPS for a paid renewal order, exactly once: the order's
 * PAID → ACTIVE compare-and-set decides who applies it, and the new expiry is
 * counted from the current expiry date — never from today — so a late payment
 * or a double delivery can neither shorten nor double-extend.
 */
export async function applyRenewal(prisma: PrismaClient, orderId: number): Promise<RenewalApplied> {
  return prisma.$transaction(async (tx) => {
    const order = await tx.order.findUnique({ where: { id: orderId } });
    if (!order || order.kind !== "RENEWAL" || !order.instanceId) return { applied: false, why: "not a renewal order" } as const;
    const moved = await transitionOrder(tx, orderId, "ACTIVE", { type: "SYSTEM", id: "renewal" }, { reason: `renewed ${order.durationMonths} month(s)`, onlyFrom: ["PAID"] });
    if (!moved.ok) return { applied: false, why: `order is ${"current" in moved ? moved.current : "gone"}` } as const;
    await tx.$queryRaw`SELECT id FROM instances WHERE id = ${order.instanceId} FOR UPDATE`;
    const instance = await tx.instance.findUniqueOrThrow({ where: { id: order.instanceId } });
    const expiresAt = addMonths(instance.expiresAt, order.durationMonths ?? 1);
    await tx.instance.update({ where: { id: instance.id }, data: { expiresAt, lastReminderDays: null } });
    return { applied: true, instanceId: instance.id, expiresAt, wasSuspended: instance.status === "SUSPENDED" } as const;
  });
}
