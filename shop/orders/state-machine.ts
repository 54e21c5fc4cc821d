import type { ActorType, Db, OrderStatus, Prisma, PrismaClient } from "../../db/client.js";

/**
 * The one state machine for orders. Every status change goes through
 * `transitionOrder`, which checks the move is allowed, applies it with a
 * compare-and-set on the current status (so two racing callers cannot both
 * win) and writes the status history row: the audit trail.
 *
 * Payment settlement applies its moves in SQL (the `settle_payment` function, see
 * shop/payments/settle.ts): those moves are listed in SETTLEMENT_ORDER_TRANSITIONS there and
 * must stay allowed here — test/shop/settle-transitions.test.ts checks it.
 *
 * Plan stock follows the status in the database, for both paths: the trigger `orders_plan_stock`
 * (db/migrations/20261203180000_plan_stock) gives a NEW_VPS order's unit back once when it ends
 * without a VPS (→ EXPIRED/CANCELLED/REFUNDED) and takes it again if late money is accepted.
 */
export const ORDER_TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  PENDING_PAYMENT: ["PAID", "PAYMENT_REVIEW", "EXPIRED", "CANCELLED"],
  // A seller decides: accept the money, or refuse/refund it.
  PAYMENT_REVIEW: ["PAID", "CANCELLED", "REFUNDED"],
  // Renewals and top-ups finish at ACTIVE straight from PAID; new VPS go through provisioning.
  PAID: ["PROVISIONING", "ACTIVE", "PROVISIONING_FAILED", "REFUNDED"],
  PROVISIONING: ["ACTIVE", "PROVISIONING_FAILED"],
  PROVISIONING_FAILED: ["PROVISIONING", "REFUNDED"],
  ACTIVE: ["REFUNDED"],
  // Money that arrives after the deadline is never dropped: a seller reviews it.
  EXPIRED: ["PAYMENT_REVIEW"],
  CANCELLED: ["PAYMENT_REVIEW"],
  REFUNDED: [],
};

export interface Actor {
  type: ActorType;
  /** A user id, gateway reference, job name… */
  id?: string | null;
}

export type TransitionResult =
  | { ok: true; from: OrderStatus; to: OrderStatus }
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "not_allowed" | "conflict"; current: OrderStatus };

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

/**
 * Moves an order to `to` if the machine allows it from the current status (and,
 * when given, only from `onlyFrom`). Pass a transaction client to combine it
 * with other writes atomically. A lost race returns `conflict`, never a double move.
 */
export async function transitionOrder(
  db: Db,
  orderId: number,
  to: OrderStatus,
  actor: Actor,
  opts: { reason?: string; onlyFrom?: readonly OrderStatus[]; data?: Prisma.OrderUpdateManyMutationInput } = {},
): Promise<TransitionResult> {
  // Given the client rather than a caller's transaction, the move and its history row still
  // commit together: a crash between the two must not leave a status without its audit trail.
  if (typeof (db as PrismaClient).$transaction === "function") return (db as PrismaClient).$transaction((tx) => transitionOrder(tx, orderId, to, actor, opts));
  const order = await db.order.findUnique({ where: { id: orderId }, select: { status: true } });
  if (!order) return { ok: false, reason: "not_found" };
  const from = order.status;
  if (!canTransition(from, to) || (opts.onlyFrom && !opts.onlyFrom.includes(from))) {
    return { ok: false, reason: "not_allowed", current: from };
  }
  const { count } = await db.order.updateMany({ where: { id: orderId, status: from }, data: { ...opts.data, status: to } });
  if (count === 0) {
    const now = await db.order.findUnique({ where: { id: orderId }, select: { status: true } });
    return { ok: false, reason: "conflict", current: now?.status ?? from };
  }
  await db.orderStatusHistory.create({
    data: { orderId, fromStatus: from, toStatus: to, actorType: actor.type, actorId: actor.id ?? null, reason: opts.reason ?? null },
  });
  return { ok: true, from, to };
}
