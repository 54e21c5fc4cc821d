/**
 * MidtransClient end to end against the fake Midtrans (ops/fakes/midtrans): Snap create
 * (body, auth, duplicate, validation), Get Status through the life of a payment (unknown →
 * pending → settlement; expire answers 407 in the body; capture + challenge), and the
 * mapping of each answer with midtransOutcome.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeMidtrans, type FakeMidtrans } from "../../../ops/fakes/midtrans/server.js";
import { ExternalServiceError } from "../../../shop/http/resilient-fetch.js";
import { MidtransClient, midtransOutcome, type MidtransConfig } from "../../../shop/payments/gateways/midtrans.js";

const SERVER_KEY = "SB-Mid-server-FakeKey0123456789";
const noWait = { sleep: async () => undefined, random: () => 0 };

let fake: FakeMidtrans;
let config: MidtransConfig;
let client: MidtransClient;
let seq = 0;
const orderId = () => `ORD-${process.pid}-${++seq}`;

beforeAll(async () => {
  fake = await startFakeMidtrans({ serverKey: SERVER_KEY });
  config = { serverKey: SERVER_KEY, clientKey: "SB-Mid-client-x", isProduction: false, apiUrl: fake.apiUrl, snapUrl: fake.snapUrl };
  client = new MidtransClient(config, { fetchOptions: noWait });
});
afterAll(async () => {
  await fake?.stop();
});

describe("createSnap", () => {
  it("creates a Snap transaction with Basic auth and the documented body", async () => {
    const id = orderId();
    const snap = await client.createSnap({
      orderId: id,
      grossAmount: 145_000,
      items: [
        { id: "plan-1", name: "VPS 2 GB Singapore / 1 bulan — a rather long product name here", price: 150_000, quantity: 1 },
        { id: "coupon", name: "Kupon HEMAT", price: -5_000, quantity: 1 },
      ],
      customer: { firstName: "Budi", email: "budi@example.com", phone: "081234567890" },
      expiryMinutes: 60,
      enabledPayments: ["other_qris", "bca_va"],
      notificationUrl: "https://shop.example/webhooks/midtrans",
    });
    expect(snap.token).toMatch(/^[0-9a-f-]{36}$/);
    expect(snap.redirectUrl).toBe(`${fake.url}/snap/v4/redirection/${snap.token}`);
    const stored = fake.transaction(id)!;
    expect(stored.notification_urls).toEqual(["https://shop.example/webhooks/midtrans"]);
    expect(stored.request).toMatchObject({
      transaction_details: { order_id: id, gross_amount: 145_000 },
      customer_details: { first_name: "Budi", email: "budi@example.com", phone: "081234567890" },
      enabled_payments: ["other_qris", "bca_va"],
      expiry: { unit: "minute", duration: 60 },
    });
    const items = stored.request.item_details as { name: string }[];
    expect(items[0]?.name.length).toBe(50);
  });

  it("a reused order_id is a 406 ExternalServiceError carrying Midtrans' message", async () => {
    const id = orderId();
    await client.createSnap({ orderId: id, grossAmount: 10_000 });
    const err = await client.createSnap({ orderId: id, grossAmount: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExternalServiceError);
    expect(err).toMatchObject({ service: "midtrans", code: "http_4xx", status: 406, retryable: false });
    expect((err as Error).message).toContain("order_id has already been taken");
  });

  it("a wrong server key is a 401 whose message does not contain the key", async () => {
    const bad = new MidtransClient({ ...config, serverKey: "SB-Mid-server-WRONG-KEY" }, { fetchOptions: noWait });
    const err = (await bad.createSnap({ orderId: orderId(), grossAmount: 10_000 }).catch((e: unknown) => e)) as ExternalServiceError;
    expect(err).toMatchObject({ code: "http_4xx", status: 401 });
    expect(err.message).toContain("Access denied");
    expect(`${err.message}${err.body}`).not.toContain("SB-Mid-server-WRONG-KEY");
  });

  it("checks amounts before calling Midtrans", async () => {
    const before = fake.requests().length;
    await expect(client.createSnap({ orderId: orderId(), grossAmount: 10_000.5 })).rejects.toThrow(RangeError);
    await expect(client.createSnap({ orderId: orderId(), grossAmount: 10_000, items: [{ name: "x", price: 9_000, quantity: 1 }] })).rejects.toThrow(RangeError);
    expect(fake.requests().length).toBe(before);
  });

  it("a 500 on create is not retried", async () => {
    fake.failNext(1, 500);
    const before = fake.requests().length;
    await expect(client.createSnap({ orderId: orderId(), grossAmount: 10_000 })).rejects.toMatchObject({ code: "http_5xx", attempts: 1 });
    expect(fake.requests().length).toBe(before + 1);
  });
});

describe("status", () => {
  it("follows a payment: unknown (null) → pending → settlement (paid, integer amount)", async () => {
    const id = orderId();
    expect(await client.status(id)).toBeNull(); // never created
    await client.createSnap({ orderId: id, grossAmount: 145_000 });
    expect(await client.status(id)).toBeNull(); // created, no payment method chosen yet

    await fake.pay(id, { transactionStatus: "pending" });
    const pending = (await client.status(id))!;
    expect(pending).toMatchObject({ transaction_status: "pending", status_code: "201", gross_amount: "145000.00", order_id: id });
    expect(midtransOutcome(pending)).toEqual({ kind: "pending" });

    const payingFrom = Date.now() - 1_000; // Midtrans times are whole seconds
    await fake.pay(id, { transactionStatus: "settlement" });
    const settled = (await client.status(id))!;
    expect(settled).toMatchObject({ transaction_status: "settlement", status_code: "200", currency: "IDR" });
    const outcome = midtransOutcome(settled);
    expect(outcome).toMatchObject({ kind: "paid", amountIdr: 145_000, gatewayReference: settled.transaction_id, method: "bank_transfer" });
    // Paid while we paid it: between the two readings of our clock, however slow the machine.
    expect(outcome.kind === "paid" && outcome.paidAt.getTime() >= payingFrom && outcome.paidAt.getTime() <= Date.now()).toBe(true);
    // Also reachable by transaction_id.
    expect((await client.status(settled.transaction_id!))?.order_id).toBe(id);
  });

  it("an expired transaction answers status_code 407, which is a valid answer", async () => {
    const id = orderId();
    await client.createSnap({ orderId: id, grossAmount: 50_000 });
    await fake.pay(id, { transactionStatus: "expire" });
    const s = (await client.status(id))!;
    expect(s).toMatchObject({ status_code: "407", transaction_status: "expire" });
    expect(midtransOutcome(s)).toEqual({ kind: "expired" });
  });

  it("capture + challenge is a challenge for a human", async () => {
    const id = orderId();
    await client.createSnap({ orderId: id, grossAmount: 250_000 });
    await fake.pay(id, { transactionStatus: "capture", fraudStatus: "challenge" });
    const s = (await client.status(id))!;
    expect(s).toMatchObject({ payment_type: "credit_card", fraud_status: "challenge" });
    expect(midtransOutcome(s)).toMatchObject({ kind: "challenge", amountIdr: 250_000 });
  });

  it("a GET hit by a 503 is retried; a bad key is a 401", async () => {
    const id = orderId();
    await client.createSnap({ orderId: id, grossAmount: 20_000 });
    await fake.pay(id, { transactionStatus: "pending" });
    fake.failNext(1, 503);
    expect((await client.status(id))?.transaction_status).toBe("pending");
    const bad = new MidtransClient({ ...config, serverKey: "nope-nope" }, { fetchOptions: noWait });
    await expect(bad.status(id)).rejects.toMatchObject({ code: "http_4xx", status: 401 });
  });
});
