/**
 * The fake Tripay speaks the real wire format: its callbacks verify with our own
 * verifyTripayCallback over the raw bytes and parse with tripayCallbackSchema; its API
 * checks the key and signature and answers in Tripay's envelope; the /_fake HTTP routes and
 * the checkout page (used by the terminal demo) trigger the same signed callbacks.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeTripay, type FakeTripay } from "../../../ops/fakes/tripay/server.js";
import { TripayClient, tripayCallbackSchema, tripayOutcome, tripayRequestSignature, verifyTripayCallback, type TripayCreateInput } from "../../../shop/payments/gateways/tripay.js";
import { startReceiver, type Receiver } from "./receiver.js";

const CREDS = { apiKey: "DEV-fakeTripayKey42", privateKey: "priv-0123456789abcdef", merchantCode: "T0042" };

let fake: FakeTripay;
let receiver: Receiver;
let client: TripayClient;

beforeAll(async () => {
  fake = await startFakeTripay(CREDS);
  receiver = await startReceiver();
  client = new TripayClient({ ...CREDS, mode: "sandbox", apiUrl: fake.url }, { fetchOptions: { sleep: async () => undefined } });
});
afterAll(async () => {
  await fake?.stop();
  await receiver?.close();
});
afterEach(() => {
  fake.setCallbackUrl(undefined);
  receiver.reply = { status: 200, body: '{"success":true}' };
});

let n = 0;
const input = (over: Partial<TripayCreateInput> = {}): TripayCreateInput => ({
  method: "QRIS",
  merchantRef: `INV-FAKE-${++n}`,
  amount: 60_000,
  customerName: "Sari",
  customerEmail: "sari@example.com",
  items: [{ name: "VPS", price: 60_000, quantity: 1 }],
  expiresAt: new Date(Date.now() + 3600_000),
  ...over,
});

function lastDelivery() {
  const r = receiver.received.at(-1)!;
  return { raw: r.raw, signature: r.headers["x-callback-signature"], event: r.headers["x-callback-event"], path: r.path };
}

describe("fake Tripay callbacks", () => {
  it("pay() sends a callback that verifies with our verifier and maps to paid", async () => {
    const tx = await client.createTransaction(input({ callbackUrl: `${receiver.url}/webhooks/tripay` }));
    const result = await fake.pay(tx.reference);
    expect(result).toMatchObject({ url: `${receiver.url}/webhooks/tripay`, status: 200, body: '{"success":true}' });
    const d = lastDelivery();
    expect(d.path).toBe("/webhooks/tripay");
    expect(d.event).toBe("payment_status");
    expect(verifyTripayCallback(CREDS.privateKey, d.raw, d.signature)).toBe(true);
    expect(verifyTripayCallback("another-key", d.raw, d.signature)).toBe(false);
    const body = tripayCallbackSchema.parse(JSON.parse(d.raw.toString("utf8")));
    expect(body).toMatchObject({ reference: tx.reference, merchant_ref: tx.merchant_ref, payment_method: "QRIS by ShopeePay", payment_method_code: "QRIS", status: "PAID", is_closed_payment: 1 });
    expect(tripayOutcome(body)).toMatchObject({ kind: "paid", amountIdr: tx.amount, gatewayReference: tx.reference, method: "QRIS" });
  });

  it("finds transactions by merchant_ref, uses the default URL, and reports what our server answered", async () => {
    const tx = await client.createTransaction(input());
    fake.setCallbackUrl(`${receiver.url}/default`);
    receiver.reply = { status: 400, body: '{"success":false,"message":"Invalid signature"}' };
    const result = await fake.pay(tx.merchant_ref!, { status: "EXPIRED" });
    expect(result).toMatchObject({ url: `${receiver.url}/default`, status: 400, body: '{"success":false,"message":"Invalid signature"}' });
    const d = lastDelivery();
    expect(verifyTripayCallback(CREDS.privateKey, d.raw, d.signature)).toBe(true);
    expect(tripayOutcome(tripayCallbackSchema.parse(JSON.parse(d.raw.toString())))).toEqual({ kind: "expired" });
  });

  it("can report a different amount (still correctly signed) and FAILED/REFUND statuses", async () => {
    const tx = await client.createTransaction(input({ callbackUrl: receiver.url }));
    await fake.pay(tx.reference, { amount: 1_000 });
    let d = lastDelivery();
    expect(verifyTripayCallback(CREDS.privateKey, d.raw, d.signature)).toBe(true);
    expect(tripayOutcome(tripayCallbackSchema.parse(JSON.parse(d.raw.toString())))).toMatchObject({ kind: "paid", amountIdr: 1_000 });
    await fake.pay(tx.reference, { status: "REFUND" });
    d = lastDelivery();
    expect(tripayOutcome(tripayCallbackSchema.parse(JSON.parse(d.raw.toString())))).toEqual({ kind: "refunded" });
    await fake.pay(tx.reference, { status: "FAILED", note: "ditolak bank" });
    d = lastDelivery();
    expect(tripayOutcome(tripayCallbackSchema.parse(JSON.parse(d.raw.toString())))).toEqual({ kind: "failed", reason: "tripay FAILED: ditolak bank" });
  });

  it("an unreachable callback URL is reported, not thrown", async () => {
    const tx = await client.createTransaction(input({ callbackUrl: "http://127.0.0.1:9/nothing-here" }));
    const result = await fake.pay(tx.reference);
    expect(result.status).toBeUndefined();
    expect(result.error).toBeTruthy();
    expect(fake.transaction(tx.reference)?.status).toBe("PAID");
  });
});

describe("fake Tripay HTTP surface", () => {
  it("POST /_fake/pay triggers a signed callback (for the terminal demo)", async () => {
    const tx = await client.createTransaction(input({ callbackUrl: receiver.url }));
    const res = await fetch(`${fake.url}/_fake/pay`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ merchantRef: tx.merchant_ref }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 200, payload: { reference: tx.reference, status: "PAID" } });
    const d = lastDelivery();
    expect(verifyTripayCallback(CREDS.privateKey, d.raw, d.signature)).toBe(true);
    const list = (await (await fetch(`${fake.url}/_fake/transactions`)).json()) as { reference: string; status: string }[];
    expect(list.find((t) => t.reference === tx.reference)?.status).toBe("PAID");
    expect((await fetch(`${fake.url}/_fake/pay`, { method: "POST", body: "{}" })).status).toBe(404);
  });

  it("the checkout page shows the transaction and its button pays", async () => {
    const tx = await client.createTransaction(input({ method: "BCAVA", callbackUrl: receiver.url }));
    const page = await fetch(tx.checkout_url!);
    const html = await page.text();
    expect(html).toContain(tx.pay_code!);
    expect(html).toContain("Rp 65.500");
    const before = receiver.received.length;
    expect((await fetch(`${tx.checkout_url}/pay`, { method: "POST" })).status).toBe(200);
    expect(receiver.received.length).toBe(before + 1);
  });

  it("accepts the docs' form-encoded create and rejects bad keys and signatures in Tripay's shape", async () => {
    const ref = `INV-FORM-${++n}`;
    const form = new URLSearchParams({
      method: "BRIVA",
      merchant_ref: ref,
      amount: "30000",
      customer_name: "Andi",
      customer_email: "andi@example.com",
      "order_items[0][name]": "VPS A",
      "order_items[0][price]": "10000",
      "order_items[0][quantity]": "1",
      "order_items[1][name]": "VPS B",
      "order_items[1][price]": "20000",
      "order_items[1][quantity]": "1",
      signature: tripayRequestSignature(CREDS.privateKey, CREDS.merchantCode, ref, 30_000),
    });
    const ok = await fetch(`${fake.url}/transaction/create`, { method: "POST", headers: { authorization: `Bearer ${CREDS.apiKey}` }, body: form });
    const okBody = (await ok.json()) as { success: boolean; data: { order_items: { subtotal: number }[]; amount: number } };
    expect(ok.status).toBe(200);
    expect(okBody.success).toBe(true);
    expect(okBody.data.order_items.map((i) => i.subtotal)).toEqual([10_000, 20_000]);
    expect(okBody.data.amount).toBe(34_250);

    form.set("signature", "0".repeat(64));
    const badSig = await fetch(`${fake.url}/transaction/create`, { method: "POST", headers: { authorization: `Bearer ${CREDS.apiKey}` }, body: form });
    expect(badSig.status).toBe(400);
    expect(await badSig.json()).toEqual({ success: false, message: "Invalid signature" });

    const noKey = await fetch(`${fake.url}/merchant/payment-channel`);
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toEqual({ success: false, message: "Invalid API Key" });

    const reference = fake.transaction(ref)?.reference ?? "";
    const checked = await fetch(`${fake.url}/transaction/check-status?reference=${reference}`, { headers: { authorization: `Bearer ${CREDS.apiKey}` } });
    expect(await checked.json()).toEqual({ success: true, message: "Status transaksi saat ini UNPAID" });
  });

  it("expires unpaid transactions after expired_time", async () => {
    let now = Date.now();
    const local = await startFakeTripay({ ...CREDS, now: () => now });
    try {
      const c = new TripayClient({ ...CREDS, mode: "sandbox", apiUrl: local.url });
      const tx = await c.createTransaction(input({ expiresAt: new Date(now + 15 * 60_000) }));
      now += 16 * 60_000;
      expect((await c.transactionDetail(tx.reference)).status).toBe("EXPIRED");
    } finally {
      await local.stop();
    }
  });
});
