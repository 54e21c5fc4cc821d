import type { I18n } from "@grammyjs/i18n";
import type { Context } from "grammy";
import type { PrismaClient } from "../../db/client.js";
import { formatDateTime } from "../../bot/format.js";
import { DEFAULT_LOCALE, isLocale } from "../../bot/i18n.js";
import { expireUnpaidOrders } from "../../shop/orders/expire-orders.js";
import { QueueName, jobId, type Payload, type Queues } from "../queues.js";

/**
 * Time-driven lifecycle work. `order-expiry` expires unpaid orders past their
 * deadline (releasing coupons) and tells each customer once: the notification's
 * jobId is derived from the order, so a re-run never sends it twice.
 */
export function lifecycleProcessor(deps: { prisma: PrismaClient; queues: Queues; i18n: I18n<Context> }) {
  return async (payload: Payload<"lifecycle">) => {
    switch (payload.task) {
      case "order-expiry": {
        const expired = await expireUnpaidOrders(deps.prisma);
        for (const order of expired) {
          const row = await deps.prisma.order.findUnique({ where: { id: order.orderId }, select: { paymentDeadline: true, user: { select: { language: true } } } });
          const locale = isLocale(row?.user.language) ? row.user.language : DEFAULT_LOCALE;
          await deps.queues.enqueue(
            QueueName.Notifications,
            {
              chatId: order.chatId,
              key: "notify-order-expired",
              locale,
              params: { reference: order.reference, deadline: row?.paymentDeadline ? formatDateTime(row.paymentDeadline, locale) : "-" },
            },
            { jobId: jobId("order-expired", order.orderId) },
          );
        }
        return { expired: expired.map((o) => o.reference) };
      }
    }
  };
}
