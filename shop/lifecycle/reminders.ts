/**
 * The hourly renewal-reminder run as one domain call: which reminders are due, and for a VPS on
 * auto-renew at its last reminder, a one-month renewal paid from the wallet when the balance
 * covers it (the reminder is sent instead when it does not). The caller only renders messages
 * and dispatches the paid renewal's follow-up.
 */
import type { PrismaClient } from "../../db/client.js";
import { transitionOrder } from "../orders/state-machine.js";
import { payOrderFromWallet } from "../wallet/ledger.js";
import { withLease } from "../leases.js";
import { vpsExpiring } from "../events/facts.js";
import { recordCustomerEvent, type OutboundJob } from "../events/record.js";
import { dueReminders, type ExpiryFailure, type ReminderEvent } from "./expiry.js";
import { createRenewalOrder, renewalOptions } from "./renewal.js";

export type ReminderNotice =
  /** Renewed from the wallet: the payment's follow-up tells the customer. */
  | { kind: "auto-renewed"; instanceId: number; userId: number; orderId: number; paymentId: number }
  /** `priceIdr`: the one-month price, shown when auto-renew could not pay; `outbound`: the "vps.expiring" deliveries to queue. */
  | { kind: "reminder"; instanceId: number; userId: number; days: number; autoRenew: boolean; priceIdr: number | null; outbound?: OutboundJob[] };

export interface ReminderRun {
  notices: ReminderNotice[];
  failures: ExpiryFailure[];
}

/**
 * Each due reminder becomes a notice handed to `deliver` (the caller's durable enqueue) before
 * the reminder is claimed, so a crash in between repeats the notice under the same job id
 * instead of losing it (expiry.ts `dueReminders`). At the last reminder of a VPS on auto-renew
 * the notice is the renewal itself when the wallet covers it; that step is idempotent per
 * expiry (`autoRenewOnce`), so a repeat pays nothing twice.
 */
export async function renewalReminders(
  prisma: PrismaClient,
  opts: { reminderDays: number[]; paymentTtlHours: number; now?: Date },
  deliver: (notice: ReminderNotice) => Promise<void>,
): Promise<ReminderRun> {
  const run: ReminderRun = { notices: [], failures: [] };
  const last = Math.min(...opts.reminderDays);
  const toNotice = async (event: ReminderEvent): Promise<ReminderNotice> => {
    const { instanceId, userId, days, autoRenew } = event;
    if (autoRenew && days === last) {
      try {
        const renewed = await autoRenewOnce(prisma, { instanceId, userId, paymentTtlHours: opts.paymentTtlHours });
        if (renewed) return { kind: "auto-renewed", instanceId, userId, ...renewed };
      } catch (err) {
        // Renewal failed: the customer still gets the reminder; the owner hears of the failure.
        run.failures.push({ instanceId, error: err instanceof Error ? err.message : String(err) });
      }
    }
    const priceIdr = autoRenew ? ((await renewalOptions(prisma, instanceId, userId)).find((o) => o.months === 1)?.totalIdr ?? null) : null;
    // Recorded before the reminder is claimed, like the chat notice: once per threshold and expiry date.
    const instance = await prisma.instance.findUniqueOrThrow({ where: { id: instanceId } });
    const outbound = await recordCustomerEvent(prisma, vpsExpiring(instance, days));
    return { kind: "reminder", instanceId, userId, days, autoRenew, priceIdr, ...(outbound.length > 0 ? { outbound } : {}) };
  };
  await dueReminders(
    prisma,
    opts.reminderDays,
    opts.now,
    async (event) => {
      const notice = await toNotice(event);
      await deliver(notice);
      run.notices.push(notice);
    },
    (event, err) => run.failures.push({ instanceId: event.instanceId, error: err instanceof Error ? err.message : String(err) }),
  );
  return run;
}

/**
 * `autoRenewFromWallet` at most once per expiry date: a renewal order already made for this
 * expiry (a run that died after paying, or after creating the order) is reused, not repeated.
 * One run per VPS at a time (a Postgres lease), so two overlapping runs cannot both pay.
 */
export async function autoRenewOnce(prisma: PrismaClient, input: { instanceId: number; userId: number; paymentTtlHours: number }): Promise<{ orderId: number; paymentId: number } | null> {
  return withLease(prisma, `auto-renew:${input.instanceId}`, 60_000, async (_lease, _signal, confirm) => {
    const instance = await prisma.instance.findUniqueOrThrow({ where: { id: input.instanceId }, select: { expiresAt: true } });
    const earlier = await prisma.order.findFirst({
      where: { kind: "RENEWAL", instanceId: input.instanceId, status: { in: ["PENDING_PAYMENT", "PAID", "PROVISIONING", "ACTIVE"] }, snapshot: { path: ["expiresAtBefore"], equals: instance.expiresAt.toISOString() } },
      orderBy: { id: "desc" },
      select: { id: true, status: true, payments: { where: { status: "PAID" }, select: { id: true }, take: 1 } },
    });
    if (earlier && earlier.status !== "PENDING_PAYMENT" && earlier.payments[0]) return { orderId: earlier.id, paymentId: earlier.payments[0].id };
    if (earlier?.status === "PENDING_PAYMENT") return payRenewalOrCancel(prisma, earlier.id, input.userId);
    // None found: still the only run? (One stopped past the lease would otherwise make a second order and pay it.)
    await confirm();
    return autoRenewFromWallet(prisma, input);
  });
}

/**
 * One month from the wallet, when the balance covers it. A renewal order the wallet could not
 * pay is cancelled through the state machine (nobody else will pay a system-made order).
 */
export async function autoRenewFromWallet(prisma: PrismaClient, input: { instanceId: number; userId: number; paymentTtlHours: number }): Promise<{ orderId: number; paymentId: number } | null> {
  const order = await createRenewalOrder(prisma, { userId: input.userId, instanceId: input.instanceId, months: 1, paymentTtlHours: input.paymentTtlHours });
  if (!order.ok) return null;
  return payRenewalOrCancel(prisma, order.orderId, input.userId);
}

/** Pays a system-made renewal order from the wallet, or cancels it (nobody else will pay it). */
async function payRenewalOrCancel(prisma: PrismaClient, orderId: number, userId: number): Promise<{ orderId: number; paymentId: number } | null> {
  const paid = await payOrderFromWallet(prisma, { orderId, userId });
  if (paid.ok) return { orderId, paymentId: paid.paymentId };
  await transitionOrder(prisma, orderId, "CANCELLED", { type: "SYSTEM", id: "auto-renew" }, { reason: `auto-renew not paid from the wallet: ${paid.reason}`, onlyFrom: ["PENDING_PAYMENT"] });
  return null;
}
