import pg from "pg";
/**
 * Shared by the payment webhook tests and `test/bench/webhook-throughput.bench.ts`:
 * the real HTTP app (`createServer` + `paymentWebhookRoutes`) over a given database and
 * Redis prefix, orders/payments as checkout would leave them, Tripay callback bodies
 * signed like Tripay, and readers for what the tests assert (follow-up jobs, the
 * `webhook_rejected_total` counter). No vitest imports: the bench uses it too.
 */
import { randomBytes } from "node:crypto";
import type http from "node:http";
import type { Hono } from "hono";
import type { Redis } from "ioredis";
import { createPrisma, type PaymentGateway, type PrismaClient } from "../../../db/client.js";
import { JobOutbox } from "../../../jobs/outbox.js";
import { QueueName, Queues } from "../../../jobs/queues.js";
import { createRedis, waitForRedis } from "../../../jobs/redis.js";
import { loadConfig, type Config } from "../../../shop/platform/config.js";
import { createLogger } from "../../../shop/platform/logger.js";
import { listenFake } from "../../../ops/fakes/http.js";
import { createMetrics, type Metrics } from "../../../shop/platform/metrics.js";
import { WEBHOOK_SETTLEMENTS_IN_FLIGHT, webhookPoolConfig } from "../../../ops/runtime.js";
import { midtransSignature } from "../../../shop/payments/gateways/midtrans.js";
import { tripayCallbackSignature, type TripayClient } from "../../../shop/payments/gateways/tripay.js";
import { SettlementBatcher } from "../../../shop/payments/settle-batch.js";
import { paymentWebhookRoutes } from "../../../webhooks/routes/payments.js";
import type { AppEnv } from "../../../webhooks/http.js";
import { createServer } from "../../../webhooks/server.js";
import type { TestDatabase } from "../../support/db.js";
import { TEST_REDIS_URL } from "../../support/redis.js";
import { testEnv } from "../../support/service.js";

export const TRIPAY_CREDS = { apiKey: "DEV-webhookTestApiKey42", privateKey: "priv-webhook-0123456789abcdef", merchantCode: "T0042" } as const;
export const MIDTRANS_SERVER_KEY = "SB-Mid-server-webhookTest0123456789";

export interface WebhookHarness {
  config: Config;
  metrics: Metrics;
  prisma: PrismaClient;
  /** The producer connection the queues use (fail-fast, like the web role's). */
  producerRedis: Redis;
  /** General connection (health checks in createServer). */
  redis: Redis;
  queues: Queues;
  settler: SettlementBatcher;
  /** createServer(...) with `{ path: "/webhooks", app: paymentWebhookRoutes(...) }` mounted. */
  app: Hono<AppEnv>;
  close(): Promise<void>;
}

/**
 * The web role's HTTP app for payment webhooks, wired like production: one Prisma client
 * (pool of `poolSize`), the producer Redis for queues, a metrics registry of its own.
 */
export async function createWebhookHarness(opts: {
  dbUrl: string;
  prefix: string;
  poolSize?: number;
  /** Settlement statements at once (default: as the web role, WEBHOOK_SETTLEMENTS_IN_FLIGHT). */
  settlementsInFlight?: number;
  logLevel?: string;
  env?: Record<string, string>;
}): Promise<WebhookHarness> {
  const config = loadConfig(
    testEnv({ url: opts.dbUrl } as TestDatabase, opts.prefix, 3000, "http://127.0.0.1:9", {
      TRIPAY_API_KEY: TRIPAY_CREDS.apiKey,
      TRIPAY_PRIVATE_KEY: TRIPAY_CREDS.privateKey,
      TRIPAY_MERCHANT_CODE: TRIPAY_CREDS.merchantCode,
      TRIPAY_API_URL: "http://127.0.0.1:9",
      MIDTRANS_SERVER_KEY,
      MIDTRANS_API_URL: "http://127.0.0.1:9",
      MIDTRANS_SNAP_URL: "http://127.0.0.1:9",
      ...(opts.logLevel ? { LOG_LEVEL: opts.logLevel } : {}),
      ...opts.env,
    }),
  );
  const logger = createLogger({ role: "test", level: config.logLevel });
  const metrics = createMetrics();
  const prisma = createPrisma(config.databaseUrl, { max: opts.poolSize ?? 10, applicationName: "vps-shop:test-webhooks" });
  const redis = createRedis(TEST_REDIS_URL, "general");
  const producerRedis = createRedis(TEST_REDIS_URL, "producer");
  redis.on("error", () => undefined);
  producerRedis.on("error", () => undefined);
  // The producer connection has no offline queue: enqueueing before "ready" would fail.
  if (!(await waitForRedis(producerRedis)) || !(await waitForRedis(redis))) throw new Error(`Redis at ${TEST_REDIS_URL} is not reachable`);
  // As in production: keyed follow-ups are recorded in the Postgres outbox before Redis.
  const queues = new Queues(producerRedis, config.queuePrefix, logger, new JobOutbox(prisma));
  // As in production (ops/runtime.ts): the settlement call runs on a plain pg pool.
  const sql = new pg.Pool(webhookPoolConfig(config.databaseUrl, opts.poolSize ?? 10));
  // As in production: an idle connection dropped by the server (restart, DROP DATABASE … FORCE
  // at teardown) must not crash the process.
  sql.on("error", () => undefined);
  const settler = new SettlementBatcher(sql, {
    maxInFlight: opts.settlementsInFlight ?? WEBHOOK_SETTLEMENTS_IN_FLIGHT,
    onBatch: (n) => metrics.settlementBatchSize.observe(n),
  });
  const app = createServer({ logger, metrics, prisma, redis }, [{ path: "/webhooks", app: paymentWebhookRoutes({ config, prisma, queues, metrics, settler }) }]);
  return {
    config,
    metrics,
    prisma,
    producerRedis,
    redis,
    queues,
    settler,
    app,
    async close() {
      await queues.close();
      producerRedis.disconnect();
      redis.disconnect();
      await prisma.$disconnect();
      await sql.end();
    },
  };
}

/** Serves a Hono app on 127.0.0.1, random port. */
export async function listen(app: { fetch: (req: Request) => Response | Promise<Response> }): Promise<{ url: string; port: number; server: http.Server; close(): Promise<void> }> {
  const { server, origin, port, stop } = await listenFake(app, {});
  return { url: origin, port, server, close: stop };
}

// ---------------------------------------------------------------------------------------
// Orders and payments as checkout leaves them

let seq = 0;
const runTag = randomBytes(3).toString("hex").toUpperCase();
/** Unique within this process run: 15 digits after the merchant code, like Tripay's. */
const tripayRefBase = String(Date.now()).slice(-9);
/** Telegram ids of test users: distinct per run and per row. */
const telegramBase = 5_000_000_000n + BigInt(Date.now() % 100_000_000) * 100_000n;

export function nextTripayReference(): string {
  seq += 1;
  return `${TRIPAY_CREDS.merchantCode}${tripayRefBase}${String(seq).padStart(6, "0")}`;
}

export interface PendingOrder {
  orderId: number;
  orderReference: string;
  userId: number;
  paymentId: number;
  gateway: PaymentGateway;
  /** Tripay reference (TRIPAY) or null (MIDTRANS until the first notification). */
  gatewayReference: string | null;
  /** Tripay merchant_ref / Midtrans order_id. */
  attemptRef: string;
  amountIdr: number;
  feeIdr: number;
  /** What the customer pays: amount + fee (Tripay's callback total_amount is compared with it). */
  totalIdr: number;
  couponId?: number;
}

export interface PendingOrderOptions {
  gateway?: PaymentGateway;
  /** Order total (after discounts), default 60.000. */
  totalIdr?: number;
  /** Customer fee of the channel, default 1.170 (QRIS: 750 + 0,7 %). */
  feeIdr?: number;
  /** Overrides the made-up Tripay reference (e.g. the fake's). */
  gatewayReference?: string | null;
  attemptRef?: string;
  /** Defaults to 24 h from now. */
  paymentDeadline?: Date;
  /** Reserve a fresh 10 % coupon for this order (an ACTIVE redemption, used_count 1). */
  coupon?: boolean;
}

/**
 * A user, a PENDING_PAYMENT NEW_VPS order with its first history row, optionally a coupon
 * redemption, and one PENDING payment attempt — the rows checkout writes before the
 * customer pays.
 */
export async function createPendingOrder(prisma: PrismaClient, opts: PendingOrderOptions = {}): Promise<PendingOrder> {
  seq += 1;
  const n = seq;
  const gateway = opts.gateway ?? "TRIPAY";
  const totalIdr = opts.totalIdr ?? 60_000;
  const feeIdr = opts.feeIdr ?? 1_170;
  const couponDiscountIdr = opts.coupon ? Math.round(totalIdr / 9) : 0;
  const basePriceIdr = totalIdr + couponDiscountIdr;
  const reference = `ORD-TEST-${runTag}-${n}`;
  const user = await prisma.user.create({ data: { telegramId: telegramBase + BigInt(n), firstName: "Pembeli" } });
  const coupon = opts.coupon
    ? await prisma.coupon.create({ data: { code: `WEB${runTag}${n}`, kind: "PERCENT", value: 10, usageLimit: 5, usedCount: 1 } })
    : undefined;
  const order = await prisma.order.create({
    data: {
      reference,
      userId: user.id,
      kind: "NEW_VPS",
      status: "PENDING_PAYMENT",
      planCode: "do-s-1vcpu-1gb-sgp1",
      planName: "DO Basic 1 GB",
      providerCode: "DIGITALOCEAN",
      providerSizeSlug: "s-1vcpu-1gb",
      region: "sgp1",
      imageCode: "ubuntu-24.04",
      imageName: "Ubuntu 24.04 LTS",
      providerImageRef: "ubuntu-24-04-x64",
      durationMonths: 1,
      basePriceIdr,
      couponDiscountIdr,
      couponCode: coupon?.code ?? null,
      totalIdr,
      snapshot: { test: true, basePriceIdr, couponDiscountIdr, totalIdr },
      paymentDeadline: opts.paymentDeadline ?? new Date(Date.now() + 24 * 3600_000),
      statusHistory: { create: { fromStatus: null, toStatus: "PENDING_PAYMENT", actorType: "CUSTOMER", actorId: String(user.id), reason: "checkout" } },
      ...(coupon ? { couponRedemption: { create: { couponId: coupon.id, userId: user.id, discountIdr: couponDiscountIdr } } } : {}),
    },
  });
  const gatewayReference = opts.gatewayReference !== undefined ? opts.gatewayReference : gateway === "TRIPAY" ? nextTripayReference() : null;
  const attemptRef = opts.attemptRef ?? `${reference}-${gateway === "TRIPAY" ? "TP" : "MT"}1`;
  const payment = await prisma.payment.create({
    data: {
      orderId: order.id,
      gateway,
      method: gateway === "TRIPAY" ? "QRIS" : null,
      gatewayReference,
      attemptRef,
      amountIdr: totalIdr,
      feeIdr,
      totalIdr: totalIdr + feeIdr,
      expiresAt: order.paymentDeadline,
    },
  });
  return {
    orderId: order.id,
    orderReference: reference,
    userId: user.id,
    paymentId: payment.id,
    gateway,
    gatewayReference,
    attemptRef,
    amountIdr: totalIdr,
    feeIdr,
    totalIdr: totalIdr + feeIdr,
    ...(coupon ? { couponId: coupon.id } : {}),
  };
}

/**
 * Many pending Tripay orders at once (for the benchmark): bulk inserts, no coupons,
 * no history rows for PENDING_PAYMENT (the transitions under test write theirs).
 */
/**
 * A pending order with a real QRIS transaction at a (fake) Tripay, as checkout leaves it: the
 * transaction is created through TripayClient, and its reference and amounts are stored on the
 * payment. `createdAt` backdates the payment (reconciliation only asks about older attempts).
 */
export async function createTripayAttempt(
  prisma: PrismaClient,
  client: TripayClient,
  opts: { callbackUrl: string; totalIdr?: number; paymentDeadline?: Date; createdAt?: Date },
): Promise<PendingOrder> {
  const p0 = await createPendingOrder(prisma, { gatewayReference: null, totalIdr: opts.totalIdr ?? 60_000, ...(opts.paymentDeadline ? { paymentDeadline: opts.paymentDeadline } : {}) });
  const tx = await client.createTransaction({
    method: "QRIS",
    merchantRef: p0.attemptRef,
    amount: p0.amountIdr,
    customerName: "Sari",
    customerEmail: "sari@example.com",
    items: [{ name: "DO Basic 1 GB, 1 bulan", price: p0.amountIdr, quantity: 1 }],
    callbackUrl: opts.callbackUrl,
    expiresAt: new Date(Date.now() + 3600_000),
  });
  await prisma.payment.update({
    where: { id: p0.paymentId },
    data: { gatewayReference: tx.reference, feeIdr: tx.fee_customer, totalIdr: tx.amount, ...(opts.createdAt ? { createdAt: opts.createdAt } : {}) },
  });
  return { ...p0, gatewayReference: tx.reference, feeIdr: tx.fee_customer, totalIdr: tx.amount };
}

export async function createPendingTripayOrders(prisma: PrismaClient, count: number, opts: { totalIdr?: number; feeIdr?: number } = {}): Promise<PendingOrder[]> {
  const totalIdr = opts.totalIdr ?? 60_000;
  const feeIdr = opts.feeIdr ?? 1_170;
  const out: PendingOrder[] = [];
  for (let start = 0; start < count; start += 1000) {
    const size = Math.min(1000, count - start);
    const tags = Array.from({ length: size }, () => ++seq);
    const users = await prisma.user.createManyAndReturn({
      data: tags.map((n) => ({ telegramId: telegramBase + BigInt(n), firstName: "Bench" })),
      select: { id: true },
    });
    const orders = await prisma.order.createManyAndReturn({
      data: tags.map((n, i) => ({
        reference: `ORD-BENCH-${runTag}-${n}`,
        userId: users[i]!.id,
        kind: "NEW_VPS" as const,
        status: "PENDING_PAYMENT" as const,
        planCode: "do-s-1vcpu-1gb-sgp1",
        planName: "DO Basic 1 GB",
        providerCode: "DIGITALOCEAN" as const,
        providerSizeSlug: "s-1vcpu-1gb",
        region: "sgp1",
        imageCode: "ubuntu-24.04",
        imageName: "Ubuntu 24.04 LTS",
        providerImageRef: "ubuntu-24-04-x64",
        durationMonths: 1,
        basePriceIdr: totalIdr,
        totalIdr,
        snapshot: { bench: true },
        paymentDeadline: new Date(Date.now() + 24 * 3600_000),
      })),
      select: { id: true, reference: true, userId: true },
    });
    const rows = orders.map((o) => ({ o, ref: nextTripayReference(), attemptRef: `${o.reference}-TP1` }));
    const payments = await prisma.payment.createManyAndReturn({
      data: rows.map(({ o, ref, attemptRef }) => ({
        orderId: o.id,
        gateway: "TRIPAY" as const,
        method: "QRIS",
        gatewayReference: ref,
        attemptRef,
        amountIdr: totalIdr,
        feeIdr,
        totalIdr: totalIdr + feeIdr,
      })),
      select: { id: true, orderId: true },
    });
    const paymentOf = new Map(payments.map((p) => [p.orderId, p.id]));
    for (const { o, ref, attemptRef } of rows) {
      out.push({
        orderId: o.id,
        orderReference: o.reference,
        userId: o.userId,
        paymentId: paymentOf.get(o.id)!,
        gateway: "TRIPAY",
        gatewayReference: ref,
        attemptRef,
        amountIdr: totalIdr,
        feeIdr,
        totalIdr: totalIdr + feeIdr,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Callbacks

export type TripayCallbackStatus = "PAID" | "EXPIRED" | "FAILED" | "REFUND" | "UNPAID";

/**
 * A Tripay callback body for `p`, serialised in the documented field order (spec §1.5).
 * `totalAmount` defaults to what the customer pays (payment.totalIdr).
 */
export function tripayCallbackBody(p: PendingOrder, opts: { status?: TripayCallbackStatus; totalAmount?: number; paidAt?: number | null; note?: string | null } = {}): string {
  const status = opts.status ?? "PAID";
  return JSON.stringify({
    reference: p.gatewayReference,
    merchant_ref: p.attemptRef,
    payment_method: "QRIS by ShopeePay",
    payment_method_code: "QRIS",
    total_amount: opts.totalAmount ?? p.totalIdr,
    fee_merchant: 0,
    fee_customer: p.feeIdr,
    total_fee: p.feeIdr,
    amount_received: p.amountIdr,
    is_closed_payment: 1,
    status,
    paid_at: opts.paidAt !== undefined ? opts.paidAt : status === "PAID" ? Math.floor(Date.now() / 1000) : null,
    note: opts.note ?? null,
  });
}

export const signTripay = (raw: string | Buffer): string => tripayCallbackSignature(TRIPAY_CREDS.privateKey, raw);

/** Headers Tripay sends with a callback; pass `signature: null` / `event: null` to omit one. */
export function tripayHeaders(raw: string, opts: { signature?: string | null; event?: string | null } = {}): Record<string, string> {
  const signature = opts.signature === undefined ? signTripay(raw) : opts.signature;
  const event = opts.event === undefined ? "payment_status" : opts.event;
  return {
    "content-type": "application/json",
    "user-agent": "TriPay-Callback/test",
    ...(signature !== null ? { "x-callback-signature": signature } : {}),
    ...(event !== null ? { "x-callback-event": event } : {}),
  };
}

/** A Midtrans HTTP notification body for `orderId`, with a correct signature_key unless `signatureKey` is given. */
export function midtransNotificationBody(
  orderId: string,
  opts: { transactionStatus?: string; statusCode?: string; grossAmount?: string; fraudStatus?: string; signatureKey?: string; transactionId?: string } = {},
): Record<string, unknown> {
  const statusCode = opts.statusCode ?? "200";
  const grossAmount = opts.grossAmount ?? "61170.00";
  return {
    va_numbers: [{ va_number: "69246547150", bank: "bca" }],
    transaction_time: "2026-11-21 10:19:54",
    transaction_status: opts.transactionStatus ?? "settlement",
    transaction_id: opts.transactionId ?? "d2480bac-0000-4000-8000-000000000001",
    status_message: "midtrans payment notification",
    status_code: statusCode,
    signature_key: opts.signatureKey ?? midtransSignature(orderId, statusCode, grossAmount, MIDTRANS_SERVER_KEY),
    settlement_time: "2026-11-21 10:20:04",
    payment_type: "bank_transfer",
    payment_amounts: [],
    order_id: orderId,
    merchant_id: "G064569246",
    gross_amount: grossAmount,
    fraud_status: opts.fraudStatus ?? "accept",
    currency: "IDR",
  };
}

// ---------------------------------------------------------------------------------------
// Readers

export interface FollowupJob {
  id: string | undefined;
  data: { kind: string; paymentId?: number; callbackId?: number };
}

/** Every job in `payment-followups` (no worker runs in these tests, so they stay waiting). */
export async function followupJobs(queues: Queues): Promise<FollowupJob[]> {
  const jobs = await queues.get(QueueName.PaymentFollowups).getJobs(["waiting", "delayed", "active", "completed", "failed", "prioritized", "waiting-children"]);
  return jobs.map((j) => ({ id: j.id, data: j.data as FollowupJob["data"] }));
}

/** `webhook_rejected_total{source,reason}` as exposed on /metrics (0 when never counted). */
export async function rejectedCount(metrics: Metrics, source: string, reason: string): Promise<number> {
  const text = await metrics.registry.metrics();
  for (const line of text.split("\n")) {
    const m = /^webhook_rejected_total\{([^}]*)\} (\d+(?:\.\d+)?)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (labels.source === source && labels.reason === reason) return Number(m[2]);
  }
  return 0;
}
