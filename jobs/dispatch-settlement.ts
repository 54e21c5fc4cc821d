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
