import type { PrismaClient, ProviderCode } from "../../db/client.js";
import { isUniqueViolation } from "../../db/client.js";
import { CloudError, type CloudProvider } from "../cloud/provider.js";

const DAY = 86_400_000;

export type ReminderEvent = { kind: "reminder"; instanceId: number; userId: number; days: number; autoRenew: boolean };
export type ExpiryEvent =
  | { kind: "grace"; instanceId: number; userId: number; suspendAt: Date }
  | { kind: "suspended"; instanceId: number; userId: number; deleteAt: Date }
  | { kind: "deleted"; instanceId: number; userId: number; deleteAt: Date };
export type LifecycleEvent = ReminderEvent | ExpiryEvent;

/** Marks a lifecycle step as done for this instance and expiry; false if it already was. */
async function once(prisma: PrismaClient, key: string): Promise<boolean> {
  try {
    await prisma.processedEvent.create({ data: { source: "lifecycle", key } });
    return true;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
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
  opts: { graceDays: number; deleteAfterDays: number; now?: Date },
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
  opts: { graceDays: number; deleteAfterDays: number; now: Date },
): Promise<ExpiryEvent | null> {
  const { now } = opts;
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
    return markDeleted(prisma, i.id, i.userId, deleteAt, i.deletedAt ?? now);
  }

  if (now >= suspendAt && i.status !== "SUSPENDED") {
    const claimed = await prisma.instance.updateMany({ where: { id, expiresAt: i.expiresAt, status: i.status }, data: { status: "SUSPENDED", suspendedAt: now } });
    if (claimed.count === 0) return null;
    try {
      if (provider && serverId) {
        const live = await provider.getServer(serverId);
        if (!live) return markDeleted(prisma, i.id, i.userId, deleteAt, now);
        // Re-checked right before the power-off: a renewal that landed since the claim keeps it on.
        const still = await prisma.instance.count({ where: { id, expiresAt: i.expiresAt, status: "SUSPENDED" } });
        // A server already off (the customer powered it off) needs no power-off; asking anyway
        // fails on every run (DigitalOcean: 422 "already powered off").
        if (still === 1 && live.status !== "off") await provider.action(serverId, "power_off");
      }
    } catch (err) {
      if (err instanceof CloudError && err.code === "not_found") return markDeleted(prisma, i.id, i.userId, deleteAt, now);
      // Give the step back (unless a renewal changed the row meanwhile) so the next run tries again.
      await prisma.instance.updateMany({ where: { id, expiresAt: i.expiresAt, status: "SUSPENDED", suspendedAt: now }, data: { status: i.status, suspendedAt: i.suspendedAt } });
      throw err;
    }
    return { kind: "suspended", instanceId: i.id, userId: i.userId, deleteAt };
  }

  if (i.status !== "SUSPENDED" && now < suspendAt && (await once(prisma, `grace:${i.id}:${i.expiresAt.toISOString()}`))) {
    return { kind: "grace", instanceId: i.id, userId: i.userId, suspendAt };
  }
  return null;
}

/** The server is gone (deleted by us, or not found at the provider): DELETED, announced once. */
async function markDeleted(prisma: PrismaClient, id: number, userId: number, deleteAt: Date, deletedAt: Date): Promise<ExpiryEvent | null> {
  const done = await prisma.instance.updateMany({ where: { id, status: { in: [...LIVE] } }, data: { status: "DELETED", deletedAt } });
  return done.count === 1 ? { kind: "deleted", instanceId: id, userId, deleteAt } : null;
}
