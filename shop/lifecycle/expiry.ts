import type { PrismaClient, ProviderCode } from "../../db/client.js";
import { isUniqueViolation } from "../../db/client.js";
import { CloudError, type CloudProvider } from "../cloud/provider.js";

const DAY = 86_400_000;

export type LifecycleEvent =
  | { kind: "reminder"; instanceId: number; userId: number; days: number; autoRenew: boolean }
  | { kind: "grace"; instanceId: number; userId: number; suspendAt: Date }
  | { kind: "suspended"; instanceId: number; userId: number; deleteAt: Date }
  | { kind: "deleted"; instanceId: number; userId: number; deleteAt: Date };

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
 */
export async function dueReminders(prisma: PrismaClient, reminderDays: number[], now = new Date()): Promise<LifecycleEvent[]> {
  const events: LifecycleEvent[] = [];
  const days = [...reminderDays].sort((a, b) => a - b); // the closest threshold wins
  const horizon = new Date(now.getTime() + Math.max(...days, 0) * DAY);
  const instances = await prisma.instance.findMany({ where: { status: { in: ["ACTIVE", "OFF"] }, expiresAt: { gt: now, lte: horizon } } });
  for (const i of instances) {
    const left = (i.expiresAt.getTime() - now.getTime()) / DAY;
    const threshold = days.find((d) => left <= d);
    if (threshold === undefined || (i.lastReminderDays !== null && i.lastReminderDays <= threshold)) continue;
    const { count } = await prisma.instance.updateMany({
      where: { id: i.id, OR: [{ lastReminderDays: null }, { lastReminderDays: { gt: threshold } }] },
      data: { lastReminderDays: threshold },
    });
    if (count === 1) events.push({ kind: "reminder", instanceId: i.id, userId: i.userId, days: threshold, autoRenew: i.autoRenew });
  }
  return events;
}

/**
 * After expiry: a grace notice, then power-off (SUSPENDED) after `graceDays`,
 * then deletion `deleteAfterDays` after expiry. Each step happens and is
 * announced once per expiry date, and is skipped if the VPS was renewed meanwhile.
 */
export async function processExpired(
  prisma: PrismaClient,
  providers: Partial<Record<ProviderCode, CloudProvider>>,
  opts: { graceDays: number; deleteAfterDays: number; now?: Date },
): Promise<LifecycleEvent[]> {
  const now = opts.now ?? new Date();
  const events: LifecycleEvent[] = [];
  const expired = await prisma.instance.findMany({ where: { status: { in: ["ACTIVE", "OFF", "SUSPENDED"] }, expiresAt: { lte: now } } });
  for (const i of expired) {
    const stamp = i.expiresAt.toISOString();
    const suspendAt = new Date(i.expiresAt.getTime() + opts.graceDays * DAY);
    const deleteAt = new Date(i.expiresAt.getTime() + opts.deleteAfterDays * DAY);
    const provider = providers[i.providerCode];
    if (now >= deleteAt) {
      if (!(await once(prisma, `delete:${i.id}:${stamp}`))) continue;
      try {
        if (provider && i.providerInstanceId) await provider.deleteServer(i.providerInstanceId);
      } catch (err) {
        // Let the next run try again: forget the marker.
        await prisma.processedEvent.deleteMany({ where: { source: "lifecycle", key: `delete:${i.id}:${stamp}` } });
        if (err instanceof CloudError && err.code === "not_found") continue;
        throw err;
      }
      await prisma.instance.updateMany({ where: { id: i.id, expiresAt: i.expiresAt }, data: { status: "DELETED", deletedAt: now } });
      events.push({ kind: "deleted", instanceId: i.id, userId: i.userId, deleteAt });
    } else if (now >= suspendAt && i.status !== "SUSPENDED") {
      if (!(await once(prisma, `suspend:${i.id}:${stamp}`))) continue;
      try {
        if (provider && i.providerInstanceId) {
          // A server that is already off (the customer powered it off: status OFF) or gone needs
          // no power-off; asking anyway fails on every run (DigitalOcean: 422 "already powered
          // off"), so it would never be suspended and each run would stop at it.
          const live = await provider.getServer(i.providerInstanceId);
          if (live && live.status !== "off") await provider.action(i.providerInstanceId, "power_off");
        }
      } catch (err) {
        await prisma.processedEvent.deleteMany({ where: { source: "lifecycle", key: `suspend:${i.id}:${stamp}` } });
        throw err;
      }
      await prisma.instance.updateMany({ where: { id: i.id, expiresAt: i.expiresAt }, data: { status: "SUSPENDED", suspendedAt: now } });
      events.push({ kind: "suspended", instanceId: i.id, userId: i.userId, deleteAt });
    } else if (i.status !== "SUSPENDED" && now < suspendAt) {
      if (await once(prisma, `grace:${i.id}:${stamp}`)) events.push({ kind: "grace", instanceId: i.id, userId: i.userId, suspendAt });
    }
  }
  return events;
}
