import type { PaymentStatus } from "../db/client.js";
import type { ReviewWhy, Settled, SettlementResult } from "../shop/payments/settle.js";
import { QueueName, jobId, type PayloadInput, type Queues } from "./queues.js";

type FollowupPayload = PayloadInput<typeof QueueName.PaymentFollowups>;

/**
 * The follow-up job a settlement needs, with its id (derived from the payment, so however often
 * a settlement is reported, the follow-up — and the one customer message it sends — happens
 * once), or undefined. settle_payment records the same job in job_outbox in its own transaction
 * (db/sql/settle_payment.sql; test/payments/settle-outbox.test.ts keeps the two identical).
 */
export function followupOf(settlement: SettlementResult): { payload: FollowupPayload; id: string } | undefined {
  switch (settlement.result) {
    case "paid":
      return { payload: { kind: "paid", paymentId: settlement.paymentId }, id: jobId("paid", settlement.paymentId) };
    case "review":
      return { payload: { kind: "review", paymentId: settlement.paymentId, why: settlement.why }, id: reviewJobId(settlement.paymentId, settlement.why) };
    case "expired":
      return settlement.orderExpired || settlement.challengeEnded ? { payload: { kind: "expired", paymentId: settlement.paymentId }, id: jobId("expired", settlement.paymentId) } : undefined;
    case "refunded":
      // The gateway took the money back: reverse what it bought and hold for the owner's decision.
      return { payload: { kind: "refunded", paymentId: settlement.paymentId }, id: jobId("refunded", settlement.paymentId) };
    default:
      return undefined;
  }
}

/** A review follow-up's id names its reason: a payment whose reason changes gets a new card. */
const reviewJobId = (paymentId: number, why: ReviewWhy | undefined) => (why ? jobId("review", paymentId, why) : jobId("review", paymentId));

/** Queues a settlement's follow-up (recording it in the outbox first, like every durable job). */
export async function dispatchSettlement(queues: Queues, settlement: SettlementResult): Promise<void> {
  const followup = followupOf(settlement);
  if (followup) await queues.enqueue(QueueName.PaymentFollowups, followup.payload, { jobId: followup.id });
}

/**
 * For a duplicate delivery: re-enqueues the follow-up of money already taken or given back
 * (payment PAID, REVIEW or REFUNDED; nothing otherwise). Why: the settlement commits before its
 * follow-up reaches Redis, so when that push is lost (a crash, Redis restarting) the retry —
 * the gateway's, the Midtrans confirmation job's, a reconcile run racing a callback — is a
 * duplicate, and without this the follow-up (provisioning, the customer's message, the review
 * cards, the refund hold) would wait for the recovery sweep. Same job ids as followupOf, so when
 * the job exists this adds nothing; a REFUNDED payment's follow-up itself checks that the
 * gateway, not a seller, refunded it.
 */
export async function redispatchFollowup(queues: Queues, payment: { id: number; status: PaymentStatus; reviewWhy?: ReviewWhy }): Promise<void> {
  if (payment.status === "REVIEW") {
    const why = payment.reviewWhy ? { why: payment.reviewWhy } : {};
    await queues.enqueue(QueueName.PaymentFollowups, { kind: "review", paymentId: payment.id, ...why }, { jobId: reviewJobId(payment.id, payment.reviewWhy) });
    return;
  }
  const kind = payment.status === "PAID" ? "paid" : payment.status === "REFUNDED" ? "refunded" : undefined;
  if (!kind) return;
  await queues.enqueue(QueueName.PaymentFollowups, { kind, paymentId: payment.id }, { jobId: jobId(kind, payment.id) });
}

/**
 * What to do after settle_payment, on every path (webhook, reconcile, Midtrans confirmation):
 * a fresh result's follow-up is already recorded by the settlement itself, so it is only pushed
 * to Redis (one round trip on the webhook's hot path); a duplicate re-queues the follow-up it may
 * have lost.
 */
export async function dispatchSettled(queues: Queues, settled: Settled): Promise<void> {
  if (settled.settlement.result === "duplicate") {
    if (settled.paymentId !== undefined && settled.paymentStatus) {
      await redispatchFollowup(queues, { id: settled.paymentId, status: settled.paymentStatus, ...(settled.reviewWhy ? { reviewWhy: settled.reviewWhy } : {}) });
    }
    return;
  }
  const followup = followupOf(settled.settlement);
  if (!followup) return;
  try {
    await queues.push(QueueName.PaymentFollowups, followup.id, followup.payload, 0);
  } catch {
    // Redis refused the push. The row is in the outbox; enqueue tries once more and, failing,
    // says so and leaves it to the recovery sweep (or throws where there is no outbox).
    await queues.enqueue(QueueName.PaymentFollowups, followup.payload, { jobId: followup.id });
  }
}
