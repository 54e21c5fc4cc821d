/**
 * `settlePayment` / `settleAndRecord` (shop/payments/settle.ts), now one call of the PL/pgSQL
 * function `settle_payment`, against a real Postgres:
 *
 * 1. Parity: for every combination of payment status × order status × outcome (and another
 *    open attempt, a coupon, keyed by attempt ref or gateway reference), the SQL function leaves
 *    exactly the rows — and returns exactly the result — that the former TypeScript
 *    implementation (kept below as `legacySettlePayment`, from before the migration, with the
 *    review rules of issue 9 marked "since issue 9") does on an identical fixture.
 * 2. The callback row it records, the duplicate's current payment status, exactly once under
 *    concurrency, and one database round trip.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, isUniqueViolation, type OrderStatus, type PaymentStatus, type PrismaClient } from "../../db/client.js";
import { releaseCouponRedemption } from "../../shop/orders/coupon-redemptions.js";
import { transitionOrder } from "../../shop/orders/state-machine.js";
import type { GatewayOutcome } from "../../shop/payments/outcome.js";
import { settleAndRecord, settlePayment, type PaymentKey, type ReviewWhy, type SettlementResult } from "../../shop/payments/settle.js";
import type { Actor } from "../../shop/orders/state-machine.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { createPendingOrder, type PendingOrder } from "../webhooks/payments/harness.js";

let db: TestDatabase;
let prisma: PrismaClient;

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
});

afterAll(async () => {
  await db?.drop();
});

// ---------------------------------------------------------------------------------------
// The former implementation (shop/payments/settle.ts before the settle_payment migration),
// unchanged but for its name and the rules changed since (marked "since issue 9"): the
// reference the SQL function must match.

async function legacySettlePayment(
  prisma: PrismaClient,
  input: { key: PaymentKey; outcome: GatewayOutcome; eventKey: string; source: string; actor: Actor; now?: Date },
): Promise<SettlementResult> {
  const now = input.now ?? new Date();
  try {
    return await prisma.$transaction(async (tx) => {
      const where = "attemptRef" in input.key ? { attemptRef: input.key.attemptRef } : { gateway_gatewayReference: input.key };
      const found = await tx.payment.findUnique({ where, select: { id: true } });
      if (!found) return { result: "unknown_payment" } as const;
      await tx.processedEvent.create({ data: { source: input.source, key: input.eventKey } });
      await tx.$queryRaw`SELECT id FROM payments WHERE id = ${found.id} FOR UPDATE`;
      const payment = await tx.payment.findUniqueOrThrow({ where: { id: found.id }, include: { order: { select: { id: true, status: true } } } });
      const ids = { orderId: payment.orderId, paymentId: payment.id };
      const outcome = input.outcome;
      const toReview = async (why: ReviewWhy, amountIdr: number) => {
        // Since issue 9: the reported amount and the reason are kept on the payment.
        await tx.payment.update({ where: { id: payment.id }, data: { status: "REVIEW", paidAt: payment.paidAt ?? now, receivedIdr: amountIdr, reviewWhy: why, ...gatewayFields(outcome) } });
        const from: OrderStatus[] = ["PENDING_PAYMENT", "EXPIRED", "CANCELLED"];
        if (from.includes(payment.order.status)) {
          await transitionOrder(tx, payment.orderId, "PAYMENT_REVIEW", input.actor, {
            reason: `${why}: received ${amountIdr}, expected ${payment.totalIdr}`,
            onlyFrom: from,
          });
        }
        return { result: "review", ...ids, why } as const;
      };

      switch (outcome.kind) {
        case "paid":
        case "challenge": {
          if (payment.status === "PAID" || payment.status === "REFUNDED") return { result: "ignored", ...ids, why: `payment already ${payment.status}` } as const;
          if (outcome.kind === "challenge" && payment.status !== "PENDING") return { result: "ignored", ...ids, why: `payment already ${payment.status}` } as const;
          // Since issue 9: money already with a seller stays there; so does a second payment of an
          // order in review; a challenge gets the first other reason that fits.
          if (payment.status === "REVIEW" && payment.reviewWhy !== "challenge") return toReview((payment.reviewWhy as ReviewWhy | null) ?? "amount_mismatch", outcome.amountIdr);
          if (outcome.amountIdr !== payment.totalIdr) return toReview("amount_mismatch", outcome.amountIdr);
          if (payment.order.status === "EXPIRED" || payment.order.status === "CANCELLED") return toReview("late_payment", outcome.amountIdr);
          if (payment.order.status === "PAYMENT_REVIEW" && payment.status !== "REVIEW") return toReview("order_in_review", outcome.amountIdr);
          if (payment.order.status !== "PENDING_PAYMENT" && payment.order.status !== "PAYMENT_REVIEW") return toReview("already_paid", outcome.amountIdr);
          if (outcome.kind === "challenge") return toReview("challenge", outcome.amountIdr);
          // Since the money-path review: a cleared challenge is no longer a payment under review.
          await tx.payment.update({ where: { id: payment.id }, data: { status: "PAID", reviewWhy: null, paidAt: outcome.paidAt, receivedIdr: outcome.amountIdr, ...gatewayFields(outcome) } });
          const moved = await transitionOrder(tx, payment.orderId, "PAID", input.actor, {
            reason: `paid via ${payment.gateway}${payment.method ? ` ${payment.method}` : ""}`,
            onlyFrom: ["PENDING_PAYMENT", "PAYMENT_REVIEW"],
            data: { paidAt: outcome.paidAt, paymentFeeIdr: payment.feeIdr },
          });
          if (!moved.ok) throw new Error(`order ${payment.orderId} could not move to PAID: ${moved.reason}`);
          return { result: "paid", ...ids } as const;
        }
        case "expired":
        case "failed": {
          if (payment.status === "REVIEW" && payment.reviewWhy === "challenge") {
            // Since the money-path review: a challenge the gateway denies (or lets expire) ends
            // the review; its order ends unless another payment of it is under review.
            await tx.payment.update({ where: { id: payment.id }, data: { status: outcome.kind === "expired" ? "EXPIRED" : "FAILED" } });
            const inReview = await tx.payment.count({ where: { orderId: payment.orderId, status: "REVIEW" } });
            let orderExpired = false;
            if (inReview === 0 && payment.order.status === "PAYMENT_REVIEW") {
              const moved = await transitionOrder(tx, payment.orderId, "CANCELLED", input.actor, { reason: `challenged payment ${outcome.kind} at ${payment.gateway}`, onlyFrom: ["PAYMENT_REVIEW"] });
              if (moved.ok) orderExpired = await releaseCouponRedemption(tx, payment.orderId, now).then(() => true);
            }
            return { result: "expired", ...ids, orderExpired, challengeEnded: true } as const;
          }
          if (payment.status !== "PENDING") return { result: "ignored", ...ids, why: `payment already ${payment.status}` } as const;
          await tx.payment.update({ where: { id: payment.id }, data: { status: outcome.kind === "expired" ? "EXPIRED" : "FAILED" } });
          const open = await tx.payment.count({ where: { orderId: payment.orderId, status: { in: ["PENDING", "REVIEW"] } } });
          let orderExpired = false;
          if (open === 0 && payment.order.status === "PENDING_PAYMENT") {
            const moved = await transitionOrder(tx, payment.orderId, "EXPIRED", input.actor, { reason: `payment ${outcome.kind} at ${payment.gateway}`, onlyFrom: ["PENDING_PAYMENT"] });
            if (moved.ok) orderExpired = await releaseCouponRedemption(tx, payment.orderId, now).then(() => true);
          }
          return { result: "expired", ...ids, orderExpired } as const;
        }
        case "refunded":
          // Since issue 9: once per payment by the gateway, whatever a seller did before.
          if (payment.gatewayRefundedAt) return { result: "ignored", ...ids, why: "already refunded" } as const;
          await tx.payment.update({ where: { id: payment.id }, data: { status: "REFUNDED", gatewayRefundedAt: now } });
          return { result: "refunded", ...ids } as const;
        case "pending":
          return { result: "ignored", ...ids, why: "still pending" } as const;
      }
    });
  } catch (err) {
    if (isUniqueViolation(err, ["source", "key"])) return { result: "duplicate", why: `event ${input.eventKey} already processed` };
    throw err;
  }
}

function gatewayFields(outcome: GatewayOutcome): { gatewayReference?: string; method?: string } {
  if (outcome.kind !== "paid" && outcome.kind !== "challenge") return {};
  return {
    ...(outcome.gatewayReference ? { gatewayReference: outcome.gatewayReference } : {}),
    ...(outcome.kind === "paid" && outcome.method ? { method: outcome.method } : {}),
  };
}

// ---------------------------------------------------------------------------------------
// Fixtures and what a settlement can change

const NOW = new Date("2026-11-21T03:00:00.123Z");
const PAID_AT = new Date("2026-11-21T02:59:58.000Z");
const ACTOR: Actor = { type: "GATEWAY", id: "test:gateway" };

interface Fixture {
  p: PendingOrder;
  otherPaymentId?: number;
}

async function fixture(opts: { paymentStatus: PaymentStatus; orderStatus: OrderStatus; otherOpen: boolean; coupon: boolean }): Promise<Fixture> {
  const p = await createPendingOrder(prisma, { coupon: opts.coupon });
  if (opts.orderStatus !== "PENDING_PAYMENT") await prisma.order.update({ where: { id: p.orderId }, data: { status: opts.orderStatus } });
  // Half the REVIEW payments are a fraud challenge, half the REFUNDED ones were refunded by the
  // gateway (the others by a seller): the rules differ (see legacySettlePayment).
  const extra = opts.otherOpen ? { REVIEW: { reviewWhy: "challenge" }, REFUNDED: { gatewayRefundedAt: NOW } }[opts.paymentStatus as "REVIEW" | "REFUNDED"] : undefined;
  if (opts.paymentStatus !== "PENDING") await prisma.payment.update({ where: { id: p.paymentId }, data: { status: opts.paymentStatus, ...extra } });
  if (!opts.otherOpen) return { p };
  const other = await prisma.payment.create({
    data: { orderId: p.orderId, gateway: "MIDTRANS", attemptRef: `${p.attemptRef}-other`, amountIdr: p.amountIdr, totalIdr: p.amountIdr, status: "PENDING" },
  });
  return { p, otherPaymentId: other.id };
}

/** Every row a settlement may touch, without ids and timestamps that differ between fixtures. */
async function snapshot(f: Fixture, events: { source: string; key: string }) {
  const { p } = f;
  const [order, payment, other, history, redemption, coupon, processed] = await Promise.all([
    prisma.order.findUniqueOrThrow({ where: { id: p.orderId }, select: { status: true, paidAt: true, paymentFeeIdr: true } }),
    prisma.payment.findUniqueOrThrow({
      where: { id: p.paymentId },
      select: { status: true, paidAt: true, method: true, gatewayReference: true, receivedIdr: true, reviewWhy: true, gatewayRefundedAt: true },
    }),
    f.otherPaymentId ? prisma.payment.findUniqueOrThrow({ where: { id: f.otherPaymentId }, select: { status: true, paidAt: true } }) : null,
    prisma.orderStatusHistory.findMany({ where: { orderId: p.orderId }, orderBy: { id: "asc" }, select: { fromStatus: true, toStatus: true, actorType: true, actorId: true, reason: true } }),
    prisma.couponRedemption.findUnique({ where: { orderId: p.orderId }, select: { status: true, releasedAt: true } }),
    p.couponId ? prisma.coupon.findUniqueOrThrow({ where: { id: p.couponId }, select: { usedCount: true } }) : null,
    prisma.processedEvent.count({ where: events }),
  ]);
  // The made-up Tripay references differ per fixture: compare them relative to the fixture's own.
  const ref = (r: string | null) => (r === p.gatewayReference ? "<fixture reference>" : (r?.replaceAll(p.attemptRef, "<ref>") ?? null));
  const actor = (h: (typeof history)[number]) => ({ ...h, actorId: h.actorId === String(p.userId) ? "<buyer>" : h.actorId });
  return { order, payment: { ...payment, gatewayReference: ref(payment.gatewayReference) }, other, history: history.map(actor), redemption, coupon, processed };
}

function normalise(r: SettlementResult, f: Fixture) {
  const out: Record<string, unknown> = { ...r };
  if ("orderId" in r && r.orderId !== undefined) out.orderId = r.orderId === f.p.orderId ? "<order>" : r.orderId;
  if ("paymentId" in r && r.paymentId !== undefined) out.paymentId = r.paymentId === f.p.paymentId ? "<payment>" : r.paymentId;
  if ("why" in r && typeof r.why === "string") out.why = r.why.replaceAll(f.p.attemptRef, "<ref>");
  return out;
}

const PAYMENT_STATUSES: PaymentStatus[] = ["PENDING", "PAID", "REVIEW", "FAILED", "EXPIRED", "REFUNDED"];
const ORDER_STATUSES: OrderStatus[] = ["PENDING_PAYMENT", "PAYMENT_REVIEW", "PAID", "PROVISIONING", "ACTIVE", "PROVISIONING_FAILED", "EXPIRED", "CANCELLED", "REFUNDED"];

type OutcomeCase = { name: string; outcome: (p: PendingOrder) => GatewayOutcome; endsAttempt?: boolean };
const OUTCOMES: OutcomeCase[] = [
  { name: "paid, exact amount, no reference/method", outcome: (p) => ({ kind: "paid", amountIdr: p.totalIdr, paidAt: PAID_AT }) },
  { name: "paid, exact amount, new reference + method", outcome: (p) => ({ kind: "paid", amountIdr: p.totalIdr, paidAt: PAID_AT, gatewayReference: `NEW-${p.attemptRef}`, method: "BRIVA" }) },
  { name: "paid, wrong amount", outcome: (p) => ({ kind: "paid", amountIdr: p.totalIdr - 1_170, paidAt: PAID_AT, method: "" }) },
  { name: "challenge", outcome: (p) => ({ kind: "challenge", amountIdr: p.totalIdr, gatewayReference: `CH-${p.attemptRef}` }) },
  { name: "pending", outcome: () => ({ kind: "pending" }) },
  { name: "expired", outcome: () => ({ kind: "expired" }), endsAttempt: true },
  { name: "failed", outcome: () => ({ kind: "failed", reason: "declined" }), endsAttempt: true },
  { name: "refunded", outcome: () => ({ kind: "refunded" }) },
];

describe("settle_payment matches the former TypeScript settlement, case by case", () => {
  for (const o of OUTCOMES) {
    it(`${o.name}: every payment status × order status (± another open attempt, ± coupon)`, async () => {
      let cases = 0;
      for (const paymentStatus of PAYMENT_STATUSES) {
        for (const orderStatus of ORDER_STATUSES) {
          // Another open attempt and a coupon only matter when an attempt expires/fails.
          const variants = o.endsAttempt ? [{ otherOpen: false, coupon: true }, { otherOpen: true, coupon: true }] : [{ otherOpen: cases % 2 === 0, coupon: false }];
          for (const v of variants) {
            cases++;
            const byAttempt = cases % 3 === 0;
            const run = async (impl: typeof settlePayment) => {
              const f = await fixture({ paymentStatus, orderStatus, ...v });
              const key: PaymentKey = byAttempt ? { attemptRef: f.p.attemptRef } : { gateway: "TRIPAY", gatewayReference: f.p.gatewayReference! };
              const eventKey = `${f.p.attemptRef}:${o.name}`;
              const input = { key, outcome: o.outcome(f.p), eventKey, source: "parity", actor: ACTOR, now: NOW };
              const result = await impl(prisma, input);
              const again = await impl(prisma, input); // a replay is always a duplicate
              const events = { source: "parity", key: eventKey };
              return { result: normalise(result, f), again: normalise(again, f), rows: await snapshot(f, events) };
            };
            const label = `${paymentStatus} payment, ${orderStatus} order, ${JSON.stringify(v)}, ${byAttempt ? "by attempt ref" : "by gateway reference"}`;
            const legacy = await run(legacySettlePayment);
            const now = await run(settlePayment);
            expect(now, label).toEqual(legacy);
          }
        }
      }
      expect(cases).toBeGreaterThanOrEqual(PAYMENT_STATUSES.length * ORDER_STATUSES.length);
    }, 120_000);
  }

  it("an unknown payment: unknown_payment, nothing marked processed", async () => {
    for (const key of [{ attemptRef: "NOPE-1" }, { gateway: "TRIPAY", gatewayReference: "T-NOPE-1" }] as PaymentKey[]) {
      const input = { key, outcome: { kind: "expired" } as const, eventKey: "nope", source: "parity-unknown", actor: ACTOR };
      expect(await settlePayment(prisma, input)).toEqual({ result: "unknown_payment" });
      expect(await legacySettlePayment(prisma, input)).toEqual({ result: "unknown_payment" });
    }
    expect(await prisma.processedEvent.count({ where: { source: "parity-unknown" } })).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------

describe("settleAndRecord: settle and record the callback in one call", () => {
  const callback = (p: PendingOrder, status: string) => ({
    gateway: "TRIPAY" as const,
    verified: true,
    event: "payment_status",
    reference: p.gatewayReference,
    merchantRef: p.attemptRef,
    status,
    rawBody: `{"reference":"${p.gatewayReference}","status":"${status}"}`,
    headers: { "content-type": "application/json", "x-callback-event": "payment_status" },
    remoteIp: "203.0.113.7",
  });

  it("records every column with the outcome, and reports the payment for duplicates", async () => {
    const p = await createPendingOrder(prisma);
    const input = {
      key: { gateway: "TRIPAY" as const, gatewayReference: p.gatewayReference! },
      outcome: { kind: "paid" as const, amountIdr: p.totalIdr, paidAt: PAID_AT, method: "QRIS" },
      eventKey: `${p.gatewayReference}:PAID`,
      source: "tripay",
      actor: ACTOR,
      callback: callback(p, "PAID"),
    };
    const touched = new Date(Date.now() - 1);
    const first = await settleAndRecord(prisma, input);
    // Rows written by SQL keep `updated_at` current, as Prisma's @updatedAt did.
    expect((await prisma.order.findUniqueOrThrow({ where: { id: p.orderId } })).updatedAt.getTime()).toBeGreaterThanOrEqual(touched.getTime());
    expect((await prisma.payment.findUniqueOrThrow({ where: { id: p.paymentId } })).updatedAt.getTime()).toBeGreaterThanOrEqual(touched.getTime());
    expect(first).toMatchObject({ settlement: { result: "paid", orderId: p.orderId, paymentId: p.paymentId }, paymentId: p.paymentId, paymentStatus: "PAID" });
    const row = await prisma.paymentCallback.findUniqueOrThrow({ where: { id: first.callbackId! } });
    expect(row).toMatchObject({
      gateway: "TRIPAY",
      verified: true,
      rejectReason: null,
      event: "payment_status",
      reference: p.gatewayReference,
      merchantRef: p.attemptRef,
      status: "PAID",
      rawBody: input.callback.rawBody,
      headers: input.callback.headers,
      remoteIp: "203.0.113.7",
      outcome: "paid",
    });
    expect(row.receivedAt).toBeInstanceOf(Date);

    const dup = await settleAndRecord(prisma, input);
    expect(dup).toMatchObject({ settlement: { result: "duplicate", why: `event ${p.gatewayReference}:PAID already processed` }, paymentId: p.paymentId, paymentStatus: "PAID" });
    expect((await prisma.paymentCallback.findUniqueOrThrow({ where: { id: dup.callbackId! } })).outcome).toBe(`duplicate: event ${p.gatewayReference}:PAID already processed`);

    const stale = await settleAndRecord(prisma, { ...input, outcome: { kind: "expired" }, eventKey: `${p.gatewayReference}:EXPIRED`, callback: callback(p, "EXPIRED") });
    expect(stale).toMatchObject({ settlement: { result: "ignored", why: "payment already PAID" }, paymentStatus: "PAID" });
    expect((await prisma.paymentCallback.findUniqueOrThrow({ where: { id: stale.callbackId! } })).outcome).toBe("ignored: payment already PAID");
  });

  it("an unknown reference is recorded as 'unknown reference' and not marked processed", async () => {
    const p = await createPendingOrder(prisma);
    const ghost = { ...p, gatewayReference: "T0042UNKNOWN0001" };
    const r = await settleAndRecord(prisma, {
      key: { gateway: "TRIPAY", gatewayReference: ghost.gatewayReference },
      outcome: { kind: "paid", amountIdr: p.totalIdr, paidAt: PAID_AT },
      eventKey: `${ghost.gatewayReference}:PAID`,
      source: "tripay",
      actor: ACTOR,
      callback: callback(ghost, "PAID"),
    });
    expect(r.settlement).toEqual({ result: "unknown_payment" });
    expect(r.paymentId).toBeUndefined();
    expect(await prisma.paymentCallback.findUniqueOrThrow({ where: { id: r.callbackId! } })).toMatchObject({ reference: ghost.gatewayReference, outcome: "unknown reference", verified: true });
    expect(await prisma.processedEvent.count({ where: { source: "tripay", key: `${ghost.gatewayReference}:PAID` } })).toBe(0);
  });

  it("expired/failed leave the order open while another attempt is, and review results record their why", async () => {
    const p = await createPendingOrder(prisma);
    await prisma.payment.create({ data: { orderId: p.orderId, gateway: "MIDTRANS", attemptRef: `${p.attemptRef}-MT`, amountIdr: p.amountIdr, totalIdr: p.amountIdr } });
    const expired = await settleAndRecord(prisma, { key: { attemptRef: p.attemptRef }, outcome: { kind: "failed" }, eventKey: "f1", source: "t-open", actor: ACTOR, callback: callback(p, "FAILED") });
    expect(expired).toMatchObject({ settlement: { result: "expired", orderExpired: false }, paymentStatus: "FAILED" });
    expect((await prisma.order.findUniqueOrThrow({ where: { id: p.orderId } })).status).toBe("PENDING_PAYMENT");
    expect((await prisma.paymentCallback.findUniqueOrThrow({ where: { id: expired.callbackId! } })).outcome).toBe("expired");

    const q = await createPendingOrder(prisma);
    const review = await settleAndRecord(prisma, {
      key: { attemptRef: q.attemptRef },
      outcome: { kind: "paid", amountIdr: 1, paidAt: PAID_AT },
      eventKey: "r1",
      source: "t-open",
      actor: ACTOR,
      callback: callback(q, "PAID"),
    });
    expect(review).toMatchObject({ settlement: { result: "review", why: "amount_mismatch" }, paymentStatus: "REVIEW" });
    expect((await prisma.paymentCallback.findUniqueOrThrow({ where: { id: review.callbackId! } })).outcome).toBe("review: amount_mismatch");
  });

  it("without a callback nothing is recorded (review actions, follow-up jobs)", async () => {
    const p = await createPendingOrder(prisma);
    const before = await prisma.paymentCallback.count();
    const r = await settleAndRecord(prisma, { key: { attemptRef: p.attemptRef }, outcome: { kind: "pending" }, eventKey: "pending-1", source: "t-nocb", actor: ACTOR });
    expect(r).toMatchObject({ settlement: { result: "ignored", why: "still pending" }, paymentStatus: "PENDING" });
    expect(r.callbackId).toBeUndefined();
    expect(await prisma.paymentCallback.count()).toBe(before);
  });
});

describe("settlePayment: exactly once, in one round trip", () => {
  it("ten concurrent identical PAID outcomes: one paid, nine duplicates, one history row, ten callback rows", async () => {
    const racers = createPrisma(db.url, { max: 12, applicationName: "vps-shop:test-settle-race" });
    try {
      const p = await createPendingOrder(prisma);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          settleAndRecord(racers, {
            key: { gateway: "TRIPAY", gatewayReference: p.gatewayReference! },
            outcome: { kind: "paid", amountIdr: p.totalIdr, paidAt: PAID_AT },
            eventKey: `${p.gatewayReference}:PAID`,
            source: "tripay",
            actor: ACTOR,
            callback: { gateway: "TRIPAY", verified: true, reference: p.gatewayReference, rawBody: `race ${i}`, headers: {} },
          }),
        ),
      );
      expect(results.filter((r) => r.settlement.result === "paid")).toHaveLength(1);
      const dups = results.filter((r) => r.settlement.result === "duplicate");
      expect(dups).toHaveLength(9);
      // Each duplicate saw the committed PAID (it waited for the first on the unique index).
      expect(dups.every((r) => r.paymentId === p.paymentId && r.paymentStatus === "PAID")).toBe(true);
      expect(await prisma.orderStatusHistory.count({ where: { orderId: p.orderId, toStatus: "PAID" } })).toBe(1);
      expect(await prisma.paymentCallback.count({ where: { reference: p.gatewayReference } })).toBe(10);
    } finally {
      await racers.$disconnect();
    }
  });

  it("PAID and EXPIRED racing for one attempt: either order of arrival, never both applied", async () => {
    const racers = createPrisma(db.url, { max: 6, applicationName: "vps-shop:test-settle-race2" });
    try {
      for (let i = 0; i < 5; i++) {
        const p = await createPendingOrder(prisma, { coupon: true });
        const key = { attemptRef: p.attemptRef };
        const [paid, expired] = await Promise.all([
          settlePayment(racers, { key, outcome: { kind: "paid", amountIdr: p.totalIdr, paidAt: PAID_AT }, eventKey: `${p.attemptRef}:PAID`, source: "race2", actor: ACTOR }),
          settlePayment(racers, { key, outcome: { kind: "expired" }, eventKey: `${p.attemptRef}:EXPIRED`, source: "race2", actor: ACTOR }),
        ]);
        const order = await prisma.order.findUniqueOrThrow({ where: { id: p.orderId }, include: { statusHistory: { orderBy: { id: "asc" } }, couponRedemption: true } });
        if (paid.result === "paid") {
          // EXPIRED second: a stale status, ignored; the payment stands.
          expect(expired).toMatchObject({ result: "ignored", why: "payment already PAID" });
          expect(order.status).toBe("PAID");
          expect(order.couponRedemption?.status).toBe("ACTIVE");
          expect(order.statusHistory.map((h) => h.toStatus)).toEqual(["PENDING_PAYMENT", "PAID"]);
        } else {
          // PAID second: money after the attempt expired is never dropped nor auto-accepted.
          expect(expired).toMatchObject({ result: "expired", orderExpired: true });
          expect(paid).toMatchObject({ result: "review", why: "late_payment" });
          expect(order.status).toBe("PAYMENT_REVIEW");
          expect(order.couponRedemption?.status).toBe("RELEASED");
          expect(order.statusHistory.map((h) => h.toStatus)).toEqual(["PENDING_PAYMENT", "EXPIRED", "PAYMENT_REVIEW"]);
        }
      }
    } finally {
      await racers.$disconnect();
    }
  });

  it("is a single statement: one Postgres round trip, no BEGIN/COMMIT", async () => {
    const p = await createPendingOrder(prisma);
    const seen: string[] = [];
    type Query = (...args: unknown[]) => unknown;
    const proto = pg.Client.prototype as unknown as { query: Query };
    const original = proto.query;
    proto.query = function (this: unknown, ...args: unknown[]) {
      const first = args[0] as string | { text?: string };
      seen.push((typeof first === "string" ? first : (first.text ?? "")).trim().split(/\s+/).slice(0, 2).join(" "));
      return original.apply(this, args);
    };
    try {
      const r = await settleAndRecord(prisma, {
        key: { gateway: "TRIPAY", gatewayReference: p.gatewayReference! },
        outcome: { kind: "paid", amountIdr: p.totalIdr, paidAt: PAID_AT },
        eventKey: `${p.gatewayReference}:PAID`,
        source: "tripay",
        actor: ACTOR,
        callback: { gateway: "TRIPAY", verified: true, reference: p.gatewayReference, rawBody: "{}", headers: {} },
      });
      expect(r.settlement.result).toBe("paid");
    } finally {
      proto.query = original;
    }
    expect(seen).toEqual(['SELECT "result",']);
  });
});
