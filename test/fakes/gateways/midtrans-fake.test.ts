/**
 * The fake Midtrans speaks the real wire format: its notifications (and status answers)
 * carry a signature_key that our verifyMidtransNotification accepts, parse with
 * midtransNotificationSchema, go to the URL from X-Override-Notification /
 * X-Append-Notification / the default, and can be triggered over HTTP for the demo.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeMidtrans, type FakeMidtrans } from "../../../ops/fakes/midtrans/server.js";
import { MidtransClient, midtransNotificationSchema, midtransOutcome, verifyMidtransNotification } from "../../../shop/payments/gateways/midtrans.js";
import { startReceiver, type Receiver } from "./receiver.js";

const SERVER_KEY = "SB-Mid-server-FakeNotify42";
const basic = `Basic ${Buffer.from(`${SERVER_KEY}:`).toString("base64")}`;

let fake: FakeMidtrans;
let receiver: Receiver;
let client: MidtransClient;
let n = 0;
const orderId = () => `FAKE-${process.pid}-${++n}`;

beforeAll(async () => {
  fake = await startFakeMidtrans({ serverKey: SERVER_KEY });
  receiver = await startReceiver();
  client = new MidtransClient({ serverKey: SERVER_KEY, isProduction: false, apiUrl: fake.apiUrl, snapUrl: fake.snapUrl });
});
afterAll(async () => {
  await fake?.stop();
  await receiver?.close();
});
afterEach(() => fake.setNotificationUrl(undefined));

const lastNotification = () => {
  const r = receiver.received.at(-1)!;
  return { path: r.path, raw: r.raw.toString("utf8"), body: JSON.parse(r.raw.toString("utf8")) as Record<string, unknown> };
};

describe("fake Midtrans notifications", () => {
  it("pay() posts a notification to X-Override-Notification whose signature verifies", async () => {
    const id = orderId();
    await client.createSnap({ orderId: id, grossAmount: 145_000, notificationUrl: `${receiver.url}/webhooks/midtrans` });
    const result = await fake.pay(id);
    expect(result).toMatchObject({ url: `${receiver.url}/webhooks/midtrans`, status: 200 });
    const { path, body } = lastNotification();
    expect(path).toBe("/webhooks/midtrans");
    expect(body).toMatchObject({ order_id: id, status_code: "200", gross_amount: "145000.00", transaction_status: "settlement", fraud_status: "accept", currency: "IDR" });
    expect(verifyMidtransNotification(body, SERVER_KEY)).toBe(true);
    expect(verifyMidtransNotification(body, "another-server-key")).toBe(false);
    expect(verifyMidtransNotification({ ...body, gross_amount: "1000.00" }, SERVER_KEY)).toBe(false);
    const parsed = midtransNotificationSchema.parse(body);
    expect(midtransOutcome(parsed)).toMatchObject({ kind: "paid", amountIdr: 145_000, gatewayReference: parsed.transaction_id });
  });

  it("signs whatever it reports: pending, expire (407), deny, a different gross amount", async () => {
    const id = orderId();
    await client.createSnap({ orderId: id, grossAmount: 80_000, notificationUrl: receiver.url });
    const expectations: [Parameters<FakeMidtrans["pay"]>[1], string, string][] = [
      [{ transactionStatus: "pending" }, "201", "pending"],
      [{ transactionStatus: "settlement", grossAmount: "79000.00" }, "200", "paid"],
      [{ transactionStatus: "deny" }, "202", "failed"],
      [{ transactionStatus: "expire" }, "407", "expired"],
    ];
    const outcomes = [];
    for (const [opts, code, kind] of expectations) {
      await fake.pay(id, opts);
      const { body } = lastNotification();
      expect(body.status_code).toBe(code);
      expect(verifyMidtransNotification(body, SERVER_KEY)).toBe(true);
      const outcome = midtransOutcome(midtransNotificationSchema.parse(body));
      expect(outcome.kind).toBe(kind);
      outcomes.push(outcome);
    }
    expect(outcomes[1]).toMatchObject({ kind: "paid", amountIdr: 79_000 });
  });

  it("X-Append-Notification adds to the default URL; without any URL the status still changes", async () => {
    fake.setNotificationUrl(`${receiver.url}/default`);
    const id = orderId();
    const res = await fetch(`${fake.snapUrl}/transactions`, {
      method: "POST",
      headers: { authorization: basic, "content-type": "application/json", "x-append-notification": `${receiver.url}/extra` },
      body: JSON.stringify({ transaction_details: { order_id: id, gross_amount: 10_000 } }),
    });
    expect(res.status).toBe(201);
    const before = receiver.received.length;
    await fake.pay(id);
    expect(receiver.received.slice(before).map((r) => r.path)).toEqual(["/default", "/extra"]);

    fake.setNotificationUrl(undefined);
    const lonely = orderId();
    await client.createSnap({ orderId: lonely, grossAmount: 10_000 });
    const r = await fake.pay(lonely);
    expect(r.error).toMatch(/no notification URL/);
    expect((await client.status(lonely))?.transaction_status).toBe("settlement");
  });

  it("the status answer carries a valid signature_key too", async () => {
    const id = orderId();
    await client.createSnap({ orderId: id, grossAmount: 33_000 });
    await fake.pay(id, { transactionStatus: "pending" });
    const res = await fetch(`${fake.apiUrl}/v2/${id}/status`, { headers: { authorization: basic } });
    expect(verifyMidtransNotification(await res.json(), SERVER_KEY)).toBe(true);
    expect((await fetch(`${fake.apiUrl}/v2/${id}/status`)).status).toBe(401);
    const unknown = await fetch(`${fake.apiUrl}/v2/nope/status`, { headers: { authorization: basic } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ status_code: "404", status_message: "Transaction doesn't exist." });
  });
});

describe("fake Midtrans HTTP surface", () => {
  it("POST /_fake/pay triggers a notification (for the terminal demo)", async () => {
    const id = orderId();
    await client.createSnap({ orderId: id, grossAmount: 99_000, notificationUrl: receiver.url });
    const res = await fetch(`${fake.url}/_fake/pay`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ orderId: id, status: "capture", fraudStatus: "challenge" }) });
    expect(res.status).toBe(200);
    const { body } = lastNotification();
    expect(body).toMatchObject({ order_id: id, transaction_status: "capture", fraud_status: "challenge", status_code: "201" });
    expect(verifyMidtransNotification(body, SERVER_KEY)).toBe(true);
    expect(midtransOutcome(midtransNotificationSchema.parse(body))).toMatchObject({ kind: "challenge", amountIdr: 99_000 });
    expect((await fetch(`${fake.url}/_fake/pay`, { method: "POST", body: JSON.stringify({ orderId: "missing" }) })).status).toBe(404);
  });

  it("validates Snap bodies like Midtrans and serves the redirect page", async () => {
    const post = (body: unknown) =>
      fetch(`${fake.snapUrl}/transactions`, { method: "POST", headers: { authorization: basic, "content-type": "application/json" }, body: JSON.stringify(body) });
    const mismatch = await post({ transaction_details: { order_id: orderId(), gross_amount: 10_000 }, item_details: [{ id: "a", name: "a", price: 5_000, quantity: 1 }] });
    expect(mismatch.status).toBe(400);
    expect(await mismatch.json()).toEqual({ error_messages: ["transaction_details.gross_amount is not equal to the sum of item_details"] });
    expect((await post({ transaction_details: { gross_amount: 10_000 } })).status).toBe(400);
    const id = orderId();
    const ok = (await (await post({ transaction_details: { order_id: id, gross_amount: 10_000 } })).json()) as { redirect_url: string };
    const page = await fetch(ok.redirect_url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(id);
  });
});
