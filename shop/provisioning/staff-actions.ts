import type { Prisma, PrismaClient } from "../../db/client.js";
import { audit } from "../audit.js";
import type { CloudProviders } from "../cloud/providers.js";
import { isLeaseHeld } from "../leases.js";
import { transitionOrder } from "../orders/state-machine.js";
import { orderMoneyTakenBack } from "../payments/chargeback.js";
import { refundToWallet } from "../wallet/ledger.js";
import { discardOrderServer, type DiscardResult } from "./discard.js";
import { provisioningLeaseKey } from "./provision.js";

export interface Staff {
  userId: number;
  role: "SELLER" | "OWNER";
}

export interface StaffActionDeps {
  prisma: PrismaClient;
  /** For deleting a refunded order's server at the provider. */
  providers: CloudProviders;
}

export type StaffActionResult =
  | {
      ok: true;
      orderId: number;
      reference: string;
      chatId: number;
      attempt?: number;
      /** Retry only: unique per retry (its audit row), for the new provisioning job's id. */
      retryId?: number;
      amountIdr?: number;
      /** Refund only: what became of the order's server (an error here is left to the orphan sweep). */
      server?: DiscardResult | { status: "error"; message: string };
    }
  | { ok: false; why: string };

type Tx = Prisma.TransactionClient;

/**
 * A PROVISIONING order untouched this long with no run holding its lease is stalled. Longer than
 * a job's retry back-off and the recovery sweep's re-push, so a retry already queued (or a second
 * tap on the button) is not taken for a stalled one.
 */
export const STALLED_AFTER_MS = 5 * 60_000;

/**
 * Locks the order row (SELECT … FOR UPDATE) for the rest of the transaction and reads it.
 * Why: a refund and a retry (or two refunds) tapped at once must run one after the other, each
 * seeing the status the other left; the state machine's compare-and-set alone cannot stop a
 * refund whose credit was already written before it lost the race.
 */
async function lockOrder(tx: Tx, ref: string | number) {
  const rows =
    typeof ref === "number"
      ? await tx.$queryRaw<{ id: number }[]>`SELECT id FROM orders WHERE id = ${ref} FOR UPDATE`
      : await tx.$queryRaw<{ id: number }[]>`SELECT id FROM orders WHERE reference = ${ref.trim().toUpperCase()} FOR UPDATE`;
  const id = rows[0]?.id;
  if (id === undefined) return null;
  return tx.order.findUnique({ where: { id }, include: { user: true, provisioningTask: true } });
}

/**
 * A seller retries provisioning, with an audit row; the caller enqueues a new provisioning job
 * for the returned attempt. Allowed from PROVISIONING_FAILED, and from a stalled PROVISIONING (no
 * run holds the order's provisioning lease and nothing touched it for STALLED_AFTER_MS: its job
 * was lost or gave up without recording it).
 * One transaction with the order locked, so it cannot interleave with a refund.
 */
export async function retryProvisioning(deps: Pick<StaffActionDeps, "prisma">, ref: string | number, staff: Staff): Promise<StaffActionResult> {
  return deps.prisma.$transaction(async (tx): Promise<StaffActionResult> => {
    const order = await lockOrder(tx, ref);
    if (!order) return { ok: false, why: "order not found" };
    const takenBack = await orderMoneyTakenBack(tx, order.id);
    if (takenBack) return { ok: false, why: `not retried: ${takenBack}` };
    const actor = { type: staff.role, id: String(staff.userId) };
    if (order.status === "PROVISIONING") {
      const touched = (order.provisioningTask?.updatedAt ?? order.updatedAt).getTime();
      if (Date.now() - touched < STALLED_AFTER_MS || (await isLeaseHeld(tx, provisioningLeaseKey(order.id)))) {
        return { ok: false, why: "provisioning of this order is running or queued; it can be retried once it stalls or fails" };
      }
    } else {
      const moved = await transitionOrder(tx, order.id, "PROVISIONING", actor, { reason: "retry requested by seller", onlyFrom: ["PROVISIONING_FAILED"] });
      if (!moved.ok) return { ok: false, why: `only a PROVISIONING_FAILED order or a stalled PROVISIONING one can be retried (this one is ${order.status})` };
    }
    await tx.instance.updateMany({ where: { orderId: order.id, status: "FAILED" }, data: { status: "PROVISIONING" } });
    await tx.provisioningTask.updateMany({ where: { orderId: order.id }, data: { status: "QUEUED" } });
    const audited = await tx.auditLog.create({
      data: { actorUserId: staff.userId, actorType: staff.role, action: "provisioning.retry", targetType: "order", targetId: String(order.id), details: { reference: order.reference, from: order.status } },
      select: { id: true },
    });
    return { ok: true, orderId: order.id, reference: order.reference, chatId: Number(order.user.telegramId), attempt: (order.provisioningTask?.attempts ?? 0) + 1, retryId: audited.id };
  });
}

/**
 * A seller gives up on a failed order: in one transaction with the order locked, the money goes
 * back to the customer's wallet (ledger), the order becomes REFUNDED and the action is audited —
 * all or nothing, so a crash never leaves a credit on an order that can still be retried. Then,
 * outside the transaction, the order's server is deleted at the provider (a failure there is
 * reported in `server` and left to the orphan sweep).
 */
export async function refundFailedOrder(deps: StaffActionDeps, ref: string | number, staff: Staff): Promise<StaffActionResult> {
  const refunded = await deps.prisma.$transaction(async (tx): Promise<StaffActionResult> => {
    const order = await lockOrder(tx, ref);
    if (!order) return { ok: false, why: "order not found" };
    if (order.status !== "PROVISIONING_FAILED") return { ok: false, why: `only a PROVISIONING_FAILED order can be refunded here (this one is ${order.status})` };
    const takenBack = await orderMoneyTakenBack(tx, order.id);
    if (takenBack) return { ok: false, why: `not refunded: ${takenBack}` };
    const amountIdr = order.totalIdr + order.paymentFeeIdr;
    const refund = await refundToWallet(tx, { userId: order.userId, amountIdr, orderId: order.id, reason: "provisioning failed", createdById: staff.userId });
    // already_refunded: its money went back by another path earlier; only the status is left to set.
    if (!refund.ok && refund.reason !== "already_refunded") return { ok: false, why: `refund refused: ${refund.reason}` };
    const moved = await transitionOrder(tx, order.id, "REFUNDED", { type: staff.role, id: String(staff.userId) }, { reason: "refunded to wallet after failed provisioning", onlyFrom: ["PROVISIONING_FAILED"] });
    // Cannot happen under the row lock; if it does, roll the credit back with it.
    if (!moved.ok) throw new Error(`order ${order.id} changed while locked: ${JSON.stringify(moved)}`);
    await audit(tx, { actorUserId: staff.userId, actorType: staff.role, action: "order.refund", targetType: "order", targetId: order.id, details: { amountIdr } });
    return { ok: true, orderId: order.id, reference: order.reference, chatId: Number(order.user.telegramId), amountIdr };
  });
  if (!refunded.ok) return refunded;
  try {
    return { ...refunded, server: await discardOrderServer(deps, refunded.orderId) };
  } catch (err) {
    return { ...refunded, server: { status: "error", message: err instanceof Error ? err.message : String(err) } };
  }
}
