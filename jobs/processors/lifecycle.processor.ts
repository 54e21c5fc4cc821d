import type { I18n } from "@grammyjs/i18n";
import type { Context } from "grammy";
import type { Db, Instance, PrismaClient, ProviderCode } from "../../db/client.js";
import { formatDate, formatDateTime } from "../../shop/messages/format.js";
import { DEFAULT_LOCALE, isLocale, type Locale } from "../../shop/messages/locale.js";
import type { CloudProvider } from "../../shop/cloud/provider.js";
import { processExpired, type ExpiryEvent, type ExpiryFailure, type ExpiryNotices } from "../../shop/lifecycle/expiry.js";
import { renewalReminders, type ReminderNotice } from "../../shop/lifecycle/reminders.js";
import { formatIdr } from "../../shop/money.js";
import { expireUnpaidOrders } from "../../shop/orders/expire-orders.js";
import { orphanSweepAlert, sweepOrphanServers } from "../../shop/provisioning/orphans.js";
import { dispatchSettlement } from "../dispatch-settlement.js";
import { runPendingReminders, type PendingReminderSettings } from "./pending-reminders.js";
import { queueOutbound } from "./outbound.processor.js";
import { QueueName, jobId, parsePayload, type Payload, type PayloadInput, type Queues } from "../queues.js";

export interface LifecycleDeps {
  prisma: PrismaClient;
  queues: Queues;
  i18n: I18n<Context>;
  providers: Partial<Record<ProviderCode, CloudProvider>>;
  lifecycle: { reminderDays: number[]; graceDays: number; deleteAfterDays: number };
  paymentTtlHours: number;
  /** Overdue reminders of the pending queue (absent: that task does nothing). */
  pending?: PendingReminderSettings;
}

/** How long a recorded "suspended" notice waits for the recovery sweep (the processor sends it at once). */
const WITHDRAWABLE_MS = 10 * 60_000;

/**
 * Time-driven work: each task is one domain call (shop/lifecycle, shop/orders,
 * shop/provisioning) whose outcome is rendered here as customer messages. Each
 * message has a job id derived from what it announces, so re-runs never repeat
 * it; instances that failed are reported to the owner once per run.
 */
export function lifecycleProcessor(deps: LifecycleDeps) {
  const { prisma, queues } = deps;

  /** Queues one reminder or expiry step for the VPS's owner. */
  const announce = async (event: ExpiryEvent | Extract<ReminderNotice, { kind: "reminder" }>) => {
    const notice = await noticeOf(prisma, event, await prisma.instance.findUniqueOrThrow({ where: { id: event.instanceId } }));
    await queues.enqueue(QueueName.Notifications, notice.payload, { jobId: notice.id });
  };

  /** One owner alert per run and task with every instance that failed (the next run tries them again). */
  const reportFailures = async (task: string, tick: string, failures: ExpiryFailure[]) => {
    if (failures.length === 0) return;
    await queues.enqueue(
      QueueName.OwnerAlerts,
      {
        severity: "warning",
        title: `Siklus VPS (${task}): ${failures.length} VPS gagal diproses`,
        fingerprint: `lifecycle-failures:${task}`,
        detail: failures.map((f) => `instance #${f.instanceId}: ${f.error}`).join("\n").slice(0, 3000),
      },
      { jobId: jobId("lifecycle-failures", task, tick) },
    );
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
        // Each notice is queued (durably, under a job id of its own) before its reminder is marked as sent.
        const run = await renewalReminders(prisma, { reminderDays: deps.lifecycle.reminderDays, paymentTtlHours: deps.paymentTtlHours }, async (notice) => {
          // Paid from the wallet: the payment's follow-up applies the renewal and tells the customer.
          if (notice.kind === "auto-renewed") await dispatchSettlement(queues, { result: "paid", orderId: notice.orderId, paymentId: notice.paymentId });
          else {
            await announce(notice);
            if (notice.outbound) await queueOutbound(queues, notice.outbound);
          }
        });
        await reportFailures(payload.task, payload.tick, run.failures);
        return { reminders: run.notices.length, failed: run.failures.length };
      }
      case "instance-expiry": {
        const notices = expiryNotices(deps);
        const run = await processExpired(prisma, deps.providers, { ...deps.lifecycle, ...(notices ? { notices } : {}) });
        for (const event of run.events) await announce(event);
        await reportFailures(payload.task, payload.tick, run.failures);
        return { events: run.events.map((e) => `${e.kind}:${e.instanceId}`), failed: run.failures.map((f) => `${f.instanceId}: ${f.error}`) };
      }
      case "pending-reminders":
        return deps.pending ? runPendingReminders({ prisma, queues, i18n: deps.i18n, ...deps.pending }, payload.tick) : { skipped: "not configured" };
      case "orphan-sweep": {
        const report = await sweepOrphanServers({ prisma, providers: deps.providers });
        const alert = orphanSweepAlert(report);
        if (alert) await queues.enqueue(QueueName.OwnerAlerts, { ...alert, fingerprint: `orphan-sweep:${payload.tick}` }, { jobId: jobId("orphan-sweep", payload.tick) });
        return { deleted: report.deleted.map((d) => `${d.provider}:${d.id}`), failed: report.failed.length, waiting: report.waiting, unlisted: report.unlisted };
      }
    }
  };
}

/** The VPS owner's chat and language. */
async function userOf(db: Db, userId: number) {
  const user = await db.user.findUniqueOrThrow({ where: { id: userId } });
  const locale: Locale = isLocale(user.language) ? user.language : DEFAULT_LOCALE;
  return { chatId: Number(user.telegramId), locale };
}

/** One reminder or expiry step rendered for the VPS's owner, with its job id (derived from what it announces). */
async function noticeOf(db: Db, event: ExpiryEvent | Extract<ReminderNotice, { kind: "reminder" }>, instance: Instance): Promise<{ payload: PayloadInput<"notifications">; id: string }> {
  const { chatId, locale } = await userOf(db, event.userId);
  const base = { label: instance.label, ip: instance.ipv4 ?? "—", expires: formatDate(instance.expiresAt, locale) };
  const renew = [[{ text: "t:vps-renew", data: `renew:${instance.id}` }]];
  const id = jobId(event.kind, instance.id, instance.expiresAt.getTime());
  switch (event.kind) {
    case "reminder":
      return {
        payload: event.autoRenew
          ? { chatId, locale, key: "renew-reminder-auto", params: { ...base, price: event.priceIdr ? formatIdr(event.priceIdr) : "-" }, buttons: renew }
          : { chatId, locale, key: "renew-reminder", params: { ...base, days: event.days }, buttons: renew },
        id: jobId(id, event.days),
      };
    case "grace":
      return { payload: { chatId, locale, key: "expiry-grace", params: { ...base, suspendAt: formatDateTime(event.suspendAt, locale) }, buttons: renew }, id };
    case "suspended":
      return { payload: { chatId, locale, key: "expiry-suspended", params: { ...base, deleteAt: formatDate(event.deleteAt, locale) }, buttons: renew }, id };
    case "deleted":
      return { payload: { chatId, locale, key: "expiry-deleted", params: { ...base, deleteAt: formatDate(event.deleteAt, locale) } }, id };
  }
}

/**
 * Expiry notices recorded in the outbox inside the step's transaction (pushed by the processor
 * right after the run, or by the recovery sweep if the process dies first). A "suspended" notice
 * is recorded delayed, so a step given back meanwhile (its power-off failed) can withdraw it
 * before the sweep would push it. Undefined without an outbox (then only the push after the run).
 */
export function expiryNotices(deps: Pick<LifecycleDeps, "prisma" | "queues">): ExpiryNotices | undefined {
  const outbox = deps.queues.outbox;
  if (!outbox) return undefined;
  return {
    record: async (tx, event, instance) => {
      const notice = await noticeOf(tx, event, instance);
      await outbox.record(QueueName.Notifications, notice.id, parsePayload(QueueName.Notifications, notice.payload), event.kind === "suspended" ? WITHDRAWABLE_MS : 0, tx);
    },
    withdraw: async (event, instance) => {
      const { id } = await noticeOf(deps.prisma, event, instance);
      // Not in Redis yet (only the processor or the sweep pushes it); removed there too, to be sure.
      if (await outbox.withdraw(QueueName.Notifications, id)) await deps.queues.get(QueueName.Notifications).remove(id).catch(() => 0);
    },
  };
}
