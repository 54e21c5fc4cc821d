import type { Db, Prisma } from "../../../db/client.js";
import { audit } from "../../audit.js";

/** Who changes the catalog or a coupon: what `staffActor(user, permission)` returns for a staff member. */
export interface CatalogStaff {
  userId: number;
  role: "SELLER" | "OWNER";
}

/**
 * Audits one staff change with the row's state before and after (null: created / deleted), in
 * the transaction `db` that made it. Every edit from /shop and /coupons goes through here.
 */
export function auditChange(
  db: Db,
  actor: CatalogStaff,
  change: { action: string; targetType: string; targetId: string | number; before: unknown; after: unknown; extra?: Prisma.InputJsonObject },
): Promise<void> {
  return audit(db, {
    actorUserId: actor.userId,
    actorType: actor.role,
    action: change.action,
    targetType: change.targetType,
    targetId: change.targetId,
    details: { before: toJson(change.before), after: toJson(change.after), ...change.extra },
  });
}

/** Dates as ISO strings and bigints as numbers: what a JSON column holds. */
function toJson(value: unknown): Prisma.InputJsonValue | null {
  if (value === null || value === undefined) return null;
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? Number(v) : v))) as Prisma.InputJsonValue;
}
