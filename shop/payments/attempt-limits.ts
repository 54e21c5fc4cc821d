import type { Db, PaymentGateway, Prisma, PrismaClient } from "../../db/client.js";

/**
 * How many payment attempts may be opened, per order and per customer, in a rolling hour.
 *
 * Why: every attempt is a real transaction at Tripay/Midtrans (or a reserved manual-transfer
 * code), and a tap costs the customer nothing. Re-choosing a method shows its open attempt
 * again (`Checkout`), so only switching methods over and over, or order after order, reaches
 * these. Counted from `payments` in Postgres, so the limit is the same for every bot process
 * and survives a Redis wipe.
 */
export interface AttemptLimits {
  perOrderPerHour: number;
  perUserPerHour: number;
}
export const ATTEMPT_LIMITS: Readonly<AttemptLimits> = { perOrderPerHour: 6, perUserPerHour: 20 };

/** A new payment attempt would exceed a limit (`scope` says which one). */
export class PaymentAttemptLimitError extends Error {
  constructor(readonly scope: "order" | "user") {
    super(`too many payment attempts for this ${scope} in the last hour`);
    this.name = "PaymentAttemptLimitError";
  }
}

/** Throws `PaymentAttemptLimitError` if one more attempt for this order/customer is too many. */
export async function checkAttemptLimits(db: Db, input: { orderId: number; userId: number; now?: Date }, limits: AttemptLimits = ATTEMPT_LIMITS): Promise<void> {
  const since = new Date((input.now ?? new Date()).getTime() - 3600_000);
  const gateways: PaymentGateway[] = ["TRIPAY", "MIDTRANS", "MANUAL_TRANSFER"];
  const attempts = { gateway: { in: gateways }, createdAt: { gte: since } };
  if ((await db.payment.count({ where: { ...attempts, orderId: input.orderId } })) >= limits.perOrderPerHour) throw new PaymentAttemptLimitError("order");
  if ((await db.payment.count({ where: { ...attempts, order: { userId: input.userId } } })) >= limits.perUserPerHour) throw new PaymentAttemptLimitError("user");
}

/**
 * Runs `step` in one transaction holding the customer's payment-attempt lock (a
 * transaction-scoped Postgres advisory lock: it holds across every bot process and ends with
 * the transaction, also when a process dies). `step` looks for the open attempt, checks the
 * limits and records the new attempt, all through `tx`, so concurrent starts run that one
 * after the other and cannot all pass the counts before any is recorded. Per customer rather
 * than per order: the per-customer limit counts the attempts of all their orders. Keep gateway
 * calls out of `step` (it holds a pooled connection).
 */
export async function withAttemptLock<T>(prisma: PrismaClient, userId: number, step: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
  return prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext('payment-attempt'), ${userId}::int)::text`;
    return step(tx);
  });
}
