import type { Db, Instance, PrismaClient, ProviderCode } from "../../db/client.js";
import { CloudError, type CloudProvider } from "../cloud/provider.js";

const DAY = 86_400_000;

export type ReminderEvent = { kind: "reminder"; instanceId: number; userId: number; days: number; autoRenew: boolean };
export type ExpiryEvent =
  | { kind: "grace"; instanceId: number; userId: number; suspendAt: Date }
  | { kind: "suspended"; instanceId: number; userId: number; deleteAt: Date }
  | { kind: "deleted"; instanceId: number; userId: number; deleteAt: Date };
export type LifecycleEvent = ReminderEvent | ExpiryEvent;

/** Marks a lifecycle step as done for this instance and expiry; false if it already was. */
async function once(db: Db, key: string): Promise<boolean> {
  // ON CONFLICT, not a caught unique violation: this runs inside the step's transaction.
  const n = await db.$executeRaw`INSERT INTO processed_events (source, key) VALUES ('lifecycle', ${key}) ON CONFLICT (source, key) DO NOTHING`;
  return n === 1;
}

/**
 * Renewal reminders (e.g. 7, 3 and 1 days before expiry), each sent once per
 * expiry date: `lastReminderDays` only moves down, by a conditional update.
 *
 * With `deliver`, each due reminder is handed over (a durable enqueue under a job id derived
 * from the instance, expiry and threshold) BEFORE it is claimed: a process killed between the
 * two leaves it unclaimed, and the next run delivers it again under the same job id, which the
 * job outbox runs once. Claiming first would lose it. A reminder whose delivery throws stays
 * unclaimed for the next run; the error goes to `onError`.
 */
export async function dueReminders(
  prisma: PrismaClient,
  reminderDays: number[],
  now = new Date(),
  deliver?: (event: ReminderEvent) => Promise<void>,
  onError?: (event: ReminderEvent, err: unknown) => void,
): Promise<ReminderEvent[]> {
  const events: ReminderEvent[] = [];
  const days = [...reminderDays].sort((a, b) => a - b); // the closest threshold wins
  const horizon = new Date(now.getTime() + Math.max(...days, 0) * DAY);
  const instances = await prisma.instance.findMany({ where: { status: { in: ["ACTIVE", "OFF"] }, expiresAt: { gt: now, lte: horizon } } });
  for (const i of instances) {
    const left = (i.expiresAt.getTime() - now.getTime()) / DAY;
    const threshold = days.find((d) => left <= d);
    if (threshold === undefined || (i.lastReminderDays !== null && i.lastReminderDays <= threshold)) continue;
    const event: ReminderEvent = { kind: "reminder", instanceId: i.id, userId: i.userId, days: threshold, autoRenew: i.autoRenew };
    if (deliver) {
      try {
        await deliver(event);
      } catch (err) {
        onError?.(event, err);
        continue;
      }
    }
    const { count } = await prisma.instance.updateMany({
      where: { id: i.id, expiresAt: i.expiresAt, OR: [{ lastReminderDays: null }, { lastReminderDays: { gt: threshold } }] },
      data: { lastReminderDays: threshold },
    });
    if (count === 1) events.push(event);
  }
  return events;
}

/** A step that failed for one instance; the others went on. */
export interface ExpiryFailure {
  instanceId: number;
  error: string;
}

export interface ExpiryRun {
  events: ExpiryEvent[];
  failures: ExpiryFailure[];
}

/**
 * The customer's notice of an expiry step, made durable by the caller (a job_outbox row) inside
 * the step's own transaction: a process killed right after the step still has its notice on
 * record, and the recovery sweep sends it. `withdraw` takes back the notice of a step that was
 * given back (the power-off failed; the next run tries again and records it again).
 */
export interface ExpiryNotices {
  record(tx: Db, event: ExpiryEvent, instance: Instance): Promise<void>;
  withdraw(event: ExpiryEvent, instance: Instance): Promise<void>;
}

/** Statuses the expiry steps act on. */
const LIVE = ["ACTIVE", "OFF", "SUSPENDED"] as const;

/**
 * After expiry: a grace notice, then power-off (SUSPENDED) after `graceDays`, then deletion
 * `deleteAfterDays` after expiry. Each step happens and is announced once per expiry date.
 *
 * The list read at the start is stale by the time each instance's turn comes (a renewal may be
 * landing), so each instance is read again and every destructive step first claims the row
 * with a compare-and-set on the expiry it judged by: a renewal that got there first makes the
 * claim fail, and one that comes after finds the claim (applyRenewal locks the same row) —
 * SUSPENDED, so it powers the server back on, or `deletedAt`, so it refunds instead of
 * extending. One instance failing does not stop the others: its error is returned in
 * `failures` and the next run tries it again.
 */
export async function processExpired(
  prisma: PrismaClient,
  providers: Partial<Record<ProviderCode, CloudProvider>>,
  opts: { graceDays: number; deleteAfterDays: number; now?: Date; notices?: ExpiryNotices },
): Promise<ExpiryRun> {
  const now = opts.now ?? new Date();
  const run: ExpiryRun = { events: [], failures: [] };
  const due = await prisma.instance.findMany({ where: { status: { in: [...LIVE] }, expiresAt: { lte: now } }, select: { id: true }, orderBy: { id: "asc" } });
  for (const { id } of due) {
    try {
      const event = await expireOne(prisma, providers, id, { ...opts, now });
      if (event) run.events.push(event);
    } catch (err) {
      run.failures.push({ instanceId: id, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return run;
}

async function expireOne(
  prisma: PrismaClient,
  providers: Partial<Record<ProviderCode, CloudProvider>>,
  id: number,
  opts: { graceDays: number; deleteAfterDays: number; now: Date; notices?: ExpiryNotices },
): Promise<ExpiryEvent | null> {
  const { now, notices } = opts;
  const i = await prisma.instance.findUnique({ where: { id } });
  if (!i || !(LIVE as readonly string[]).includes(i.status) || i.expiresAt > now) return null; // renewed or gone since the list was read
  // Held after a gateway refund/chargeback: the owner decides what happens to it, not the calendar.
  if ((await prisma.paymentHold.count({ where: { instanceId: id, status: "HELD" } })) > 0) return null;
  const suspendAt = new Date(i.expiresAt.getTime() + opts.graceDays * DAY);
  const deleteAt = new Date(i.expiresAt.getTime() + opts.deleteAfterDays * DAY);
  const provider = providers[i.providerCode];
  const serverId = i.providerInstanceId;

  if (now >= deleteAt || i.deletedAt) {
    if (!i.deletedAt) {
      // The claim: from here on a renewal is refused and refunded (applyRenewal checks deletedAt).
      const claimed = await prisma.instance.updateMany({ where: { id, expiresAt: i.expiresAt, status: i.status, deletedAt: null }, data: { deletedAt: now } });
      if (claimed.count === 0) return null;
    }
    if (provider && serverId) {
      try {
        await provider.deleteServer(serverId);
      } catch (err) {
        // Already gone at the provider is what we wanted; anything else: the next run tries again (the claim stays).
        if (!(err instanceof CloudError && err.code === "not_found")) throw err;
      }
    }
    return markDeleted(prisma, i, deleteAt, i.deletedAt ?? now, notices);
  }

  if (now >= suspendAt && i.status !== "SUSPENDED") {
    const suspended: ExpiryEvent = { kind: "suspended", instanceId: i.id, userId: i.userId, deleteAt };
    // The claim and its notice in one transaction: a crash after it cannot lose the notice.
    const claimed = await prisma.$transaction(async (tx) => {
      const { count } = await tx.instance.updateMany({ where: { id, expiresAt: i.expiresAt, status: i.status }, data: { status: "SUSPENDED", suspendedAt: now } });
      if (count === 1) await notices?.record(tx, suspended, i);
      return count === 1;
    });
    if (!claimed) return null;
    try {
      if (provider && serverId) {
        const live = await provider.getServer(serverId);
        if (!live) return markDeletedInstead(prisma, i, suspended, deleteAt, now, notices);
        // Re-checked right before the power-off: a renewal that landed since the claim keeps it on.
        const still = await prisma.instance.count({ where: { id, expiresAt: i.expiresAt, status: "SUSPENDED" } });
        // A server already off (the customer powered it off) needs no power-off; asking anyway
        // fails on every run (DigitalOcean: 422 "already powered off").
        if (still === 1 && live.status !== "off") await provider.action(serverId, "power_off");
      }
    } catch (err) {
      if (err instanceof CloudError && err.code === "not_found") return markDeletedInstead(prisma, i, suspended, deleteAt, now, notices);
      // Give the step back (unless a renewal changed the row meanwhile) so the next run tries again.
      const given = await prisma.instance.updateMany({ where: { id, expiresAt: i.expiresAt, status: "SUSPENDED", suspendedAt: now }, data: { status: i.status, suspendedAt: i.suspendedAt } });
      if (given.count === 1) await notices?.withdraw(suspended, i);
      throw err;
    }
    return suspended;
  }

  if (i.status !== "SUSPENDED" && now < suspendAt) {
    const grace: ExpiryEvent = { kind: "grace", instanceId: i.id, userId: i.userId, suspendAt };
    const claimed = await prisma.$transaction(async (tx) => {
      if (!(await once(tx, `grace:${i.id}:${i.expiresAt.toISOString()}`))) return false;
      await notices?.record(tx, grace, i);
      return true;
    });
    if (claimed) return grace;
  }
  return null;
}

/** The server is gone (deleted by us, or not found at the provider): DELETED, its notice recorded in the same transaction, once. */
async function markDeleted(prisma: PrismaClient, i: Instance, deleteAt: Date, deletedAt: Date, notices?: ExpiryNotices): Promise<ExpiryEvent | null> {
  const event: ExpiryEvent = { kind: "deleted", instanceId: i.id, userId: i.userId, deleteAt };
  return prisma.$transaction(async (tx) => {
    const done = await tx.instance.updateMany({ where: { id: i.id, status: { in: [...LIVE] } }, data: { status: "DELETED", deletedAt } });
    if (done.count === 0) return null;
    await notices?.record(tx, event, i);
    return event;
  });
}

/** Found gone while suspending: the "suspended" notice just recorded gives way to "deleted". */
async function markDeletedInstead(prisma: PrismaClient, i: Instance, suspended: ExpiryEvent, deleteAt: Date, now: Date, notices?: ExpiryNotices): Promise<ExpiryEvent | null> {
  await notices?.withdraw(suspended, i);
  return markDeleted(prisma, i, deleteAt, now, notices);
}
