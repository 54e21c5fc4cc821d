/**
 * Retention of payment records (shop/payments/retention.ts) against a real Postgres: what is
 * past its time goes, in batches; gateway event keys stay well past every redelivery window;
 * keys of other sources are never touched.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../db/client.js";
import { QueueName, jobId } from "../../jobs/queues.js";
import { tickId } from "../../jobs/scheduler.js";
import { PAYMENT_RETENTION_DAYS, purgePaymentRecords } from "../../shop/payments/retention.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { startTestService } from "../support/service.js";

let db: TestDatabase;
let prisma: PrismaClient;
beforeAll(async () => {
  db = await createTestDatabase();
  prisma = db.prisma;
});
afterAll(async () => {
  await db?.drop();
});

const NOW = new Date("2027-06-01T00:00:00Z");
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);

describe("purgePaymentRecords", () => {
  it("deletes callbacks and gateway event keys past their retention, in batches, and nothing else", async () => {
    const callback = (receivedAt: Date, verified: boolean, tag: string) => ({ gateway: "TRIPAY" as const, verified, rawBody: "{}", headers: {}, reference: tag, receivedAt });
    await prisma.paymentCallback.createMany({
      data: [
        ...Array.from({ length: 7 }, (_, i) => callback(daysAgo(PAYMENT_RETENTION_DAYS.callbacks + 1 + i), true, "old")),
        callback(daysAgo(PAYMENT_RETENTION_DAYS.callbacks - 1), true, "kept"),
        callback(daysAgo(PAYMENT_RETENTION_DAYS.unverifiedCallbacks + 1), false, "old-unverified"),
        callback(daysAgo(PAYMENT_RETENTION_DAYS.unverifiedCallbacks - 1), false, "kept-unverified"),
      ],
    });
    const event = (source: string, key: string, createdAt: Date) => ({ source, key, createdAt });
    await prisma.processedEvent.createMany({
      data: [
        ...Array.from({ length: 5 }, (_, i) => event("tripay", `T${i}:PAID`, daysAgo(PAYMENT_RETENTION_DAYS.processedEvents + 1))),
        event("midtrans", "ORD-1-MT1:settlement:accept", daysAgo(PAYMENT_RETENTION_DAYS.processedEvents + 30)),
        event("tripay", "T-recent:PAID", daysAgo(PAYMENT_RETENTION_DAYS.processedEvents - 1)),
        // Lifecycle step and review decision keys: one per VPS expiry / decision, pruned once long past.
        event("lifecycle", "grace:1:2026-01-01T00:00:00.000Z", daysAgo(PAYMENT_RETENTION_DAYS.lifecycleKeys + 1)),
        event("review", "approve:1", daysAgo(PAYMENT_RETENTION_DAYS.reviewKeys + 1)),
        event("lifecycle", "grace:2:2026-11-01T00:00:00.000Z", daysAgo(PAYMENT_RETENTION_DAYS.lifecycleKeys - 1)),
        event("review", "approve:2", daysAgo(PAYMENT_RETENTION_DAYS.reviewKeys - 1)),
        // Any other source keeps its keys.
        event("other", "x:1", daysAgo(400)),
      ],
    });

    expect(await purgePaymentRecords(prisma, { now: NOW, batchSize: 3 })).toEqual({ callbacks: 8, processedEvents: 8 });
    expect((await prisma.paymentCallback.findMany({ orderBy: { id: "asc" } })).map((c) => c.reference)).toEqual(["kept", "kept-unverified"]);
    expect((await prisma.processedEvent.findMany({ orderBy: { id: "asc" } })).map((e) => `${e.source}/${e.key}`)).toEqual([
      "tripay/T-recent:PAID",
      "lifecycle/grace:2:2026-11-01T00:00:00.000Z",
      "review/approve:2",
      "other/x:1",
    ]);
    // Idempotent.
    expect(await purgePaymentRecords(prisma, { now: NOW })).toEqual({ callbacks: 0, processedEvents: 0 });
  });

  it("runs in the daily retention job (screenshot-purge) of the worker role", async () => {
    const t = await startTestService({ roles: ["worker"] });
    try {
      const old = new Date(Date.now() - (PAYMENT_RETENTION_DAYS.processedEvents + 1) * 86_400_000);
      await t.service.prisma.processedEvent.create({ data: { source: "midtrans", key: "ORD-OLD-MT1:settlement:accept", createdAt: old } });
      const tick = tickId();
      await t.service.queues.enqueue(QueueName.ScreenshotPurge, { tick }, { jobId: jobId("screenshot-purge", tick) });
      const left = () => t.service.prisma.processedEvent.count({ where: { source: "midtrans" } });
      for (let i = 0; i < 400 && (await left()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await t.service.prisma.processedEvent.count({ where: { source: "midtrans" } })).toBe(0);
    } finally {
      await t.stop();
    }
  });
});
