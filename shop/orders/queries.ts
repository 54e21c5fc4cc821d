import type { OrderStatus, PrismaClient } from "../../db/client.js";

export interface OrderListItem {
  id: number;
  reference: string;
  planName: string | null;
  totalIdr: number;
  status: OrderStatus;
  createdAt: Date;
  /** Resellers: the client or project the order is for. */
  clientLabel: string | null;
}

/** A customer's orders, newest first, one page at a time. */
export async function listUserOrders(prisma: PrismaClient, userId: number, page: number, pageSize: number) {
  const [total, items] = await Promise.all([
    prisma.order.count({ where: { userId } }),
    prisma.order.findMany({
      where: { userId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      skip: page * pageSize,
      take: pageSize,
      select: { id: true, reference: true, planName: true, totalIdr: true, status: true, createdAt: true, clientLabel: true },
    }),
  ]);
  return { total, items: items as OrderListItem[] };
}

/**
 * One order with its breakdown and history — only if it belongs to `userId`.
 * Returning null for someone else's order (rather than "forbidden") reveals nothing.
 */
export async function getUserOrder(prisma: PrismaClient, userId: number, orderId: number) {
  return prisma.order.findFirst({
    where: { id: orderId, userId },
    include: { statusHistory: { orderBy: [{ createdAt: "asc" }, { id: "asc" }] } },
  });
}
