import type { PrismaClient } from "../../db/client.js";

/**
 * How long payment records are kept, in days.
 *
 * - Gateway event keys (`processed_events`, sources "tripay"/"midtrans") make callbacks
 *   exactly-once. A key must outlive every redelivery of its event: Tripay retries for minutes,
 *   Midtrans for hours, the reconciliation asks about attempts up to 48 hours old. 90 days is far
 *   past all of them (and a very late replay still meets the payment's own status guards).
 * - Received callbacks (`payment_callbacks`) are the evidence when money is disputed; card
 *   chargebacks come up to ~120 days later, so 180 days.
 * - Unverified rows (written before refused callbacks stopped being stored) prove nothing.
 * - Lifecycle step keys (source "lifecycle", one per VPS and expiry date: `grace:<id>:<expiry>`)
 *   are written at or after that expiry and only guard the grace notice, which is sent only until
 *   the suspension a few days later; 90 days on, that expiry is long past (renewed: a new key;
 *   not: deleted), so the key can never be asked for again.
 * - Review decision keys (source "review", `approve:<payment>`) guard a seller's decision; a
 *   replay after 90 days still meets the payment's own status guard (no longer under review).
 */
export const PAYMENT_RETENTION_DAYS = { processedEvents: 90, callbacks: 180, unverifiedCallbacks: 7, lifecycleKeys: 90, reviewKeys: 90 } as const;

/** Sources whose keys are gateway event keys. */
export const GATEWAY_EVENT_SOURCES = ["tripay", "midtrans"] as const;

const DAY = 86_400_000;

/**
 * Deletes payment records past their retention (`PAYMENT_RETENTION_DAYS`), oldest first, in
 * batches so no statement holds many locks or runs long. Idempotent; run daily.
 */
export async function purgePaymentRecords(prisma: PrismaClient, opts: { now?: Date; batchSize?: number } = {}): Promise<{ callbacks: number; processedEvents: number }> {
  const now = (opts.now ?? new Date()).getTime();
  const batch = opts.batchSize ?? 5_000;
  const before = (days: number) => new Date(now - days * DAY);
  const callbacks = await inBatches(() =>
    prisma.$executeRaw`
      DELETE FROM "payment_callbacks" WHERE "id" IN (
        SELECT "id" FROM "payment_callbacks"
         WHERE "received_at" < ${before(PAYMENT_RETENTION_DAYS.callbacks)}
            OR ("verified" = false AND "received_at" < ${before(PAYMENT_RETENTION_DAYS.unverifiedCallbacks)})
         ORDER BY "id" LIMIT ${batch})`,
    batch,
  );
  const processedEvents = await inBatches(() =>
    prisma.$executeRaw`
      DELETE FROM "processed_events" WHERE "id" IN (
        SELECT "id" FROM "processed_events"
         WHERE ("source" = ANY(${[...GATEWAY_EVENT_SOURCES]}::text[]) AND "created_at" < ${before(PAYMENT_RETENTION_DAYS.processedEvents)})
            OR ("source" = 'lifecycle' AND "created_at" < ${before(PAYMENT_RETENTION_DAYS.lifecycleKeys)})
            OR ("source" = 'review' AND "created_at" < ${before(PAYMENT_RETENTION_DAYS.reviewKeys)})
         ORDER BY "id" LIMIT ${batch})`,
    batch,
  );
  return { callbacks, processedEvents };
}

async function inBatches(run: () => Promise<number>, batch: number): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await run();
    total += deleted;
    if (deleted < batch) return total;
  }
}
