import type { PrismaClient } from "../../db/client.js";
import { startOfJakartaDay } from "./charts/period.js";
import { IS_REVENUE } from "./charts/stats-data.js";

export interface ShopStats {
  users: { total: number; newToday: number };
  ordersByStatus: Record<string, number>;
  /** Revenue as shop/stats/charts/stats-data.ts defines it (refunded orders and top-ups are not revenue). */
  revenueIdr: { today: number; last30Days: number };
}

/** The numbers a seller checks every morning; all money in integer rupiah. */
export async function shopStats(prisma: PrismaClient, now = new Date()): Promise<ShopStats> {
  const today = startOfJakartaDay(now);
  const monthAgo = new Date(today.getTime() - 29 * 86_400_000);
  const [total, newToday, grouped, revenue] = await Promise.all([
    prisma.user.count(),
    prisma.user.count({ where: { createdAt: { gte: today } } }),
    prisma.order.groupBy({ by: ["status"], _count: { _all: true } }),
    prisma.$queryRaw<Array<{ today: bigint; month: bigint }>>`
      SELECT coalesce(sum(o.total_idr) FILTER (WHERE o.paid_at >= ${today}), 0)::bigint AS today, coalesce(sum(o.total_idr), 0)::bigint AS month
        FROM orders o WHERE o.paid_at >= ${monthAgo} AND o.paid_at <= ${now} AND ${IS_REVENUE}`,
  ]);
  const ordersByStatus: Record<string, number> = {};
  for (const row of grouped) ordersByStatus[row.status] = row._count._all;
  return {
    users: { total, newToday },
    ordersByStatus,
    revenueIdr: { today: Number(revenue[0]?.today ?? 0), last30Days: Number(revenue[0]?.month ?? 0) },
  };
}
