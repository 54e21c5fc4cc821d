import type { OrderStatus, PaymentGateway, PaymentStatus, Prisma, PrismaClient } from "../../db/client.js";
import type { Actor } from "../orders/state-machine.js";
import type { GatewayOutcome } from "./outcome.js";

/**
 * Why money that arrived goes to a seller instead of paying the order (payments.review_why):
 * the wrong amount, after the order ended, for an order already paid, a gateway's fraud
 * challenge, or while another payment of the order is with a seller.
 */
export const REVIEW_REASONS = ["amount_mismatch", "late_payment", "already_paid", "challenge", "order_in_review"] as const;
export type ReviewWhy = (typeof REVIEW_REASONS)[number];

/** Narrows a stored reason (payments.review_why) to a known one. */
export function isReviewWhy(value: unknown): value is ReviewWhy {
  return typeof value === "string" && (REVIEW_REASONS as readonly string[]).includes(value);
}

/** Which payment attempt an outcome is about. */
export type PaymentKey = { attemptRef: string } | { gateway: PaymentGateway; gatewayReference: string };

export type SettlementResult =
  /** The order moved to PAID by this call (exactly one caller ever sees this per order). */
  | { result: "paid"; orderId: number; paymentId: number }
  /** Money arrived but does not fit (wrong amount, late, twice, challenged): a seller decides. */
  | { result: "review"; orderId: number; paymentId: number; why: ReviewWhy }
  /**
   * The attempt expired or failed; `orderExpired` when that also ended the order;
   * `challengeEnded` when it was a fraud challenge under review that the gateway denied or let
   * expire (the sellers' card is withdrawn).
   */
  | { result: "expired"; orderId: number; paymentId: number; orderExpired: boolean; challengeEnded?: true }
  | { result: "refunded"; orderId: number; paymentId: number }
  /** Already processed, or nothing to do (pending, or a stale status after PAID). */
  | { result: "duplicate" | "ignored"; orderId?: number; paymentId?: number; why?: string }
  | { result: "unknown_payment" };

export interface SettleInput {
  key: PaymentKey;
  outcome: GatewayOutcome;
  eventKey: string;
  source: string;
  actor: Actor;
  now?: Date;
}

/**
 * A received gateway callback, recorded in `payment_callbacks` by the same database call that
 * settles it, with what we did about it as `outcome` ("paid", "review: amount_mismatch",
 * "duplicate: event … already processed", "unknown reference"…).
 */
export interface ReceivedCallback {
  gateway: PaymentGateway;
  verified: boolean;
  rejectReason?: string | null;
  event?: string | null;
  reference?: string | null;
  merchantRef?: string | null;
  status?: string | null;
  rawBody: string;
  headers: Record<string, string>;
  remoteIp?: string | null;
}

export interface Settled {
  settlement: SettlementResult;
  /** The payment the outcome is about (also for a duplicate); undefined when unknown. */
  paymentId?: number;
  /** Its status after this call; for a duplicate, its status now (to re-dispatch its follow-up). */
  paymentStatus?: PaymentStatus;
  /** While the payment is with a seller (review, or a duplicate of one): why. */
  reviewWhy?: ReviewWhy;
  /** The payment_callbacks row written, when a callback was given. */
  callbackId?: number;
}

/**
 * Every order move the SQL function `settle_payment` (db/sql/settle_payment.sql) can make, as (allowed current statuses → new status). They MUST agree with ORDER_TRANSITIONS
 * in shop/orders/state-machine.ts, the single source of truth for orders:
 * test/shop/settle-transitions.test.ts checks each one with `canTransition`, and checks that
 * the function's `settle_payment_move_order(…)` calls are exactly these. Change all three together.
 */
export const SETTLEMENT_ORDER_TRANSITIONS: ReadonlyArray<{ to: OrderStatus; onlyFrom: readonly OrderStatus[]; when: string }> = [
  { to: "PAID", onlyFrom: ["PENDING_PAYMENT", "PAYMENT_REVIEW"], when: "paid, the right amount, in time" },
  { to: "PAYMENT_REVIEW", onlyFrom: ["PENDING_PAYMENT", "EXPIRED", "CANCELLED"], when: "paid but amount_mismatch / late_payment / already_paid, or challenge" },
  { to: "EXPIRED", onlyFrom: ["PENDING_PAYMENT"], when: "expired/failed and no other attempt PENDING or REVIEW" },
  { to: "CANCELLED", onlyFrom: ["PAYMENT_REVIEW"], when: "a challenge under review denied/expired by the gateway, no other payment REVIEW" },
];

export interface SettleRow {
  result: string;
  order_id: number | null;
  payment_id: number | null;
  why: string | null;
  order_expired: boolean | null;
  payment_status: string | null;
  callback_id: number | null;
  review_why: string | null;
}

/**
 * A plain `pg` pool, for the hottest caller (the gateway webhook): the same
 * function call as a named prepared statement, without Prisma's per-query
 * compilation (measured ~0.3 ms CPU less per callback).
 */
export interface SqlPool {
  query<R>(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: R[] }>;
}

/** settle_payment's parameters in order, as SQL types (every one cast, so the one signature always resolves). */
export const SETTLE_PARAM_TYPES = [
  "text", '"PaymentGateway"', "text", "text", "text", "text", "numeric", "timestamptz",
  "text", "text", '"ActorType"', "text", "timestamptz", '"PaymentGateway"', "boolean", "text",
  "text", "text", "text", "text", "text", "jsonb", "text",
] as const;

/** The columns every settlement call returns (`SettleRow`). */
export const SETTLE_COLUMNS = `"result", "order_id", "payment_id", "why", "order_expired", "payment_status", "callback_id", "review_why"`;

const SETTLE_SQL = `SELECT ${SETTLE_COLUMNS} FROM "settle_payment"(${SETTLE_PARAM_TYPES.map((t, i) => `$${i + 1}::${t}`).join(", ")})`;

/** The named prepared statement of one settlement on a plain pg pool. */
const SETTLE_STATEMENT = { name: "settle_payment_v3", text: SETTLE_SQL } as const;

export type SettleAndRecordInput = SettleInput & { callback?: ReceivedCallback };

/** settle_payment's parameters for one input, in SETTLE_PARAM_TYPES order. */
export function settleValues(input: SettleAndRecordInput): unknown[] {
  const now = input.now ?? new Date();
  const { key, outcome, callback: cb } = input;
  const byAttempt = "attemptRef" in key;
  const amount = outcome.kind === "paid" || outcome.kind === "challenge" ? outcome.amountIdr : null;
  const paidAt = outcome.kind === "paid" ? outcome.paidAt.toISOString() : null;
  const outcomeReference = (outcome.kind === "paid" || outcome.kind === "challenge") && outcome.gatewayReference ? outcome.gatewayReference : null;
  const outcomeMethod = outcome.kind === "paid" && outcome.method ? outcome.method : null;
  // Dates travel as ISO strings (with the zone) cast in SQL: the pg adapter would send a Date
  // without its zone.
  return [
    byAttempt ? key.attemptRef : null,
    byAttempt ? null : key.gateway,
    byAttempt ? null : key.gatewayReference,
    input.source,
    input.eventKey,
    outcome.kind,
    amount,
    paidAt,
    outcomeReference,
    outcomeMethod,
    input.actor.type,
    input.actor.id ?? null,
    now.toISOString(),
    cb?.gateway ?? null,
    cb ? cb.verified : null,
    cb?.rejectReason ?? null,
    cb?.event ?? null,
    cb?.reference ?? null,
    cb?.merchantRef ?? null,
    cb?.status ?? null,
    cb?.rawBody ?? null,
    cb ? JSON.stringify(cb.headers) : null,
    cb?.remoteIp ?? null,
  ];
}

/**
 * Applies one verified gateway outcome to its payment and order, exactly once, in ONE
 * database round trip: the PL/pgSQL function `settle_payment` (db/sql/settle_payment.sql). With
 * `callback`, the same call also records the received callback (the webhook's hot path).
 *
 * Exactly once rests on the database, not on memory or Redis: the event key is inserted into
 * `processed_events` (unique, ON CONFLICT DO NOTHING) in the same transaction as the state
 * change, so a duplicate delivery — ten at once, or a retry an hour later — changes nothing
 * and reports "duplicate". Inside, the payment row is locked and every order move is a
 * compare-and-set on the order's status that writes its history row (like `transitionOrder`),
 * so late or out-of-order events (EXPIRED after PAID) cannot undo a payment.
 *
 * Outcome rules. The amount the gateway reported is stored (`receivedIdr`) whenever money is
 * taken or sent to review, so a seller sees both it and the expected `totalIdr`.
 * - paid: payment already PAID/REFUNDED → ignored; payment already with a seller (REVIEW, other
 *   than a fraud challenge) → stays there (same why); amount ≠ payment.totalIdr → review
 *   (amount_mismatch); order EXPIRED/CANCELLED → review (late_payment); order PAYMENT_REVIEW
 *   because of another payment → review (order_in_review); order past payment → review
 *   (already_paid); otherwise payment PAID (+ gateway reference, method) and order PAID (paidAt,
 *   paymentFeeIdr) — also a challenged payment the gateway has since cleared. Review = payment
 *   REVIEW with its `reviewWhy` and the order to PAYMENT_REVIEW if it is
 *   PENDING_PAYMENT/EXPIRED/CANCELLED. Nothing ever moves an order out of PAYMENT_REVIEW but a
 *   seller (shop/payments/review.ts) or the gateway clearing its own challenge.
 * - challenge: only a PENDING payment → review (challenge, or the first reason above that fits).
 * - expired/failed: a PENDING payment → EXPIRED/FAILED; the order EXPIRED (and its coupon
 *   use released) only if no other attempt is PENDING/REVIEW and it is PENDING_PAYMENT. A
 *   payment under review for a fraud challenge (never captured) → EXPIRED/FAILED too
 *   (`challengeEnded`), its order PAYMENT_REVIEW → CANCELLED (coupon released) unless another
 *   payment of it is under review. Any other status → ignored.
 * - refunded → payment REFUNDED and `gatewayRefundedAt`, once per payment, whatever a seller did
 *   before (the follow-up, shop/payments/chargeback.ts, works out what to take back).
 * - pending → ignored.
 */
export async function settleAndRecord(db: PrismaClient | Prisma.TransactionClient | SqlPool, input: SettleAndRecordInput): Promise<Settled> {
  return settleWithValues(db, settleValues(input));
}

/** One settle_payment call with parameters already built by `settleValues`. */
export async function settleWithValues(db: PrismaClient | Prisma.TransactionClient | SqlPool, values: unknown[]): Promise<Settled> {
  const rows =
    "$queryRawUnsafe" in db
      ? await db.$queryRawUnsafe<SettleRow[]>(SETTLE_SQL, ...values)
      : (await db.query<SettleRow>({ ...SETTLE_STATEMENT, values })).rows;
  const row = rows[0];
  if (!row) throw new Error("settle_payment returned no row");
  return settledFromRow(row);
}

/** What one settle_payment row means. Throws on a row that breaks the function's contract. */
export function settledFromRow(row: SettleRow): Settled {
  return {
    settlement: toSettlement(row),
    ...(row.payment_id !== null ? { paymentId: row.payment_id } : {}),
    ...(row.payment_status !== null ? { paymentStatus: row.payment_status as PaymentStatus } : {}),
    ...(row.callback_id !== null ? { callbackId: row.callback_id } : {}),
    ...(isReviewWhy(row.review_why) ? { reviewWhy: row.review_why } : {}),
  };
}

/**
 * `settleAndRecord` without a callback to record: what the review actions and the
 * payment follow-up jobs call. Same semantics, same one round trip.
 */
export async function settlePayment(prisma: PrismaClient, input: SettleInput): Promise<SettlementResult> {
  return (await settleAndRecord(prisma, input)).settlement;
}

function toSettlement(row: SettleRow): SettlementResult {
  const ids = () => {
    if (row.order_id === null || row.payment_id === null) throw new Error(`settle_payment: ${row.result} without order/payment id`);
    return { orderId: row.order_id, paymentId: row.payment_id };
  };
  switch (row.result) {
    case "paid":
    case "refunded":
      return { result: row.result, ...ids() };
    case "review":
      if (!isReviewWhy(row.why)) throw new Error(`settle_payment: review without a known why (${row.why})`);
      return { result: "review", ...ids(), why: row.why };
    case "expired":
      return { result: "expired", ...ids(), orderExpired: row.order_expired === true, ...(row.why === "challenge_ended" ? { challengeEnded: true as const } : {}) };
    case "ignored":
      return { result: "ignored", ...ids(), ...(row.why ? { why: row.why } : {}) };
    case "duplicate":
      // As before: a duplicate reports only why; the ids and status are on `Settled`.
      return { result: "duplicate", ...(row.why ? { why: row.why } : {}) };
    case "unknown_payment":
      return { result: "unknown_payment" };
    default:
      throw new Error(`settle_payment: unexpected result ${JSON.stringify(row.result)}`);
  }
}
