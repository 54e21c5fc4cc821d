/** Setting a customer's reseller tier (the prices they pay), or taking it away. */
import type { PrismaClient } from "../../db/client.js";
import type { UserDirectory } from "../users/directory.js";
import { auditOnCustomer, type CustomerStaff } from "./actor.js";

export type TierResult = { ok: true; changed: boolean; telegramId: number } | { ok: false; reason: "not_found" | "tier_not_found" };

/** The tiers a customer can be given (active ones), by name. */
export function assignableTiers(prisma: PrismaClient) {
  return prisma.resellerTier.findMany({ where: { active: true }, orderBy: { name: "asc" }, select: { id: true, code: true, name: true } });
}

/**
 * Gives user `customerId` tier `tierId` (an active tier), or none with null; audited with before
 * and after. A change drops the user's cached copy once committed, so their next request in the
 * chat or the app prices with the new tier (whichever surface made the change).
 */
export async function setResellerTier(prisma: PrismaClient, users: Pick<UserDirectory, "forget">, input: { customerId: number; tierId: number | null; staff: CustomerStaff }): Promise<TierResult> {
  const result = await prisma.$transaction(async (tx): Promise<TierResult> => {
    const [user] = await tx.$queryRaw<{ id: number; telegram_id: bigint; reseller_tier_id: number | null }[]>`
      SELECT id, telegram_id, reseller_tier_id FROM users WHERE id = ${input.customerId} FOR UPDATE`;
    if (!user) return { ok: false, reason: "not_found" };
    const telegramId = Number(user.telegram_id);
    const tier = input.tierId === null ? null : await tx.resellerTier.findFirst({ where: { id: input.tierId, active: true }, select: { id: true, code: true } });
    if (input.tierId !== null && !tier) return { ok: false, reason: "tier_not_found" };
    if (user.reseller_tier_id === input.tierId) return { ok: true, changed: false, telegramId };
    const before = user.reseller_tier_id === null ? null : await tx.resellerTier.findUnique({ where: { id: user.reseller_tier_id }, select: { id: true, code: true } });
    await tx.user.update({ where: { id: user.id }, data: { resellerTierId: input.tierId } });
    await auditOnCustomer(tx, input.staff, "customer.tier.set", user.id, { before: { tier: before ?? null }, after: { tier: tier ?? null } });
    return { ok: true, changed: true, telegramId };
  });
  if (result.ok && result.changed) await users.forget(result.telegramId);
  return result;
}
