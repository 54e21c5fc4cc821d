/**
 * The order card's drill-ins: what the card summarises, in full. Each is one read of the records
 * the shop already keeps (status history, payments and the callbacks received, provisioning,
 * the instance, audit rows, the notifications outbox); nothing here writes.
 */
import { Prisma, type Db } from "../../../db/client.js";
import { actorNames } from "./card.js";

export interface HistoryLine {
  at: Date;
  from: string | null;
  to: string;
  actor: string;
  reason: string | null;
}

/** Every status change of the order, oldest first, with who made it (staff by name). */
export async function orderHistory(db: Db, orderId: number): Promise<HistoryLine[]> {
  const rows = await db.orderStatusHistory.findMany({ where: { orderId }, orderBy: { id: "asc" } });
  const names = await actorNames(db, rows.map((r) => (r.actorType === "SELLER" || r.actorType === "OWNER" ? r.actorId : null)));
  return rows.map((r) => ({
    at: r.createdAt,
    from: r.fromStatus,
    to: r.toStatus,
    actor: actorLabel(r.actorType, r.actorId, names),
    reason: r.reason,
  }));
}

/** "Rina (OWNER)", "GATEWAY tripay", "SCHEDULER order-expiry". */
export function actorLabel(type: string, id: string | null, names: Map<string, string>): string {
  if (type === "SELLER" || type === "OWNER") return `${(id && names.get(id)) ?? `#${id ?? "?"}`} (${type})`;
  return id ? `${type} ${id}` : type;
}

export interface CallbackLine {
  at: Date;
  gateway: string;
  status: string | null;
  amountIdr: number | null;
  verified: boolean;
  outcome: string | null;
  rejectReason: string | null;
}

export interface PaymentLine {
  id: number;
  gateway: string;
  method: string | null;
  status: string;
  totalIdr: number;
  feeIdr: number;
  receivedIdr: number | null;
  reviewWhy: string | null;
  reviewResolution: string | null;
  attemptRef: string;
  createdAt: Date;
  paidAt: Date | null;
  expiresAt: Date | null;
  callbacks: CallbackLine[];
}

/** The amount a gateway's callback body reports (Tripay total_amount/amount_received, Midtrans gross_amount), if any. */
export function callbackAmount(rawBody: string): number | null {
  try {
    const body = JSON.parse(rawBody) as Record<string, unknown>;
    for (const key of ["total_amount", "amount_received", "gross_amount", "amount"]) {
      const n = Number(body[key]);
      if (body[key] !== undefined && body[key] !== null && Number.isFinite(n)) return Math.round(n);
    }
  } catch {
    // Not JSON (a rejected body): no amount to show.
  }
  return null;
}

/** Payment attempts, newest first, each with the gateway callbacks received about it. */
export async function orderPayments(db: Db, orderId: number): Promise<PaymentLine[]> {
  const payments = await db.payment.findMany({ where: { orderId }, orderBy: { id: "desc" }, take: 10 });
  if (payments.length === 0) return [];
  const refs = payments.map((p) => p.attemptRef);
  const gatewayRefs = payments.filter((p) => p.gatewayReference).map((p) => p.gatewayReference!);
  const callbacks = await db.paymentCallback.findMany({
    where: { OR: [{ merchantRef: { in: refs } }, ...(gatewayRefs.length ? [{ reference: { in: gatewayRefs } }] : [])] },
    orderBy: { id: "asc" },
    take: 100,
  });
  return payments.map((p) => ({
    id: p.id,
    gateway: p.gateway,
    method: p.method,
    status: p.status,
    totalIdr: p.totalIdr,
    feeIdr: p.feeIdr,
    receivedIdr: p.receivedIdr,
    reviewWhy: p.reviewWhy,
    reviewResolution: p.reviewResolution,
    attemptRef: p.attemptRef,
    createdAt: p.createdAt,
    paidAt: p.paidAt,
    expiresAt: p.expiresAt,
    callbacks: callbacks
      .filter((c) => c.merchantRef === p.attemptRef || (p.gatewayReference !== null && c.reference === p.gatewayReference && c.gateway === p.gateway))
      .map((c) => ({ at: c.receivedAt, gateway: c.gateway, status: c.status, amountIdr: callbackAmount(c.rawBody), verified: c.verified, outcome: c.outcome, rejectReason: c.rejectReason })),
  }));
}

export interface ProvisioningView {
  task: { status: string; attempts: number; errorCode: string | null; lastError: string | null; startedAt: Date | null; finishedAt: Date | null; providerInstanceId: string | null } | null;
  /** Staff retries, oldest first. */
  retries: Array<{ at: Date; by: string; from: string }>;
}

/** The provisioning task (attempts, last error) and the retries staff asked for. */
export async function orderProvisioning(db: Db, orderId: number): Promise<ProvisioningView> {
  const task = await db.provisioningTask.findUnique({ where: { orderId } });
  const retries = await db.auditLog.findMany({ where: { targetType: "order", targetId: String(orderId), action: "provisioning.retry" }, orderBy: { id: "asc" } });
  const names = await actorNames(db, retries.map((r) => r.actorUserId));
  return {
    task: task && { status: task.status, attempts: task.attempts, errorCode: task.errorCode, lastError: task.lastError, startedAt: task.startedAt, finishedAt: task.finishedAt, providerInstanceId: task.providerInstanceId },
    retries: retries.map((r) => ({ at: r.createdAt, by: names.get(String(r.actorUserId)) ?? "?", from: String((r.details as { from?: unknown }).from ?? "") })),
  };
}

/** The VPS this order created (or renews), with its last actions. */
export async function orderInstance(db: Db, orderId: number) {
  const order = await db.order.findUnique({ where: { id: orderId }, select: { instanceId: true } });
  const instance = await db.instance.findFirst({
    where: { OR: [{ orderId }, ...(order?.instanceId ? [{ id: order.instanceId }] : [])] },
    select: { id: true, label: true, status: true, providerCode: true, providerInstanceId: true, region: true, planCode: true, imageCode: true, ipv4: true, ipv6: true, expiresAt: true, suspendedAt: true, deletedAt: true, autoRenew: true, credentialsSentAt: true, createdAt: true, actions: { orderBy: { id: "desc" }, take: 5, select: { type: true, status: true, error: true, createdAt: true } } },
  });
  return instance;
}

export interface AuditLine {
  at: Date;
  action: string;
  by: string;
  target: string;
  details: string;
}

/** The newest audit rows about the order and its payments, oldest first. */
export async function orderAudit(db: Db, orderId: number): Promise<AuditLine[]> {
  const payments = await db.payment.findMany({ where: { orderId }, select: { id: true } });
  const rows = await db.auditLog.findMany({
    where: { OR: [{ targetType: "order", targetId: String(orderId) }, ...(payments.length ? [{ targetType: "payment", targetId: { in: payments.map((p) => String(p.id)) } }] : [])] },
    orderBy: { id: "desc" },
    take: 50,
  });
  rows.reverse(); // the newest 50, shown oldest first
  const names = await actorNames(db, rows.map((r) => r.actorUserId));
  return rows.map((r) => ({
    at: r.createdAt,
    action: r.action,
    by: r.actorUserId ? (names.get(String(r.actorUserId)) ?? `#${r.actorUserId}`) : r.actorType,
    target: `${r.targetType} ${r.targetId}`,
    details: JSON.stringify(r.details).slice(0, 300),
  }));
}

export interface MessageLine {
  at: Date;
  key: string;
  status: string;
  doneAt: Date | null;
  /** What rode along: the invoice PDF, the login details. */
  extra: string | null;
}

export interface MessagesView {
  lines: MessageLine[];
  /** The Telegram messages recorded as delivered: the invoice, and the current login details. */
  invoice: { messageId: number; at: Date | null } | null;
  credentials: { messageId: number; at: Date | null } | null;
}

/**
 * Messages the shop sent (or is sending) the customer about this order: the notifications
 * outbox rows addressed to their chat that name the order's reference, carry its invoice, or
 * carry its VPS's login details; and the message ids recorded for the invoice and the login.
 */
export async function orderMessages(db: Db, orderId: number): Promise<MessagesView> {
  const order = await db.order.findUnique({
    where: { id: orderId },
    select: { reference: true, instanceId: true, invoiceMessageId: true, invoiceSentAt: true, user: { select: { telegramId: true } }, createdInstance: { select: { id: true, credentialsMessageId: true, credentialsSentAt: true } } },
  });
  if (!order) return { lines: [], invoice: null, credentials: null };
  const instanceIds = [order.createdInstance?.id, order.instanceId].filter((v): v is number => typeof v === "number");
  const instanceClause = instanceIds.length
    ? Prisma.sql`OR (payload -> 'credentials' ->> 'instanceId')::int = ANY(${instanceIds}::int[])`
    : Prisma.empty;
  const rows = await db.$queryRaw<Array<{ payload: { key?: string; document?: unknown; credentials?: unknown }; status: string; created_at: Date; done_at: Date | null }>>`
    SELECT payload, status::text AS status, created_at, done_at FROM job_outbox
     WHERE queue = 'notifications' AND (payload ->> 'chatId') = ${String(order.user.telegramId)}
       AND (payload -> 'params' ->> 'reference' = ${order.reference}
            OR (payload -> 'document' ->> 'orderId')::int = ${orderId} ${instanceClause})
     ORDER BY created_at ASC LIMIT 50`;
  const vps = order.createdInstance;
  return {
    lines: rows.map((r) => ({
      at: r.created_at,
      key: r.payload.key ?? "?",
      status: r.status,
      doneAt: r.done_at,
      extra: r.payload.document ? "invoice" : r.payload.credentials ? "credentials" : null,
    })),
    invoice: order.invoiceMessageId !== null ? { messageId: order.invoiceMessageId, at: order.invoiceSentAt } : null,
    credentials: vps?.credentialsMessageId != null ? { messageId: vps.credentialsMessageId, at: vps.credentialsSentAt } : null,
  };
}
