/**
 * The daily retention run (the worker's screenshot-purge job) against a real Postgres:
 * - customer events older than CUSTOMER_EVENT_RETENTION_DAYS go with their webhook and email
 *   deliveries once every delivery is DELIVERED or FAILED; an event with a PENDING delivery stays,
 *   however old; younger events stay; in batches;
 * - api_idempotency records past their 24 hours go for every key (claims prune only their own key);
 * - Mini App sessions that ended (expired or revoked) and were opened more than a day ago go for
 *   every user (openSession prunes only its user's); open and recent ones stay.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../db/client.js";
import { QueueName, jobId } from "../../jobs/queues.js";
import { tickId } from "../../jobs/scheduler.js";
import { IDEMPOTENCY_TTL_MS, purgeExpiredIdempotency } from "../../shop/api/idempotency.js";
import { CUSTOMER_EVENT_RETENTION_DAYS, purgeCustomerEvents } from "../../shop/events/retention.js";
import { purgeEndedSessions } from "../../shop/miniapp/sessions.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { startTestService } from "../support/service.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const DAY = 86_400_000;
let seq = 7_800_000n;
let subject = 0;

async function user(prisma: PrismaClient) {
  seq += 1n;
  return prisma.user.create({ data: { telegramId: seq, firstName: "Rina" } });
}

type Status = "PENDING" | "DELIVERED" | "FAILED";

/** An event `ageDays` old with a webhook delivery and an email delivery in these states; returns the event id. */
async function eventWith(prisma: PrismaClient, ageDays: number, webhook: Status | null, email: Status | null): Promise<number> {
  const u = await user(prisma);
  const createdAt = new Date(Date.now() - ageDays * DAY);
  const event = await prisma.customerEvent.create({ data: { userId: u.id, type: "ORDER_PAID", subjectKey: `order:ret-${++subject}`, data: {}, createdAt } });
  if (webhook) {
    const endpoint = await prisma.webhookEndpoint.create({ data: { userId: u.id, url: "https://example.com/hook", secretEnc: new Uint8Array(8) } });
    await prisma.webhookDelivery.create({ data: { eventId: event.id, endpointId: endpoint.id, url: endpoint.url, status: webhook, createdAt } });
  }
  if (email) await prisma.emailDelivery.create({ data: { eventId: event.id, toEmail: "rina@example.com", status: email, createdAt } });
  return event.id;
}

const eventsLeft = async (prisma: PrismaClient, ids: number[]) => (await prisma.customerEvent.findMany({ where: { id: { in: ids } }, select: { id: true } })).map((e) => e.id).sort((a, b) => a - b);

describe("retention of customer events, idempotency records and Mini App sessions", () => {
  it("deletes old events whose deliveries are all over, with their deliveries; never one still PENDING", async () => {
    const old = CUSTOMER_EVENT_RETENTION_DAYS + 1;
    const gone = [
      await eventWith(db.prisma, old, "DELIVERED", "DELIVERED"),
      await eventWith(db.prisma, old, "FAILED", null),
      await eventWith(db.prisma, old, null, "FAILED"),
      await eventWith(db.prisma, old + 200, "DELIVERED", "FAILED"),
      await eventWith(db.prisma, old, null, null),
    ];
    const kept = [
      await eventWith(db.prisma, old + 200, "PENDING", "DELIVERED"),
      await eventWith(db.prisma, old, "DELIVERED", "PENDING"),
      await eventWith(db.prisma, CUSTOMER_EVENT_RETENTION_DAYS - 1, "DELIVERED", "DELIVERED"),
    ];
    const all = [...gone, ...kept];
    const deliveries = async () => ({
      webhook: await db.prisma.webhookDelivery.count({ where: { eventId: { in: all } } }),
      email: await db.prisma.emailDelivery.count({ where: { eventId: { in: all } } }),
    });
    expect(await deliveries()).toEqual({ webhook: 6, email: 6 });

    expect(await purgeCustomerEvents(db.prisma, { batchSize: 2 })).toEqual({ events: 5, webhookDeliveries: 3, emailDeliveries: 3 });
    expect(await eventsLeft(db.prisma, all)).toEqual(kept.sort((a, b) => a - b));
    expect(await deliveries()).toEqual({ webhook: 3, email: 3 });
    // Idempotent.
    expect(await purgeCustomerEvents(db.prisma)).toEqual({ events: 0, webhookDeliveries: 0, emailDeliveries: 0 });
  });

  it("deletes idempotency records past their 24 hours for every key, keeps younger ones", async () => {
    const u = await user(db.prisma);
    const keys = await Promise.all(
      ["a", "b"].map((n) => db.prisma.apiKey.create({ data: { userId: u.id, name: n, prefix: `ret${n}${seq}`, secretHash: "x", scopes: ["read"] } })),
    );
    const at = (ms: number) => new Date(Date.now() - ms);
    const row = (apiKeyId: number, idemKey: string, createdAt: Date, statusCode: number | null) => ({ apiKeyId, idemKey, method: "POST", path: "/orders", requestHash: "h", statusCode, createdAt });
    await db.prisma.apiIdempotency.createMany({
      data: [
        row(keys[0]!.id, "old-done", at(IDEMPOTENCY_TTL_MS + 60_000), 201),
        row(keys[1]!.id, "old-unfinished", at(IDEMPOTENCY_TTL_MS + 3 * DAY), null),
        row(keys[0]!.id, "young", at(IDEMPOTENCY_TTL_MS - 60_000), 201),
      ],
    });
    expect(await purgeExpiredIdempotency(db.prisma)).toBe(2);
    expect((await db.prisma.apiIdempotency.findMany({ where: { apiKeyId: { in: keys.map((k) => k.id) } } })).map((r) => r.idemKey)).toEqual(["young"]);
  });

  it("deletes sessions that ended and were opened over a day ago for every user, keeps the rest", async () => {
    const [a, b] = [await user(db.prisma), await user(db.prisma)];
    const ago = (ms: number) => new Date(Date.now() - ms);
    const session = (userId: number, tag: string, createdAt: Date, expiresAt: Date, revokedAt: Date | null = null) =>
      ({ userId, tokenHash: `t-${tag}-${seq}`, initHash: `i-${tag}-${seq}`, createdAt, expiresAt, revokedAt });
    await db.prisma.appSession.createMany({
      data: [
        session(a.id, "expired-long-ago", ago(3 * DAY), ago(3 * DAY - 3_600_000)),
        session(b.id, "revoked-long-ago", ago(2 * DAY), new Date(Date.now() + DAY), ago(2 * DAY - 60_000)),
        session(a.id, "expired-recently", ago(2 * 3_600_000), ago(3_600_000)),
        session(b.id, "revoked-recently", ago(2 * 3_600_000), new Date(Date.now() + DAY), ago(3_600_000)),
        session(a.id, "open", ago(60_000), new Date(Date.now() + 3_600_000)),
      ],
    });
    expect(await purgeEndedSessions(db.prisma, { replayWindowMs: 3_600_000 })).toBe(2);
    const left = await db.prisma.appSession.findMany({ where: { userId: { in: [a.id, b.id] } }, select: { tokenHash: true } });
    expect(left.map((s) => s.tokenHash.split("-").slice(1, -1).join("-")).sort()).toEqual(["expired-recently", "open", "revoked-recently"]);
  });

  it("all three run in the daily retention job (screenshot-purge) of the worker role", async () => {
    const t = await startTestService({ roles: ["worker"] });
    try {
      const prisma = t.service.prisma;
      const event = await eventWith(prisma, CUSTOMER_EVENT_RETENTION_DAYS + 1, "DELIVERED", "FAILED");
      const pending = await eventWith(prisma, CUSTOMER_EVENT_RETENTION_DAYS + 1, "PENDING", null);
      const u = await user(prisma);
      const key = await prisma.apiKey.create({ data: { userId: u.id, name: "k", prefix: `retw${seq}`, secretHash: "x", scopes: ["read"] } });
      await prisma.apiIdempotency.create({ data: { apiKeyId: key.id, idemKey: "old", method: "POST", path: "/orders", requestHash: "h", statusCode: 201, createdAt: new Date(Date.now() - 2 * DAY) } });
      await prisma.appSession.create({ data: { userId: u.id, tokenHash: `tw${seq}`, initHash: `iw${seq}`, createdAt: new Date(Date.now() - 3 * DAY), expiresAt: new Date(Date.now() - 3 * DAY + 3_600_000) } });

      const tick = tickId();
      await t.service.queues.enqueue(QueueName.ScreenshotPurge, { tick }, { jobId: jobId("screenshot-purge", tick) });
      const left = async () => ({
        events: await eventsLeft(prisma, [event, pending]),
        idempotency: await prisma.apiIdempotency.count({ where: { apiKeyId: key.id } }),
        sessions: await prisma.appSession.count({ where: { userId: u.id } }),
      });
      await expect.poll(left, { timeout: 20_000, interval: 50 }).toEqual({ events: [pending], idempotency: 0, sessions: 0 });
    } finally {
      await t.stop();
    }
  });
});
