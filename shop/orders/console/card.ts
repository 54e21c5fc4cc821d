import type { Db, Prisma } from "../../../db/client.js";

/** Payment gateways whose money can get stuck (a callback that never came): the ones staff may mark paid. */
export const MARKABLE_GATEWAYS = ["TRIPAY", "MIDTRANS"] as const;

const cardInclude = {
  user: { select: { id: true, telegramId: true, firstName: true, username: true } },
  payments: { orderBy: { id: "desc" }, take: 5 },
  provisioningTask: true,
  createdInstance: { select: { id: true, status: true, ipv4: true, label: true, region: true, providerInstanceId: true, expiresAt: true, rootPasswordEnc: true } },
  statusHistory: { orderBy: { id: "asc" }, take: 30 },
} satisfies Prisma.OrderInclude;

export type CardOrder = Prisma.OrderGetPayload<{ include: typeof cardInclude }>;

export interface OrderNote {
  text: string;
  by: string;
  at: Date;
}

/** Everything the order card shows, in one read: the order, its customer, payments, provisioning, instance, timeline and notes. */
export interface OrderCard {
  order: CardOrder;
  notes: OrderNote[];
  /** Names of the staff in the timeline and notes, by user id. */
  actors: Map<string, string>;
  /** What the card offers (the permission is checked again at the tap). */
  can: {
    markPaidPaymentId?: number;
    cancel: boolean;
    refund: boolean;
    retry: boolean;
    resendInvoice: boolean;
    resendCredentials: boolean;
  };
}

/** A staff member's name for the card: @username, else the first name, else the user id. */
export function personName(u: { firstName: string | null; username: string | null; id: number }): string {
  return u.username ? `@${u.username}` : (u.firstName ?? `#${u.id}`);
}

/** Names of the users behind `ids` (status history and audit rows store user ids as text). */
export async function actorNames(db: Db, ids: Iterable<string | number | null | undefined>): Promise<Map<string, string>> {
  const numeric = [...new Set([...ids].map((v) => String(v ?? "")).filter((v) => /^\d{1,9}$/.test(v)))].map(Number);
  if (numeric.length === 0) return new Map();
  const users = await db.user.findMany({ where: { id: { in: numeric } }, select: { id: true, firstName: true, username: true } });
  return new Map(users.map((u) => [String(u.id), personName(u)]));
}

/** The order behind a reference (any case) or an id, for the card. */
export async function loadOrderCard(db: Db, ref: string | number): Promise<OrderCard | null> {
  const where = typeof ref === "number" ? { id: ref } : { reference: ref.trim().toUpperCase() };
  const order = await db.order.findUnique({ where, include: cardInclude });
  if (!order) return null;
  const noteRows = await db.auditLog.findMany({ where: { targetType: "order", targetId: String(order.id), action: "order.note" }, orderBy: { id: "desc" }, take: 3 });
  const actors = await actorNames(db, [...order.statusHistory.map((h) => (h.actorType === "SELLER" || h.actorType === "OWNER" ? h.actorId : null)), ...noteRows.map((n) => n.actorUserId)]);
  const notes = noteRows.map((n) => ({ text: String((n.details as { note?: unknown }).note ?? ""), by: actors.get(String(n.actorUserId)) ?? "?", at: n.createdAt }));
  return { order, notes, actors, can: offers(order) };
}

function offers(order: CardOrder): OrderCard["can"] {
  const stuck = order.payments.find(
    (p) => (MARKABLE_GATEWAYS as readonly string[]).includes(p.gateway) && (p.status === "PENDING" || p.status === "EXPIRED" || p.status === "FAILED"),
  );
  const open = ["PENDING_PAYMENT", "PAYMENT_REVIEW", "EXPIRED", "CANCELLED"].includes(order.status);
  const inReview = order.payments.some((p) => p.status === "REVIEW" && p.gateway !== "WALLET" && p.reviewWhy !== "challenge");
  return {
    ...(stuck && open ? { markPaidPaymentId: stuck.id } : {}),
    cancel: order.status === "PENDING_PAYMENT",
    refund: order.status === "PROVISIONING_FAILED" || inReview,
    retry: order.status === "PROVISIONING_FAILED" || order.status === "PROVISIONING",
    resendInvoice: order.paidAt !== null,
    resendCredentials: order.status === "ACTIVE" && order.createdInstance?.rootPasswordEnc != null && order.createdInstance.ipv4 !== null,
  };
}
