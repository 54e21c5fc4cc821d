/**
 * Retention of customer events: an event and its delivery rows (webhook_deliveries,
 * email_deliveries: the reseller's delivery log, the email copies' Message-IDs) are kept
 * CUSTOMER_EVENT_RETENTION_DAYS, then deleted together, in batches, by the daily retention run.
 * An event with a delivery still PENDING is never deleted, however old: its attempts are not over.
 * The subjects (order:12, instance:7:2026-12-24, action:31) never happen again that late, so
 * dropping the row cannot let the same event be recorded twice.
 */
import type { PrismaClient } from "../../db/client.js";

export const CUSTOMER_EVENT_RETENTION_DAYS = 90;

export interface EventPurge {
  events: number;
  webhookDeliveries: number;
  emailDeliveries: number;
}

/** Deletes events older than the retention with no PENDING delivery, and their deliveries (cascade). Idempotent. */
export async function purgeCustomerEvents(prisma: PrismaClient, opts: { now?: Date; batchSize?: number } = {}): Promise<EventPurge> {
  const cutoff = new Date((opts.now ?? new Date()).getTime() - CUSTOMER_EVENT_RETENTION_DAYS * 86_400_000);
  const batch = opts.batchSize ?? 5_000;
  const total: EventPurge = { events: 0, webhookDeliveries: 0, emailDeliveries: 0 };
  for (;;) {
    // One statement a batch: the counts read the snapshot before the delete's cascade.
    const [done] = await prisma.$queryRaw<EventPurge[]>`
      WITH doomed AS (
        SELECT e.id FROM customer_events e
        WHERE e.created_at < ${cutoff}
          AND NOT EXISTS (SELECT 1 FROM webhook_deliveries w WHERE w.event_id = e.id AND w.status = 'PENDING')
          AND NOT EXISTS (SELECT 1 FROM email_deliveries m WHERE m.event_id = e.id AND m.status = 'PENDING')
        ORDER BY e.id LIMIT ${batch}
        FOR UPDATE SKIP LOCKED
      ), gone AS (DELETE FROM customer_events WHERE id IN (SELECT id FROM doomed) RETURNING id)
      SELECT (SELECT count(*) FROM gone)::int AS events,
             (SELECT count(*) FROM webhook_deliveries WHERE event_id IN (SELECT id FROM doomed))::int AS "webhookDeliveries",
             (SELECT count(*) FROM email_deliveries WHERE event_id IN (SELECT id FROM doomed))::int AS "emailDeliveries"`;
    total.events += done!.events;
    total.webhookDeliveries += done!.webhookDeliveries;
    total.emailDeliveries += done!.emailDeliveries;
    if (done!.events < batch) return total;
  }
}
