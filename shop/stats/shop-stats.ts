import type { PrismaClient } from "../../db/client.js";

export interface ShopStats {
  users: { total: number; newToday: number };
  ordersByStatus: Record<string, number>;
  revenueIdr: { today: number; last30Days: number };
}

/** Jakarta is UTC+7 all year (no DST); "today" for an Indonesian shop starts there. */
export function startOfJakartaDay(now: Date): Date {
  const shifted = new Date(now.getTime() + 7 * 3600_000);
  shifted.setUTCHours(0, 0, 0, 0);
  return new Date(shifted.getTime() - 7 * 3600_000);
}

/** The numbers a seller checks every morning; all money in integer rupiah. */
export async function shopStats(prisma: PrismaClient, now = new Date()): Promise<ShopStats> {
  const today = startOfJakartaDay(now);
  const monthAgo = new Date(now.getTime() - 30 * 86_400_000);
  const [total, newToday, grouped, revenueToday, revenue30] = await Promise.all([
    prisma.user.count(),
    prisma.user.count({ where: { createdAt: { gte: today } } }),
    prisma.order.groupBy({ by: ["status"], _count: { _all: true } }),
    prisma.order.aggregate({ _sum: { totalIdr: true }, where: { paidAt: { gte: today }, kind: { not: "WALLET_TOPUP" } } }),
    prisma.order.aggregate({ _sum: { totalIdr: true }, where: { paidAt: { gte: monthAgo }, kind: { not: "WALLET_TOPUP" } } }),
  ]);
  const ordersByStatus: Record<string, number> = {};
  for (const row of grouped) ordersByStatus[row.status] = row._count._all;
  return {
    users: { total, newToday },
    ordersByStatus,
    revenueIdr: { today: revenueToday._sum.totalIdr ?? 0, last30Days: revenue30._sum.totalIdr ?? 0 },
  };
}
