import type { I18n } from "@grammyjs/i18n";
import type { Context } from "grammy";
import type { PrismaClient, ProviderCode } from "../../db/client.js";
import { formatDate, formatDateTime } from "../../bot/format.js";
import { DEFAULT_LOCALE, isLocale, type Locale } from "../../bot/i18n.js";
import type { CloudProvider } from "../../shop/cloud/provider.js";
import { dueReminders, processExpired, type LifecycleEvent } from "../../shop/lifecycle/expiry.js";
import { createRenewalOrder, renewalOptions } from "../../shop/lifecycle/renewal.js";
import { formatIdr } from "../../shop/money.js";
import { expireUnpaidOrders } from "../../shop/orders/expire-orders.js";
import { orphanSweepAlert, sweepOrphanServers } from "../../shop/provisioning/orphans.js";
import { payOrderFromWallet } from "../../shop/wallet/ledger.js";
import { dispatchSettlement } from "../dispatch-settlement.js";
import { QueueName, jobId, type Payload, type Queues } from "../queues.js";

export interface LifecycleDeps {
  prisma: PrismaClient;
  queues: Queues;
  i18n: I18n<Context>;
  providers: Partial<Record<ProviderCode, CloudProvider>>;
  lifecycle: { reminderDays: number[]; graceDays: number; deleteAfterDays: number };
  paymentTtlHours: number;
}

/**
 * Time-driven work, all idempotent: expiring unpaid orders (coupons released),
 * renewal reminders (with one-tap renew, or auto-renew from the wallet), and
 * the grace → suspend → delete steps after a VPS expires. Each customer
 * message has a job id derived from what it announces, so re-runs never repeat it.
 */
export function lifecycleProcessor(deps: LifecycleDeps) {
  const { prisma, queues } = deps;

  const userOf = async (userId: number) => {
    const user = await prisma.user.findUniqueOrThrow({ where: { id: userId } });
    const locale: Locale = isLocale(user.language) ? user.language : DEFAULT_LOCALE;
    return { chatId: Number(user.telegramId), locale };
  };

  const announce = async (event: LifecycleEvent) => {
    const instance = await prisma.instance.findUniqueOrThrow({ where: { id: event.instanceId } });
    const { chatId, locale } = await userOf(event.userId);
    const base = { label: instance.label, ip: instance.ipv4 ?? "—", expires: formatDate(instance.expiresAt, locale) };
    const renew = [[{ text: "t:vps-renew", data: `renew:${instance.id}` }]];
    const key = jobId(event.kind, instance.id, instance.expiresAt.getTime());
    switch (event.kind) {
      case "reminder": {
        if (event.autoRenew && event.days === Math.min(...deps.lifecycle.reminderDays)) {
          if (await autoRenew(instance.id, event.userId)) return;
        }
        const price = (await renewalOptions(prisma, instance.id, event.userId)).find((o) => o.months === 1)?.totalIdr;
        await queues.enqueue(
          QueueName.Notifications,
          event.autoRenew
            ? { chatId, locale, key: "renew-reminder-auto", params: { ...base, price: price ? formatIdr(price) : "-" }, buttons: renew }
            : { chatId, locale, key: "renew-reminder", params: { ...base, days: event.days }, buttons: renew },
          { jobId: jobId(key, event.days) },
        );
        return;
      }
      case "grace":
        await queues.enqueue(QueueName.Notifications, { chatId, locale, key: "expiry-grace", params: { ...base, suspendAt: formatDateTime(event.suspendAt, locale) }, buttons: renew }, { jobId: key });
        return;
      case "suspended":
        await queues.enqueue(QueueName.Notifications, { chatId, locale, key: "expiry-suspended", params: { ...base, deleteAt: formatDate(event.deleteAt, locale) }, buttons: renew }, { jobId: key });
        return;
      case "deleted":
        await queues.enqueue(QueueName.Notifications, { chatId, locale, key: "expiry-deleted", params: { ...base, deleteAt: formatDate(event.deleteAt, locale) } }, { jobId: key });
        return;
    }
  };

  /** Auto-renew one month from the wallet when the balance covers it. */
  const autoRenew = async (instanceId: number, userId: number): Promise<boolean> => {
    const order = await createRenewalOrder(prisma, { userId, instanceId, months: 1, paymentTtlHours: deps.paymentTtlHours });
    if (!order.ok) return false;
    const paid = await payOrderFromWallet(prisma, { orderId: order.orderId, userId });
    if (!paid.ok) {
      await prisma.order.update({ where: { id: order.orderId }, data: { paymentDeadline: new Date() } });
      return false;
    }
    await dispatchSettlement(queues, { result: "paid", orderId: order.orderId, paymentId: paid.paymentId });
    return true;
  };

  return async (payload: Payload<"lifecycle">) => {
    switch (payload.task) {
      case "order-expiry": {
        const expired = await expireUnpaidOrders(prisma);
        for (const order of expired) {
          const row = await prisma.order.findUnique({ where: { id: order.orderId }, select: { paymentDeadline: true, user: { select: { language: true } } } });
          const locale = isLocale(row?.user.language) ? row.user.language : DEFAULT_LOCALE;
          await queues.enqueue(
            QueueName.Notifications,
            { chatId: order.chatId, key: "notify-order-expired", locale, params: { reference: order.reference, deadline: row?.paymentDeadline ? formatDateTime(row.paymentDeadline, locale) : "-" } },
            { jobId: jobId("order-expired", order.orderId) },
          );
        }
        return { expired: expired.map((o) => o.reference) };
      }
      case "renewal-reminders": {
        const events = await dueReminders(prisma, deps.lifecycle.reminderDays);
        for (const event of events) await announce(event);
        return { reminders: events.length };
      }
      case "instance-expiry": {
        const events = await processExpired(prisma, deps.providers, deps.lifecycle);
        for (const event of events) await announce(event);
        return { events: events.map((e) => `${e.kind}:${e.instanceId}`) };
      }
      case "orphan-sweep": {
        const report = await sweepOrphanServers({ prisma, providers: deps.providers });
        const alert = orphanSweepAlert(report);
        if (alert) await queues.enqueue(QueueName.OwnerAlerts, alert, { jobId: jobId("orphan-sweep", payload.tick) });
        return { deleted: report.deleted.map((d) => `${d.provider}:${d.id}`), failed: report.failed.length, waiting: report.waiting, unlisted: report.unlisted };
      }
    }
  };
}
