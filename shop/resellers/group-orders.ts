/**
 * Several identical VPS in one checkout (resellers). The design, and why:
 *
 * The checkout creates N ordinary sibling orders in one transaction (createOrder's `quantity`),
 * one VPS each, sharing `orders.checkout_group`. Everything that is exactly-once today is exactly
 * once per order, and stays untouched: a payment settles one order (settle_payment), an order gets
 * one provisioning task, one lease and one server found by its own tag, one instance
 * (instances.order_id is unique), and the stock trigger gives back one unit per order that ends
 * without a VPS. The alternative, one order of quantity N provisioned as N instances, would have
 * changed all of those at once (per-index tags and leases, partial failures, partial refunds, a
 * stock count per order) on the money and provisioning path.
 *
 * What is new is only paying the group together: from the wallet, all pending siblings in one
 * database transaction (each through the same code as a single wallet payment), so either all are
 * paid or none. A gateway payment covers one order, so a reseller tops up the balance first, or
 * pays the siblings one by one from /orders (each is an ordinary order and can be paid any way).
 * Price: each sibling is priced as a single order (promo per unit), total = N × unit; a coupon is
 * for a single VPS and a checkout of more than one takes none.
 */
import type { PrismaClient } from "../../db/client.js";
import type { PayableCheck } from "../payments/checkout.js";
import { lockWallet, walletBalance, type WalletPaymentResult } from "../wallet/ledger.js";
import { walletHold } from "../wallet/holds.js";
import { payOrderFromWalletIn, WalletRefusal } from "../wallet/pay-from-wallet.js";

export interface GroupOrder {
  id: number;
  reference: string;
  status: string;
  totalIdr: number;
}

/** The orders of the checkout `anchorOrderId` belongs to (just itself when it was a single order), the customer's own only. */
export async function checkoutGroupOf(prisma: PrismaClient, userId: number, anchorOrderId: number): Promise<GroupOrder[]> {
  const anchor = await prisma.order.findFirst({ where: { id: anchorOrderId, userId }, select: { checkoutGroup: true } });
  if (!anchor) return [];
  return prisma.order.findMany({
    where: anchor.checkoutGroup ? { userId, checkoutGroup: anchor.checkoutGroup } : { id: anchorOrderId },
    orderBy: { id: "asc" },
    select: { id: true, reference: true, status: true, totalIdr: true },
  });
}

export type GroupPaymentResult =
  | { ok: true; paid: Array<{ orderId: number; reference: string; paymentId: number }>; paidIdr: number; balanceAfterIdr: number }
  /** Nothing of the group was paid (every refusal rolls back the whole group). */
  | Extract<WalletPaymentResult, { ok: false }>
  | { ok: false; reason: "nothing_to_pay" }
  /**
   * A sibling fails the check a single payment makes (`Checkout.payable`: deadline passed, plan
   * inactive, provider paused, sold out): the whole group is refused, nothing paid.
   */
  | { ok: false; reason: "unpayable"; orderId: number; check: Extract<PayableCheck, { ok: false }> };

/**
 * Pays every sibling of the checkout still awaiting payment from the wallet, in one transaction:
 * the wallet row is locked once, the balance must cover them all, and each is paid exactly as
 * payOrderFromWallet pays a single order (transition, Payment `WAL-<reference>`, ledger posting).
 * Before that, every pending sibling must pass `payable` (Checkout.payable: deadline, plan active,
 * provider not paused, availability); one that fails refuses the whole group.
 * A second tap finds nothing pending and pays nothing. Settlement follow-ups (provisioning) are
 * the caller's to dispatch, per order, after this returns.
 */
export async function payGroupFromWallet(
  prisma: PrismaClient,
  input: { userId: number; anchorOrderId: number; now?: Date; payable: (orderId: number, userId: number) => Promise<PayableCheck> },
): Promise<GroupPaymentResult> {
  const { userId } = input;
  const now = input.now ?? new Date();
  // The checks a single wallet payment makes (pay.feature → Checkout.payable), for every sibling
  // before any money moves: one that may not be paid refuses the whole group.
  for (const order of await checkoutGroupOf(prisma, userId, input.anchorOrderId)) {
    if (order.status !== "PENDING_PAYMENT") continue;
    const check = await input.payable(order.id, userId);
    if (!check.ok) return { ok: false, reason: "unpayable", orderId: order.id, check };
  }
  try {
    return await prisma.$transaction(async (tx): Promise<GroupPaymentResult> => {
      // A refusal rolls back the whole transaction, the wallet row lockWallet may have just created
      // included: a refused tap (someone else's order, nothing to pay, too little money) changes nothing.
      const refuse = (result: Extract<GroupPaymentResult, { ok: false }>): never => {
        throw new GroupRefusal(result);
      };
      await lockWallet(tx, userId);
      if (await walletHold(tx, userId)) refuse({ ok: false, reason: "held" });
      const anchor = await tx.order.findFirst({ where: { id: input.anchorOrderId, userId }, select: { checkoutGroup: true } });
      if (!anchor) return refuse({ ok: false, reason: "not_found" });
      const pending = await tx.order.findMany({
        where: { userId, status: "PENDING_PAYMENT", kind: "NEW_VPS", OR: [{ paymentDeadline: null }, { paymentDeadline: { gt: now } }], ...(anchor.checkoutGroup ? { checkoutGroup: anchor.checkoutGroup } : { id: input.anchorOrderId }) },
        orderBy: { id: "asc" },
        select: { id: true, reference: true, totalIdr: true },
      });
      if (pending.length === 0) refuse({ ok: false, reason: "nothing_to_pay" });
      const neededIdr = pending.reduce((sum, o) => sum + o.totalIdr, 0);
      const balanceIdr = await walletBalance(tx, userId);
      if (balanceIdr < neededIdr) refuse({ ok: false, reason: "insufficient", balanceIdr, neededIdr });
      const paid = [];
      let balanceAfterIdr = balanceIdr;
      for (const order of pending) {
        const result = await payOrderFromWalletIn(tx, { orderId: order.id, userId, now });
        paid.push({ orderId: order.id, reference: order.reference, paymentId: result.paymentId });
        balanceAfterIdr = result.balanceAfterIdr;
      }
      return { ok: true, paid, paidIdr: neededIdr, balanceAfterIdr };
    });
  } catch (error) {
    if (error instanceof WalletRefusal || error instanceof GroupRefusal) return error.result;
    throw error;
  }
}

/** A refused group payment, thrown so its transaction rolls back (see payGroupFromWallet). */
class GroupRefusal extends Error {
  constructor(readonly result: Extract<GroupPaymentResult, { ok: false }>) {
    super(`group wallet payment refused: ${result.reason}`);
  }
}
