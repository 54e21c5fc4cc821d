import type { PrismaClient } from "../../db/client.js";
import { audit } from "../audit.js";

export type AutoRenewChange = { ok: true; autoRenew: boolean; changed: boolean } | { ok: false; reason: "not_found" };

/**
 * Turns a customer's auto-renew from the wallet on or off (the reminder job then renews one
 * month when the balance covers it). Only the owner's own VPS ("not found" for anyone else);
 * `autoRenew: "toggle"` flips it, as the chat's button does. A real change is audited
 * (`vps.auto_renew.on|off`, the customer as actor); setting the value it already has changes
 * nothing and writes no audit row.
 */
export async function setAutoRenew(prisma: PrismaClient, input: { userId: number; instanceId: number; autoRenew: boolean | "toggle" }): Promise<AutoRenewChange> {
  return prisma.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<Array<{ auto_renew: boolean }>>`SELECT auto_renew FROM instances WHERE id = ${input.instanceId} AND user_id = ${input.userId} FOR UPDATE`;
    if (!row) return { ok: false, reason: "not_found" } as const;
    const autoRenew = input.autoRenew === "toggle" ? !row.auto_renew : input.autoRenew;
    if (autoRenew === row.auto_renew) return { ok: true, autoRenew, changed: false } as const;
    await tx.instance.update({ where: { id: input.instanceId }, data: { autoRenew } });
    await audit(tx, { actorUserId: input.userId, actorType: "CUSTOMER", action: autoRenew ? "vps.auto_renew.on" : "vps.auto_renew.off", targetType: "instance", targetId: input.instanceId });
    return { ok: true, autoRenew, changed: true } as const;
  });
}
