import { Prisma, type Db, type OrderKind, type OrderStatus, type ProviderCode } from "../../../db/client.js";

/** Payment gateways whose money can get stuck (a callback that never came): the ones staff may mark paid. */
export const MARKABLE_GATEWAYS = ["TRIPAY", "MIDTRANS"] as const;

/** The order as its card shows it: the order's own columns, its customer, and what hangs off it. */
export interface CardOrder {
  id: number;
  reference: string;
  kind: OrderKind;
  status: OrderStatus;
  planCode: string | null;
  planName: string | null;
  providerCode: ProviderCode | null;
  region: string | null;
  durationMonths: number | null;
  basePriceIdr: number;
  promoDiscountIdr: number;
  couponDiscountIdr: number;
  couponCode: string | null;
  totalIdr: number;
  paymentFeeIdr: number;
  instanceId: number | null;
  paymentDeadline: Date | null;
  paidAt: Date | null;
  createdAt: Date;
  user: { id: number; telegramId: string; firstName: string | null; username: string | null };
  /** The latest attempts, newest first. */
  payments: Array<{ id: number; gateway: string; method: string | null; status: string; totalIdr: number; receivedIdr: number | null; reviewWhy: string | null }>;
  provisioningTask: { status: string; attempts: number; lastError: string | null } | null;
  createdInstance: { id: number; status: string; ipv4: string | null; label: string; hasPassword: boolean } | null;
  /** Oldest first, at most HISTORY_ROWS. */
  statusHistory: Array<{ fromStatus: OrderStatus | null; toStatus: OrderStatus; actorType: string; actorId: string | null; createdAt: Date }>;
}

export interface OrderNote {
  text: string;
  by: string;
  at: Date;
}

/** Everything the order card shows, in one read: the order, its customer, payments, provisioning, instance, timeline and notes. */
export interface OrderCard {
  order: CardOrder;
  notes: OrderNote[];
  /** Names of the staff in the timeline, by user id. */
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

const HISTORY_ROWS = 40;

/** A person's name for staff screens: @username, else the first name, else the user id. */
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

/** Staff named in a row: a SELLER/OWNER actor id is a user id (CASE keeps the cast from ever seeing other text). */
const STAFF_JOIN = Prisma.sql`a."id" = (CASE WHEN h."actor_type" IN ('SELLER', 'OWNER') AND h."actor_id" ~ '^[0-9]{1,9}$' THEN h."actor_id"::int END)`;

interface CardRow {
  order: Record<string, unknown>;
  user: CardOrder["user"];
  payments: CardOrder["payments"];
  task: CardOrder["provisioningTask"];
  instance: CardOrder["createdInstance"];
  history: Array<{ fromStatus: OrderStatus | null; toStatus: OrderStatus; actorType: string; actorId: string | null; actorName: string | null; createdAt: string }>;
  notes: Array<{ text: string; by: string | null; at: string }>;
}

const date = (v: unknown): Date | null => (typeof v === "string" ? new Date(v) : null);

/**
 * The order behind a reference (any case) or an id, for the card: ONE statement (the order, its
 * customer, payments, task, instance, timeline with staff names, notes as JSON), because the
 * card must answer within tens of milliseconds on a shop with a million orders on a busy machine.
 */
export async function loadOrderCard(db: Db, ref: string | number): Promise<OrderCard | null> {
  const where = typeof ref === "number" ? Prisma.sql`o."id" = ${ref}` : Prisma.sql`o."reference" = ${ref.trim().toUpperCase()}`;
  const rows = await db.$queryRaw<CardRow[]>`
    SELECT jsonb_build_object(
             'id', o."id", 'reference', o."reference", 'kind', o."kind", 'status', o."status", 'planCode', o."plan_code", 'planName', o."plan_name",
             'providerCode', o."provider_code", 'region', o."region", 'durationMonths', o."duration_months", 'basePriceIdr', o."base_price_idr",
             'promoDiscountIdr', o."promo_discount_idr", 'couponDiscountIdr', o."coupon_discount_idr", 'couponCode', o."coupon_code",
             'totalIdr', o."total_idr", 'paymentFeeIdr', o."payment_fee_idr", 'instanceId', o."instance_id",
             'paymentDeadline', o."payment_deadline", 'paidAt', o."paid_at", 'createdAt', o."created_at") AS "order",
           jsonb_build_object('id', u."id", 'telegramId', u."telegram_id"::text, 'firstName', u."first_name", 'username', u."username") AS "user",
           (SELECT coalesce(jsonb_agg(jsonb_build_object('id', p."id", 'gateway', p."gateway", 'method', p."method", 'status', p."status", 'totalIdr', p."total_idr",
                                                         'receivedIdr', p."received_idr", 'reviewWhy', p."review_why") ORDER BY p."id" DESC), '[]'::jsonb)
              FROM (SELECT * FROM "payments" WHERE "order_id" = o."id" ORDER BY "id" DESC LIMIT 5) p) AS "payments",
           (SELECT jsonb_build_object('status', t."status", 'attempts', t."attempts", 'lastError', t."last_error")
              FROM "provisioning_tasks" t WHERE t."order_id" = o."id") AS "task",
           (SELECT jsonb_build_object('id', i."id", 'status', i."status", 'ipv4', i."ipv4", 'label', i."label", 'hasPassword', i."root_password_enc" IS NOT NULL)
              FROM "instances" i WHERE i."order_id" = o."id") AS "instance",
           (SELECT coalesce(jsonb_agg(jsonb_build_object('fromStatus', h."from_status", 'toStatus', h."to_status", 'actorType', h."actor_type", 'actorId', h."actor_id",
                                                         'actorName', CASE WHEN a."username" IS NOT NULL THEN '@' || a."username" ELSE a."first_name" END,
                                                         'createdAt', h."created_at") ORDER BY h."id"), '[]'::jsonb)
              FROM (SELECT * FROM "order_status_history" WHERE "order_id" = o."id" ORDER BY "id" LIMIT ${HISTORY_ROWS}) h LEFT JOIN "users" a ON ${STAFF_JOIN}) AS "history",
           (SELECT coalesce(jsonb_agg(jsonb_build_object('text', n."details" ->> 'note', 'at', n."created_at",
                                                         'by', CASE WHEN a."username" IS NOT NULL THEN '@' || a."username" ELSE a."first_name" END) ORDER BY n."id" DESC), '[]'::jsonb)
              FROM (SELECT * FROM "audit_logs" WHERE "target_type" = 'order' AND "target_id" = o."id"::text AND "action" = 'order.note' ORDER BY "id" DESC LIMIT 3) n
              LEFT JOIN "users" a ON a."id" = n."actor_user_id") AS "notes"
      FROM "orders" o JOIN "users" u ON u."id" = o."user_id"
     WHERE ${where}`;
  const row = rows[0];
  if (!row) return null;
  const o = row.order;
  const order = {
    ...(o as unknown as CardOrder),
    paymentDeadline: date(o.paymentDeadline),
    paidAt: date(o.paidAt),
    createdAt: new Date(String(o.createdAt)),
    user: row.user,
    payments: row.payments,
    provisioningTask: row.task,
    createdInstance: row.instance,
    statusHistory: row.history.map((h) => ({ fromStatus: h.fromStatus, toStatus: h.toStatus, actorType: h.actorType, actorId: h.actorId, createdAt: new Date(h.createdAt) })),
  } satisfies CardOrder;
  const actors = new Map(row.history.filter((h) => h.actorId && h.actorName).map((h) => [h.actorId!, h.actorName!]));
  const notes = row.notes.map((n) => ({ text: n.text ?? "", by: n.by ?? "?", at: new Date(n.at) }));
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
    resendCredentials: order.status === "ACTIVE" && order.createdInstance?.hasPassword === true && order.createdInstance.ipv4 !== null,
  };
}
