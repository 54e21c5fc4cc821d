/**
 * Coupon eligibility (shop/pricing/coupon-rules.ts), pure. Each rejection reason maps to its
 * own message for the customer, so each is proven separately, with the exact boundaries.
 */
import { describe, expect, it } from "vitest";
import { judgeCoupon, normalizeCouponCode, type CouponContext, type CouponRule } from "../../shop/pricing/coupon-rules.js";

const FROM = new Date("2026-11-01T00:00:00.000Z");
const TO = new Date("2027-02-01T00:00:00.000Z");
const NOW = new Date("2026-11-21T03:00:00.000Z");
const ms = (d: Date, delta: number) => new Date(d.getTime() + delta);

/** HEMAT10-like: 10% (max 50.000), min 50.000, 500 uses, 1 per user. */
function coupon(overrides: Partial<CouponRule> = {}): CouponRule {
  return {
    id: 1,
    code: "HEMAT10",
    kind: "PERCENT",
    value: 10,
    maxDiscountIdr: 50_000,
    active: true,
    minOrderIdr: 50_000,
    validFrom: FROM,
    validTo: TO,
    usageLimit: 500,
    perUserLimit: 1,
    firstOrderOnly: false,
    planIds: [],
    durations: [],
    usedCount: 0,
    ...overrides,
  };
}

function ctx(overrides: Partial<CouponContext> = {}): CouponContext {
  return {
    now: NOW,
    planId: 11,
    durationMonths: 1,
    subtotalIdr: 60_000,
    userRedemptions: 0,
    userHasPaidOrder: false,
    ...overrides,
  };
}

describe("judgeCoupon", () => {
  it("accepts a coupon that passes every rule", () => {
    expect(judgeCoupon(coupon(), ctx())).toEqual({ ok: true });
  });

  it("unknown: no such coupon, or an inactive one (an inactive code is not revealed)", () => {
    expect(judgeCoupon(null, ctx())).toEqual({ ok: false, reason: "unknown" });
    expect(judgeCoupon(undefined, ctx())).toEqual({ ok: false, reason: "unknown" });
    expect(judgeCoupon(coupon({ active: false }), ctx())).toEqual({ ok: false, reason: "unknown" });
  });

  it("not_yet_valid 1 ms before validFrom, valid exactly at validFrom", () => {
    expect(judgeCoupon(coupon(), ctx({ now: ms(FROM, -1) }))).toEqual({ ok: false, reason: "not_yet_valid" });
    expect(judgeCoupon(coupon(), ctx({ now: FROM }))).toEqual({ ok: true });
  });

  it("expired exactly at validTo, still valid 1 ms before", () => {
    expect(judgeCoupon(coupon(), ctx({ now: TO }))).toEqual({ ok: false, reason: "expired" });
    expect(judgeCoupon(coupon(), ctx({ now: ms(TO, -1) }))).toEqual({ ok: true });
    // no bounds at all: always in its window
    expect(judgeCoupon(coupon({ validFrom: null, validTo: null }), ctx({ now: new Date("2099-01-01T00:00:00Z") }))).toEqual({ ok: true });
  });

  it("used_up when usedCount reaches usageLimit (not before)", () => {
    expect(judgeCoupon(coupon({ usageLimit: 3, usedCount: 3 }), ctx())).toEqual({ ok: false, reason: "used_up" });
    expect(judgeCoupon(coupon({ usageLimit: 3, usedCount: 2 }), ctx())).toEqual({ ok: true });
    expect(judgeCoupon(coupon({ usageLimit: null, usedCount: 1_000_000 }), ctx())).toEqual({ ok: true });
  });

  it("already_used when this user reached the per-user limit", () => {
    expect(judgeCoupon(coupon({ perUserLimit: 1 }), ctx({ userRedemptions: 1 }))).toEqual({ ok: false, reason: "already_used" });
    expect(judgeCoupon(coupon({ perUserLimit: 2 }), ctx({ userRedemptions: 1 }))).toEqual({ ok: true });
    expect(judgeCoupon(coupon({ perUserLimit: 2 }), ctx({ userRedemptions: 2 }))).toEqual({ ok: false, reason: "already_used" });
    expect(judgeCoupon(coupon({ perUserLimit: null }), ctx({ userRedemptions: 9 }))).toEqual({ ok: true });
  });

  it("first_order_only once the user has a paid order", () => {
    const baru = coupon({ code: "BARU25K", kind: "FIXED", value: 25_000, maxDiscountIdr: null, firstOrderOnly: true });
    expect(judgeCoupon(baru, ctx({ userHasPaidOrder: true }))).toEqual({ ok: false, reason: "first_order_only" });
    expect(judgeCoupon(baru, ctx({ userHasPaidOrder: false }))).toEqual({ ok: true });
    // a normal coupon does not care about earlier orders
    expect(judgeCoupon(coupon(), ctx({ userHasPaidOrder: true }))).toEqual({ ok: true });
  });

  it("not_for_plan by the plan list and by the duration list", () => {
    expect(judgeCoupon(coupon({ planIds: [12, 13] }), ctx({ planId: 11 }))).toEqual({ ok: false, reason: "not_for_plan" });
    expect(judgeCoupon(coupon({ planIds: [11, 13] }), ctx({ planId: 11 }))).toEqual({ ok: true });
    expect(judgeCoupon(coupon({ durations: [3, 12] }), ctx({ durationMonths: 1 }))).toEqual({ ok: false, reason: "not_for_plan" });
    expect(judgeCoupon(coupon({ durations: [3, 12] }), ctx({ durationMonths: 12 }))).toEqual({ ok: true });
    // right plan, wrong duration
    expect(judgeCoupon(coupon({ planIds: [11], durations: [12] }), ctx({ planId: 11, durationMonths: 3 }))).toEqual({
      ok: false,
      reason: "not_for_plan",
    });
  });

  it("min_not_met below minOrderIdr (reporting the minimum), ok exactly at it", () => {
    expect(judgeCoupon(coupon(), ctx({ subtotalIdr: 49_999 }))).toEqual({ ok: false, reason: "min_not_met", minOrderIdr: 50_000 });
    expect(judgeCoupon(coupon(), ctx({ subtotalIdr: 50_000 }))).toEqual({ ok: true });
    expect(judgeCoupon(coupon({ minOrderIdr: null }), ctx({ subtotalIdr: 1 }))).toEqual({ ok: true });
  });

  it("reports what the customer can act on first: validity before quota before fit", () => {
    // expired AND used up AND wrong plan AND below minimum → "expired"
    const bad = coupon({ usageLimit: 1, usedCount: 1, planIds: [99] });
    expect(judgeCoupon(bad, ctx({ now: TO, subtotalIdr: 10_000 }))).toMatchObject({ reason: "expired" });
    // still valid but used up, wrong plan and below minimum → "used_up"
    expect(judgeCoupon(bad, ctx({ subtotalIdr: 10_000 }))).toMatchObject({ reason: "used_up" });
  });
});

describe("normalizeCouponCode", () => {
  it("upper-cases and strips all whitespace from what the customer typed", () => {
    expect(normalizeCouponCode("hemat10")).toBe("HEMAT10");
    expect(normalizeCouponCode("  Hemat10 \n")).toBe("HEMAT10");
    expect(normalizeCouponCode("baru 25k")).toBe("BARU25K");
    expect(normalizeCouponCode("\tla ma\t50 ")).toBe("LAMA50");
    expect(normalizeCouponCode("   ")).toBe("");
  });
});
