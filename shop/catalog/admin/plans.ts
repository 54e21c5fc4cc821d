import type { PrismaClient, ProviderCode } from "../../../db/client.js";
import { MAX_IDR } from "./input.js";
import { auditChange, type CatalogStaff } from "./staff-change.js";

/**
 * Plan edits from /shop: prices per duration, reseller prices per tier, stock, on/off, provider
 * on/off. Each is one transaction with its audit row (before and after). Stock here is what the
 * owner sets; orders take and give back units themselves (create-order.ts, trigger orders_plan_stock).
 */

export const MAX_MONTHS = 36;
export const MAX_STOCK = 1_000_000;

export type EditResult = { ok: true } | { ok: false; reason: "not_found" | "invalid" };

const NOT_FOUND: EditResult = { ok: false, reason: "not_found" };
const INVALID: EditResult = { ok: false, reason: "invalid" };
const DONE: EditResult = { ok: true };

const validPrice = (idr: number) => Number.isSafeInteger(idr) && idr >= 1 && idr <= MAX_IDR;
const validMonths = (m: number) => Number.isSafeInteger(m) && m >= 1 && m <= MAX_MONTHS;

/** Everything the plan card shows: prices, reseller prices by tier, promos, images, stock. */
export async function planCard(prisma: PrismaClient, planId: number) {
  const plan = await prisma.plan.findUnique({
    where: { id: planId },
    include: {
      provider: true,
      prices: { orderBy: { durationMonths: "asc" } },
      resellerPrices: { orderBy: [{ tierId: "asc" }, { durationMonths: "asc" }] },
      promos: { where: { active: true }, orderBy: { startsAt: "asc" } },
      images: { include: { image: true } },
    },
  });
  if (!plan) return null;
  const tiers = await prisma.resellerTier.findMany({ orderBy: { id: "asc" } });
  return { plan, tiers };
}
export type PlanCard = NonNullable<Awaited<ReturnType<typeof planCard>>>;

/** Sets (or adds) the public price of one duration and switches that duration on. */
export async function setPlanPrice(prisma: PrismaClient, actor: CatalogStaff, input: { planId: number; months: number; priceIdr: number }): Promise<EditResult> {
  if (!validMonths(input.months) || !validPrice(input.priceIdr)) return INVALID;
  return prisma.$transaction(async (tx) => {
    if (!(await tx.plan.findUnique({ where: { id: input.planId }, select: { id: true } }))) return NOT_FOUND;
    const key = { planId_durationMonths: { planId: input.planId, durationMonths: input.months } };
    const before = await tx.planPrice.findUnique({ where: key, select: { priceIdr: true, active: true } });
    const after = await tx.planPrice.upsert({
      where: key,
      create: { planId: input.planId, durationMonths: input.months, priceIdr: input.priceIdr },
      update: { priceIdr: input.priceIdr, active: true },
      select: { priceIdr: true, active: true },
    });
    await auditChange(tx, actor, { action: "plan.price.update", targetType: "plan", targetId: input.planId, before, after, extra: { durationMonths: input.months } });
    return DONE;
  });
}

/** Switches one duration's price on or off (off: customers cannot pick that duration). */
export async function setPlanPriceActive(prisma: PrismaClient, actor: CatalogStaff, input: { planId: number; months: number; active: boolean }): Promise<EditResult> {
  return prisma.$transaction(async (tx) => {
    const key = { planId_durationMonths: { planId: input.planId, durationMonths: input.months } };
    const before = await tx.planPrice.findUnique({ where: key, select: { priceIdr: true, active: true } });
    if (!before) return NOT_FOUND;
    const after = await tx.planPrice.update({ where: key, data: { active: input.active }, select: { priceIdr: true, active: true } });
    await auditChange(tx, actor, { action: input.active ? "plan.price.enable" : "plan.price.disable", targetType: "plan", targetId: input.planId, before, after, extra: { durationMonths: input.months } });
    return DONE;
  });
}

/** A reseller tier's price for one duration; null removes it (the tier then pays the public price). */
export async function setResellerPrice(
  prisma: PrismaClient,
  actor: CatalogStaff,
  input: { planId: number; tierId: number; months: number; priceIdr: number | null },
): Promise<EditResult> {
  if (!validMonths(input.months) || (input.priceIdr !== null && !validPrice(input.priceIdr))) return INVALID;
  return prisma.$transaction(async (tx) => {
    const [plan, tier] = [await tx.plan.findUnique({ where: { id: input.planId } }), await tx.resellerTier.findUnique({ where: { id: input.tierId } })];
    if (!plan || !tier) return NOT_FOUND;
    const key = { tierId_planId_durationMonths: { tierId: input.tierId, planId: input.planId, durationMonths: input.months } };
    const before = await tx.resellerPrice.findUnique({ where: key, select: { priceIdr: true } });
    let after: { priceIdr: number } | null = null;
    if (input.priceIdr === null) {
      if (before) await tx.resellerPrice.delete({ where: key });
    } else {
      after = await tx.resellerPrice.upsert({
        where: key,
        create: { tierId: input.tierId, planId: input.planId, durationMonths: input.months, priceIdr: input.priceIdr },
        update: { priceIdr: input.priceIdr },
        select: { priceIdr: true },
      });
    }
    await auditChange(tx, actor, { action: "plan.reseller_price.update", targetType: "plan", targetId: input.planId, before, after, extra: { tierId: input.tierId, tier: tier.code, durationMonths: input.months } });
    return DONE;
  });
}

export type StockResult = EditResult | { ok: false; reason: "changed"; current: number | null };

/**
 * Units left for sale; null = unlimited. `expected` is the stock the owner saw when they opened
 * the form: orders take units meanwhile, so the new number is written only while the plan still
 * has that stock (else "changed" with the stock now, nothing written) — a unit sold between
 * reading 5 and typing 5 is never sold twice.
 */
export async function setPlanStock(prisma: PrismaClient, actor: CatalogStaff, input: { planId: number; stock: number | null; expected?: number | null }): Promise<StockResult> {
  if (input.stock !== null && !(Number.isSafeInteger(input.stock) && input.stock >= 0 && input.stock <= MAX_STOCK)) return INVALID;
  return prisma.$transaction(async (tx) => {
    // Locked: an order taking a unit at the same moment is counted before or after, never lost.
    const [before] = await tx.$queryRaw<Array<{ stock: number | null }>>`SELECT stock FROM plans WHERE id = ${input.planId} FOR UPDATE`;
    if (!before) return NOT_FOUND;
    if (input.expected !== undefined && before.stock !== input.expected) return { ok: false, reason: "changed", current: before.stock } as const;
    await tx.plan.update({ where: { id: input.planId }, data: { stock: input.stock } });
    await auditChange(tx, actor, { action: "plan.stock.update", targetType: "plan", targetId: input.planId, before, after: { stock: input.stock } });
    return DONE;
  });
}

/** Plan on (sold) or off (hidden from the catalog; existing VPS are not touched). */
export async function setPlanActive(prisma: PrismaClient, actor: CatalogStaff, input: { planId: number; active: boolean }): Promise<EditResult> {
  return prisma.$transaction(async (tx) => {
    const before = await tx.plan.findUnique({ where: { id: input.planId }, select: { active: true } });
    if (!before) return NOT_FOUND;
    const after = await tx.plan.update({ where: { id: input.planId }, data: { active: input.active }, select: { active: true } });
    await auditChange(tx, actor, { action: input.active ? "plan.enable" : "plan.disable", targetType: "plan", targetId: input.planId, before, after });
    return DONE;
  });
}

/** The plan's name or monthly bandwidth (the clouds' size lists do not all give it). */
export async function setPlanDetails(prisma: PrismaClient, actor: CatalogStaff, input: { planId: number; name?: string; bandwidthGb?: number }): Promise<EditResult> {
  if (input.name !== undefined && (input.name.length < 1 || input.name.length > 64)) return INVALID;
  if (input.bandwidthGb !== undefined && !(Number.isSafeInteger(input.bandwidthGb) && input.bandwidthGb >= 0 && input.bandwidthGb <= 1_000_000)) return INVALID;
  return prisma.$transaction(async (tx) => {
    const before = await tx.plan.findUnique({ where: { id: input.planId }, select: { name: true, bandwidthGb: true } });
    if (!before) return NOT_FOUND;
    const data = { ...(input.name !== undefined ? { name: input.name } : {}), ...(input.bandwidthGb !== undefined ? { bandwidthGb: input.bandwidthGb } : {}) };
    const after = await tx.plan.update({ where: { id: input.planId }, data, select: { name: true, bandwidthGb: true } });
    await auditChange(tx, actor, { action: "plan.details.update", targetType: "plan", targetId: input.planId, before, after });
    return DONE;
  });
}

/** A provider on or off: off hides all its plans from customers at once. */
export async function setProviderActive(prisma: PrismaClient, actor: CatalogStaff, input: { code: ProviderCode; active: boolean }): Promise<EditResult> {
  return prisma.$transaction(async (tx) => {
    const before = await tx.provider.findUnique({ where: { code: input.code }, select: { id: true, active: true } });
    if (!before) return NOT_FOUND;
    const after = await tx.provider.update({ where: { code: input.code }, data: { active: input.active }, select: { id: true, active: true } });
    await auditChange(tx, actor, { action: input.active ? "provider.enable" : "provider.disable", targetType: "provider", targetId: input.code, before, after });
    return DONE;
  });
}

/** Providers with their plan counts, for the console's home (all of them, on or off). */
export function providersOverview(prisma: PrismaClient) {
  return prisma.provider.findMany({ orderBy: [{ sortOrder: "asc" }, { id: "asc" }], include: { _count: { select: { plans: true } } } });
}

/** One provider's plans (on and off), in display order. */
export function providerPlans(prisma: PrismaClient, code: ProviderCode) {
  return prisma.plan.findMany({ where: { provider: { code } }, orderBy: [{ sortOrder: "asc" }, { id: "asc" }], include: { prices: { where: { active: true }, orderBy: { durationMonths: "asc" }, take: 1 } } });
}
