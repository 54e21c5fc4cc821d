/**
 * The hourly renewal-reminder run as one domain call: which reminders are due, and for a VPS on
 * auto-renew at its last reminder, a one-month renewal paid from the wallet when the balance
 * covers it (the reminder is sent instead when it does not). The caller only renders messages
 * and dispatches the paid renewal's follow-up.
 */
import type { PrismaClient } from "../../db/client.js";
import { transitionOrder } from "../orders/state-machine.js";
import { payOrderFromWallet } from "../wallet/ledger.js";
import { dueReminders, type ExpiryFailure } from "./expiry.js";
import { createRenewalOrder, renewalOptions } from "./renewal.js";

export type ReminderNotice =
  /** Renewed from the wallet: the payment's follow-up tells the customer. */
  | { kind: "auto-renewed"; instanceId: number; userId: number; orderId: number; paymentId: number }
  /** `priceIdr`: the one-month price, shown when auto-renew could not pay. */
  | { kind: "reminder"; instanceId: number; userId: number; days: number; autoRenew: boolean; priceIdr: number | null };

export interface ReminderRun {
  notices: ReminderNotice[];
  failures: ExpiryFailure[];
}

export async function renewalReminders(prisma: PrismaClient, opts: { reminderDays: number[]; paymentTtlHours: number; now?: Date }): Promise<ReminderRun> {
  const run: ReminderRun = { notices: [], failures: [] };
  const last = Math.min(...opts.reminderDays);
  for (const event of await dueReminders(prisma, opts.reminderDays, opts.now)) {
    const { instanceId, userId, days, autoRenew } = event;
    try {
      if (autoRenew && days === last) {
        const renewed = await autoRenewFromWallet(prisma, { instanceId, userId, paymentTtlHours: opts.paymentTtlHours });
        if (renewed) {
          run.notices.push({ kind: "auto-renewed", instanceId, userId, ...renewed });
          continue;
        }
      }
    } catch (err) {
      // The reminder is already marked as due-and-taken: still send it, and report the failure.
      run.failures.push({ instanceId, error: err instanceof Error ? err.message : String(err) });
    }
    const priceIdr = autoRenew ? ((await renewalOptions(prisma, instanceId, userId)).find((o) => o.months === 1)?.totalIdr ?? null) : null;
    run.notices.push({ kind: "reminder", instanceId, userId, days, autoRenew, priceIdr });
  }
  return run;
}

/**
 * One month from the wallet, when the balance covers it. A renewal order the wallet could not
 * pay is cancelled through the state machine (nobody else will pay a system-made order).
 */
export async function autoRenewFromWallet(prisma: PrismaClient, input: { instanceId: number; userId: number; paymentTtlHours: number }): Promise<{ orderId: number; paymentId: number } | null> {
  const order = await createRenewalOrder(prisma, { userId: input.userId, instanceId: input.instanceId, months: 1, paymentTtlHours: input.paymentTtlHours });
  if (!order.ok) return null;
  const paid = await payOrderFromWallet(prisma, { orderId: order.orderId, userId: input.userId });
  if (paid.ok) return { orderId: order.orderId, paymentId: paid.paymentId };
  await transitionOrder(prisma, order.orderId, "CANCELLED", { type: "SYSTEM", id: "auto-renew" }, { reason: `auto-renew not paid from the wallet: ${paid.reason}`, onlyFrom: ["PENDING_PAYMENT"] });
  return null;
}
