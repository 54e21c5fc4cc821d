import type { PrismaClient } from "../../../db/client.js";

/**
 * Counts one catalog open (the funnel's first step): one row per user and Jakarta day, bumped by
 * an upsert, so the cost is one small indexed write per open and a day's unique viewers are its
 * row count.
 */
export async function countCatalogView(prisma: PrismaClient, userId: number, at = new Date()): Promise<void> {
  await prisma.$executeRaw`
    INSERT INTO catalog_views_daily (day, user_id) VALUES ((${at}::timestamptz AT TIME ZONE 'Asia/Jakarta')::date, ${userId})
    ON CONFLICT (day, user_id) DO UPDATE SET views = catalog_views_daily.views + 1`;
}
