import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newOrderReference } from "../../shop/orders/reference.js";
import { registerBusinessMetrics } from "../../shop/stats/business-metrics.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { openTransfer, paymentUnderReview, userRow } from "../support/factories.js";
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from "../support/redis.js";

let db: TestDatabase;
let redis: Redis;
let queue: Queue;
const prefix = uniquePrefix("bizmetrics");

beforeAll(async () => {
  db = await createTestDatabase();
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  // A queue no worker consumes: its jobs wait, so depth and age are the test's to set.
  queue = new Queue("provisioning", { connection: redis, prefix });
});
afterAll(async () => {
  await queue?.close();
  redis?.disconnect();
  await deleteKeys(prefix);
  await db?.drop();
});

/** One sample's value from a text exposition, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function paidPayment(userId: number, gateway: "TRIPAY" | "MIDTRANS", totalIdr: number, receivedIdr?: number) {
  const order = await db.prisma.order.create({
    data: { reference: newOrderReference(), userId, kind: "WALLET_TOPUP", status: "PAID", basePriceIdr: totalIdr, totalIdr, snapshot: {} },
  });
  return db.prisma.payment.create({
    data: { orderId: order.id, gateway, attemptRef: `T-${order.reference}`, amountIdr: totalIdr, totalIdr, status: "PAID", ...(receivedIdr ? { receivedIdr } : {}) },
  });
}

async function failedPayment(userId: number, gateway: "TRIPAY" | "MIDTRANS") {
  const order = await db.prisma.order.create({
    data: { reference: newOrderReference(), userId, kind: "WALLET_TOPUP", status: "CANCELLED", basePriceIdr: 10_000, totalIdr: 10_000, snapshot: {} },
  });
  return db.prisma.payment.create({ data: { orderId: order.id, gateway, attemptRef: `F-${order.reference}`, amountIdr: 10_000, totalIdr: 10_000, status: "FAILED" } });
}

describe("business metrics, read on scrape", () => {
  it("reports orders by status, revenue in whole rupiah, payments by gateway and outcome, and the failure streak", async () => {
    const user = await userRow(db.prisma, 7_700_001);
    await paymentUnderReview(db.prisma, user.id);
    await openTransfer(db.prisma, user.id);
    await paidPayment(user.id, "TRIPAY", 150_000);
    await paidPayment(user.id, "TRIPAY", 99_999, 100_000); // the gateway reported a different amount: that is what came in
    await paidPayment(user.id, "MIDTRANS", 75_500);
    for (let i = 0; i < 3; i++) await failedPayment(user.id, "TRIPAY");
    await failedPayment(user.id, "MIDTRANS");
    await paidPayment(user.id, "MIDTRANS", 20_000); // a paid one after the failure ends Midtrans' streak

    const registry = new Registry();
    registerBusinessMetrics(registry, { prisma: db.prisma, queues: [], dataDir: "." });
    const text = await registry.metrics();

    expect(sample(text, 'shop_orders{status="PAYMENT_REVIEW"}')).toBe(1);
    expect(sample(text, 'shop_orders{status="PENDING_PAYMENT"}')).toBe(1);
    expect(sample(text, 'shop_orders{status="PAID"}')).toBe(4);
    expect(sample(text, 'shop_orders{status="CANCELLED"}')).toBe(4);
    expect(sample(text, 'shop_orders{status="ACTIVE"}')).toBe(0); // listed even with none
    expect(sample(text, 'shop_revenue_idr{gateway="tripay"}')).toBe(250_000);
    expect(sample(text, 'shop_revenue_idr{gateway="midtrans"}')).toBe(95_500);
    expect(sample(text, 'shop_payments{gateway="tripay",outcome="paid"}')).toBe(2);
    expect(sample(text, 'shop_payments{gateway="tripay",outcome="failed"}')).toBe(3);
    expect(sample(text, 'shop_payments{gateway="manual_transfer",outcome="review"}')).toBe(1);
    expect(sample(text, 'shop_payment_failure_streak{gateway="tripay"}')).toBe(3);
    expect(sample(text, 'shop_payment_failure_streak{gateway="midtrans"}')).toBe(0);
    expect(sample(text, "shop_database_size_bytes")).toBeGreaterThan(1_000_000);
    expect(sample(text, "shop_disk_free_bytes")).toBeGreaterThan(0);
    expect(sample(text, "shop_host_memory_total_bytes")).toBeGreaterThan(0);
    // No series carries a user, order or payment id.
    expect(text).not.toMatch(/\{[^}]*(user|order|payment|reference)[a-z_]*=/i);
  });

  it("reports each queue's depth and how long its oldest waiting job has waited, from one cached snapshot", async () => {
    let now = Date.now();
    const registry = new Registry();
    registerBusinessMetrics(registry, { prisma: db.prisma, queues: [{ name: "provisioning", queue: () => queue }], dataDir: ".", now: () => now, cacheMs: 60_000 });
    const empty = await registry.metrics();
    expect(sample(empty, 'shop_queue_jobs{queue="provisioning",state="waiting"}')).toBe(0);
    expect(sample(empty, 'shop_queue_oldest_waiting_age_seconds{queue="provisioning"}')).toBe(0);

    const first = await queue.add("provisioning", { orderId: 1 });
    await queue.add("provisioning", { orderId: 2 });
    await queue.add("provisioning", { orderId: 3 }, { delay: 3_600_000 });
    // Within the cache window a scrape reuses the snapshot (no new reads per scrape).
    expect(sample(await registry.metrics(), 'shop_queue_jobs{queue="provisioning",state="waiting"}')).toBe(0);

    const fresh = new Registry();
    now = first.timestamp + 90_000;
    registerBusinessMetrics(fresh, { prisma: db.prisma, queues: [{ name: "provisioning", queue: () => queue }], dataDir: ".", now: () => now });
    const text = await fresh.metrics();
    expect(sample(text, 'shop_queue_jobs{queue="provisioning",state="waiting"}')).toBe(2);
    expect(sample(text, 'shop_queue_jobs{queue="provisioning",state="delayed"}')).toBe(1);
    expect(sample(text, 'shop_queue_oldest_waiting_age_seconds{queue="provisioning"}')).toBeCloseTo(90, 0);
  });

  it("reports the last good backup and drill from backup_runs (0 = never), and automatic pauses of a provider or gateway", async () => {
    const registry = new Registry();
    registerBusinessMetrics(registry, { prisma: db.prisma, queues: [], dataDir: ".", cacheMs: 0 });
    const before = await registry.metrics();
    expect(sample(before, 'shop_backup_last_success_timestamp_seconds{kind="backup"}')).toBe(0);

    const finished = new Date("2026-12-01T02:00:00Z");
    await db.prisma.$executeRawUnsafe(
      `INSERT INTO backup_runs (kind, status, trigger, started_at, finished_at, bytes) VALUES ('BACKUP', 'OK', 'schedule', $1, $1, 123456), ('BACKUP', 'FAILED', 'schedule', now(), now(), 1), ('DRILL', 'OK', 'schedule', $1, $1, NULL)`,
      finished,
    );
    const text = await registry.metrics();
    expect(sample(text, 'shop_backup_last_success_timestamp_seconds{kind="backup"}')).toBe(finished.getTime() / 1000);
    expect(sample(text, 'shop_backup_last_success_timestamp_seconds{kind="drill"}')).toBe(finished.getTime() / 1000);
    expect(sample(text, "shop_backup_last_size_bytes")).toBe(123456);
    await db.prisma.$executeRawUnsafe(`INSERT INTO service_flags (scope, active, reason) VALUES ('GATEWAY:TRIPAY', true, 'AUTO')`);
    expect(sample(await registry.metrics(), 'shop_maintenance_active{scope="GATEWAY:TRIPAY",reason="AUTO"}')).toBe(1);
  });

  it("reports each role's heartbeat age (a process that stopped cleanly does not count) and the uncaught errors recorded", async () => {
    const registry = new Registry();
    registerBusinessMetrics(registry, { prisma: db.prisma, queues: [], dataDir: ".", cacheMs: 0 });
    await db.prisma.$executeRawUnsafe(
      `INSERT INTO heartbeats (instance_id, roles, pid, host, started_at, beat_at, rss_bytes, stopped_at) VALUES
         ('a', '{worker,scheduler}', 1, 'h', now(), now() - interval '120 seconds', 1, NULL),
         ('b', '{worker}', 2, 'h', now(), now() - interval '10 seconds', 1, NULL),
         ('c', '{bot}', 3, 'h', now(), now() - interval '5 seconds', 1, now())`,
    );
    await db.prisma.$executeRawUnsafe(`INSERT INTO process_errors (fingerprint, error_class, message, top_frame, roles, count) VALUES ('f1', 'TypeError', 'x', 'y', '{worker}', 3), ('f2', 'Error', 'z', 'w', '{bot}', 2)`);
    const text = await registry.metrics();
    expect(sample(text, 'shop_role_heartbeat_age_seconds{role="scheduler"}')).toBeCloseTo(120, -1);
    expect(sample(text, 'shop_role_heartbeat_age_seconds{role="worker"}')).toBeCloseTo(10, -1);
    expect(sample(text, 'shop_role_heartbeat_age_seconds{role="bot"}')).toBeUndefined();
    expect(sample(text, "shop_uncaught_errors")).toBe(5);
  });
});
