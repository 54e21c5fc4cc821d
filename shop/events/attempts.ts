/**
 * The attempt bookkeeping both kinds of delivery share (webhook_deliveries, email_deliveries):
 * a delivery row is claimed before each attempt, and the attempt's outcome sets when the next
 * one is due. The row, not Redis, is the truth: a job is only a reminder that a row is due.
 */
import { Prisma, type Db } from "../../db/client.js";

/** After the 1st, 2nd … failed attempt: wait this long (then FAILED after the last). 7 attempts over ~8.6 h. */
export const RETRY_DELAYS_MS: readonly number[] = [10_000, 60_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 6 * 3_600_000];

/** When attempt number `attemptsMade + 1` is due, or null when the schedule is used up. */
export function nextAttemptAt(attemptsMade: number, now: Date, delays: readonly number[] = RETRY_DELAYS_MS): Date | null {
  const delay = delays[attemptsMade - 1];
  return delay === undefined ? null : new Date(now.getTime() + delay);
}

/** The longest a receiver's Retry-After may hold back the next attempt (the schedule's longest wait). */
export const RETRY_AFTER_CAP_MS = 6 * 3_600_000;

/**
 * A `Retry-After` header (RFC 9110 §10.2.3: delay-seconds, or an HTTP-date) as milliseconds from
 * `now`, capped at `capMs`; null when absent or unreadable. A date in the past is 0.
 */
export function retryAfterMs(header: string | null | undefined, now: Date, capMs = RETRY_AFTER_CAP_MS): number | null {
  const value = header?.trim();
  if (!value) return null;
  let ms: number;
  if (/^\d+$/.test(value)) ms = Number(value) * 1000;
  else {
    const at = Date.parse(value);
    // HTTP-dates name their weekday and GMT; a bare number-ish string that Date.parse accepts is not one.
    if (Number.isNaN(at) || !/GMT$/i.test(value)) return null;
    ms = Math.max(0, at - now.getTime());
  }
  return Math.min(ms, capMs);
}

export type DeliveryTable = "webhook_deliveries" | "email_deliveries";

export interface Claim {
  /** Attempts made before this one. */
  attempts: number;
  /** The row's next_attempt_at while this attempt runs: the outcome is written only while it still holds. */
  leaseUntil: Date;
}

/**
 * Claims a PENDING delivery for one attempt: it must be due (or be the exact due time the job was
 * queued for, so a job that fires a moment early still runs), and its next_attempt_at moves to
 * `leaseMs` from now, so a second job for the same row finds nothing to do, and a process killed
 * mid-attempt leaves a row the recovery sweep finds due again after the lease.
 */
export async function claimDelivery(db: Db, table: DeliveryTable, id: number, dueAt: Date | undefined, leaseMs: number): Promise<Claim | null> {
  const rows = await db.$queryRaw<{ attempts: number; lease_until: Date }[]>`
    UPDATE ${Prisma.raw(`"${table}"`)} SET next_attempt_at = now() + ${leaseMs} * interval '1 millisecond'
    WHERE id = ${id} AND status = 'PENDING'
      AND (next_attempt_at <= now() OR next_attempt_at = ${dueAt ?? null}::timestamptz)
    RETURNING attempts, next_attempt_at AS lease_until`;
  const row = rows[0];
  return row ? { attempts: row.attempts, leaseUntil: row.lease_until } : null;
}

/** The next attempt's due time of a delivery still PENDING (null when delivered, failed or gone). */
export async function pendingDueAt(db: Db, table: DeliveryTable, id: number): Promise<Date | null> {
  const rows = await db.$queryRaw<{ next_attempt_at: Date }[]>`
    SELECT next_attempt_at FROM ${Prisma.raw(`"${table}"`)} WHERE id = ${id} AND status = 'PENDING'`;
  return rows[0]?.next_attempt_at ?? null;
}

/** Moves a PENDING delivery still due at `dueAt` to a minute from now (its job for `dueAt` is over), noting why. */
export async function postpone(db: Db, table: DeliveryTable, id: number, dueAt: Date, reason: string): Promise<void> {
  await db.$executeRaw`
    UPDATE ${Prisma.raw(`"${table}"`)} SET next_attempt_at = now() + interval '1 minute', last_error = ${reason.slice(0, 500)}
    WHERE id = ${id} AND status = 'PENDING' AND next_attempt_at = ${dueAt}::timestamptz`;
}

/** A PENDING delivery whose attempt is overdue by more than `graceMs` (its job lost, or never queued). */
export interface DueDelivery {
  kind: "webhook" | "email";
  deliveryId: number;
  dueAt: Date;
}

/** Overdue PENDING deliveries of both kinds, oldest first, one page after (dueAt, kind, id) `after`. */
export async function overdueDeliveries(db: Db, graceMs: number, limit = 500, after?: DueDelivery): Promise<DueDelivery[]> {
  const [afterAt, afterKind, afterId] = after ? [after.dueAt, after.kind, after.deliveryId] : [new Date(0), "", 0];
  return db.$queryRaw<DueDelivery[]>`
    SELECT * FROM (
      SELECT 'webhook' AS kind, id AS "deliveryId", next_attempt_at AS "dueAt" FROM webhook_deliveries
      WHERE status = 'PENDING' AND next_attempt_at < now() - ${graceMs} * interval '1 millisecond'
      UNION ALL
      SELECT 'email' AS kind, id AS "deliveryId", next_attempt_at AS "dueAt" FROM email_deliveries
      WHERE status = 'PENDING' AND next_attempt_at < now() - ${graceMs} * interval '1 millisecond'
    ) d
    WHERE ("dueAt", kind, "deliveryId") > (${afterAt}::timestamptz, ${afterKind}, ${afterId}::int)
    ORDER BY "dueAt", kind, "deliveryId" LIMIT ${limit}`;
}
