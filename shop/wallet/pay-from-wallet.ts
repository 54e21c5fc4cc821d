/**
 * Paying an order with wallet balance. Everything happens in one database transaction:
 * lock the wallet, read the balance, move the order PENDING_PAYMENT → PAID, record the
 * Payment, post wallet → sales. Either all of it is committed or none of it, and two spends
 * from one wallet are serialised by the lock, so a balance can pay for one order, never two.
 */
import type { OrderKind, OrderStatus, Prisma, PrismaClient } from "../../db/client.js";
import { transitionOrder } from "../orders/state-machine.js";
import { SALES_ACCOUNT, walletAccount } from "./accounts.js";
import { walletBalance } from "./balance.js";
import { walletHold } from "./holds.js";
import { lockWallet, postLedger } from "./post-ledger.js";

/** Wallet payments cost the customer nothing extra. */
export const WALLET_PAYMENT_FEE_IDR = 0;

/** Result of `payOrderFromWallet`. Every `ok: false` wrote nothing. */
export type WalletPaymentResult =
  | { ok: true; paymentId: number; transactionId: number | null; paidIdr: number; balanceAfterIdr: number }
  | { ok: false; reason: "insufficient"; balanceIdr: number; neededIdr: number }
  /** The wallet is held while the owner decides about money a gateway took back (holds.ts). */
  | { ok: false; reason: "held" }
  /** No such order, or it belongs to someone else (not revealed to the caller). */
  | { ok: false; reason: "not_found" }
  /** Not awaiting payment any more (paid, expired…), or a wallet top-up (cannot be paid with the wallet). */
  | { ok: false; reason: "not_payable"; status: OrderStatus; kind: OrderKind };

type Refusal = Extract<WalletPaymentResult, { ok: false }>;

/** Carries a refusal out of `$transaction` so everything written so far is rolled back. */
export class WalletRefusal extends Error {
  constructor(readonly result: Refusal) {
    super(`wallet payment refused: ${result.reason}`);
  }
}

/** The Payment.attemptRef of a wallet payment; unique, so an order can be wallet-paid once. */
export const walletAttemptRef = (orderReference: string): string => `WAL-${orderReference}`;

/**
 * Pays `orderId` for `userId` from their wallet (order total + fee 0), atomically:
 * wallet row locked (`SELECT … FOR UPDATE`, created first if missing), balance checked, order
 * moved PENDING_PAYMENT → PAID through `transitionOrder` (actor CUSTOMER), Payment row
 * (gateway WALLET, status PAID, attemptRef `WAL-<reference>`), and the ledger posting
 * wallet → sales (key `order:<reference>:wallet`). A zero-total order gets the Payment and the
 * transition but no ledger posting (ledger entries are never 0).
 */
export async function payOrderFromWallet(prisma: PrismaClient, input: { orderId: number; userId: number; now?: Date }): Promise<WalletPaymentResult> {
  try {
    return await prisma.$transaction((tx) => payOrderFromWalletIn(tx, input));
  } catch (error) {
    if (error instanceof WalletRefusal) return error.result;
    throw error;
  }
}

/**
 * `payOrderFromWallet` inside a transaction the caller owns, so several orders (a multi-VPS
 * checkout's siblings, shop/resellers/group-orders.ts) are paid all together or not at all. A
 * refusal throws `WalletRefusal` (roll the transaction back); nothing of it was written.
 */
export async function payOrderFromWalletIn(tx: Prisma.TransactionClient, input: { orderId: number; userId: number; now?: Date }): Promise<WalletPaymentResult & { ok: true }> {
  const { orderId, userId } = input;
  await lockWallet(tx, userId);
  if (await walletHold(tx, userId)) throw new WalletRefusal({ ok: false, reason: "held" });
  const order = await tx.order.findUnique({ where: { id: orderId }, select: { id: true, reference: true, userId: true, kind: true, status: true, totalIdr: true } });
  if (!order || order.userId !== userId) throw new WalletRefusal({ ok: false, reason: "not_found" });
  if (order.status !== "PENDING_PAYMENT" || order.kind === "WALLET_TOPUP") {
    throw new WalletRefusal({ ok: false, reason: "not_payable", status: order.status, kind: order.kind });
  }

  const neededIdr = order.totalIdr + WALLET_PAYMENT_FEE_IDR;
  const balanceIdr = await walletBalance(tx, userId);
  if (balanceIdr < neededIdr) throw new WalletRefusal({ ok: false, reason: "insufficient", balanceIdr, neededIdr });

  const now = input.now ?? new Date();
  const moved = await transitionOrder(tx, order.id, "PAID", { type: "CUSTOMER", id: String(userId) }, {
    onlyFrom: ["PENDING_PAYMENT"],
    reason: "paid from wallet",
    data: { paidAt: now, paymentFeeIdr: WALLET_PAYMENT_FEE_IDR },
  });
  if (!moved.ok) {
    const status = moved.reason === "not_found" ? order.status : moved.current;
    throw new WalletRefusal({ ok: false, reason: "not_payable", status, kind: order.kind });
  }

  const payment = await tx.payment.create({
    data: {
      orderId: order.id,
      gateway: "WALLET",
      method: "WALLET",
      attemptRef: walletAttemptRef(order.reference),
      amountIdr: order.totalIdr,
      feeIdr: WALLET_PAYMENT_FEE_IDR,
      totalIdr: neededIdr,
      status: "PAID",
      paidAt: now,
    },
    select: { id: true },
  });

  let transactionId: number | null = null;
  if (neededIdr > 0) {
    const posted = await postLedger(tx, {
      kind: "ORDER_PAYMENT",
      idempotencyKey: `order:${order.reference}:wallet`,
      entries: [
        { account: walletAccount(userId), userId, amountIdr: -neededIdr },
        { account: SALES_ACCOUNT, amountIdr: neededIdr },
      ],
      orderId: order.id,
      paymentId: payment.id,
      memo: `order ${order.reference}`,
      createdById: userId,
    });
    transactionId = posted.transactionId;
  }
  return { ok: true, paymentId: payment.id, transactionId, paidIdr: neededIdr, balanceAfterIdr: balanceIdr - neededIdr };
}
