import { UnrecoverableError } from "bullmq";
import type { PrismaClient, ProviderCode } from "../../db/client.js";
import { formatDate } from "../../shop/messages/format.js";
import { DEFAULT_LOCALE, isLocale } from "../../shop/messages/locale.js";
import type { CloudProvider } from "../../shop/cloud/provider.js";
import { PermanentFollowupError, type FollowupWork } from "../../shop/payments/followup-work.js";
import { runPaymentFollowup } from "../../shop/payments/followups.js";
import type { MidtransClient } from "../../shop/payments/gateways/midtrans.js";
import type { TripayClient } from "../../shop/payments/gateways/tripay.js";
import { dispatchSettled } from "../dispatch-settlement.js";
import { queueOutbound } from "./outbound.processor.js";
import { QueueName, jobId, type Payload, type Queues } from "../queues.js";

export interface PaymentFollowupDeps {
  prisma: PrismaClient;
  queues: Queues;
  tripay?: TripayClient;
  midtrans?: MidtransClient;
  /** Where a VPS held after a gateway refund is powered off. */
  providers?: Partial<Record<ProviderCode, CloudProvider>>;
  staff: { sellerIds: number[]; ownerIds: number[] };
}

/**
 * One payment follow-up job = one domain call (shop/payments/followups.ts), whose decisions are
 * then queued here, each under its own job id: a retried job queues nothing twice.
 */
export function paymentFollowupsProcessor(deps: PaymentFollowupDeps) {
  const domain = {
    prisma: deps.prisma,
    tripay: deps.tripay,
    midtrans: deps.midtrans,
    providers: deps.providers ?? {},
    staff: deps.staff,
    formatDate: (date: Date, locale: string) => formatDate(date, isLocale(locale) ? locale : DEFAULT_LOCALE),
  };
  return async (payload: Payload<"payment-followups">) => {
    try {
      const { work, summary, failAfterWork } = await runPaymentFollowup(domain, payload);
      for (const item of work) await queueWork(deps.queues, item);
      if (failAfterWork) throw failAfterWork;
      return summary;
    } catch (error) {
      if (error instanceof PermanentFollowupError) throw new UnrecoverableError(error.message);
      throw error;
    }
  };
}

/** Queues one decision of a follow-up. */
export async function queueWork(queues: Queues, item: FollowupWork): Promise<void> {
  switch (item.kind) {
    case "notify":
      await queues.enqueue(
        QueueName.Notifications,
        {
          chatId: item.chatId,
          key: item.key,
          params: item.params,
          ...(item.locale ? { locale: item.locale } : {}),
          ...(item.buttons ? { buttons: item.buttons } : {}),
          ...(item.card ? { card: item.card } : {}),
          ...(item.invoiceOrderId ? { document: { kind: "invoice" as const, orderId: item.invoiceOrderId } } : {}),
        },
        { jobId: jobId(...item.id) },
      );
      return;
    case "provision":
      await queues.enqueue(QueueName.Provisioning, { orderId: item.orderId }, { jobId: jobId("provision", item.orderId) });
      return;
    case "run-action":
      await queues.enqueue(QueueName.InstanceActions, { actionId: item.actionId }, { jobId: jobId("action", item.actionId) });
      return;
    case "alert-owner":
      await queues.enqueue(QueueName.OwnerAlerts, { severity: item.severity, title: item.title, ...(item.detail ? { detail: item.detail } : {}), ...(item.id ? { fingerprint: item.id.join(":") } : {}) }, item.id ? { jobId: jobId(...item.id) } : {});
      return;
    case "settled":
      await dispatchSettled(queues, item.settled);
      return;
    case "outbound":
      await queueOutbound(queues, item.jobs);
      return;
  }
}
