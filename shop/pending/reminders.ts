/**
 * Overdue items remind the staff who can act on them: an item waiting longer than the threshold
 * is due once per interval ("slot" = how many intervals past the threshold it is). Each slot is
 * recorded in Postgres before anyone is told, so a re-run, a second scheduler or a Redis wipe
 * never repeats a reminder.
 */
import type { PrismaClient } from "../../db/client.js";
import { closeCards, cardsWithCopiesBehind, handledBy } from "./cards.js";
import { subjectOpen } from "./card-view.js";
import { pendingItems, type PendingItem } from "./items.js";

export interface ReminderSettings {
  remindAfterMs: number;
  remindEveryMs: number;
}

/** The overdue items whose current slot nobody was reminded of yet; their slots are recorded as sent. */
export async function claimDueReminders(prisma: PrismaClient, settings: ReminderSettings, now = new Date()): Promise<PendingItem[]> {
  const items = await pendingItems(prisma, ["payments.review", "provisioning.retry"], now);
  const overdue = items
    .map((item) => ({ item, waited: now.getTime() - item.since.getTime() }))
    .filter((o) => o.waited >= settings.remindAfterMs)
    .map((o) => ({ item: o.item, slot: Math.floor((o.waited - settings.remindAfterMs) / settings.remindEveryMs) }));
  if (overdue.length === 0) return [];
  const claimed = await prisma.$queryRaw<Array<{ item_key: string }>>`
    INSERT INTO pending_reminders (item_key, slot)
    SELECT * FROM unnest(${overdue.map((o) => o.item.key)}::text[], ${overdue.map((o) => o.slot)}::int[])
    ON CONFLICT DO NOTHING
    RETURNING item_key`;
  const fresh = new Set(claimed.map((r) => r.item_key));
  return overdue.filter((o) => fresh.has(o.item.key)).map((o) => o.item);
}

/** Reminder records older than this are dropped (their items are long decided). */
export const REMINDER_RETENTION_DAYS = 30;

export async function pruneReminders(prisma: PrismaClient): Promise<number> {
  return prisma.$executeRaw`DELETE FROM pending_reminders WHERE sent_at < now() - ${REMINDER_RETENTION_DAYS} * interval '1 day'`;
}

/**
 * Cards whose copies need an edit the queue never made: cards decided elsewhere (the order
 * console, a late gateway callback) are closed with whoever the audit trail names, and cards
 * whose edit job was lost are returned too. The caller queues the edits.
 */
export async function cardsToCatchUp(prisma: PrismaClient, limit = 100): Promise<Array<{ key: string; version: number }>> {
  const open = await prisma.$queryRaw<Array<{ key: string }>>`
    SELECT s.key FROM staff_cards s WHERE s.outcome IS NULL AND EXISTS (SELECT 1 FROM staff_card_copies c WHERE c.card_key = s.key AND c.edit_error IS NULL)
     ORDER BY s.updated_at LIMIT ${limit}`;
  const closed: Array<{ key: string; version: number }> = [];
  for (const { key } of open) {
    if (await subjectOpen(prisma, key)) continue;
    const who = await handledBy(prisma, key);
    closed.push(...(await closeCards(prisma, [key], "handled", who ? { userId: null, name: who.name } : null, who?.at)));
  }
  const behind = await cardsWithCopiesBehind(prisma, limit);
  const seen = new Set(closed.map((c) => c.key));
  return [...closed, ...behind.filter((c) => !seen.has(c.key))];
}
