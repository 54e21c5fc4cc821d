/**
 * SettlementBatcher (shop/payments/settle-batch.ts): callbacks that arrive together are settled
 * in one statement and one transaction, each with exactly settleAndRecord's semantics.
 * Real Postgres; the batcher runs on a plain pg pool as in the web role.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayOutcome } from "../../shop/payments/outcome.js";
import { SettlementBatcher, SettlementBusyError } from "../../shop/payments/settle-batch.js";
import type { SettleAndRecordInput } from "../../shop/payments/settle.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { createPendingOrder, createPendingTripayOrders, type PendingOrder } from "../webhooks/payments/harness.js";

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  pool.on("error", () => undefined);
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const paid = (p: PendingOrder, amountIdr = p.totalIdr): GatewayOutcome => ({ kind: "paid", amountIdr, paidAt: new Date("2026-11-21T03:00:00Z"), gatewayReference: p.gatewayReference ?? undefined, method: "QRIS" });

function callbackInput(p: PendingOrder, outcome: GatewayOutcome, status: string): SettleAndRecordInput {
  return {
    key: { gateway: "TRIPAY", gatewayReference: p.gatewayReference! },
    outcome,
    eventKey: `${p.gatewayReference}:${status}`,
    source: "tripay",
    actor: { type: "GATEWAY", id: `tripay:${p.gatewayReference}` },
    callback: {
      gateway: "TRIPAY",
      verified: true,
      event: "payment_status",
      reference: p.gatewayReference,
      merchantRef: p.attemptRef,
      status,
      rawBody: JSON.stringify({ reference: p.gatewayReference, status, note: `quotes " and \\ and {braces}, 'single'` }),
      headers: { "x-callback-event": "payment_status", "user-agent": 'odd "agent", {x}' },
      remoteIp: "127.0.0.1",
    },
  };
}

async function paidHistoryRows(orderIds: number[]): Promise<number> {
  return db.prisma.orderStatusHistory.count({ where: { orderId: { in: orderIds }, toStatus: "PAID" } });
}

describe("SettlementBatcher", () => {
  it("settles a burst in fewer statements than callbacks, each order PAID exactly once, every callback recorded as received", async () => {
    const orders = await createPendingTripayOrders(db.prisma, 25);
    const batcher = new SettlementBatcher(pool, { maxInFlight: 1 });
    const results = await Promise.all(orders.map((p) => batcher.settle(callbackInput(p, paid(p), "PAID"))));

    expect(results.map((r) => r.settlement.result)).toEqual(orders.map(() => "paid"));
    results.forEach((r, i) => {
      expect(r.settlement).toEqual({ result: "paid", orderId: orders[i]!.orderId, paymentId: orders[i]!.paymentId });
      expect(r.paymentId).toBe(orders[i]!.paymentId);
      expect(r.paymentStatus).toBe("PAID");
      expect(r.callbackId).toEqual(expect.any(Number));
    });
    expect(batcher.stats.callbacks).toBe(25);
    expect(batcher.stats.statements).toBeLessThan(25);
    expect(batcher.stats.largestBatch).toBeGreaterThan(1);
    expect(batcher.stats.fallbacks).toBe(0);

    const ids = orders.map((p) => p.orderId);
    expect(await db.prisma.order.count({ where: { id: { in: ids }, status: "PAID" } })).toBe(25);
    expect(await paidHistoryRows(ids)).toBe(25);
    // The callback rows keep the exact bytes and headers (array parameters escape nothing away).
    const rows = await db.prisma.paymentCallback.findMany({ where: { id: { in: results.map((r) => r.callbackId!) } }, orderBy: { id: "asc" } });
    expect(rows).toHaveLength(25);
    const first = rows.find((r) => r.reference === orders[0]!.gatewayReference)!;
    expect(first.rawBody).toBe(callbackInput(orders[0]!, paid(orders[0]!), "PAID").callback!.rawBody);
    expect(first.headers).toEqual({ "x-callback-event": "payment_status", "user-agent": 'odd "agent", {x}' });
    expect(first.outcome).toBe("paid");
  });

  it("ten copies of one callback in one batch: one transition, nine duplicates, ten recorded callbacks", async () => {
    const p = await createPendingOrder(db.prisma);
    const batcher = new SettlementBatcher(pool, { maxInFlight: 1 });
    // Hold the only slot with another order so the ten copies queue up and go as one batch.
    const other = await createPendingOrder(db.prisma);
    const blocker = batcher.settle(callbackInput(other, paid(other), "PAID"));
    const copies = await Promise.all(Array.from({ length: 10 }, () => batcher.settle(callbackInput(p, paid(p), "PAID"))));
    await blocker;

    expect(batcher.stats.largestBatch).toBe(10);
    expect(copies.filter((r) => r.settlement.result === "paid")).toHaveLength(1);
    expect(copies.filter((r) => r.settlement.result === "duplicate")).toHaveLength(9);
    for (const r of copies) expect(r.paymentStatus).toBe("PAID");
    expect(await paidHistoryRows([p.orderId])).toBe(1);
    expect(await db.prisma.paymentCallback.count({ where: { reference: p.gatewayReference } })).toBe(10);
  });

  it("keeps one payment's callbacks in arrival order inside a batch: PAID then EXPIRED stays paid", async () => {
    const p = await createPendingOrder(db.prisma);
    const other = await createPendingOrder(db.prisma);
    const batcher = new SettlementBatcher(pool, { maxInFlight: 1 });
    const blocker = batcher.settle(callbackInput(other, paid(other), "PAID"));
    // "…:EXPIRED" sorts before "…:PAID"; arrival order must win, not the event key.
    const [payment, expiry] = await Promise.all([batcher.settle(callbackInput(p, paid(p), "PAID")), batcher.settle(callbackInput(p, { kind: "expired" }, "EXPIRED"))]);
    await blocker;

    expect(payment.settlement.result).toBe("paid");
    expect(expiry.settlement).toMatchObject({ result: "ignored", why: "payment already PAID" });
    expect(await db.prisma.order.findUniqueOrThrow({ where: { id: p.orderId }, select: { status: true } })).toEqual({ status: "PAID" });
  });

  it("a callback whose settlement fails fails alone: the batch is retried one by one and the others are settled once", async () => {
    const orders = await Promise.all(Array.from({ length: 4 }, () => createPendingOrder(db.prisma)));
    const blockerOrder = await createPendingOrder(db.prisma);
    const batcher = new SettlementBatcher(pool, { maxInFlight: 1 });
    const blocker = batcher.settle(callbackInput(blockerOrder, paid(blockerOrder), "PAID"));
    // settle_payment raises on an outcome it does not know: that aborts the whole batch.
    const poison = { ...callbackInput(orders[1]!, paid(orders[1]!), "PAID"), outcome: { kind: "bogus" } as unknown as GatewayOutcome };
    const settled = await Promise.allSettled([
      batcher.settle(callbackInput(orders[0]!, paid(orders[0]!), "PAID")),
      batcher.settle(poison),
      batcher.settle(callbackInput(orders[2]!, paid(orders[2]!), "PAID")),
      batcher.settle(callbackInput(orders[3]!, paid(orders[3]!, orders[3]!.totalIdr - 1), "PAID")),
    ]);
    await blocker;

    expect(batcher.stats.fallbacks).toBe(1);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ message: expect.stringContaining("unknown outcome") });
    const value = (i: number) => (settled[i] as PromiseFulfilledResult<{ settlement: { result: string } }>).value.settlement;
    expect(value(0).result).toBe("paid");
    expect(value(2).result).toBe("paid");
    expect(value(3)).toMatchObject({ result: "review", why: "amount_mismatch" });
    // Nothing of the rolled-back batch stayed behind: one history row per paid order, none for the poison one.
    expect(await paidHistoryRows([orders[0]!.orderId, orders[2]!.orderId])).toBe(2);
    expect(await paidHistoryRows([orders[1]!.orderId])).toBe(0);
    expect(await db.prisma.payment.findUniqueOrThrow({ where: { id: orders[1]!.paymentId }, select: { status: true } })).toEqual({ status: "PENDING" });
    expect(await db.prisma.paymentCallback.count({ where: { reference: { in: orders.map((o) => o.gatewayReference!) } } })).toBe(3);
  });

  it("a settlement stuck behind a lock is cancelled by the pool's statement timeout and fails at once, not retried one by one", async () => {
    const p = await createPendingOrder(db.prisma);
    const other = await createPendingOrder(db.prisma);
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    const short = new pg.Pool({ connectionString: db.url, max: 2, statement_timeout: 300 });
    short.on("error", () => undefined);
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT id FROM payments WHERE id = $1 FOR UPDATE", [p.paymentId]);
      const batcher = new SettlementBatcher(short, { maxInFlight: 1 });
      const started = Date.now();
      const outcomes = await Promise.allSettled([
        batcher.settle(callbackInput(p, paid(p), "PAID")),
        batcher.settle(callbackInput(p, paid(p), "PAID")),
        batcher.settle(callbackInput(other, paid(other), "PAID")),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected", "rejected"]);
      expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: "57014" });
      expect(batcher.stats).toMatchObject({ statements: 2, fallbacks: 0 });
      expect(Date.now() - started).toBeLessThan(5_000);
      await holder.query("ROLLBACK");
      // Nothing was applied or recorded; the gateway's retry will settle it.
      expect(await db.prisma.payment.findUniqueOrThrow({ where: { id: p.paymentId }, select: { status: true } })).toEqual({ status: "PENDING" });
      expect(await db.prisma.paymentCallback.count({ where: { reference: { in: [p.gatewayReference!, other.gatewayReference!] } } })).toBe(0);
      const retry = await new SettlementBatcher(short, { maxInFlight: 1 }).settle(callbackInput(p, paid(p), "PAID"));
      expect(retry.settlement.result).toBe("paid");
    } finally {
      await holder.end();
      await short.end();
    }
  });

  it("refuses at once, with SettlementBusyError, callbacks beyond the queue limit while every statement slot is busy", async () => {
    const [blocked, queued, refused] = await Promise.all([createPendingOrder(db.prisma), createPendingOrder(db.prisma), createPendingOrder(db.prisma)]);
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT id FROM payments WHERE id = $1 FOR UPDATE", [blocked.paymentId]);
      const batcher = new SettlementBatcher(pool, { maxInFlight: 1, maxQueued: 1 });
      const first = batcher.settle(callbackInput(blocked, paid(blocked), "PAID"));
      const second = batcher.settle(callbackInput(queued, paid(queued), "PAID"));
      await expect(batcher.settle(callbackInput(refused, paid(refused), "PAID"))).rejects.toBeInstanceOf(SettlementBusyError);
      expect(batcher.stats.refusedBusy).toBe(1);
      await holder.query("ROLLBACK");
      expect((await first).settlement.result).toBe("paid");
      expect((await second).settlement.result).toBe("paid");
      // Room again: accepted.
      expect((await batcher.settle(callbackInput(refused, paid(refused), "PAID"))).settlement.result).toBe("paid");
    } finally {
      await holder.end();
    }
  });

  it("answers every caller when the database is unreachable, and refuses a bad configuration", async () => {
    const dead = new pg.Pool({ connectionString: "postgresql://postgres@127.0.0.1:1/nothing", connectionTimeoutMillis: 500 });
    dead.on("error", () => undefined);
    const p = await createPendingOrder(db.prisma);
    const batcher = new SettlementBatcher(dead, { maxInFlight: 1 });
    const outcomes = await Promise.allSettled(Array.from({ length: 3 }, () => batcher.settle(callbackInput(p, paid(p), "PAID"))));
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected", "rejected"]);
    // Not retried one by one: a connection failure is no single callback's fault.
    expect(batcher.stats.fallbacks).toBe(0);
    await dead.end();
    expect(() => new SettlementBatcher(pool, { maxInFlight: 0 })).toThrow(/maxInFlight/);
  });
});
