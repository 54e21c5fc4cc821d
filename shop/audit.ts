import type { ActorType, Db, Prisma } from "../db/client.js";

/**
 * Records what a seller or owner did (and to what). Every staff action that
 * touches money or a customer's server writes one row, in the same transaction
 * as the action itself.
 */
export async function audit(
  db: Db,
  entry: { actorUserId?: number | null; actorType: ActorType; action: string; targetType: string; targetId: string | number; details?: Prisma.InputJsonObject },
): Promise<void> {
  await db.auditLog.create({
    data: {
      actorUserId: entry.actorUserId ?? null,
      actorType: entry.actorType,
      action: entry.action,
      targetType: entry.targetType,
      targetId: String(entry.targetId),
      details: entry.details ?? {},
    },
  });
}
