import type { ActorType, Prisma } from "../../db/client.js";
import { audit } from "../audit.js";

/** Who acts on a customer (what `staffActor` in shop/users/staff.ts returns for a permitted member). */
export interface CustomerStaff {
  userId: number;
  role: "SELLER" | "OWNER";
}

const actorType = (staff: CustomerStaff): ActorType => (staff.role === "OWNER" ? "OWNER" : "SELLER");

/** Audits a staff action on user `customerId`, in the action's transaction. */
export function auditOnCustomer(tx: Prisma.TransactionClient, staff: CustomerStaff, action: string, customerId: number, details: Prisma.InputJsonObject): Promise<void> {
  return audit(tx, { actorUserId: staff.userId, actorType: actorType(staff), action, targetType: "user", targetId: customerId, details });
}

/** A reason typed by staff: trimmed, 3–500 characters. */
export function cleanReason(text: string): string | null {
  const reason = text.trim().replace(/\s+/g, " ");
  return reason.length >= 3 && reason.length <= 500 ? reason : null;
}
