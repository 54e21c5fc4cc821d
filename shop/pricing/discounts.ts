/**
 * Pricing rules, pure and in one place (the bot, the order service and the
 * tests all call these). All amounts are integer rupiah.
 *
 * Rounding rule: a percentage discount is `floor(amount × percent / 100)`, i.e.
 * rounded DOWN to the whole rupiah, so the shop never gives more than the stated
 * percentage; the customer's total is therefore rounded up by less than Rp 1.
 * Any discount is then capped by its `maxDiscountIdr` and by the amount itself,
 * so a total is never negative.
 *
 * Time windows are half-open: a promo or coupon is valid from its start
 * (inclusive) until its end (exclusive).
 */

export type DiscountKind = "PERCENT" | "FIXED";

export interface DiscountRule {
  kind: DiscountKind;
  /** Percent (1–100) for PERCENT, rupiah for FIXED. */
  value: number;
  maxDiscountIdr?: number | null;
}

/** The discount a rule gives on an amount, after rounding and caps. */
export function discountFor(rule: DiscountRule, amountIdr: number): number {
  if (!Number.isSafeInteger(amountIdr) || amountIdr < 0) throw new RangeError(`amount must be a non-negative integer, got ${amountIdr}`);
  let discount = rule.kind === "PERCENT" ? Math.floor((amountIdr * rule.value) / 100) : rule.value;
  if (rule.maxDiscountIdr != null) discount = Math.min(discount, rule.maxDiscountIdr);
  return Math.max(0, Math.min(discount, amountIdr));
}

/** True when `now` falls inside [start, end). A missing bound is open. */
export function inWindow(now: Date, start: Date | null | undefined, end: Date | null | undefined): boolean {
  if (start && now.getTime() < start.getTime()) return false;
  if (end && now.getTime() >= end.getTime()) return false;
  return true;
}

export interface PromoRule extends DiscountRule {
  id: number;
  label: string;
  active: boolean;
  /** null = every duration of the plan. */
  durationMonths: number | null;
  startsAt: Date;
  endsAt: Date;
}

/** The promo that gives the biggest discount for this duration right now, if any. */
export function bestPromo(promos: PromoRule[], durationMonths: number, amountIdr: number, now: Date): PromoRule | undefined {
  let best: PromoRule | undefined;
  let bestDiscount = 0;
  for (const promo of promos) {
    if (!promo.active || !inWindow(now, promo.startsAt, promo.endsAt)) continue;
    if (promo.durationMonths !== null && promo.durationMonths !== durationMonths) continue;
    const discount = discountFor(promo, amountIdr);
    if (discount > bestDiscount) {
      best = promo;
      bestDiscount = discount;
    }
  }
  return best;
}

/** A price before any coupon: what the catalog shows for one plan × duration. */
export interface ListPrice {
  durationMonths: number;
  /** The price the discounts start from (public or reseller tier price). */
  basePriceIdr: number;
  promoDiscountIdr: number;
  /** basePriceIdr − promoDiscountIdr */
  subtotalIdr: number;
  /** The public price, for a struck-through "was" price. */
  publicPriceIdr: number;
  source: "public" | "reseller";
  promo?: { id: number; label: string; endsAt: Date };
}

/**
 * What a customer pays for a duration before coupons. A reseller pays their
 * tier price, unless today's public promo price is lower — a reseller never
 * pays more than the public.
 */
export function listPrice(input: {
  durationMonths: number;
  publicPriceIdr: number;
  resellerPriceIdr?: number | null;
  promos: PromoRule[];
  now: Date;
}): ListPrice {
  const promo = bestPromo(input.promos, input.durationMonths, input.publicPriceIdr, input.now);
  const promoDiscountIdr = promo ? discountFor(promo, input.publicPriceIdr) : 0;
  const publicSubtotal = input.publicPriceIdr - promoDiscountIdr;
  if (input.resellerPriceIdr != null && input.resellerPriceIdr <= publicSubtotal) {
    return {
      durationMonths: input.durationMonths,
      basePriceIdr: input.resellerPriceIdr,
      promoDiscountIdr: 0,
      subtotalIdr: input.resellerPriceIdr,
      publicPriceIdr: input.publicPriceIdr,
      source: "reseller",
    };
  }
  return {
    durationMonths: input.durationMonths,
    basePriceIdr: input.publicPriceIdr,
    promoDiscountIdr,
    subtotalIdr: publicSubtotal,
    publicPriceIdr: input.publicPriceIdr,
    source: "public",
    ...(promo ? { promo: { id: promo.id, label: promo.label, endsAt: promo.endsAt } } : {}),
  };
}

/** The full breakdown frozen into an order. */
export interface PriceBreakdown {
  basePriceIdr: number;
  promoDiscountIdr: number;
  couponDiscountIdr: number;
  totalIdr: number;
}

/** Applies a coupon (already judged eligible) on top of a list price. */
export function withCoupon(price: ListPrice, coupon: DiscountRule | undefined): PriceBreakdown {
  const couponDiscountIdr = coupon ? discountFor(coupon, price.subtotalIdr) : 0;
  return {
    basePriceIdr: price.basePriceIdr,
    promoDiscountIdr: price.promoDiscountIdr,
    couponDiscountIdr,
    totalIdr: price.subtotalIdr - couponDiscountIdr,
  };
}
