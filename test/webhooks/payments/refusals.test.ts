/**
 * Refused gateway callbacks are abuse-proof: anyone can send forged or malformed ones as fast as
 * they like. They are counted (webhook_rejected_total) and sampled into the log, never stored
 * in payment_callbacks. Real Postgres and Redis, the webhook app as the web role wires it, a
 * logger writing into memory and a hand-driven clock for the log sampler.
 */
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tripayCallbackSignature } from "../../../shop/payments/gateways/tripay.js";
import { LogSampler } from "../../../webhooks/log-sampler.js";
import { paymentWebhookRoutes } from "../../../webhooks/routes/payments.js";
import { createServer } from "../../../webhooks/server.js";
import { createTestDatabase, type TestDatabase } from "../../support/db.js";
import { deleteKeys, uniquePrefix } from "../../support/redis.js";
import { MIDTRANS_SERVER_KEY, createPendingOrder, createWebhookHarness, midtransNotificationBody, rejectedCount, tripayCallbackBody, tripayHeaders, type WebhookHarness } from "./harness.js";

let db: TestDatabase;
let h: WebhookHarness;
const prefix = uniquePrefix("wh-refusals");
const lines: Array<Record<string, unknown>> = [];
let clock = 1_000_000;
let app: ReturnType<typeof createServer>;

beforeAll(async () => {
  db = await createTestDatabase();
  h = await createWebhookHarness({ dbUrl: db.url, prefix });
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const refusalLog = new LogSampler(60_000, () => clock);
  app = createServer({ logger, metrics: h.metrics, prisma: h.prisma, redis: h.redis }, [
    { path: "/webhooks", app: paymentWebhookRoutes({ config: h.config, prisma: h.prisma, queues: h.queues, metrics: h.metrics, settler: h.settler, refusalLog }) },
  ]);
});

afterAll(async () => {
  await h?.close();
  await deleteKeys(prefix);
  await db?.drop();
});

const refusals = (gateway: string, reason: string) => lines.filter((l) => l.msg === "payment callback refused" && l.gateway === gateway && l.reason === reason);
const post = (path: string, body: string, headers: Record<string, string>) => app.request(path, { method: "POST", headers: { ...headers, "x-forwarded-for": "203.0.113.9" }, body });

describe("refused callbacks", () => {
  it("100 forged Tripay callbacks of 16 KiB: 401 each, counted 100 times, none stored, one log line; a minute later the next line says how many were left out", async () => {
    const p = await createPendingOrder(h.prisma);
    const rows = await h.prisma.paymentCallback.count();
    const counted = await rejectedCount(h.metrics, "tripay", "bad_signature");
    const raw = tripayCallbackBody(p, { note: "x".repeat(15_000) });
    const forged = tripayHeaders(raw, { signature: tripayCallbackSignature("not-the-merchant-key", raw) });

    for (let i = 0; i < 100; i++) expect((await post("/webhooks/tripay", raw, forged)).status).toBe(401);
    expect(await rejectedCount(h.metrics, "tripay", "bad_signature")).toBe(counted + 100);
    expect(await h.prisma.paymentCallback.count()).toBe(rows);
    expect(refusals("tripay", "bad_signature")).toMatchObject([{ level: 40, remoteIp: "203.0.113.9", alikeNotLogged: 0 }]);

    clock += 60_000;
    await post("/webhooks/tripay", raw, forged);
    expect(refusals("tripay", "bad_signature").map((l) => l.alikeNotLogged)).toEqual([0, 99]);
    expect((await h.prisma.order.findUniqueOrThrow({ where: { id: p.orderId } })).status).toBe("PENDING_PAYMENT");
  });

  it("forged and malformed Midtrans notifications: refused, counted per reason, none stored, one line per reason", async () => {
    const p = await createPendingOrder(h.prisma, { gateway: "MIDTRANS", attemptRef: `ORD-REF-${Date.now()}-MT1` });
    const rows = await h.prisma.paymentCallback.count();
    const forged = JSON.stringify(midtransNotificationBody(p.attemptRef, { signatureKey: "f".repeat(128) }));
    const json = { "content-type": "application/json" };
    for (let i = 0; i < 20; i++) {
      expect((await post("/webhooks/midtrans", forged, json)).status).toBe(401);
      expect((await post("/webhooks/midtrans", "{not json", json)).status).toBe(400);
      expect((await post("/webhooks/midtrans", JSON.stringify({ order_id: p.attemptRef }), json)).status).toBe(400);
    }
    expect(await h.prisma.paymentCallback.count()).toBe(rows);
    expect(refusals("midtrans", "bad_signature")).toHaveLength(1);
    expect(refusals("midtrans", "malformed")).toHaveLength(1);
    expect(await rejectedCount(h.metrics, "midtrans", "malformed")).toBe(40);

    // A correctly signed notification is still recorded (the gateway's, so bounded).
    const genuine = JSON.stringify(midtransNotificationBody(p.attemptRef, { grossAmount: `${p.totalIdr}.00` }));
    expect(MIDTRANS_SERVER_KEY).toBe(h.config.midtrans!.serverKey);
    expect((await post("/webhooks/midtrans", genuine, json)).status).toBe(200);
    expect(await h.prisma.paymentCallback.count({ where: { merchantRef: p.attemptRef, verified: true } })).toBe(1);
  });
});
