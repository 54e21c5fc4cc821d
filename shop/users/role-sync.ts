import type { PrismaClient, UserRole } from "../../db/client.js";
import { audit } from "../audit.js";
import { effectiveStaff, grantFrom, GRANT_SELECT, type StaffRoster } from "./staff.js";

const RANK: Record<UserRole, number> = { CUSTOMER: 0, SELLER: 1, OWNER: 2 };

export interface RoleChange {
  userId: number;
  telegramId: number;
  from: UserRole;
  to: UserRole;
}

/**
 * Moves a user's stored role to what the roster says, with an audit row (a
 * demotion is a staff member losing their powers: the owner must be able to see
 * when and why). Compare-and-set on the old role, so two processes applying the
 * same change write it once; returns null when there was nothing to change.
 */
export async function applyRosterRole(
  prisma: PrismaClient,
  user: { id: number; telegramId: bigint | number; role: UserRole },
  to: UserRole,
  at: "startup" | "update",
): Promise<RoleChange | null> {
  if (user.role === to) return null;
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.user.updateMany({ where: { id: user.id, role: user.role }, data: { role: to } });
    if (count === 0) return null;
    const change = { userId: user.id, telegramId: Number(user.telegramId), from: user.role, to };
    await audit(tx, {
      actorType: "SYSTEM",
      action: RANK[to] < RANK[user.role] ? "user.demote" : "user.promote",
      targetType: "user",
      targetId: user.id,
      details: { telegramId: change.telegramId, from: user.role, to, source: "config", at },
    });
    return change;
  });
}

/**
 * Brings every stored role in line with the roster and the chat's grants (effectiveStaff):
 * staff no longer listed nor granted are demoted to CUSTOMER, listed people who already wrote
 * to the bot get their role.
 * Runs at start-up, so a removed seller loses their powers (and their pushes)
 * before they ever tap again.
 */
export async function syncRosterRoles(prisma: PrismaClient, roster: StaffRoster): Promise<RoleChange[]> {
  const listed = roster.members().map((m) => BigInt(m.telegramId));
  const rows = await prisma.user.findMany({
    where: { OR: [{ role: { not: "CUSTOMER" } }, { telegramId: { in: listed } }, { staffMembership: { isNot: null } }] },
    select: { id: true, telegramId: true, role: true, staffMembership: { select: GRANT_SELECT } },
  });
  const changes: RoleChange[] = [];
  for (const row of rows) {
    const change = await applyRosterRole(prisma, row, effectiveStaff(roster.roleOf(Number(row.telegramId)), grantFrom(row.staffMembership)).role, "startup");
    if (change) changes.push(change);
  }
  return changes;
}
