/**
 * Money coming into a wallet: top-ups paid through a gateway, and refunds by a seller.
 * Both are idempotent by construction (one ledger idempotency key per payment / per order),
 * so a replayed callback or a double-tapped "refund" button credits once.
 */
import type { ActorType, Db, OrderStatus } from "../../db/client.js";
import { gatewayAccount, REFUNDS_ACCOUNT, walletAccount, type IncomingGateway } from "./accounts.js";
import { walletBalance } from "./balance.js";
import { LedgerError, postLedger, type PostedLedger } from "./post-ledger.js";
import { inTransaction } from "./tx.js";

function assertPositive(amountIdr: number): void {
  if (!Number.isSafeInteger(amountIdr) || amountIdr <= 0) throw new LedgerError("invalid", `amount must be a positive integer rupiah, got ${amountIdr}`);
}

/** Result of `creditTopUp`. */
export interface TopUpCredit {
  transactionId: number;
  /** false: this payment was already credited (nothing written). */
  created: boolean;
  balanceAfterIdr: number;
}

/**
 * Credits a paid WALLET_TOPUP order: −amount on the gateway's account, +amount on the user's
 * wallet, keyed `topup:payment:<paymentId>` so each payment credits once. Pass the
 * settlement's `tx` to make it atomic with marking the order/payment paid; with the client it
 * runs in its own transaction. Throws `LedgerError("invalid")` if the order, payment, user and
 * gateway do not belong together.
 */
export async function creditTopUp(
  db: Db,
  input: { userId: number; amountIdr: number; orderId: number; paymentId: number; gatewayCode: IncomingGateway; memo?: string },
): Promise<TopUpCredit> {
  assertPositive(input.amountIdr);
  const account = gatewayAccount(input.gatewayCode);
  return inTransaction(db, async (tx) => {
    // Locked: a gateway refund's reversal (shop/payments/chargeback.ts) locks it too, so it either
    // sees this credit or this credit sees the refund.
    await tx.$queryRaw`SELECT id FROM payments WHERE id = ${input.paymentId} FOR UPDATE`;
    const payment = await tx.payment.findUnique({
      where: { id: input.paymentId },
      select: { orderId: true, gateway: true, totalIdr: true, gatewayRefundedAt: true, order: { select: { userId: true, kind: true } } },
    });
    if (!payment || payment.orderId !== input.orderId || payment.order.userId !== input.userId) {
      throw new LedgerError("invalid", `payment ${input.paymentId} is not a payment of order ${input.orderId} of user ${input.userId}`);
    }
    if (payment.order.kind !== "WALLET_TOPUP") throw new LedgerError("invalid", `order ${input.orderId} is not a wallet top-up`);
    if (payment.gateway !== input.gatewayCode) throw new LedgerError("invalid", `payment ${input.paymentId} went through ${payment.gateway}, not ${input.gatewayCode}`);
    if (input.amountIdr > payment.totalIdr) throw new LedgerError("invalid", `cannot credit ${input.amountIdr}: payment ${input.paymentId} is ${payment.totalIdr}`);
    if (payment.gatewayRefundedAt) throw new LedgerError("invalid", `payment ${input.paymentId} was refunded by ${payment.gateway}: nothing to credit`);

    await tx.wallet.createMany({ data: [{ userId: input.userId }], skipDuplicates: true });
    const posted = await postLedger(tx, {
      kind: "TOPUP",
      idempotencyKey: `topup:payment:${input.paymentId}`,
      entries: [
        { account, amountIdr: -input.amountIdr },
        { account: walletAccount(input.userId), userId: input.userId, amountIdr: input.amountIdr },
      ],
      orderId: input.orderId,
      paymentId: input.paymentId,
      memo: input.memo ?? "wallet top-up",
    });
    return { transactionId: posted.transactionId, created: posted.created, balanceAfterIdr: await walletBalance(tx, input.userId) };
  });
}

/** Statuses in which the customer's money was received, so it can be given back. */
const REFUNDABLE: readonly OrderStatus[] = ["PAYMENT_REVIEW", "PAID", "PROVISIONING", "PROVISIONING_FAILED", "ACTIVE", "REFUNDED"];

/** Result of `refundToWallet`. */
export type RefundResult =
  | { ok: true; transactionId: number; created: boolean; balanceAfterIdr: number }
  | { ok: false; reason: "order_not_found" }
  /** Unpaid, cancelled or expired order, or a top-up (its money is already in the wallet). */
  | { ok: false; reason: "not_refundable"; status: OrderStatus }
  | { ok: false; reason: "amount_exceeds_paid"; paidIdr: number }
  /** The order was already refunded with another amount; nothing written. */
  | { ok: false; reason: "already_refunded"; refundedIdr: number };

const ACTOR_BY_ROLE: Record<string, ActorType> = { CUSTOMER: "CUSTOMER", SELLER: "SELLER", OWNER: "OWNER" };

/**
 * Gives an order's money back as wallet balance: −amount on `refunds`, +amount on the wallet,
 * at most once per order (key `refund:order:<orderId>`; repeating the same refund returns it
 * with `created: false`). Writes an audit-log line for a new refund. Changing the order's
 * status (e.g. to REFUNDED) is the caller's business, through `transitionOrder`.
 */
export async function refundToWallet(
  db: Db,
  input: { userId: number; amountIdr: number; orderId: number; reason: string; createdById?: number | null },
): Promise<RefundResult> {
  assertPositive(input.amountIdr);
  return inTransaction(db, async (tx): Promise<RefundResult> => {
    const order = await tx.order.findUnique({
      where: { id: input.orderId },
      select: { userId: true, kind: true, status: true, totalIdr: true, paymentFeeIdr: true },
    });
    if (!order || order.userId !== input.userId) return { ok: false, reason: "order_not_found" };
    if (order.kind === "WALLET_TOPUP" || !REFUNDABLE.includes(order.status)) return { ok: false, reason: "not_refundable", status: order.status };
    const paidIdr = order.totalIdr + order.paymentFeeIdr;
    if (input.amountIdr > paidIdr) return { ok: false, reason: "amount_exceeds_paid", paidIdr };

    await tx.wallet.createMany({ data: [{ userId: input.userId }], skipDuplicates: true });
    const key = `refund:order:${input.orderId}`;
    // The payment that paid the order: a chargeback of it must find (and take back) this refund.
    const paidBy = await tx.payment.findFirst({ where: { orderId: input.orderId, status: "PAID" }, orderBy: { id: "desc" }, select: { id: true } });
    let posted: PostedLedger;
    try {
      posted = await postLedger(tx, {
        kind: "REFUND",
        idempotencyKey: key,
        entries: [
          { account: REFUNDS_ACCOUNT, amountIdr: -input.amountIdr },
          { account: walletAccount(input.userId), userId: input.userId, amountIdr: input.amountIdr },
        ],
        orderId: input.orderId,
        paymentId: paidBy?.id ?? null,
        memo: input.reason,
        createdById: input.createdById ?? null,
      });
    } catch (error) {
      if (!(error instanceof LedgerError && error.code === "idempotency_conflict")) throw error;
      const existing = await tx.ledgerEntry.findFirst({ where: { transaction: { idempotencyKey: key }, account: walletAccount(input.userId) }, select: { amountIdr: true } });
      return { ok: false, reason: "already_refunded", refundedIdr: existing?.amountIdr ?? 0 };
    }

    if (posted.created) {
      const actor = input.createdById ? await tx.user.findUnique({ where: { id: input.createdById }, select: { role: true } }) : null;
      await tx.auditLog.create({
        data: {
          actorUserId: input.createdById ?? null,
          actorType: actor ? (ACTOR_BY_ROLE[actor.role] ?? "SYSTEM") : "SYSTEM",
          action: "wallet.refund",
          targetType: "order",
          targetId: String(input.orderId),
          details: { userId: input.userId, amountIdr: input.amountIdr, reason: input.reason, transactionId: posted.transactionId },
        },
      });
    }
    return { ok: true, transactionId: posted.transactionId, created: posted.created, balanceAfterIdr: await walletBalance(tx, input.userId) };
  });
}
