/**
 * TripayClient end to end against the fake Tripay (ops/fakes/tripay): channel list and its
 * cache (memory and real Redis), fee calculation, create for each channel type, detail,
 * and how Tripay's errors surface. Worked example used below (QRIS, 750 + 0.70 %):
 *
 *   order 54.321 → 0.7 % = 380,247 → rounded up 381 → fee 1.131 → customer pays 55.452
 */
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeTripay, type FakeTripay } from "../../../ops/fakes/tripay/server.js";
import { emvCrc16 } from "../../../ops/fakes/tripay/qris.js";
import { ExternalServiceError } from "../../../shop/http/resilient-fetch.js";
import { customerFee, TripayClient, tripayTransactionOutcome, type TripayConfig, type TripayCreateInput } from "../../../shop/payments/gateways/tripay.js";
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from "../../support/redis.js";

const CREDS = { apiKey: "DEV-fakeApiKey0123456789", privateKey: "fake-private-key-abcdef", merchantCode: "T0001" };
const noWait = { sleep: async () => undefined, random: () => 0 };

let fake: FakeTripay;
let config: TripayConfig;
let redis: Redis;
const prefix = `${uniquePrefix("tripay")}:`;

beforeAll(async () => {
  fake = await startFakeTripay(CREDS);
  config = { ...CREDS, mode: "sandbox", apiUrl: fake.url };
  redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  await fake?.stop();
  await deleteKeys(prefix);
  redis?.disconnect();
});

let nextRef = 0;
function order(method: string, amount: number, extra: Partial<TripayCreateInput> = {}): TripayCreateInput {
  nextRef += 1;
  return {
    method,
    merchantRef: `INV-TEST-${process.pid}-${nextRef}`,
    amount,
    customerName: "Budi Santoso",
    customerEmail: "budi@example.com",
    customerPhone: "081234567890",
    items: [{ name: "VPS 1 GB / 1 bulan", price: amount, quantity: 1 }],
    expiresAt: new Date(Date.now() + 3600_000),
    ...extra,
  };
}

const channelCalls = () => fake.requests().filter((r) => r.path === "/merchant/payment-channel").length;

describe("listChannels", () => {
  it("returns active channels with fees parsed to numbers", async () => {
    const client = new TripayClient(config, { fetchOptions: noWait });
    const channels = await client.listChannels();
    expect(channels.map((c) => c.code).sort()).toEqual(["ALFAMART", "BCAVA", "BNIVA", "BRIVA", "DANA", "MANDIRIVA", "OVO", "QRIS", "SHOPEEPAY"]);
    expect(channels.find((c) => c.code === "QRIS")).toMatchObject({
      name: "QRIS by ShopeePay",
      group: "E-Wallet",
      type: "direct",
      fee_customer: { flat: 750, percent: 0.7 },
      minimum_amount: 1000,
      maximum_amount: 5_000_000,
      minimum_fee: null,
    });
    expect(channels.find((c) => c.code === "DANA")).toMatchObject({ type: "redirect", fee_customer: { flat: 0, percent: 3 }, minimum_fee: 1000 });
  });

  it("caches in memory for 10 minutes", async () => {
    let now = 1_000_000;
    const client = new TripayClient(config, { fetchOptions: noWait, now: () => now });
    const before = channelCalls();
    await client.listChannels();
    await client.listChannels();
    expect(channelCalls()).toBe(before + 1);
    now += 9 * 60_000;
    await client.listChannels();
    expect(channelCalls()).toBe(before + 1);
    now += 2 * 60_000;
    await client.listChannels();
    expect(channelCalls()).toBe(before + 2);
  });

  it("shares the cache through Redis with a 10-minute TTL", async () => {
    const a = new TripayClient(config, { redis, cachePrefix: prefix, fetchOptions: noWait });
    const b = new TripayClient(config, { redis, cachePrefix: prefix, fetchOptions: noWait });
    const before = channelCalls();
    const first = await a.listChannels();
    const second = await b.listChannels();
    expect(second).toEqual(first);
    expect(channelCalls()).toBe(before + 1);
    const keys = await redis.keys(`${prefix}*`);
    expect(keys).toHaveLength(1);
    const ttl = await redis.pttl(keys[0] as string);
    expect(ttl).toBeGreaterThan(9 * 60_000);
    expect(ttl).toBeLessThanOrEqual(10 * 60_000);
    await b.invalidateChannels();
    await a.listChannels();
    expect(channelCalls()).toBe(before + 2);
  });

  it("retries a 503 on the GET and still answers", async () => {
    const client = new TripayClient(config, { fetchOptions: noWait });
    fake.failNext(2, 503);
    expect((await client.listChannels()).length).toBe(9);
  });
});

describe("createTransaction", () => {
  it("QRIS: the fee matches customerFee (rounded up), amount includes it, the QR string is valid EMV", async () => {
    const client = new TripayClient(config, { fetchOptions: noWait });
    const qris = (await client.listChannels()).find((c) => c.code === "QRIS")!;
    expect(customerFee(qris, 54_321)).toBe(1131);
    const tx = await client.createTransaction(order("QRIS", 54_321, { callbackUrl: "http://127.0.0.1:9/cb", returnUrl: "https://t.me/shop_bot" }));
    expect(tx).toMatchObject({ payment_method: "QRIS", status: "UNPAID", fee_customer: 1131, amount: 55_452, amount_received: 54_321, pay_code: null, pay_url: null });
    expect(tx.reference).toMatch(/^T0001\d{15}$/);
    expect(tx.checkout_url).toBe(`${fake.url}/checkout/${tx.reference}`);
    expect(tx.qr_string).toMatch(/^000201010212/);
    expect(tx.qr_string).toContain("540555452"); // tag 54, length 05, amount
    const qr = tx.qr_string!;
    expect(qr.slice(-4)).toBe(emvCrc16(qr.slice(0, -4)));
    expect(tx.expired_time).toBeGreaterThan(Date.now() / 1000);
    expect(fake.transaction(tx.reference)?.callback_url).toBe("http://127.0.0.1:9/cb");
  });

  it("VA channels get a pay code and instructions; e-wallets a pay_url; fees clamp to the minimum", async () => {
    const client = new TripayClient(config, { fetchOptions: noWait });
    const va = await client.createTransaction(order("BRIVA", 75_000));
    expect(va).toMatchObject({ fee_customer: 4250, amount: 79_250 });
    expect(va.pay_code).toMatch(/^26215\d+$/);
    expect(va.instructions[0]?.steps.join(" ")).toContain(va.pay_code!);
    const dana = await client.createTransaction(order("DANA", 20_000));
    expect(dana).toMatchObject({ fee_customer: 1000, amount: 21_000, pay_code: null });
    expect(dana.pay_url).toContain(dana.reference);
  });

  it("sends the documented signature, JSON body and expiry", async () => {
    const client = new TripayClient(config, { fetchOptions: noWait });
    const expiresAt = new Date(Math.floor(Date.now() / 1000 + 1800) * 1000);
    const tx = await client.createTransaction(order("BCAVA", 100_000, { expiresAt }));
    expect(tx.expired_time).toBe(expiresAt.getTime() / 1000);
  });

  it("refuses items that do not add up before calling Tripay", async () => {
    const client = new TripayClient(config, { fetchOptions: noWait });
    const before = fake.requests().length;
    await expect(client.createTransaction(order("QRIS", 50_000, { items: [{ name: "x", price: 40_000, quantity: 1 }] }))).rejects.toThrow(RangeError);
    expect(fake.requests().length).toBe(before);
  });

  it("Tripay's {success:false} answers become ExternalServiceError without secrets", async () => {
    const badKey = new TripayClient({ ...config, apiKey: "DEV-wrong-key-999" }, { fetchOptions: noWait });
    const e1 = await badKey.listChannels().catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(ExternalServiceError);
    expect(e1).toMatchObject({ service: "tripay", code: "http_4xx", status: 401, retryable: false });
    expect((e1 as Error).message).toContain("Invalid API Key");
    expect((e1 as Error).message).not.toContain("DEV-wrong-key-999");

    const badSig = new TripayClient({ ...config, privateKey: "not-the-private-key" }, { fetchOptions: noWait });
    const e2 = await badSig.createTransaction(order("QRIS", 10_000)).catch((e: unknown) => e);
    expect(e2).toMatchObject({ code: "http_4xx", status: 400 });
    expect((e2 as Error).message).toContain("Invalid signature");

    const client = new TripayClient(config, { fetchOptions: noWait });
    await expect(client.createTransaction(order("PERMATAVA", 50_000))).rejects.toMatchObject({ code: "http_4xx", status: 400 });
    await expect(client.createTransaction(order("ALFAMART", 3_000_000))).rejects.toThrow(/Maximum amount/);

    fake.failNext(1, 200, { message: "Merchant sedang tidak aktif" });
    const e3 = await client.transactionDetail("T0001000000000000001").catch((e: unknown) => e);
    expect(e3).toMatchObject({ code: "bad_response", status: 200, retryable: false });
    expect((e3 as Error).message).toContain("Merchant sedang tidak aktif");
  });

  it("a 503 on create is not retried (it may have been created)", async () => {
    const client = new TripayClient(config, { fetchOptions: noWait });
    const creates = () => fake.requests().filter((r) => r.path === "/transaction/create").length;
    const before = creates();
    fake.failNext(1, 503);
    await expect(client.createTransaction(order("QRIS", 10_000))).rejects.toMatchObject({ code: "http_5xx", attempts: 1 });
    expect(creates()).toBe(before + 1);
  });
});

describe("transactionDetail", () => {
  afterEach(() => fake.setCallbackUrl(undefined));

  it("polls UNPAID, then PAID with paid_at after the fake is paid", async () => {
    const client = new TripayClient(config, { fetchOptions: noWait });
    const tx = await client.createTransaction(order("MANDIRIVA", 150_000));
    const unpaid = await client.transactionDetail(tx.reference);
    expect(unpaid).toMatchObject({ status: "UNPAID", paid_at: null, amount: 154_250, pay_code: tx.pay_code });
    expect(tripayTransactionOutcome(unpaid)).toEqual({ kind: "pending" });
    const cb = await fake.pay(tx.merchant_ref!); // no callback URL: status changes, delivery is reported as not sent
    expect(cb.error).toMatch(/no callback URL/);
    const paid = await client.transactionDetail(tx.reference);
    expect(paid.status).toBe("PAID");
    expect(paid.paid_at).toBeGreaterThan(0);
    expect(tripayTransactionOutcome(paid)).toMatchObject({ kind: "paid", amountIdr: 154_250, gatewayReference: tx.reference, method: "MANDIRIVA" });
  });

  it("an unknown reference is an http_4xx error", async () => {
    const client = new TripayClient(config, { fetchOptions: noWait });
    await expect(client.transactionDetail("T0001999")).rejects.toMatchObject({ code: "http_4xx", status: 404 });
  });
});
