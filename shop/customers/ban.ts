/**
 * A staff ban: the customer keeps their data but can no longer use the shop, and a banned staff
 * member loses every staff power (the user directory reports a banned user as blocked, which
 * `can()` and the bot's guard refuse). Kept apart from `users.blocked`, which says the user
 * blocked the bot. The caller drops the user's cached copy afterwards (UserDirectory.forget).
 */
import type { PrismaClient } from "../../db/client.js";
import { auditOnCustomer, type CustomerStaff } from "./actor.js";

export type BanResult =
  | { ok: true; changed: boolean; telegramId: number }
  /** No such user; yourself; an owner (OWNER_IDS are never restricted from the chat); staff banned by someone not an owner. */
  | { ok: false; reason: "not_found" | "self" | "owner" | "staff" };

/** Bans user `customerId` with a reason; banning someone already banned changes nothing. */
export async function banCustomer(prisma: PrismaClient, input: { customerId: number; staff: CustomerStaff; reason: string; now?: Date }): Promise<BanResult> {
  return prisma.$transaction(async (tx): Promise<BanResult> => {
    const [user] = await tx.$queryRaw<{ id: number; telegram_id: bigint; role: string; banned_at: Date | null }[]>`
      SELECT id, telegram_id, role::text AS role, banned_at FROM users WHERE id = ${input.customerId} FOR UPDATE`;
    if (!user) return { ok: false, reason: "not_found" };
    if (user.id === input.staff.userId) return { ok: false, reason: "self" };
    if (user.role === "OWNER") return { ok: false, reason: "owner" };
    if (user.role !== "CUSTOMER" && input.staff.role !== "OWNER") return { ok: false, reason: "staff" };
    const telegramId = Number(user.telegram_id);
    if (user.banned_at) return { ok: true, changed: false, telegramId };
    const at = input.now ?? new Date();
    await tx.user.update({ where: { id: user.id }, data: { bannedAt: at, banReason: input.reason, bannedByUserId: input.staff.userId } });
    await auditOnCustomer(tx, input.staff, "customer.ban", user.id, { before: { banned: false }, after: { banned: true, bannedAt: at.toISOString(), reason: input.reason } });
    return { ok: true, changed: true, telegramId };
  });
}

/** Lifts a ban with a reason; unbanning someone not banned changes nothing; staff are unbanned by an owner only. */
export async function unbanCustomer(prisma: PrismaClient, input: { customerId: number; staff: CustomerStaff; reason: string }): Promise<BanResult> {
  return prisma.$transaction(async (tx): Promise<BanResult> => {
    const [user] = await tx.$queryRaw<{ id: number; telegram_id: bigint; role: string; banned_at: Date | null; ban_reason: string | null }[]>`
      SELECT id, telegram_id, role::text AS role, banned_at, ban_reason FROM users WHERE id = ${input.customerId} FOR UPDATE`;
    if (!user) return { ok: false, reason: "not_found" };
    // Only an owner may ban staff, so only an owner lifts a staff member's ban.
    if (user.role !== "CUSTOMER" && input.staff.role !== "OWNER") return { ok: false, reason: "staff" };
    const telegramId = Number(user.telegram_id);
    if (!user.banned_at) return { ok: true, changed: false, telegramId };
    await tx.user.update({ where: { id: user.id }, data: { bannedAt: null, banReason: null, bannedByUserId: null } });
    await auditOnCustomer(tx, input.staff, "customer.unban", user.id, { before: { banned: true, bannedAt: user.banned_at.toISOString(), reason: user.ban_reason }, after: { banned: false }, reason: input.reason });
    return { ok: true, changed: true, telegramId };
  });
}
