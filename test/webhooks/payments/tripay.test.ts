/**
 * POST /webhooks/tripay through the real HTTP app (createServer + paymentWebhookRoutes),
 * real Postgres (a private clone per file) and real Redis (a private key prefix):
 * verify → record in payment_callbacks → settle exactly once → enqueue the follow-up.
 *
 * The first test goes all the way through the fake Tripay (TripayClient creates the
 * transaction, `fake.pay()` POSTs the signed callback to our listening server); the others
 * sign callbacks themselves with `tripayCallbackSignature` (same HMAC the fake uses), and
 * the concurrency test fires ten identical callbacks at the listening server at once.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Queues } from "../../../jobs/queues.js";
import { createRedis } from "../../../jobs/redis.js";
import { startFakeTripay, type FakeTripay } from "../../../ops/fakes/tripay/server.js";
import { createLogger } from "../../../shop/platform/logger.js";
import { webhookPoolConfig } from "../../../ops/runtime.js";
import { TripayClient, tripayCallbackSignature } from "../../../shop/payments/gateways/tripay.js";
import { expireUnpaidOrders } from "../../../shop/orders/expire-orders.js";
import { SettlementBatcher } from "../../../shop/payments/settle-batch.js";
import { CALLBACK_MAX_BYTES, paymentWebhookRoutes } from "../../../webhooks/routes/payments.js";
import { createServer } from "../../../webhooks/server.js";
import { createTestDatabase, type TestDatabase } from "../../support/db.js";
import { deleteKeys, uniquePrefix } from "../../support/redis.js";
import {
  TRIPAY_CREDS,
  createPendingOrder,
  createTripayAttempt,
  createWebhookHarness,
  followupJobs,
  listen,
  rejectedCount,
  tripayCallbackBody,
  tripayHeaders,
  type PendingOrder,
  type WebhookHarness,
} from "./harness.js";

let db: TestDatabase;
let h: WebhookHarness;
let server: Awaited<ReturnType<typeof listen>>;
let fake: FakeTripay;
const prefix = uniquePrefix("wh-tripay");

beforeAll(async () => {
  db = await createTestDatabase();
  // A pool big enough for ten racing transactions plus their callback inserts.
  h = await createWebhookHarness({ dbUrl: db.url, prefix, poolSize: 12 });
  server = await listen(h.app);
  fake = await startFakeTripay({ ...TRIPAY_CREDS });
});

afterAll(async () => {
  await fake?.stop();
  await server?.close();
  await h?.close();
  await deleteKeys(prefix);
  await db?.drop();
});

const post = (raw: string, headers: Record<string, string> = tripayHeaders(raw)) => h.app.request("/webhooks/tripay", { method: "POST", headers, body: raw });

/** Everything a callback could change, for "nothing changed" comparisons. */
async function state(p: PendingOrder) {
  const [order, payment, history, events, jobs, redemption] = await Promise.all([
    h.prisma.order.findUniqueOrThrow({ where: { id: p.orderId }, select: { status: true, paidAt: true, paymentFeeIdr: true } }),
    h.prisma.payment.findUniqueOrThrow({ where: { id: p.paymentId }, select: { status: true, paidAt: true, method: true, gatewayReference: true } }),
    h.prisma.orderStatusHistory.findMany({ where: { orderId: p.orderId }, orderBy: { id: "asc" }, select: { fromStatus: true, toStatus: true, actorType: true, actorId: true, reason: true } }),
    h.prisma.processedEvent.count({ where: { source: "tripay", key: { startsWith: `${p.gatewayReference}:` } } }),
    followupJobs(h.queues).then((all) => all.filter((j) => j.data.paymentId === p.paymentId)),
    h.prisma.couponRedemption.findUnique({ where: { orderId: p.orderId }, select: { status: true, releasedAt: true } }),
  ]);
  return { order, payment, history, events, jobs, redemption };
}

const callbackRows = (reference: string) => h.prisma.paymentCallback.findMany({ where: { gateway: "TRIPAY", reference }, orderBy: { id: "asc" } });
const latestCallback = () => h.prisma.paymentCallback.findFirstOrThrow({ orderBy: { id: "desc" } });

describe("POST /webhooks/tripay: a valid PAID callback", () => {
  it("pays the order once: 200 {success:true}, PAID with a GATEWAY history row, payment PAID, one `paid` follow-up, one verified callback row", async () => {
    // Checkout as it happens for real: create the transaction at (fake) Tripay, store its reference and amounts.
    const client = new TripayClient({ ...TRIPAY_CREDS, mode: "sandbox", apiUrl: fake.url }, { fetchOptions: { sleep: async () => undefined } });
    const p = await createTripayAttempt(h.prisma, client, { callbackUrl: `${server.url}/webhooks/tripay` });
    const tx = { reference: p.gatewayReference!, amount: p.totalIdr };
    expect(tx.amount).toBe(60_000 + 1_170); // QRIS: 750 + 0.7 % of 60.000

    const delivery = await fake.pay(tx.reference);
    expect(delivery.status).toBe(200);
    expect(JSON.parse(delivery.body!)).toEqual({ success: true });

    const s = await state(p);
    expect(s.order.status).toBe("PAID");
    expect(s.order.paymentFeeIdr).toBe(1_170);
    expect(s.order.paidAt).toBeInstanceOf(Date);
    expect(s.payment).toMatchObject({ status: "PAID", method: "QRIS", gatewayReference: tx.reference });
    expect(s.payment.paidAt!.getTime()).toBe(s.order.paidAt!.getTime());
    expect(s.history.filter((r) => r.toStatus === "PAID")).toEqual([
      { fromStatus: "PENDING_PAYMENT", toStatus: "PAID", actorType: "GATEWAY", actorId: `tripay:${tx.reference}`, reason: "paid via TRIPAY QRIS" },
    ]);
    expect(s.jobs).toEqual([{ id: `paid-${p.paymentId}`, data: { kind: "paid", paymentId: p.paymentId } }]);
    expect(s.events).toBe(1);

    const rows = await callbackRows(tx.reference);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      verified: true,
      rejectReason: null,
      event: "payment_status",
      reference: tx.reference,
      merchantRef: p.attemptRef,
      status: "PAID",
      outcome: "paid",
      rawBody: delivery.rawBody,
    });
    expect(rows[0]!.headers).toMatchObject({ "x-callback-event": "payment_status", "x-callback-signature": delivery.signature, "user-agent": "TriPay-Callback/fake" });
  });
});

describe("POST /webhooks/tripay: refused callbacks change nothing", () => {
  let p: PendingOrder;
  beforeAll(async () => {
    p = await createPendingOrder(h.prisma);
  });

  // Fixed paid_at: each case builds the body more than once and needs the same bytes.
  const PAID_AT = 1_795_000_000;
  const paid = () => tripayCallbackBody(p, { paidAt: PAID_AT });
  const big = () => tripayCallbackBody(p, { paidAt: PAID_AT, note: "x".repeat(CALLBACK_MAX_BYTES) });

  const cases: Array<{
    name: string;
    request: () => { raw: string; headers: Record<string, string> };
    status: number;
    reason: string;
    message: RegExp;
    /** The payment_callbacks row written, or null when none is. */
    row: { verified: boolean; rejectReason: string } | null;
  }> = [
    {
      name: "missing X-Callback-Signature",
      request: () => ({ raw: paid(), headers: tripayHeaders(paid(), { signature: null }) }),
      status: 401,
      reason: "bad_signature",
      message: /invalid callback signature/,
      // Unauthenticated: counted and sampled into the log, never stored.
      row: null,
    },
    {
      name: "forged signature (HMAC with another key)",
      request: () => {
        const raw = paid();
        return { raw, headers: tripayHeaders(raw, { signature: tripayCallbackSignature("another-private-key", raw) }) };
      },
      status: 401,
      reason: "bad_signature",
      message: /invalid callback signature/,
      // Unauthenticated: counted and sampled into the log, never stored.
      row: null,
    },
    {
      name: "valid signature over different bytes (body tampered after signing)",
      request: () => {
        const raw = paid();
        return { raw: raw.replace(`"total_amount":${p.totalIdr}`, `"total_amount":${p.totalIdr} `), headers: tripayHeaders(raw) };
      },
      status: 401,
      reason: "bad_signature",
      message: /invalid callback signature/,
      // Unauthenticated: counted and sampled into the log, never stored.
      row: null,
    },
    {
      name: "wrong X-Callback-Event",
      request: () => ({ raw: paid(), headers: tripayHeaders(paid(), { event: "payment_refund" }) }),
      status: 400,
      reason: "bad_event",
      message: /unsupported X-Callback-Event: payment_refund/,
      row: { verified: true, rejectReason: "unsupported event" },
    },
    {
      name: "missing X-Callback-Event",
      request: () => ({ raw: paid(), headers: tripayHeaders(paid(), { event: null }) }),
      status: 400,
      reason: "bad_event",
      message: /unsupported X-Callback-Event: \(missing\)/,
      row: { verified: true, rejectReason: "unsupported event" },
    },
    {
      name: "malformed JSON (correctly signed)",
      request: () => {
        const raw = paid().slice(0, -7);
        return { raw, headers: tripayHeaders(raw) };
      },
      status: 400,
      reason: "malformed",
      message: /not valid JSON/,
      row: { verified: true, rejectReason: "malformed JSON" },
    },
    {
      name: "JSON that is not a Tripay callback (correctly signed)",
      request: () => {
        const raw = JSON.stringify({ reference: p.gatewayReference, status: "PAID" });
        return { raw, headers: tripayHeaders(raw) };
      },
      status: 400,
      reason: "malformed",
      message: /does not match Tripay's format/,
      row: { verified: true, rejectReason: "unexpected body" },
    },
    {
      // Refused before reading/verifying: nothing is recorded (see the test below).
      name: `body over ${CALLBACK_MAX_BYTES} bytes (correctly signed, no Content-Length)`,
      request: () => ({ raw: big(), headers: tripayHeaders(big()) }),
      status: 413,
      reason: "too_large",
      message: /too large/,
      row: null,
    },
    {
      name: `body over ${CALLBACK_MAX_BYTES} bytes (declared in Content-Length)`,
      request: () => ({ raw: big(), headers: { ...tripayHeaders(big()), "content-length": String(Buffer.byteLength(big())) } }),
      status: 413,
      reason: "too_large",
      message: /too large/,
      row: null,
    },
  ];

  for (const c of cases) {
    it(`${c.name} → ${c.status}, counted as ${c.reason}`, async () => {
      const before = await state(p);
      const counted = await rejectedCount(h.metrics, "tripay", c.reason);
      const rowsBefore = await h.prisma.paymentCallback.count();
      const { raw, headers } = c.request();

      const res = await post(raw, headers);
      expect(res.status).toBe(c.status);
      const body = (await res.json()) as { success: boolean; message: string };
      expect(body.success).toBe(false);
      expect(body.message).toMatch(c.message);

      expect(await state(p)).toEqual(before);
      expect(await rejectedCount(h.metrics, "tripay", c.reason)).toBe(counted + 1);
      expect(await h.prisma.paymentCallback.count()).toBe(rowsBefore + (c.row ? 1 : 0));
      if (c.row) {
        const row = await latestCallback();
        expect(row).toMatchObject({ gateway: "TRIPAY", ...c.row, outcome: null, rawBody: raw });
        expect(row.event).toBe(headers["x-callback-event"] ?? null);
      }
    });
  }

  it("an oversize body is refused without being recorded: unverifiable junk of any size from anyone must not fill the audit table", async () => {
    // Why no payment_callbacks row: the body cannot be verified without reading it whole,
    // real Tripay callbacks are < 1 KiB, and an unauthenticated sender could otherwise make
    // us store 16 KiB per request. The refusal is still visible in webhook_rejected_total
    // and in the warn log line. (Above 64 KiB createServer's bodyLimit answers 413 itself.)
    const raw = big();
    expect(Buffer.byteLength(raw)).toBeGreaterThan(CALLBACK_MAX_BYTES);
    const rows = await h.prisma.paymentCallback.count();
    const res = await post(raw);
    expect(res.status).toBe(413);
    expect(await h.prisma.paymentCallback.count()).toBe(rows);
    // The same callback at its normal size is then accepted: the refusal consumed nothing.
    const ok = await post(paid());
    expect(ok.status).toBe(200);
    expect((await state(p)).order.status).toBe("PAID");
  });

  it("an unknown reference → 404, nothing changes, recorded as verified with outcome 'unknown reference'", async () => {
    const ghost: PendingOrder = { ...p, gatewayReference: "T0042999999999999999", attemptRef: "INV-NOPE" };
    const raw = tripayCallbackBody(ghost);
    const counted = await rejectedCount(h.metrics, "tripay", "unknown_reference");
    const events = await h.prisma.processedEvent.count();
    const paidJobs = (await followupJobs(h.queues)).length;
    const res = await post(raw);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ success: false, message: "unknown transaction reference T0042999999999999999" });
    expect(await rejectedCount(h.metrics, "tripay", "unknown_reference")).toBe(counted + 1);
    // Not marked processed: if the payment row shows up later, Tripay's retry still settles it.
    expect(await h.prisma.processedEvent.count()).toBe(events);
    expect((await followupJobs(h.queues)).length).toBe(paidJobs);
    expect(await callbackRows("T0042999999999999999")).toMatchObject([{ verified: true, rejectReason: null, merchantRef: "INV-NOPE", status: "PAID", outcome: "unknown reference" }]);
  });
});

describe("POST /webhooks/tripay: exactly once", () => {
  it("the same PAID ten times concurrently: one transition, one follow-up, ten 200s, ten callback rows", async () => {
    const p = await createPendingOrder(h.prisma);
    const raw = tripayCallbackBody(p);
    const headers = tripayHeaders(raw);
    // Real sockets, all ten in flight at once.
    const answers = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const res = await fetch(`${server.url}/webhooks/tripay`, { method: "POST", headers, body: raw });
        return { status: res.status, body: (await res.json()) as unknown };
      }),
    );
    // Duplicates are acknowledged too, so Tripay stops retrying them.
    expect(answers).toEqual(Array.from({ length: 10 }, () => ({ status: 200, body: { success: true } })));

    const s = await state(p);
    expect(s.order.status).toBe("PAID");
    expect(s.payment.status).toBe("PAID");
    expect(s.history.filter((r) => r.toStatus === "PAID")).toHaveLength(1);
    expect(s.events).toBe(1);
    expect(s.jobs).toEqual([{ id: `paid-${p.paymentId}`, data: { kind: "paid", paymentId: p.paymentId } }]);
    const rows = await callbackRows(p.gatewayReference!);
    expect(rows).toHaveLength(10);
    expect(rows.every((r) => r.verified && r.rawBody === raw)).toBe(true);
    const outcomes = rows.map((r) => r.outcome!).sort();
    expect(outcomes.filter((o) => o === "paid")).toHaveLength(1);
    expect(outcomes.filter((o) => o === `duplicate: event ${p.gatewayReference}:PAID already processed`)).toHaveLength(9);
  });

  it("a retry of the same callback after it was processed (sequential) is a duplicate: 200, no change", async () => {
    const p = await createPendingOrder(h.prisma);
    const raw = tripayCallbackBody(p);
    expect((await post(raw)).status).toBe(200);
    const after = await state(p);
    expect(after.order.status).toBe("PAID");

    const retry = await post(raw);
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual({ success: true });
    expect(await state(p)).toEqual(after);
    expect((await callbackRows(p.gatewayReference!)).map((r) => r.outcome)).toEqual(["paid", `duplicate: event ${p.gatewayReference}:PAID already processed`]);
  });

  it("EXPIRED arriving after PAID leaves the order PAID (out-of-order delivery cannot undo a payment)", async () => {
    const p = await createPendingOrder(h.prisma);
    expect((await post(tripayCallbackBody(p))).status).toBe(200);
    const paid = await state(p);

    const res = await post(tripayCallbackBody(p, { status: "EXPIRED" }));
    expect(res.status).toBe(200);
    const s = await state(p);
    expect(s.order).toEqual(paid.order);
    expect(s.payment).toEqual(paid.payment);
    expect(s.history).toEqual(paid.history);
    expect(s.jobs).toEqual(paid.jobs); // no `expired` follow-up
    expect(s.events).toBe(2); // the EXPIRED event is processed (as "ignored"), so its retries are duplicates
    expect((await callbackRows(p.gatewayReference!)).map((r) => [r.status, r.outcome])).toEqual([
      ["PAID", "paid"],
      ["EXPIRED", "ignored: payment already PAID"],
    ]);
  });
});

describe("POST /webhooks/tripay: overload", () => {
  it("answers 503 + Retry-After when more callbacks wait than the settlement queue holds; nothing changes; the retry settles", async () => {
    // A batcher with room for one statement and one waiting callback, held busy by a row lock.
    const logger = createLogger({ role: "test", level: "silent" });
    const pool = new pg.Pool(webhookPoolConfig(db.url, 2));
    pool.on("error", () => undefined);
    const settler = new SettlementBatcher(pool, { maxInFlight: 1, maxQueued: 1 });
    const app = createServer({ logger, metrics: h.metrics, prisma: h.prisma, redis: h.redis }, [
      { path: "/webhooks", app: paymentWebhookRoutes({ config: h.config, prisma: h.prisma, queues: h.queues, metrics: h.metrics, settler }) },
    ]);
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      const [blocked, waiting, refused] = await Promise.all([createPendingOrder(h.prisma), createPendingOrder(h.prisma), createPendingOrder(h.prisma)]);
      const before = await state(refused);
      const busyBefore = await rejectedCount(h.metrics, "tripay", "busy");
      await holder.query("BEGIN");
      await holder.query("SELECT id FROM payments WHERE id = $1 FOR UPDATE", [blocked.paymentId]);
      const send = (p: PendingOrder) => {
        const raw = tripayCallbackBody(p);
        return app.request("/webhooks/tripay", { method: "POST", headers: tripayHeaders(raw), body: raw });
      };
      const until = async (ok: () => boolean) => {
        const deadline = Date.now() + 20_000; // a state to reach, however slow the machine
        while (!ok() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        expect(ok()).toBe(true);
      };
      const inFlight = send(blocked); // waits on the lock
      await until(() => settler.stats.statements === 1);
      const queued = send(waiting); // waits for the one statement slot
      await until(() => settler.waiting === 1);
      const res = await send(refused);
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("30");
      expect(await res.json()).toEqual({ success: false, message: "busy, retry later" });
      expect(await rejectedCount(h.metrics, "tripay", "busy")).toBe(busyBefore + 1);
      expect(await state(refused)).toEqual(before);
      expect(await callbackRows(refused.gatewayReference!)).toEqual([]);

      await holder.query("ROLLBACK");
      expect((await inFlight).status).toBe(200);
      expect((await queued).status).toBe(200);
      // Tripay's retry of the refused callback settles it.
      const retry = await send(refused);
      expect(retry.status).toBe(200);
      expect((await state(refused)).order.status).toBe("PAID");
      expect(settler.stats.refusedBusy).toBe(1);
    } finally {
      await holder.end();
      await pool.end();
    }
  });
});

describe("POST /webhooks/tripay: a follow-up is never lost", () => {
  it("settled while Redis was unreachable (500, order already PAID) → Tripay's retry, a duplicate, still queues the `paid` follow-up, once", async () => {
    // The same app, but its queue producer points at a Redis that is down.
    const logger = createLogger({ role: "test", level: "silent" });
    const dead = createRedis("redis://127.0.0.1:1", "producer", { retryStrategy: () => null });
    dead.on("error", () => undefined);
    const deadQueues = new Queues(dead, h.config.queuePrefix, logger);
    const redisDown = createServer({ logger, metrics: h.metrics, prisma: h.prisma, redis: h.redis }, [
      { path: "/webhooks", app: paymentWebhookRoutes({ config: h.config, prisma: h.prisma, queues: deadQueues, metrics: h.metrics }) },
    ]);
    try {
      const p = await createPendingOrder(h.prisma);
      const raw = tripayCallbackBody(p);
      const first = await redisDown.request("/webhooks/tripay", { method: "POST", headers: tripayHeaders(raw), body: raw });
      expect(first.status).toBe(500); // not acknowledged: Tripay retries
      const s1 = await state(p);
      expect(s1.order.status).toBe("PAID"); // the settlement committed before the enqueue failed
      expect(s1.jobs).toEqual([]);

      // Redis is back; Tripay retries 2 minutes later.
      const retry = await post(raw);
      expect(retry.status).toBe(200);
      expect(await retry.json()).toEqual({ success: true });
      const s2 = await state(p);
      expect(s2.jobs).toEqual([{ id: `paid-${p.paymentId}`, data: { kind: "paid", paymentId: p.paymentId } }]);
      expect(s2.history).toEqual(s1.history); // still exactly one transition
      // Further retries add nothing (same job id).
      expect((await post(raw)).status).toBe(200);
      expect((await state(p)).jobs).toHaveLength(1);
      expect((await callbackRows(p.gatewayReference!)).map((r) => r.outcome)).toEqual([
        "paid",
        `duplicate: event ${p.gatewayReference}:PAID already processed`,
        `duplicate: event ${p.gatewayReference}:PAID already processed`,
      ]);
    } finally {
      await deadQueues.close();
      dead.disconnect();
    }
  });

  it("a duplicate of a callback that went to review re-queues only that `review` follow-up (no-op when it exists)", async () => {
    const p = await createPendingOrder(h.prisma);
    const raw = tripayCallbackBody(p, { totalAmount: 1_000 });
    expect((await post(raw)).status).toBe(200);
    expect((await post(raw)).status).toBe(200);
    const s = await state(p);
    expect(s.order.status).toBe("PAYMENT_REVIEW");
    expect(s.jobs).toEqual([{ id: `review-${p.paymentId}-amount_mismatch`, data: { kind: "review", paymentId: p.paymentId, why: "amount_mismatch" } }]);
  });

  it("a duplicate EXPIRED queues nothing new", async () => {
    const p = await createPendingOrder(h.prisma);
    const raw = tripayCallbackBody(p, { status: "EXPIRED" });
    expect((await post(raw)).status).toBe(200);
    expect((await post(raw)).status).toBe(200);
    expect((await state(p)).jobs.map((j) => j.id)).toEqual([`expired-${p.paymentId}`]);
  });
});

describe("POST /webhooks/tripay: money that does not fit goes to review", () => {
  it("PAID after our own expiry (order EXPIRED) → PAYMENT_REVIEW as a late payment, a `review` follow-up", async () => {
    const p = await createPendingOrder(h.prisma, { paymentDeadline: new Date(Date.now() - 60_000) });
    const expired = await expireUnpaidOrders(h.prisma, new Date());
    expect(expired.map((e) => e.orderId)).toContain(p.orderId);
    expect((await state(p)).order.status).toBe("EXPIRED");

    const res = await post(tripayCallbackBody(p));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true });
    const s = await state(p);
    expect(s.order.status).toBe("PAYMENT_REVIEW");
    expect(s.payment.status).toBe("REVIEW");
    expect(s.history.at(-1)).toEqual({
      fromStatus: "EXPIRED",
      toStatus: "PAYMENT_REVIEW",
      actorType: "GATEWAY",
      actorId: `tripay:${p.gatewayReference}`,
      reason: `late_payment: received ${p.totalIdr}, expected ${p.totalIdr}`,
    });
    expect(s.history.some((r) => r.toStatus === "PAID")).toBe(false);
    expect(s.jobs).toEqual([{ id: `review-${p.paymentId}-late_payment`, data: { kind: "review", paymentId: p.paymentId, why: "late_payment" } }]);
    expect((await latestCallback()).outcome).toBe("review: late_payment");
  });

  it("amount mismatch (total_amount ≠ payment.totalIdr) → PAYMENT_REVIEW, not PAID, a `review` follow-up", async () => {
    const p = await createPendingOrder(h.prisma);
    const short = p.totalIdr - 1_170; // paid the order amount but not the fee
    const res = await post(tripayCallbackBody(p, { totalAmount: short }));
    expect(res.status).toBe(200);
    const s = await state(p);
    expect(s.order.status).toBe("PAYMENT_REVIEW");
    expect(s.order.paidAt).toBeNull();
    expect(s.payment.status).toBe("REVIEW");
    expect(s.history.at(-1)).toMatchObject({
      fromStatus: "PENDING_PAYMENT",
      toStatus: "PAYMENT_REVIEW",
      actorType: "GATEWAY",
      reason: `amount_mismatch: received ${short}, expected ${p.totalIdr}`,
    });
    expect(s.jobs).toEqual([{ id: `review-${p.paymentId}-amount_mismatch`, data: { kind: "review", paymentId: p.paymentId, why: "amount_mismatch" } }]);
    expect((await latestCallback()).outcome).toBe("review: amount_mismatch");
  });
});

describe("POST /webhooks/tripay: EXPIRED", () => {
  it("EXPIRED while PENDING → order EXPIRED, payment EXPIRED, the coupon redemption released, an `expired` follow-up", async () => {
    const p = await createPendingOrder(h.prisma, { coupon: true });
    expect((await h.prisma.coupon.findUniqueOrThrow({ where: { id: p.couponId! } })).usedCount).toBe(1);

    const res = await post(tripayCallbackBody(p, { status: "EXPIRED" }));
    expect(res.status).toBe(200);
    const s = await state(p);
    expect(s.order.status).toBe("EXPIRED");
    expect(s.payment.status).toBe("EXPIRED");
    expect(s.history.at(-1)).toMatchObject({ fromStatus: "PENDING_PAYMENT", toStatus: "EXPIRED", actorType: "GATEWAY", reason: "payment expired at TRIPAY" });
    expect(s.redemption?.status).toBe("RELEASED");
    expect(s.redemption?.releasedAt).toBeInstanceOf(Date);
    expect((await h.prisma.coupon.findUniqueOrThrow({ where: { id: p.couponId! } })).usedCount).toBe(0);
    expect(s.jobs).toEqual([{ id: `expired-${p.paymentId}`, data: { kind: "expired", paymentId: p.paymentId } }]);
    expect((await latestCallback()).outcome).toBe("expired");

    // A late PAID for it now goes to review, never straight to PAID.
    expect((await post(tripayCallbackBody(p))).status).toBe(200);
    const later = await state(p);
    expect(later.order.status).toBe("PAYMENT_REVIEW");
    expect(later.jobs.map((j) => j.data.kind).sort()).toEqual(["expired", "review"]);
  });
});
