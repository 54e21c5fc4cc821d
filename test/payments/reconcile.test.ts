/**
 * Reconciliation (shop/payments/reconcile.ts + the `reconcile` payment follow-up): attempts still
 * PENDING after their callback should have come are checked with the gateway's status API and
 * settled with the callbacks' own event keys. Real Postgres and Redis, the fake Tripay and the
 * fake Midtrans; callbacks are "lost" by sending them to a closed port.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobId, QueueName } from "../../jobs/queues.js";
import { paymentFollowupsProcessor } from "../../jobs/processors/payment-followups.processor.js";
import { startFakeMidtrans, type FakeMidtrans } from "../../ops/fakes/midtrans/server.js";
import { startFakeTripay, type FakeTripay } from "../../ops/fakes/tripay/server.js";
import { expireUnpaidOrders } from "../../shop/orders/expire-orders.js";
import { MidtransClient } from "../../shop/payments/gateways/midtrans.js";
import { TripayClient, tripayEventKey, tripayTransactionOutcome } from "../../shop/payments/gateways/tripay.js";
import { reconcileOpenPayments } from "../../shop/payments/reconcile.js";
import { settleAndRecord } from "../../shop/payments/settle.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { deleteKeys, uniquePrefix } from "../support/redis.js";
import {
  MIDTRANS_SERVER_KEY,
  TRIPAY_CREDS,
  createPendingOrder,
  createTripayAttempt,
  createWebhookHarness,
  listen,
  midtransNotificationBody,
  type PendingOrder,
  type WebhookHarness,
} from "../webhooks/payments/harness.js";

const LOST = "http://127.0.0.1:1/lost"; // nothing listens: the callback never arrives

let db: TestDatabase;
let h: WebhookHarness;
let server: Awaited<ReturnType<typeof listen>>;
let tripayFake: FakeTripay;
let midtransFake: FakeMidtrans;
let tripay: TripayClient;
let midtrans: MidtransClient;
const prefix = uniquePrefix("reconcile");

beforeAll(async () => {
  db = await createTestDatabase();
  h = await createWebhookHarness({ dbUrl: db.url, prefix });
  server = await listen(h.app);
  tripayFake = await startFakeTripay({ ...TRIPAY_CREDS });
  midtransFake = await startFakeMidtrans({ serverKey: MIDTRANS_SERVER_KEY });
  tripay = new TripayClient({ ...TRIPAY_CREDS, mode: "sandbox", apiUrl: tripayFake.url }, { fetchOptions: { sleep: async () => undefined } });
  midtrans = new MidtransClient({ ...h.config.midtrans!, apiUrl: midtransFake.apiUrl, snapUrl: midtransFake.snapUrl }, { fetchOptions: { sleep: async () => undefined } });
});

afterAll(async () => {
  await tripayFake?.stop();
  await midtransFake?.stop();
  await server?.close();
  await h?.close();
  await deleteKeys(prefix);
  await db?.drop();
});

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

/** A pending order whose Tripay QRIS transaction exists at the fake, opened `ageMinutes` ago. */
async function tripayAttempt(ageMinutes = 15, opts: { paymentDeadline?: Date } = {}): Promise<PendingOrder> {
  return createTripayAttempt(h.prisma, tripay, { callbackUrl: LOST, createdAt: minutesAgo(ageMinutes), ...opts });
}

const paymentOf = (p: PendingOrder) => h.prisma.payment.findUniqueOrThrow({ where: { id: p.paymentId }, select: { status: true, statusCheckedAt: true } });
const orderOf = (p: PendingOrder) =>
  h.prisma.order.findUniqueOrThrow({ where: { id: p.orderId }, select: { status: true, statusHistory: { orderBy: { id: "asc" }, select: { toStatus: true, actorType: true, actorId: true } } } });
const tripayDetailCalls = () => tripayFake.requests().filter((r) => r.path.startsWith("/transaction/detail")).length;
const only = (results: Awaited<ReturnType<typeof reconcileOpenPayments>>, p: PendingOrder) => results.filter((r) => r.paymentId === p.paymentId);

describe("reconcileOpenPayments", () => {
  it("a Tripay payment whose callback was lost is found and paid once; the late callback is then a duplicate", async () => {
    const p = await tripayAttempt();
    const lost = await tripayFake.pay(p.gatewayReference!);
    expect(lost.status).toBeUndefined(); // never delivered
    expect((await orderOf(p)).status).toBe("PENDING_PAYMENT");

    const results = only(await reconcileOpenPayments({ prisma: h.prisma, tripay }), p);
    expect(results).toEqual([{ paymentId: p.paymentId, gateway: "TRIPAY", status: "PAID", settled: { settlement: { result: "paid", orderId: p.orderId, paymentId: p.paymentId }, paymentId: p.paymentId, paymentStatus: "PAID" } }]);
    const order = await orderOf(p);
    expect(order.status).toBe("PAID");
    expect(order.statusHistory.at(-1)).toEqual({ toStatus: "PAID", actorType: "GATEWAY", actorId: `tripay:${p.gatewayReference} (status check)` });
    expect((await paymentOf(p)).status).toBe("PAID");

    // Tripay's own retry finally gets through: same event key, so nothing happens twice.
    const res = await h.app.request("/webhooks/tripay", {
      method: "POST",
      headers: { "content-type": "application/json", "x-callback-signature": lost.signature, "x-callback-event": "payment_status" },
      body: lost.rawBody,
    });
    expect(res.status).toBe(200);
    const rows = await h.prisma.paymentCallback.findMany({ where: { reference: p.gatewayReference } });
    expect(rows.map((r) => r.outcome)).toEqual([`duplicate: event ${p.gatewayReference}:PAID already processed`]);
    expect((await orderOf(p)).statusHistory.filter((r) => r.toStatus === "PAID")).toHaveLength(1);
  });

  it("leaves young attempts to their callback, asks each pending one at most once per quiet period, and changes nothing while unpaid", async () => {
    const young = await tripayAttempt(2);
    const unpaid = await tripayAttempt(30);
    const first = await reconcileOpenPayments({ prisma: h.prisma, tripay });
    expect(only(first, young)).toEqual([]);
    expect(only(first, unpaid)).toEqual([{ paymentId: unpaid.paymentId, gateway: "TRIPAY", status: "UNPAID" }]);
    const checked = await paymentOf(unpaid);
    expect(checked.status).toBe("PENDING");
    expect(checked.statusCheckedAt).toBeInstanceOf(Date);
    expect(await h.prisma.processedEvent.count({ where: { source: "tripay", key: { startsWith: `${unpaid.gatewayReference}:` } } })).toBe(0);

    // Asked again right away: not due.
    const calls1 = tripayDetailCalls();
    expect(only(await reconcileOpenPayments({ prisma: h.prisma, tripay }), unpaid)).toEqual([]);
    expect(tripayDetailCalls()).toBe(calls1);
    // Eleven minutes later it is due again.
    const later = await reconcileOpenPayments({ prisma: h.prisma, tripay }, { now: new Date(Date.now() + 11 * 60_000) });
    expect(only(later, unpaid)).toEqual([{ paymentId: unpaid.paymentId, gateway: "TRIPAY", status: "UNPAID" }]);
  });

  it("money found after our deadline is never dropped: the expired order goes to a seller (late payment)", async () => {
    const p = await tripayAttempt(30, { paymentDeadline: minutesAgo(1) });
    expect((await expireUnpaidOrders(h.prisma)).map((o) => o.orderId)).toContain(p.orderId);
    await tripayFake.pay(p.gatewayReference!);
    const [r] = only(await reconcileOpenPayments({ prisma: h.prisma, tripay }), p);
    expect(r).toMatchObject({ status: "PAID", settled: { settlement: { result: "review", why: "late_payment" }, reviewWhy: "late_payment" } });
    expect((await orderOf(p)).status).toBe("PAYMENT_REVIEW");
  });

  it("a gateway failure is reported for that attempt and the others are still checked", async () => {
    const a = await tripayAttempt(40);
    const b = await tripayAttempt(40);
    await tripayFake.pay(b.gatewayReference!);
    // The client retries a 500 three times: four failures make the first question fail.
    tripayFake.failNext(4, 500);
    const results = await reconcileOpenPayments({ prisma: h.prisma, tripay });
    const failed = results.filter((r) => "error" in r);
    expect(failed).toHaveLength(1);
    expect(results.find((r) => r.paymentId === b.paymentId)).toMatchObject({ status: "PAID", settled: { settlement: { result: "paid" } } });
    expect([a.paymentId, b.paymentId]).toContain(failed[0]!.paymentId);
  });

  it("a Midtrans payment whose notification was lost is confirmed with the status API and paid", async () => {
    const p = await createPendingOrder(h.prisma, { gateway: "MIDTRANS", totalIdr: 145_000, feeIdr: 0 });
    await h.prisma.payment.update({ where: { id: p.paymentId }, data: { createdAt: minutesAgo(20) } });
    await midtrans.createSnap({ orderId: p.attemptRef, grossAmount: p.totalIdr, notificationUrl: LOST });
    await midtransFake.pay(p.attemptRef, { transactionStatus: "settlement", notificationUrl: LOST });
    const results = only(await reconcileOpenPayments({ prisma: h.prisma, midtrans }), p);
    expect(results).toEqual([
      { paymentId: p.paymentId, gateway: "MIDTRANS", status: "settlement", settled: { settlement: { result: "paid", orderId: p.orderId, paymentId: p.paymentId }, paymentId: p.paymentId, paymentStatus: "PAID" } },
    ]);
    expect((await orderOf(p)).status).toBe("PAID");
  });
});

describe("the `reconcile` payment follow-up job", () => {
  it("queues the `paid` follow-up of what it settles, and alerts the owner (once an hour) when every question failed", async () => {
    const processor = paymentFollowupsProcessor({ prisma: h.prisma, queues: h.queues, tripay, midtrans, staff: { sellerIds: [], ownerIds: [] } });
    // Earlier tests left attempts behind; make only this one due.
    await h.prisma.payment.updateMany({ where: { status: "PENDING" }, data: { statusCheckedAt: new Date() } });
    const p = await tripayAttempt(25);
    await tripayFake.pay(p.gatewayReference!);
    const out = await processor({ kind: "reconcile", tick: "2026-11-21T12:05" });
    expect(out).toEqual({ checked: 1, settled: [`#${p.paymentId} paid`], failed: [] });
    expect(await h.queues.get(QueueName.PaymentFollowups).getJob(jobId("paid", p.paymentId))).toBeTruthy();

    const q = await tripayAttempt(25);
    tripayFake.failNext(4, 500);
    const failed = await processor({ kind: "reconcile", tick: "2026-11-21T12:10" });
    expect(failed).toMatchObject({ checked: 1, settled: [], failed: [expect.stringContaining(`#${q.paymentId}`)] });
    const alerts = h.queues.get(QueueName.OwnerAlerts);
    const alert = await alerts.getJob(jobId("reconcile-failed", "2026-11-21T12"));
    expect(alert?.data).toMatchObject({ severity: "warning", title: expect.stringContaining("gateway") });
  });
});

describe("a settlement found to be a duplicate re-queues the follow-up it may have lost", () => {
  const staff = { sellerIds: [], ownerIds: [] };
  /** Queues whose every write fails: the process died right after the settlement committed. */
  const lostQueues = () => {
    const down = async () => Promise.reject(new Error("Redis is restarting"));
    return Object.assign(Object.create(h.queues) as typeof h.queues, { enqueue: down, push: down });
  };
  const paidJob = (p: PendingOrder) => h.queues.get(QueueName.PaymentFollowups).getJob(jobId("paid", p.paymentId));

  it("Midtrans confirmation: the retry of a job that settled but could not queue its follow-up", async () => {
    const p = await createPendingOrder(h.prisma, { gateway: "MIDTRANS", totalIdr: 145_000, feeIdr: 0 });
    await midtrans.createSnap({ orderId: p.attemptRef, grossAmount: p.totalIdr, notificationUrl: LOST });
    await midtransFake.pay(p.attemptRef, { transactionStatus: "settlement", notificationUrl: LOST });
    const callback = await h.prisma.paymentCallback.create({
      data: { gateway: "MIDTRANS", verified: true, merchantRef: p.attemptRef, status: "settlement", rawBody: JSON.stringify(midtransNotificationBody(p.attemptRef, { grossAmount: "145000.00" })), headers: {} },
    });
    const job = { kind: "midtrans-callback" as const, callbackId: callback.id };
    await expect(paymentFollowupsProcessor({ prisma: h.prisma, queues: lostQueues(), midtrans, staff })(job)).rejects.toThrow(/Redis/);
    expect((await orderOf(p)).status).toBe("PAID");
    expect(await paidJob(p)).toBeUndefined();

    expect(await paymentFollowupsProcessor({ prisma: h.prisma, queues: h.queues, midtrans, staff })(job)).toEqual({ settlement: "duplicate" });
    expect((await paidJob(p))?.data).toEqual({ kind: "paid", paymentId: p.paymentId });
  });

  it("reconcile: the callback settled while the status check was in flight, and its follow-up was lost", async () => {
    await h.prisma.payment.updateMany({ where: { status: "PENDING" }, data: { statusCheckedAt: new Date() } });
    const p = await tripayAttempt(25);
    await tripayFake.pay(p.gatewayReference!);
    // The callback lands during the check; the process that settled it dies before queueing.
    const racing = Object.assign(Object.create(tripay) as TripayClient, {
      transactionDetail: async (reference: string) => {
        const tx = await tripay.transactionDetail(reference);
        await settleAndRecord(h.prisma, {
          key: { gateway: "TRIPAY", gatewayReference: reference },
          outcome: tripayTransactionOutcome(tx, new Date()),
          eventKey: tripayEventKey(reference, tx.status),
          source: "tripay",
          actor: { type: "GATEWAY", id: `tripay:${reference}` },
        });
        return tx;
      },
    });
    const out = await paymentFollowupsProcessor({ prisma: h.prisma, queues: h.queues, tripay: racing, staff })({ kind: "reconcile", tick: "2026-12-02T21:00" });
    expect(out).toMatchObject({ checked: 1, settled: [`#${p.paymentId} duplicate`] });
    expect((await paidJob(p))?.data).toEqual({ kind: "paid", paymentId: p.paymentId });
  });
});

