import type { PaymentStatus } from "../db/client.js";
import type { ReviewWhy, Settled, SettlementResult } from "../shop/payments/settle.js";
import { QueueName, jobId, type Queues } from "./queues.js";

/**
 * Turns a settlement into its follow-up job. The job id derives from the
 * payment, so however often a settlement is reported, the follow-up (and the
 * one customer message it sends) happens once.
 */
export async function dispatchSettlement(queues: Queues, settlement: SettlementResult): Promise<void> {
  switch (settlement.result) {
    case "paid":
      await queues.enqueue(QueueName.PaymentFollowups, { kind: "paid", paymentId: settlement.paymentId }, { jobId: jobId("paid", settlement.paymentId) });
      return;
    case "review":
      await queues.enqueue(QueueName.PaymentFollowups, { kind: "review", paymentId: settlement.paymentId, why: settlement.why }, { jobId: jobId("review", settlement.paymentId) });
      return;
    case "expired":
      if (settlement.orderExpired) {
        await queues.enqueue(QueueName.PaymentFollowups, { kind: "expired", paymentId: settlement.paymentId }, { jobId: jobId("expired", settlement.paymentId) });
      }
      return;
    case "refunded":
      // The gateway took the money back: reverse what it bought and hold for the owner's decision.
      await queues.enqueue(QueueName.PaymentFollowups, { kind: "refunded", paymentId: settlement.paymentId }, { jobId: jobId("refunded", settlement.paymentId) });
      return;
    default:
      return;
  }
}

/**
 * For a duplicate delivery: re-enqueues the follow-up of money already taken or given back
 * (payment PAID, REVIEW or REFUNDED; nothing otherwise). Why: the settlement commits before its
 * follow-up is enqueued, so when the enqueue is lost (a crash, Redis restarting) the retry —
 * the gateway's, the Midtrans confirmation job's, a reconcile run racing a callback — is a
 * duplicate, and without this the follow-up (provisioning, the customer's message, the review
 * cards, the refund hold) would never be queued. Same job ids as dispatchSettlement, so when
 * the job exists this adds nothing; a REFUNDED payment's follow-up itself checks that the
 * gateway, not a seller, refunded it.
 */
export async function redispatchFollowup(queues: Queues, payment: { id: number; status: PaymentStatus; reviewWhy?: ReviewWhy }): Promise<void> {
  if (payment.status === "REVIEW") {
    const why = payment.reviewWhy ? { why: payment.reviewWhy } : {};
    await queues.enqueue(QueueName.PaymentFollowups, { kind: "review", paymentId: payment.id, ...why }, { jobId: jobId("review", payment.id) });
    return;
  }
  const kind = payment.status === "PAID" ? "paid" : payment.status === "REFUNDED" ? "refunded" : undefined;
  if (!kind) return;
  await queues.enqueue(QueueName.PaymentFollowups, { kind, paymentId: payment.id }, { jobId: jobId(kind, payment.id) });
}

/** A settlement made anywhere: its follow-up, or for a duplicate, the follow-up it may have lost. */
export async function dispatchSettled(queues: Queues, settled: Settled): Promise<void> {
  if (settled.settlement.result !== "duplicate") return dispatchSettlement(queues, settled.settlement);
  if (settled.paymentId !== undefined && settled.paymentStatus) {
    await redispatchFollowup(queues, { id: settled.paymentId, status: settled.paymentStatus, ...(settled.reviewWhy ? { reviewWhy: settled.reviewWhy } : {}) });
  }
}
