import type { PrismaClient } from "../../db/client.js";
import { audit } from "../audit.js";
import type { OrderListItem } from "../orders/queries.js";

/** Longest label, in characters (code points, as Postgres' char_length counts them). */
export const MAX_LABEL_CHARS = 32;

/**
 * Letters and digits of any script, spaces and the punctuation client and project names use
 * ("PT Maju & Co.", "toko-budi #2", "klien/acme"). No "<", ">", ":" or emoji: a label is
 * escaped wherever it is shown anyway, but a plain one reads the same in a chat, a CSV and a PDF.
 */
const LABEL_CHARS = /^[\p{L}\p{M}\p{N} .,\-_&()#/+'@]+$/u;

export type LabelRejection = "empty" | "too_long" | "bad_chars";

/** A label as typed → the label stored (trimmed, inner spaces collapsed), or why not. */
export function parseClientLabel(input: string): { ok: true; label: string } | { ok: false; reason: LabelRejection } {
  const label = input.replace(/\s+/gu, " ").trim();
  if (label === "") return { ok: false, reason: "empty" };
  if ([...label].length > MAX_LABEL_CHARS) return { ok: false, reason: "too_long" };
  if (!LABEL_CHARS.test(label)) return { ok: false, reason: "bad_chars" };
  return { ok: true, label };
}

/** Top-ups are money into the wallet, not a server for someone: they carry no label. */
const LABELLED_KINDS = ["NEW_VPS", "RENEWAL"] as const;

/**
 * Sets (or, with null, clears) the label of one of the customer's own orders. Someone else's
 * order, or a top-up, is "not_found" and nothing changes. Audited as the customer's action with
 * the label before and after, so a seller can see who renamed what.
 */
export async function setOrderLabel(
  prisma: PrismaClient,
  input: { userId: number; orderId: number; label: string | null },
): Promise<{ status: "ok"; reference: string; before: string | null } | { status: "not_found" }> {
  if (input.label !== null && !parseClientLabel(input.label).ok) throw new Error("setOrderLabel: label not validated");
  return prisma.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<Array<{ reference: string; client_label: string | null }>>`
      SELECT reference, client_label FROM orders
      WHERE id = ${input.orderId} AND user_id = ${input.userId} AND kind::text IN ('NEW_VPS', 'RENEWAL')
      FOR UPDATE`;
    const order = rows[0];
    if (!order) return { status: "not_found" } as const;
    if (order.client_label !== input.label) {
      await tx.order.update({ where: { id: input.orderId }, data: { clientLabel: input.label } });
      await audit(tx, {
        actorUserId: input.userId,
        actorType: "CUSTOMER",
        action: "order.label.update",
        targetType: "order",
        targetId: input.orderId,
        details: { before: order.client_label, after: input.label },
      });
    }
    return { status: "ok", reference: order.reference, before: order.client_label } as const;
  });
}

/** One label of a customer's orders: how many orders carry it, and one of them to name the group by. */
export interface LabelGroup {
  label: string | null;
  orders: number;
  /** An order of the group: buttons name a group by it (`rs:g:<anchorOrderId>:<page>`), never by the label text. */
  anchorOrderId: number;
}

/**
 * The customer's labels, most recently used first, the unlabelled orders last. Only orders that
 * can carry a label count; a page at a time (a reseller may have hundreds of clients).
 */
export async function listLabelGroups(prisma: PrismaClient, userId: number, page: number, pageSize: number): Promise<{ total: number; groups: LabelGroup[] }> {
  const [count] = await prisma.$queryRaw<Array<{ n: number }>>`
    SELECT count(DISTINCT coalesce(client_label, ''))::int AS n FROM orders
    WHERE user_id = ${userId} AND kind::text IN ('NEW_VPS', 'RENEWAL')`;
  const rows = await prisma.$queryRaw<Array<{ label: string | null; orders: number; anchor: number }>>`
    SELECT client_label AS label, count(*)::int AS orders, max(id) AS anchor FROM orders
    WHERE user_id = ${userId} AND kind::text IN ('NEW_VPS', 'RENEWAL')
    GROUP BY client_label
    ORDER BY (client_label IS NULL), max(created_at) DESC, client_label
    LIMIT ${pageSize} OFFSET ${page * pageSize}`;
  return { total: count?.n ?? 0, groups: rows.map((r) => ({ label: r.label, orders: r.orders, anchorOrderId: r.anchor })) };
}

/**
 * The orders sharing the label of `anchorOrderId` (null-safe: the anchor of the unlabelled group
 * lists the unlabelled orders), newest first. An anchor that is not the customer's lists nothing.
 */
export async function listOrdersWithLabelOf(
  prisma: PrismaClient,
  userId: number,
  anchorOrderId: number,
  page: number,
  pageSize: number,
): Promise<{ label: string | null; total: number; items: OrderListItem[] } | null> {
  const anchor = await prisma.order.findFirst({ where: { id: anchorOrderId, userId, kind: { in: [...LABELLED_KINDS] } }, select: { clientLabel: true } });
  if (!anchor) return null;
  const where = { userId, kind: { in: [...LABELLED_KINDS] }, clientLabel: anchor.clientLabel };
  const [total, items] = await Promise.all([
    prisma.order.count({ where }),
    prisma.order.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      skip: page * pageSize,
      take: pageSize,
      select: { id: true, reference: true, planName: true, totalIdr: true, status: true, createdAt: true, clientLabel: true },
    }),
  ]);
  return { label: anchor.clientLabel, total, items };
}
