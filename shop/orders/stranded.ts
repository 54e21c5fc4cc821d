import type { Db, OrderKind, OrderStatus, PaymentStatus } from "../../db/client.js";

/** An order that has been waiting for work in the same status for a while. */
export interface WaitingOrder {
  orderId: number;
  kind: OrderKind;
  status: OrderStatus;
  /** The payment that took the money (PAID or REVIEW), when there is one. */
  paymentId: number | null;
  paymentStatus: PaymentStatus | null;
  /** Why that payment is under review (payments.review_why), when it is. */
  reviewWhy: string | null;
  /** When the order entered its current status. */
  since: Date;
}

/**
 * Orders that hold money and are waiting for the system to act: PAID (a follow-up must tell
 * the customer and provision, renew or credit), PAYMENT_REVIEW (a seller must be asked) and
 * PROVISIONING (a run must be alive). The recovery sweep derives the jobs they need from this,
 * so nothing paid depends on Redis remembering a job. Only orders in their status for at least
 * `minAgeMs` are listed, so the normal path gets the first go. Keyset-paged by order id
 * (`afterOrderId`): orders waiting for days (a review) must not hide the ones behind them.
 */
export async function waitingOrders(db: Db, minAgeMs: number, limit = 500, afterOrderId = 0): Promise<WaitingOrder[]> {
  return db.$queryRaw<WaitingOrder[]>`
    SELECT o.id AS "orderId", o.kind, o.status, p.id AS "paymentId", p.status AS "paymentStatus", p.review_why AS "reviewWhy", h.since
    FROM orders o
    CROSS JOIN LATERAL (
      SELECT max(created_at) AS since FROM order_status_history WHERE order_id = o.id AND to_status = o.status
    ) h
    LEFT JOIN LATERAL (
      SELECT id, status, review_why FROM payments
      WHERE order_id = o.id AND status = (CASE WHEN o.status = 'PAYMENT_REVIEW' THEN 'REVIEW' ELSE 'PAID' END)::"PaymentStatus"
      ORDER BY id DESC LIMIT 1
    ) p ON true
    WHERE o.status IN ('PAID', 'PAYMENT_REVIEW', 'PROVISIONING') AND o.id > ${afterOrderId}
      AND coalesce(h.since, o.created_at) < now() - ${minAgeMs} * interval '1 millisecond'
    ORDER BY o.id
    LIMIT ${limit}`;
}

/** VPS actions a customer asked for that have not finished (their job must exist). */
export async function unfinishedInstanceActions(db: Db, minAgeMs: number, limit = 500, afterId = 0): Promise<number[]> {
  const rows = await db.$queryRaw<{ id: number }[]>`
    SELECT id FROM instance_actions
    WHERE status IN ('QUEUED', 'RUNNING') AND id > ${afterId} AND created_at < now() - ${minAgeMs} * interval '1 millisecond'
    ORDER BY id LIMIT ${limit}`;
  return rows.map((r) => r.id);
}

/**
 * Gateway refunds whose follow-up (shop/payments/chargeback.ts) failed for good before finishing
 * what Postgres shows is still undone, as payment ids: a hold still HELD whose owner notice (job
 * `hold-<holdId>-<owner>`, with the Release/Keep buttons) was never recorded, and an order still
 * in PAYMENT_REVIEW whose money under review the gateway refunded (nothing else of it under
 * review). The recovery sweep runs their follow-up again; it does each step once.
 */
export async function refundFollowupsLeftUndone(db: Db, minAgeMs: number, limit = 100): Promise<number[]> {
  const rows = await db.$queryRaw<Array<{ paymentId: number }>>`
    SELECT h.payment_id AS "paymentId" FROM payment_holds h
    WHERE h.status = 'HELD' AND h.created_at < now() - ${minAgeMs} * interval '1 millisecond'
      AND NOT EXISTS (SELECT 1 FROM job_outbox j WHERE j.queue = 'notifications' AND j.job_id LIKE 'hold-' || h.id || '-%')
    UNION
    SELECT p.id FROM payments p JOIN orders o ON o.id = p.order_id
    WHERE o.status = 'PAYMENT_REVIEW' AND p.status = 'REFUNDED' AND p.review_why IS NOT NULL AND p.review_resolution IS NULL
      AND p.gateway_refunded_at < now() - ${minAgeMs} * interval '1 millisecond'
      AND NOT EXISTS (SELECT 1 FROM payments r WHERE r.order_id = o.id AND r.status = 'REVIEW')
    ORDER BY 1 LIMIT ${limit}`;
  return rows.map((r) => r.paymentId);
}
