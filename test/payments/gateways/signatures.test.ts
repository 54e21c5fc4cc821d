/**
 * Pure gateway functions: signatures against the spec's test vectors
 * (/work/shared/specs/integrations.md §1.2, §1.3, §1.5, §2.3), forged and malformed input,
 * the outcome mappings, Midtrans amount parsing and the Tripay fee rounding.
 */
import { describe, expect, it } from "vitest";
import { hexSignatureEquals } from "../../../shop/payments/gateways/hex-compare.js";
import {
  midtransNotificationSchema,
  midtransOutcome,
  midtransSignature,
  midtransStatusSchema,
  parseMidtransAmount,
  parseMidtransTime,
  verifyMidtransNotification,
} from "../../../shop/payments/gateways/midtrans.js";
import {
  customerFee,
  tripayCallbackSchema,
  tripayCallbackSignature,
  tripayOpenPaymentSignature,
  tripayOutcome,
  tripayRequestSignature,
  verifyTripayCallback,
} from "../../../shop/payments/gateways/tripay.js";

const TRIPAY_KEY = "ytf6ooi2gmlNPfpchd94jDOk8hRWOu";
const TRIPAY_CALLBACK_BODY =
  '{"reference":"T0001000023000XXXXX","merchant_ref":"INV123456","payment_method":"BCA Virtual Account","payment_method_code":"BCAVA","total_amount":200000,"fee_merchant":2000,"fee_customer":0,"total_fee":2000,"amount_received":198000,"is_closed_payment":1,"status":"PAID","paid_at":1608133017,"note":null}';
const TRIPAY_CALLBACK_SIG = "e121a11a737e7828da392bee3767ebd61ffbe268cc09b31580a61274316a6e60";

const MIDTRANS_KEY = "askvnoibnosifnboseofinbofinfgbiufglnbfg";
const MIDTRANS_SIG =
  "edc076b21793ebe3e17926350f5b8ae67d902fe657b3d0aa31b932d5c127e2375d308a2bc94f3265ac2d80a1f181a79b997ac178a236fcff35af263fc4d4c231";

describe("Tripay signatures", () => {
  it("request signature matches the official vector", () => {
    expect(tripayRequestSignature(TRIPAY_KEY, "T0001", "INV55567", 1_500_000)).toBe("9f167eba844d1fcb369404e2bda53702e2f78f7aa12e91da6715414e65b8c86a");
  });

  it("open-payment signature matches the locally computed vector", () => {
    expect(tripayOpenPaymentSignature(TRIPAY_KEY, "T0001", "BCAVA", "INV55567")).toBe("d239007921976248f10959295cbc0b45bbe2435f29c12d216cae0b6a1903f95e");
  });

  it("refuses non-integer amounts instead of signing 1500000.5", () => {
    expect(() => tripayRequestSignature(TRIPAY_KEY, "T0001", "INV1", 1500000.5)).toThrow(RangeError);
  });

  it("callback signature of the exact example body matches; verify accepts string, Buffer and upper-case hex", () => {
    expect(tripayCallbackSignature(TRIPAY_KEY, TRIPAY_CALLBACK_BODY)).toBe(TRIPAY_CALLBACK_SIG);
    expect(verifyTripayCallback(TRIPAY_KEY, TRIPAY_CALLBACK_BODY, TRIPAY_CALLBACK_SIG)).toBe(true);
    expect(verifyTripayCallback(TRIPAY_KEY, Buffer.from(TRIPAY_CALLBACK_BODY), TRIPAY_CALLBACK_SIG)).toBe(true);
    expect(verifyTripayCallback(TRIPAY_KEY, TRIPAY_CALLBACK_BODY, TRIPAY_CALLBACK_SIG.toUpperCase())).toBe(true);
  });

  it("rejects forged, re-serialised, missing and malformed signatures without throwing", () => {
    const tampered = TRIPAY_CALLBACK_BODY.replace("200000", "900000");
    expect(verifyTripayCallback(TRIPAY_KEY, tampered, TRIPAY_CALLBACK_SIG)).toBe(false);
    // Same JSON, different bytes: why the raw body is required.
    const reserialised = JSON.stringify(JSON.parse(TRIPAY_CALLBACK_BODY), null, 1);
    expect(verifyTripayCallback(TRIPAY_KEY, reserialised, TRIPAY_CALLBACK_SIG)).toBe(false);
    expect(verifyTripayCallback("wrong-key", TRIPAY_CALLBACK_BODY, TRIPAY_CALLBACK_SIG)).toBe(false);
    for (const bad of [undefined, null, "", "abc", TRIPAY_CALLBACK_SIG.slice(0, 63), `${TRIPAY_CALLBACK_SIG}00`, "z".repeat(64), [TRIPAY_CALLBACK_SIG, TRIPAY_CALLBACK_SIG]]) {
      expect(verifyTripayCallback(TRIPAY_KEY, TRIPAY_CALLBACK_BODY, bad)).toBe(false);
    }
  });
});

describe("constant-time compare", () => {
  it("returns false on length mismatch or non-strings instead of throwing", () => {
    expect(hexSignatureEquals("abcd", "abcd")).toBe(true);
    expect(hexSignatureEquals("abcd", "abc")).toBe(false);
    expect(hexSignatureEquals("abcd", "abcdef")).toBe(false);
    expect(hexSignatureEquals("abcd", "")).toBe(false);
    expect(hexSignatureEquals("abcd", 1234)).toBe(false);
    expect(hexSignatureEquals("abcd", { length: 4 })).toBe(false);
    expect(hexSignatureEquals("abcd", "ab\u00e9d")).toBe(false);
  });
});

describe("Midtrans signature", () => {
  const sample = { order_id: "1111", status_code: "200", gross_amount: "100000.00", signature_key: MIDTRANS_SIG, transaction_status: "settlement" };

  it("matches the docs sample vector", () => {
    expect(midtransSignature("1111", "200", "100000.00", MIDTRANS_KEY)).toBe(MIDTRANS_SIG);
    expect(verifyMidtransNotification(sample, MIDTRANS_KEY)).toBe(true);
  });

  it("uses gross_amount exactly as sent: 100000 (no decimals) is a different signature", () => {
    expect(verifyMidtransNotification({ ...sample, gross_amount: "100000" }, MIDTRANS_KEY)).toBe(false);
  });

  it("rejects forged bodies, a wrong key and missing or wrongly typed fields", () => {
    expect(verifyMidtransNotification({ ...sample, status_code: "201" }, MIDTRANS_KEY)).toBe(false);
    expect(verifyMidtransNotification(sample, "other-key")).toBe(false);
    expect(verifyMidtransNotification({ ...sample, signature_key: MIDTRANS_SIG.slice(0, 100) }, MIDTRANS_KEY)).toBe(false);
    for (const field of ["order_id", "status_code", "gross_amount", "signature_key"] as const) {
      const { [field]: _omit, ...rest } = sample;
      expect(verifyMidtransNotification(rest, MIDTRANS_KEY)).toBe(false);
    }
    expect(verifyMidtransNotification({ ...sample, gross_amount: 100000 }, MIDTRANS_KEY)).toBe(false);
    expect(verifyMidtransNotification(null, MIDTRANS_KEY)).toBe(false);
    expect(verifyMidtransNotification("x", MIDTRANS_KEY)).toBe(false);
    expect(verifyMidtransNotification([sample], MIDTRANS_KEY)).toBe(false);
    expect(verifyMidtransNotification(sample, "")).toBe(false);
  });
});

describe("Midtrans amounts and times", () => {
  it("parses decimal strings to integer rupiah without floats", () => {
    expect(parseMidtransAmount("145000.00")).toBe(145000);
    expect(parseMidtransAmount("145000")).toBe(145000);
    expect(parseMidtransAmount("145000.0")).toBe(145000);
    expect(parseMidtransAmount("999999999999999.00")).toBe(999_999_999_999_999);
    for (const bad of ["145000.50", "1.5e5", "-100.00", "", "12,000.00", "100.000"]) expect(() => parseMidtransAmount(bad)).toThrow(RangeError);
  });

  it("reads transaction times as Jakarta time", () => {
    expect(parseMidtransTime("2021-12-02 00:20:04")?.toISOString()).toBe("2021-12-01T17:20:04.000Z");
    expect(parseMidtransTime("yesterday")).toBeUndefined();
    expect(parseMidtransTime(null)).toBeUndefined();
  });
});

describe("midtransOutcome", () => {
  const base = {
    order_id: "Shuttle-61a7aeb5647f7",
    status_code: "200",
    gross_amount: "145000.00",
    transaction_id: "d2480bac-0000-4000-8000-000000000001",
    transaction_time: "2021-12-02 00:19:54",
    settlement_time: "2021-12-02 00:20:04",
    payment_type: "bank_transfer",
    signature_key: "x",
  };
  const outcome = (transaction_status: string, fraud_status?: string) =>
    midtransOutcome(midtransStatusSchema.parse({ ...base, transaction_status, ...(fraud_status ? { fraud_status } : {}) }), new Date("2030-01-01T00:00:00Z"));

  it("settlement and capture+accept are paid with the integer amount and settlement time", () => {
    expect(outcome("settlement", "accept")).toEqual({
      kind: "paid",
      amountIdr: 145000,
      paidAt: new Date("2021-12-01T17:20:04Z"),
      gatewayReference: base.transaction_id,
      method: "bank_transfer",
    });
    expect(outcome("capture", "accept")).toMatchObject({ kind: "paid", amountIdr: 145000 });
  });

  it("capture+challenge (or no fraud status) needs a human; capture+deny failed", () => {
    expect(outcome("capture", "challenge")).toEqual({ kind: "challenge", amountIdr: 145000, gatewayReference: base.transaction_id });
    expect(outcome("capture")).toMatchObject({ kind: "challenge" });
    expect(outcome("capture", "deny")).toMatchObject({ kind: "failed" });
  });

  it("maps the remaining statuses", () => {
    expect(outcome("pending")).toEqual({ kind: "pending" });
    expect(outcome("authorize")).toEqual({ kind: "pending" });
    expect(outcome("expire")).toEqual({ kind: "expired" });
    for (const s of ["deny", "cancel", "failure"]) expect(outcome(s)).toEqual({ kind: "failed", reason: `midtrans ${s}` });
    for (const s of ["refund", "partial_refund", "chargeback", "partial_chargeback"]) expect(outcome(s)).toEqual({ kind: "refunded" });
    expect(outcome("something_new")).toEqual({ kind: "pending" });
  });

  it("the notification schema takes the real sample and refuses fractional or missing amounts", () => {
    const real = {
      va_numbers: [{ va_number: "69246547150", bank: "bca" }],
      transaction_time: "2021-12-02 00:19:54",
      transaction_status: "settlement",
      transaction_id: "d2480bac-xxxx",
      status_message: "midtrans payment notification",
      status_code: "200",
      signature_key: "6b9e",
      settlement_time: "2021-12-02 00:20:04",
      payment_type: "bank_transfer",
      payment_amounts: [],
      order_id: "Shuttle-61a7aeb5647f7",
      merchant_id: "G064569246",
      gross_amount: "145000.00",
      fraud_status: "accept",
      currency: "IDR",
    };
    const parsed = midtransNotificationSchema.parse(real);
    expect(parsed.va_numbers).toEqual(real.va_numbers); // unknown fields are kept
    expect(midtransNotificationSchema.safeParse({ ...real, gross_amount: "145000.50" }).success).toBe(false);
    expect(midtransNotificationSchema.safeParse({ ...real, signature_key: undefined }).success).toBe(false);
  });
});

describe("tripayOutcome", () => {
  const cb = JSON.parse(TRIPAY_CALLBACK_BODY) as Record<string, unknown>;
  const now = new Date("2030-01-01T00:00:00Z");

  it("PAID → paid with total_amount and paid_at", () => {
    expect(tripayOutcome(tripayCallbackSchema.parse(cb), now)).toEqual({
      kind: "paid",
      amountIdr: 200000,
      paidAt: new Date(1608133017 * 1000),
      gatewayReference: "T0001000023000XXXXX",
      method: "BCAVA",
    });
  });

  it("maps EXPIRED, FAILED, REFUND, and anything else to pending", () => {
    const o = (status: string) => tripayOutcome(tripayCallbackSchema.parse({ ...cb, status, paid_at: null }), now);
    expect(o("EXPIRED")).toEqual({ kind: "expired" });
    expect(o("FAILED")).toMatchObject({ kind: "failed" });
    expect(o("REFUND")).toEqual({ kind: "refunded" });
    expect(o("UNPAID")).toEqual({ kind: "pending" });
    expect(o("WHATEVER")).toEqual({ kind: "pending" });
  });

  it("accepts numeric strings and refuses a body without amount or reference", () => {
    const parsed = tripayCallbackSchema.parse({ ...cb, total_amount: "200000", paid_at: "1608133017" });
    expect(parsed.total_amount).toBe(200000);
    expect(parsed.paid_at).toBe(1608133017);
    expect(tripayCallbackSchema.safeParse({ ...cb, total_amount: undefined }).success).toBe(false);
    expect(tripayCallbackSchema.safeParse({ ...cb, reference: "" }).success).toBe(false);
    expect(tripayCallbackSchema.safeParse({ ...cb, total_amount: 1.5 }).success).toBe(false);
  });
});

describe("customerFee", () => {
  const qris = { fee_customer: { flat: 750, percent: 0.7 }, minimum_fee: null, maximum_fee: null };

  it("is flat + the percentage rounded UP to the next rupiah, computed exactly", () => {
    expect(customerFee(qris, 100_000)).toBe(750 + 700); // exactly 700, no 699.99…
    expect(customerFee(qris, 54_321)).toBe(750 + 381); // 380.247 → 381
    expect(customerFee(qris, 1_000)).toBe(750 + 7);
    expect(customerFee(qris, 1_001)).toBe(750 + 8); // 7.007 → 8
    expect(customerFee({ ...qris, fee_customer: { flat: 0, percent: 0.07 } }, 3_000_000)).toBe(2100);
  });

  it("clamps to minimum/maximum fee and leaves merchant-paid channels at 0", () => {
    const dana = { fee_customer: { flat: 0, percent: 3 }, minimum_fee: 1000, maximum_fee: null };
    expect(customerFee(dana, 20_000)).toBe(1000); // 600 → min 1000
    expect(customerFee(dana, 100_000)).toBe(3000);
    expect(customerFee({ ...dana, maximum_fee: 2500 }, 100_000)).toBe(2500);
    expect(customerFee({ fee_customer: { flat: 0, percent: 0 }, minimum_fee: 4000, maximum_fee: 4500 }, 100_000)).toBe(0);
    expect(() => customerFee(qris, 10.5)).toThrow(RangeError);
  });
});
