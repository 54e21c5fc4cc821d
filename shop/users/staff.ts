import type { PrismaClient } from "../../db/client.js";

/**
 * Telegram ids of everyone who reviews payments: sellers and owners from the
 * database plus those named in SELLER_IDS / OWNER_IDS (who may not have opened
 * the bot yet — sends to them fail and are logged, never fatal).
 */
export async function reviewerChatIds(prisma: PrismaClient, config: { sellerIds: number[]; ownerIds: number[] }): Promise<number[]> {
  const rows = await prisma.user.findMany({ where: { role: { in: ["SELLER", "OWNER"] }, blocked: false }, select: { telegramId: true } });
  return [...new Set([...rows.map((r) => Number(r.telegramId)), ...config.sellerIds, ...config.ownerIds])];
}
