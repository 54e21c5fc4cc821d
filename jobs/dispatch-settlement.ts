import type { PaymentStatus } from "../db/client.js";
import type { SettlementResult } from "../shop/payments/settle.js";
import { QueueName, jobId, type Queues } from "./queues.js";

/**
 * Turns a settlement into its follow-up job. The job id derives from the
 * payment, so however often a settlement is reported, the follow-up (and the
 * one customer message it sends) happens once.
 */
export async function dispatchSettlement(queues: Queues, settlement: SettlementResult): Promise<void> {
  switch (settlement.result) {
    case "paid":
    case "review":
      await queues.enqueue(QueueName.PaymentFollowups, { kind: settlement.result, paymentId: settlement.paymentId }, { jobId: jobId(settlement.result, settlement.paymentId) });
      return;
    case "expired":
      if (settlement.orderExpired) {
        await queues.enqueue(QueueName.PaymentFollowups, { kind: "expired", paymentId: settlement.paymentId }, { jobId: jobId("expired", settlement.paymentId) });
      }
      return;
    case "refunded":
      await queues.enqueue(QueueName.OwnerAlerts, {
        severity: "warning",
        title: "Pembayaran di-refund oleh gateway",
        detail: `order #${settlement.orderId}, payment #${settlement.paymentId}: periksa layanan yang sudah diberikan.`,
      });
      return;
    default:
      return;
  }
}

/**
 * For a duplicate delivery: re-enqueues the follow-up of money already taken (payment PAID or
 * REVIEW; nothing otherwise). Why: the settlement commits before its follow-up is enqueued, so
 * when the enqueue fails (Redis restarting) the webhook answers 500 with the order already
 * PAID; the gateway's retry is then a duplicate, and without this the `paid`/`review` job —
 * provisioning, the customer's message, the owner's review alert — would never be queued.
 * Same job ids as dispatchSettlement, so when the job exists this adds nothing.
 */
export async function redispatchFollowup(queues: Queues, payment: { id: number; status: PaymentStatus }): Promise<void> {
  const kind = payment.status === "PAID" ? "paid" : payment.status === "REVIEW" ? "review" : undefined;
  if (!kind) return;
  await queues.enqueue(QueueName.PaymentFollowups, { kind, paymentId: payment.id }, { jobId: jobId(kind, payment.id) });
}
