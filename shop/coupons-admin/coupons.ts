import type { PrismaClient } from "../../db/client.js";
import { isUniqueViolation } from "../../db/client.js";
import { MAX_IDR } from "../catalog/admin/input.js";
import { auditChange, type CatalogStaff } from "../catalog/admin/staff-change.js";
import type { CouponRule } from "../pricing/coupon-rules.js";

/**
 * Coupons from /coupons: every rule shop/pricing/coupon-rules.ts judges (percent or fixed, a cap,
 * a minimum order, a validity window, a total and a per-user limit, first order only, plans and
 * durations it is for), a list with usage, switching off, and who redeemed what.
 */

/** A coupon as staff describe it: the rule coupon-rules.ts judges, before it has an id or uses. */
export type CouponDraft = Omit<CouponRule, "id" | "active" | "usedCount" | "maxDiscountIdr"> & { maxDiscountIdr: number | null };

export type CouponProblem = "code" | "value" | "cap" | "min" | "window" | "limit" | "plans";

const LIMIT_MAX = 1_000_000;
const inRange = (v: number | null, min: number, max: number) => v === null || (Number.isSafeInteger(v) && v >= min && v <= max);

/** Why a draft cannot be a coupon (before the database is asked), or null. */
export function couponProblem(d: CouponDraft): CouponProblem | null {
  if (!/^[A-Z0-9_-]{3,32}$/.test(d.code)) return "code";
  if (!inRange(d.value, 1, d.kind === "PERCENT" ? 99 : MAX_IDR)) return "value";
  if (!inRange(d.maxDiscountIdr, 1, MAX_IDR)) return "cap";
  if (!inRange(d.minOrderIdr, 1, MAX_IDR)) return "min";
  if (d.validFrom && d.validTo && d.validTo.getTime() <= d.validFrom.getTime()) return "window";
  if (!inRange(d.usageLimit, 1, LIMIT_MAX) || !inRange(d.perUserLimit, 1, LIMIT_MAX)) return "limit";
  if (d.durations.some((m) => !inRange(m, 1, 36))) return "plans";
  return null;
}

export type CreateCouponResult = { ok: true; couponId: number } | { ok: false; reason: CouponProblem | "duplicate" | "unknown_plan" };

/** Creates a coupon, switched on; plan ids must name existing plans. */
export async function createCoupon(prisma: PrismaClient, actor: CatalogStaff, draft: CouponDraft): Promise<CreateCouponResult> {
  const problem = couponProblem(draft);
  if (problem) return { ok: false, reason: problem };
  try {
    return await prisma.$transaction(async (tx) => {
      if (draft.planIds.length > 0 && (await tx.plan.count({ where: { id: { in: draft.planIds } } })) !== draft.planIds.length) {
        return { ok: false, reason: "unknown_plan" } as const;
      }
      const coupon = await tx.coupon.create({ data: { ...draft } });
      await auditChange(tx, actor, { action: "coupon.create", targetType: "coupon", targetId: coupon.id, before: null, after: { ...draft } });
      return { ok: true, couponId: coupon.id } as const;
    });
  } catch (err) {
    if (isUniqueViolation(err)) return { ok: false, reason: "duplicate" };
    throw err;
  }
}

/** Switches a coupon off (customers get "unknown code") or back on; redemptions are kept. */
export async function setCouponActive(prisma: PrismaClient, actor: CatalogStaff, input: { id: number; active: boolean }): Promise<{ ok: boolean }> {
  return prisma.$transaction(async (tx) => {
    const before = await tx.coupon.findUnique({ where: { id: input.id }, select: { active: true, code: true } });
    if (!before) return { ok: false };
    await tx.coupon.update({ where: { id: input.id }, data: { active: input.active } });
    await auditChange(tx, actor, { action: input.active ? "coupon.enable" : "coupon.disable", targetType: "coupon", targetId: input.id, before: { active: before.active }, after: { active: input.active }, extra: { code: before.code } });
    return { ok: true };
  });
}

/**
 * The cheapest active price a coupon applies to (its plans, or every active plan; its durations,
 * or all), or null when none: a fixed coupon at or above it makes that plan free — the confirm
 * screen warns.
 */
export async function cheapestCouponPrice(prisma: PrismaClient, d: { planIds: number[]; durations: number[] }): Promise<number | null> {
  const row = await prisma.planPrice.findFirst({
    where: {
      active: true,
      plan: d.planIds.length ? { id: { in: d.planIds } } : { active: true },
      ...(d.durations.length ? { durationMonths: { in: d.durations } } : {}),
    },
    orderBy: { priceIdr: "asc" },
    select: { priceIdr: true },
  });
  return row?.priceIdr ?? null;
}

export const COUPON_PAGE = 8;

/** Coupons newest first, with their use (ACTIVE redemptions) against their limit. */
export async function listCoupons(prisma: PrismaClient, page: number) {
  const [total, rows] = await Promise.all([
    prisma.coupon.count(),
    prisma.coupon.findMany({ orderBy: { id: "desc" }, skip: page * COUPON_PAGE, take: COUPON_PAGE }),
  ]);
  return { total, rows, pages: Math.max(1, Math.ceil(total / COUPON_PAGE)) };
}

/** One coupon with its rule, plan codes and how often it was redeemed (kept and released). */
export async function couponCard(prisma: PrismaClient, id: number) {
  const coupon = await prisma.coupon.findUnique({ where: { id } });
  if (!coupon) return null;
  const plans = coupon.planIds.length ? await prisma.plan.findMany({ where: { id: { in: coupon.planIds } }, select: { id: true, code: true } }) : [];
  const byStatus = await prisma.couponRedemption.groupBy({ by: ["status"], where: { couponId: id }, _count: true, _sum: { discountIdr: true } });
  const active = byStatus.find((s) => s.status === "ACTIVE");
  return {
    coupon,
    plans,
    redeemed: active?._count ?? 0,
    released: byStatus.find((s) => s.status === "RELEASED")?._count ?? 0,
    discountGivenIdr: active?._sum.discountIdr ?? 0,
  };
}

export const REDEMPTION_PAGE = 10;

/** Who redeemed the coupon on which order, newest first. */
export async function couponRedemptions(prisma: PrismaClient, couponId: number, page: number) {
  const [total, rows] = await Promise.all([
    prisma.couponRedemption.count({ where: { couponId } }),
    prisma.couponRedemption.findMany({
      where: { couponId },
      orderBy: { id: "desc" },
      skip: page * REDEMPTION_PAGE,
      take: REDEMPTION_PAGE,
      include: { user: { select: { telegramId: true, firstName: true, username: true } }, order: { select: { reference: true, status: true, totalIdr: true } } },
    }),
  ]);
  return { total, rows, pages: Math.max(1, Math.ceil(total / REDEMPTION_PAGE)) };
}

/** Plan ids for plan codes typed by staff, or the codes no plan has. */
export async function planIdsByCode(prisma: PrismaClient, codes: string[]): Promise<{ ok: true; ids: number[] } | { ok: false; unknown: string[] }> {
  const wanted = [...new Set(codes.map((c) => c.trim().toLowerCase()).filter(Boolean))];
  const rows = await prisma.plan.findMany({ where: { code: { in: wanted } }, select: { id: true, code: true } });
  const unknown = wanted.filter((c) => !rows.some((r) => r.code === c));
  return unknown.length ? { ok: false, unknown } : { ok: true, ids: rows.map((r) => r.id).sort((a, b) => a - b) };
}
