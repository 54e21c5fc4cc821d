import type { OrderKind, PrismaClient } from "../../db/client.js";
import { invoiceDataFor } from "../payments/invoice/invoice-data.js";
import { renderInvoicePdf } from "../payments/invoice/invoice-pdf.js";

export interface InvoiceListItem {
  orderId: number;
  reference: string;
  kind: OrderKind;
  planName: string | null;
  clientLabel: string | null;
  totalIdr: number;
  paidAt: Date;
}

/** An order has an invoice once it was paid: our records say so (paid_at and a PAID payment). */
const invoiced = (userId: number) => ({ userId, paidAt: { not: null }, payments: { some: { status: "PAID" as const } } });

/**
 * The customer's invoice history, newest payment first, a page at a time. A refunded order keeps
 * its invoice: it was issued and paid, and the refund is a separate movement.
 */
export async function listInvoices(prisma: PrismaClient, userId: number, page: number, pageSize: number): Promise<{ total: number; items: InvoiceListItem[] }> {
  const where = invoiced(userId);
  const [total, rows] = await Promise.all([
    prisma.order.count({ where }),
    prisma.order.findMany({
      where,
      orderBy: [{ paidAt: "desc" }, { id: "desc" }],
      skip: page * pageSize,
      take: pageSize,
      select: { id: true, reference: true, kind: true, planName: true, clientLabel: true, totalIdr: true, paidAt: true },
    }),
  ]);
  return { total, items: rows.map((r) => ({ orderId: r.id, reference: r.reference, kind: r.kind, planName: r.planName, clientLabel: r.clientLabel, totalIdr: r.totalIdr, paidAt: r.paidAt! })) };
}

/**
 * The invoice PDF of one of the customer's own paid orders, drawn again from our records with the
 * same generator that sent it at payment time. The document is deterministic (its dates are the
 * payment's, not the clock's), so a re-download is the same file as the original; nothing needs to be
 * stored. Someone else's order, or an unpaid one, is null: "not found" reveals nothing.
 */
export async function invoicePdfFor(prisma: PrismaClient, input: { userId: number; orderId: number; shopName: string }): Promise<{ reference: string; pdf: Buffer } | null> {
  const mine = await prisma.order.findFirst({ where: { id: input.orderId, ...invoiced(input.userId) }, select: { id: true } });
  if (!mine) return null;
  const data = await invoiceDataFor(prisma, mine.id, input.shopName);
  if (!data) return null;
  return { reference: data.orderReference, pdf: await renderInvoicePdf(data) };
}
