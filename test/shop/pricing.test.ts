/**
 * Pricing rules (shop/pricing/discounts.ts), pure: every expected number is worked out by
 * hand in the comment next to it. Amounts are integer rupiah (99_999 = Rp 99.999).
 */
import { describe, expect, it } from "vitest";
import { bestPromo, discountFor, inWindow, listPrice, withCoupon, type PromoRule } from "../../shop/pricing/discounts.js";

const START = new Date("2026-12-01T00:00:00.000Z");
const END = new Date("2027-01-01T00:00:00.000Z");
const ms = (d: Date, delta: number) => new Date(d.getTime() + delta);
const MID = new Date("2026-12-15T12:00:00.000Z");

function promo(overrides: Partial<PromoRule> = {}): PromoRule {
  return {
    id: 1,
    label: "Promo 20%",
    active: true,
    durationMonths: 1,
    kind: "PERCENT",
    value: 20,
    maxDiscountIdr: null,
    startsAt: START,
    endsAt: END,
    ...overrides,
  };
}

describe("discountFor", () => {
  it("rounds a percentage discount DOWN to the whole rupiah", () => {
    // 10% of Rp 99.999 = 9.999,9 → Rp 9.999 (never Rp 10.000)
    expect(discountFor({ kind: "PERCENT", value: 10 }, 99_999)).toBe(9_999);
    // 15% of Rp 12.345 = 185.175 / 100 = 1.851,75 → Rp 1.851
    expect(discountFor({ kind: "PERCENT", value: 15 }, 12_345)).toBe(1_851);
    // 33% of Rp 100.001 = 33.000,33 → Rp 33.000
    expect(discountFor({ kind: "PERCENT", value: 33 }, 100_001)).toBe(33_000);
    // 20% of Rp 75.000 = 15.000 exactly
    expect(discountFor({ kind: "PERCENT", value: 20 }, 75_000)).toBe(15_000);
  });

  it("caps the discount at maxDiscountIdr", () => {
    // 50% of 780.000 = 390.000 > cap 100.000 → 100.000
    expect(discountFor({ kind: "PERCENT", value: 50, maxDiscountIdr: 100_000 }, 780_000)).toBe(100_000);
    // 50% of 150.000 = 75.000 < cap → 75.000
    expect(discountFor({ kind: "PERCENT", value: 50, maxDiscountIdr: 100_000 }, 150_000)).toBe(75_000);
    // a FIXED discount is capped as well: 40.000 capped at 30.000
    expect(discountFor({ kind: "FIXED", value: 40_000, maxDiscountIdr: 30_000 }, 100_000)).toBe(30_000);
    // null cap = uncapped: 50% of 780.000 = 390.000
    expect(discountFor({ kind: "PERCENT", value: 50, maxDiscountIdr: null }, 780_000)).toBe(390_000);
  });

  it("never discounts more than the amount (a total is never negative)", () => {
    // FIXED 25.000 on Rp 20.000 → only 20.000 off, total 0
    expect(discountFor({ kind: "FIXED", value: 25_000 }, 20_000)).toBe(20_000);
    expect(discountFor({ kind: "FIXED", value: 25_000 }, 0)).toBe(0);
    expect(discountFor({ kind: "PERCENT", value: 100 }, 75_000)).toBe(75_000);
    // FIXED smaller than the amount: exactly the value
    expect(discountFor({ kind: "FIXED", value: 25_000 }, 80_000)).toBe(25_000);
  });

  it("refuses an amount that is not a non-negative integer", () => {
    const rule = { kind: "PERCENT", value: 10 } as const;
    expect(() => discountFor(rule, 1_000.5)).toThrow(RangeError);
    expect(() => discountFor(rule, -1)).toThrow(RangeError);
    expect(() => discountFor(rule, Number.NaN)).toThrow(RangeError);
    expect(() => discountFor(rule, Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => discountFor({ kind: "FIXED", value: 5_000 }, -10_000)).toThrow(RangeError);
  });
});

describe("inWindow", () => {
  it("is half-open: includes the start, excludes the end", () => {
    expect(inWindow(START, START, END)).toBe(true);
    expect(inWindow(ms(START, -1), START, END)).toBe(false);
    expect(inWindow(ms(END, -1), START, END)).toBe(true);
    expect(inWindow(END, START, END)).toBe(false);
  });

  it("treats a missing bound as open", () => {
    expect(inWindow(new Date(0), null, END)).toBe(true);
    expect(inWindow(new Date("2100-01-01T00:00:00Z"), START, undefined)).toBe(true);
    expect(inWindow(ms(START, -1), START, null)).toBe(false);
    expect(inWindow(END, undefined, END)).toBe(false);
  });
});

describe("bestPromo", () => {
  const p20 = promo();

  it("is active from startsAt (inclusive) until endsAt (exclusive)", () => {
    expect(bestPromo([p20], 1, 75_000, START)?.id).toBe(1);
    expect(bestPromo([p20], 1, 75_000, ms(START, -1))).toBeUndefined();
    expect(bestPromo([p20], 1, 75_000, ms(END, -1))?.id).toBe(1);
    expect(bestPromo([p20], 1, 75_000, END)).toBeUndefined();
  });

  it("ignores an inactive promo even inside its window", () => {
    expect(bestPromo([promo({ active: false })], 1, 75_000, MID)).toBeUndefined();
  });

  it("applies a duration-specific promo only to that duration; a null duration to all", () => {
    expect(bestPromo([p20], 3, 210_000, MID)).toBeUndefined();
    expect(bestPromo([p20], 12, 780_000, MID)).toBeUndefined();
    const all = promo({ id: 2, durationMonths: null, value: 5 });
    expect(bestPromo([p20, all], 3, 210_000, MID)?.id).toBe(2);
    expect(bestPromo([p20, all], 12, 780_000, MID)?.id).toBe(2);
  });

  it("picks the promo with the biggest discount, caps included", () => {
    const fixed10k = promo({ id: 2, kind: "FIXED", value: 10_000, durationMonths: null });
    const p30capped = promo({ id: 3, value: 30, maxDiscountIdr: 12_000, durationMonths: null });
    const promos = [fixed10k, p30capped, p20];
    // 1 month, Rp 75.000: fixed 10.000; 30% = 22.500 capped 12.000; 20% = 15.000 → the 20% one
    expect(bestPromo(promos, 1, 75_000, MID)?.id).toBe(1);
    // 12 months, Rp 780.000: the 20% is 1-month only; fixed 10.000 vs 30% capped 12.000 → capped 30%
    expect(bestPromo(promos, 12, 780_000, MID)?.id).toBe(3);
    // 3 months, Rp 30.000: fixed 10.000 vs 30% = 9.000 (under its cap) → the fixed one
    expect(bestPromo(promos, 3, 30_000, MID)?.id).toBe(2);
    // the 20% promo ends first: from then on fixed 10.000 vs capped 12.000 → capped 30%
    const p20EndsEarly = promo({ endsAt: MID });
    expect(bestPromo([fixed10k, p30capped, p20EndsEarly], 1, 75_000, ms(MID, -1))?.id).toBe(1);
    expect(bestPromo([fixed10k, p30capped, p20EndsEarly], 1, 75_000, MID)?.id).toBe(3);
  });
});

describe("listPrice", () => {
  const p20 = promo({ id: 7, label: "Promo Akhir Tahun" });

  it("public price with a promo keeps the struck-through public price and the promo", () => {
    // 75.000 − 20% (15.000) = 60.000
    expect(listPrice({ durationMonths: 1, publicPriceIdr: 75_000, promos: [p20], now: MID })).toEqual({
      durationMonths: 1,
      basePriceIdr: 75_000,
      promoDiscountIdr: 15_000,
      subtotalIdr: 60_000,
      publicPriceIdr: 75_000,
      source: "public",
      promo: { id: 7, label: "Promo Akhir Tahun", endsAt: END },
    });
  });

  it("uses the reseller tier price when it is lower than the public price after promo", () => {
    // 3 months: no promo (it is 1-month only) → public 210.000; tier 178.000 is lower
    expect(listPrice({ durationMonths: 3, publicPriceIdr: 210_000, resellerPriceIdr: 178_000, promos: [p20], now: MID })).toEqual({
      durationMonths: 3,
      basePriceIdr: 178_000,
      promoDiscountIdr: 0,
      subtotalIdr: 178_000,
      publicPriceIdr: 210_000,
      source: "reseller",
    });
  });

  it("gives a reseller the public promo price when that is lower than the tier price", () => {
    // public 75.000 − 15.000 = 60.000 < tier 63.000 → the reseller pays 60.000, like the public
    const price = listPrice({ durationMonths: 1, publicPriceIdr: 75_000, resellerPriceIdr: 63_000, promos: [p20], now: MID });
    expect(price).toMatchObject({ basePriceIdr: 75_000, promoDiscountIdr: 15_000, subtotalIdr: 60_000, source: "public", promo: { id: 7 } });
    // when the promo has ended (at endsAt exactly), the tier price 63.000 < 75.000 applies again
    const after = listPrice({ durationMonths: 1, publicPriceIdr: 75_000, resellerPriceIdr: 63_000, promos: [p20], now: END });
    expect(after).toEqual({
      durationMonths: 1,
      basePriceIdr: 63_000,
      promoDiscountIdr: 0,
      subtotalIdr: 63_000,
      publicPriceIdr: 75_000,
      source: "reseller",
    });
  });

  it("never charges a reseller more than the public (a tier price above public is ignored)", () => {
    // a mis-entered tier price 80.000 > public 75.000 (no promo at 3 months) → public 75.000
    const price = listPrice({ durationMonths: 3, publicPriceIdr: 75_000, resellerPriceIdr: 80_000, promos: [p20], now: MID });
    expect(price).toMatchObject({ basePriceIdr: 75_000, subtotalIdr: 75_000, source: "public" });
  });

  it("falls back to the public price when the tier has no price row", () => {
    for (const resellerPriceIdr of [undefined, null]) {
      expect(listPrice({ durationMonths: 12, publicPriceIdr: 780_000, resellerPriceIdr, promos: [p20], now: MID })).toEqual({
        durationMonths: 12,
        basePriceIdr: 780_000,
        promoDiscountIdr: 0,
        subtotalIdr: 780_000,
        publicPriceIdr: 780_000,
        source: "public",
      });
    }
  });
});

describe("withCoupon", () => {
  const p20 = promo();

  it("applies the coupon to the subtotal after the promo, not to the base price", () => {
    const price = listPrice({ durationMonths: 1, publicPriceIdr: 75_000, promos: [p20], now: MID });
    // subtotal 60.000; 10% of 60.000 = 6.000 (on the base it would be 7.500) → 54.000
    expect(withCoupon(price, { kind: "PERCENT", value: 10, maxDiscountIdr: 50_000 })).toEqual({
      basePriceIdr: 75_000,
      promoDiscountIdr: 15_000,
      couponDiscountIdr: 6_000,
      totalIdr: 54_000,
    });
  });

  it("caps the coupon discount at its maxDiscountIdr", () => {
    const price = listPrice({ durationMonths: 12, publicPriceIdr: 2_975_000, promos: [p20], now: MID });
    // 10% of 2.975.000 = 297.500 > cap 50.000 → 50.000 off → 2.925.000
    expect(withCoupon(price, { kind: "PERCENT", value: 10, maxDiscountIdr: 50_000 })).toEqual({
      basePriceIdr: 2_975_000,
      promoDiscountIdr: 0,
      couponDiscountIdr: 50_000,
      totalIdr: 2_925_000,
    });
  });

  it("rounds the coupon discount down and never goes below zero", () => {
    const odd = listPrice({ durationMonths: 1, publicPriceIdr: 12_345, promos: [], now: MID });
    // 15% of 12.345 = 1.851,75 → 1.851 off → 10.494
    expect(withCoupon(odd, { kind: "PERCENT", value: 15 })).toMatchObject({ couponDiscountIdr: 1_851, totalIdr: 10_494 });
    // FIXED 25.000 on a subtotal of 20.000 (reseller) → 20.000 off, total 0
    const cheap = listPrice({ durationMonths: 1, publicPriceIdr: 30_000, resellerPriceIdr: 20_000, promos: [], now: MID });
    expect(withCoupon(cheap, { kind: "FIXED", value: 25_000 })).toEqual({
      basePriceIdr: 20_000,
      promoDiscountIdr: 0,
      couponDiscountIdr: 20_000,
      totalIdr: 0,
    });
  });

  it("without a coupon the total is the subtotal", () => {
    const price = listPrice({ durationMonths: 1, publicPriceIdr: 75_000, promos: [p20], now: MID });
    expect(withCoupon(price, undefined)).toEqual({ basePriceIdr: 75_000, promoDiscountIdr: 15_000, couponDiscountIdr: 0, totalIdr: 60_000 });
  });
});
