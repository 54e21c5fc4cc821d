/**
 * POST /webhooks/midtrans through the real HTTP app, real Postgres and Redis. The route
 * only verifies signature_key, records the notification and queues a `midtrans-callback`
 * follow-up: Midtrans' advice is to trust its Get Status answer, which the job fetches
 * (not tested here). The second half feeds Midtrans-shaped bodies through
 * `midtransOutcome` into `settlePayment` — what that job does with the status answer —
 * to show the mapping ends in PAID / PAYMENT_REVIEW / EXPIRED.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeMidtrans, type FakeMidtrans } from "../../../ops/fakes/midtrans/server.js";
import { MidtransClient, midtransOutcome, midtransSignature, midtransStatusSchema } from "../../../shop/payments/gateways/midtrans.js";
import { settlePayment } from "../../../shop/payments/settle.js";
import { createTestDatabase, type TestDatabase } from "../../support/db.js";
import { deleteKeys, uniquePrefix } from "../../support/redis.js";
import {
  MIDTRANS_SERVER_KEY,
  createPendingOrder,
  createWebhookHarness,
  followupJobs,
  listen,
  midtransNotificationBody,
  rejectedCount,
  type PendingOrder,
  type WebhookHarness,
} from "./harness.js";

let db: TestDatabase;
let h: WebhookHarness;
let server: Awaited<ReturnType<typeof listen>>;
let fake: FakeMidtrans;
const prefix = uniquePrefix("wh-midtrans");

beforeAll(async () => {
  db = await createTestDatabase();
  h = await createWebhookHarness({ dbUrl: db.url, prefix });
  server = await listen(h.app);
  fake = await startFakeMidtrans({ serverKey: MIDTRANS_SERVER_KEY });
});

afterAll(async () => {
  await fake?.stop();
  await server?.close();
  await h?.close();
  await deleteKeys(prefix);
  await db?.drop();
});

const post = (body: string) => h.app.request("/webhooks/midtrans", { method: "POST", headers: { "content-type": "application/json" }, body });
const midtransOrder = (totalIdr = 145_000) => createPendingOrder(h.prisma, { gateway: "MIDTRANS", totalIdr, feeIdr: 0 });
const gross = (p: PendingOrder) => `${p.totalIdr}.00`;

async function orderState(p: PendingOrder) {
  const [order, payment, history] = await Promise.all([
    h.prisma.order.findUniqueOrThrow({ where: { id: p.orderId }, select: { status: true, paidAt: true } }),
    h.prisma.payment.findUniqueOrThrow({ where: { id: p.paymentId }, select: { status: true, paidAt: true, gatewayReference: true, method: true } }),
    h.prisma.orderStatusHistory.count({ where: { orderId: p.orderId } }),
  ]);
  return { order, payment, history };
}

describe("POST /webhooks/midtrans", () => {
  it("a correctly signed notification (from the fake Midtrans) → 200, recorded verified, one `midtrans-callback` follow-up; the order waits for the status check", async () => {
    const p = await midtransOrder();
    const client = new MidtransClient({ ...h.config.midtrans!, apiUrl: fake.apiUrl, snapUrl: fake.snapUrl });
    await client.createSnap({ orderId: p.attemptRef, grossAmount: p.totalIdr, notificationUrl: `${server.url}/webhooks/midtrans` });
    const before = await orderState(p);

    const delivery = await fake.pay(p.attemptRef, { transactionStatus: "settlement" });
    expect(delivery.status).toBe(200);
    expect(JSON.parse(delivery.body!)).toEqual({ success: true });

    const row = await h.prisma.paymentCallback.findFirstOrThrow({ where: { gateway: "MIDTRANS", merchantRef: p.attemptRef } });
    expect(row).toMatchObject({
      verified: true,
      rejectReason: null,
      merchantRef: p.attemptRef,
      reference: fake.transaction(p.attemptRef)!.transaction_id,
      status: "settlement",
      outcome: "queued for status check",
      rawBody: delivery.rawBody,
    });
    const jobs = (await followupJobs(h.queues)).filter((j) => j.data.callbackId === row.id);
    expect(jobs).toEqual([{ id: `midtrans-callback-${row.id}`, data: { kind: "midtrans-callback", callbackId: row.id } }]);
    // Nothing is settled on the notification alone.
    expect(await orderState(p)).toEqual(before);
    expect(before.order.status).toBe("PENDING_PAYMENT");
  });

  it("a forged signature_key → 401, counted, not stored, nothing queued", async () => {
    const p = await midtransOrder();
    const body = JSON.stringify(
      midtransNotificationBody(p.attemptRef, { grossAmount: gross(p), signatureKey: midtransSignature(p.attemptRef, "200", gross(p), "SB-Mid-server-someoneElse") }),
    );
    const counted = await rejectedCount(h.metrics, "midtrans", "bad_signature");
    const jobs = (await followupJobs(h.queues)).length;
    const res = await post(body);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ success: false, message: "invalid signature_key" });
    expect(await rejectedCount(h.metrics, "midtrans", "bad_signature")).toBe(counted + 1);
    expect((await followupJobs(h.queues)).length).toBe(jobs);
    // Anyone can send these, 16 KiB each: counted and sampled into the log, never stored.
    expect(await h.prisma.paymentCallback.count({ where: { merchantRef: p.attemptRef } })).toBe(0);
    expect((await orderState(p)).order.status).toBe("PENDING_PAYMENT");
  });

  it("a signature over a changed amount (gross_amount edited after signing) → 401", async () => {
    const p = await midtransOrder();
    const signed = midtransNotificationBody(p.attemptRef, { grossAmount: "1000.00" });
    const res = await post(JSON.stringify({ ...signed, gross_amount: gross(p) }));
    expect(res.status).toBe(401);
  });

  it.each([
    ["malformed JSON", '{"order_id": "ORD-1", ', /not valid JSON/],
    ["JSON that is not a notification", JSON.stringify({ order_id: "ORD-1", transaction_status: "settlement" }), /does not match Midtrans' format/],
    ["a JSON array", "[]", /does not match Midtrans' format/],
  ])("%s → 400, not stored, counted as malformed", async (_name, body, message) => {
    const rows = await h.prisma.paymentCallback.count();
    const counted = await rejectedCount(h.metrics, "midtrans", "malformed");
    const jobs = (await followupJobs(h.queues)).length;
    const res = await post(body);
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { success: boolean; message: string };
    expect(answer.success).toBe(false);
    expect(answer.message).toMatch(message);
    expect(await rejectedCount(h.metrics, "midtrans", "malformed")).toBe(counted + 1);
    expect((await followupJobs(h.queues)).length).toBe(jobs);
    expect(await h.prisma.paymentCallback.count()).toBe(rows);
  });

  it("an unknown order_id (correctly signed) → 404, recorded verified with outcome 'unknown order_id', nothing queued", async () => {
    const counted = await rejectedCount(h.metrics, "midtrans", "unknown_reference");
    const jobs = (await followupJobs(h.queues)).length;
    const body = JSON.stringify(midtransNotificationBody("ORD-NOBODY-1", { grossAmount: "50000.00" }));
    const res = await post(body);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ success: false, message: "unknown order_id ORD-NOBODY-1" });
    expect(await rejectedCount(h.metrics, "midtrans", "unknown_reference")).toBe(counted + 1);
    expect((await followupJobs(h.queues)).length).toBe(jobs);
    expect(await h.prisma.paymentCallback.findFirstOrThrow({ where: { merchantRef: "ORD-NOBODY-1" } })).toMatchObject({
      gateway: "MIDTRANS",
      verified: true,
      rejectReason: null,
      outcome: "unknown order_id",
    });
  });
});

describe("settlePayment with Midtrans outcomes (what the midtrans-callback job applies)", () => {
  const settle = (p: PendingOrder, body: Record<string, unknown>) => {
    const status = midtransStatusSchema.parse(body);
    return settlePayment(h.prisma, {
      key: { attemptRef: p.attemptRef },
      outcome: midtransOutcome(status),
      eventKey: `${status.order_id}:${status.transaction_status}:${status.fraud_status ?? ""}`,
      source: "midtrans",
      actor: { type: "GATEWAY", id: `midtrans:${status.order_id}` },
    });
  };

  it("settlement → PAID (amount from \"145000.00\", paidAt from settlement_time in WIB, transaction_id stored)", async () => {
    const p = await midtransOrder(145_000);
    const transactionId = randomUUID();
    const body = midtransNotificationBody(p.attemptRef, { transactionStatus: "settlement", grossAmount: gross(p), transactionId });
    expect(midtransOutcome(midtransStatusSchema.parse(body))).toMatchObject({ kind: "paid", amountIdr: 145_000 });

    expect(await settle(p, body)).toEqual({ result: "paid", orderId: p.orderId, paymentId: p.paymentId });
    const s = await orderState(p);
    expect(s.order.status).toBe("PAID");
    expect(s.order.paidAt).toEqual(new Date("2026-11-21T03:20:04.000Z")); // 10:20:04 WIB
    expect(s.payment).toMatchObject({ status: "PAID", gatewayReference: transactionId, method: "bank_transfer" });
    // The same status again (job retry, second notification) is a duplicate.
    expect((await settle(p, body)).result).toBe("duplicate");
    expect((await orderState(p)).history).toBe(s.history);
  });

  it("capture + fraud challenge → PAYMENT_REVIEW (a human decides); an accepted settlement afterwards → PAID", async () => {
    const p = await midtransOrder(99_000);
    const transactionId = randomUUID();
    const body = midtransNotificationBody(p.attemptRef, { transactionStatus: "capture", fraudStatus: "challenge", statusCode: "201", grossAmount: gross(p), transactionId });
    expect(midtransOutcome(midtransStatusSchema.parse(body))).toMatchObject({ kind: "challenge", amountIdr: 99_000 });

    expect(await settle(p, body)).toEqual({ result: "review", orderId: p.orderId, paymentId: p.paymentId, why: "challenge" });
    const s = await orderState(p);
    expect(s.order.status).toBe("PAYMENT_REVIEW");
    expect(s.payment.status).toBe("REVIEW");
    const history = await h.prisma.orderStatusHistory.findFirstOrThrow({ where: { orderId: p.orderId }, orderBy: { id: "desc" } });
    expect(history).toMatchObject({ fromStatus: "PENDING_PAYMENT", toStatus: "PAYMENT_REVIEW", actorType: "GATEWAY", reason: "challenge: received 99000, expected 99000" });

    // The merchant accepts the challenge in the dashboard; Midtrans then reports settlement.
    const accepted = midtransNotificationBody(p.attemptRef, { transactionStatus: "settlement", grossAmount: gross(p), transactionId });
    expect((await settle(p, accepted)).result).toBe("paid");
    expect((await orderState(p)).order.status).toBe("PAID");
  });

  it("expire → payment EXPIRED and order EXPIRED (no other attempt open)", async () => {
    const p = await midtransOrder(50_000);
    const body = midtransNotificationBody(p.attemptRef, { transactionStatus: "expire", statusCode: "407", grossAmount: gross(p) });
    expect(midtransOutcome(midtransStatusSchema.parse(body))).toEqual({ kind: "expired" });

    expect(await settle(p, body)).toEqual({ result: "expired", orderId: p.orderId, paymentId: p.paymentId, orderExpired: true });
    const s = await orderState(p);
    expect(s.order.status).toBe("EXPIRED");
    expect(s.payment.status).toBe("EXPIRED");
  });

  it("settlement of a different amount → PAYMENT_REVIEW (amount_mismatch), never PAID", async () => {
    const p = await midtransOrder(80_000);
    const body = midtransNotificationBody(p.attemptRef, { transactionStatus: "settlement", grossAmount: "8000.00", transactionId: randomUUID() });
    expect(await settle(p, body)).toMatchObject({ result: "review", why: "amount_mismatch" });
    expect((await orderState(p)).order.status).toBe("PAYMENT_REVIEW");
  });
});
