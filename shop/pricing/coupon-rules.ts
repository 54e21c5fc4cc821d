import { inWindow, type DiscountRule } from "./discounts.js";

/** Why a coupon cannot be used; each has its own message for the customer. */
export type CouponRejection =
  | "unknown"
  | "expired"
  | "not_yet_valid"
  | "used_up"
  | "already_used"
  | "not_for_plan"
  | "min_not_met"
  | "first_order_only";

export interface CouponRule extends DiscountRule {
  id: number;
  code: string;
  active: boolean;
  minOrderIdr: number | null;
  validFrom: Date | null;
  validTo: Date | null;
  usageLimit: number | null;
  perUserLimit: number | null;
  firstOrderOnly: boolean;
  /** Empty = every plan. */
  planIds: number[];
  /** Empty = every duration. */
  durations: number[];
  usedCount: number;
}

export interface CouponContext {
  now: Date;
  planId: number;
  durationMonths: number;
  /** The amount the coupon applies to (after promo). */
  subtotalIdr: number;
  /** This user's redemptions of this coupon that still count (not released). */
  userRedemptions: number;
  /** Whether this user already has a paid order (for first-order-only coupons). */
  userHasPaidOrder: boolean;
}

export type CouponVerdict = { ok: true } | { ok: false; reason: CouponRejection; minOrderIdr?: number };

/** Normalises what a customer typed into a coupon code (codes are stored upper case). */
export function normalizeCouponCode(raw: string): string {
  return raw.trim().toUpperCase().replace(/\s+/g, "");
}

/**
 * Judges a coupon for one order. Order of checks is the order a customer can
 * act on: does it exist, is it valid now, is any left, is it for this order.
 */
export function judgeCoupon(coupon: CouponRule | null | undefined, ctx: CouponContext): CouponVerdict {
  if (!coupon || !coupon.active) return { ok: false, reason: "unknown" };
  if (coupon.validFrom && !inWindow(ctx.now, coupon.validFrom, null)) return { ok: false, reason: "not_yet_valid" };
  if (coupon.validTo && !inWindow(ctx.now, null, coupon.validTo)) return { ok: false, reason: "expired" };
  if (coupon.usageLimit !== null && coupon.usedCount >= coupon.usageLimit) return { ok: false, reason: "used_up" };
  if (coupon.perUserLimit !== null && ctx.userRedemptions >= coupon.perUserLimit) return { ok: false, reason: "already_used" };
  if (coupon.firstOrderOnly && ctx.userHasPaidOrder) return { ok: false, reason: "first_order_only" };
  if (coupon.planIds.length > 0 && !coupon.planIds.includes(ctx.planId)) return { ok: false, reason: "not_for_plan" };
  if (coupon.durations.length > 0 && !coupon.durations.includes(ctx.durationMonths)) return { ok: false, reason: "not_for_plan" };
  if (coupon.minOrderIdr !== null && ctx.subtotalIdr < coupon.minOrderIdr) return { ok: false, reason: "min_not_met", minOrderIdr: coupon.minOrderIdr };
  return { ok: true };
}
