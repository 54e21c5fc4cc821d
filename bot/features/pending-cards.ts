/**
 * What the review and provisioning buttons say about staff cards around a decision: tell a late
 * tap who handled it ("already handled by Rina 12:03"). Closing the cards a decision ended is
 * jobs/card-edits.ts (paymentDecided, orderDecided), shared with the Mini App's staff routes.
 */
import type { PrismaClient } from "../../db/client.js";
import { cardKeys, handledBy, paymentCardKeys } from "../../shop/pending/cards.js";
import { clock } from "../../shop/pending/card-view.js";
import type { ShopUser } from "../../shop/users/directory.js";

type Translate = (key: string, params?: Record<string, string | number>) => string;

/** The name a decision is shown under: the staff member's first name as the shop knows it. */
export const actorOf = (user: ShopUser, fallback: string) => ({ userId: user.id, name: user.firstName || fallback });

/** Whether a payment still waits for a decision (what the Approve/Reject buttons act on). */
export async function paymentOpen(prisma: PrismaClient, paymentId: number): Promise<boolean> {
  const p = await prisma.payment.findUnique({ where: { id: paymentId }, select: { status: true, gateway: true } });
  return !!p && (p.status === "REVIEW" || (p.gateway === "MANUAL_TRANSFER" && (p.status === "PENDING" || p.status === "EXPIRED")));
}

/** "Already handled by Rina 12:03" for a payment no longer waiting, or null when nobody is on record. */
export async function paymentHandledNote(prisma: PrismaClient, paymentId: number, t: Translate): Promise<string | null> {
  for (const key of await paymentCardKeys(prisma, paymentId)) {
    const who = await handledBy(prisma, key);
    if (who) return t("pend-already-handled", { name: who.name, time: clock(who.at) });
  }
  return null;
}

/** The same for an order's provisioning: the latest closed card, else the audit trail. */
export async function orderHandledNote(prisma: PrismaClient, orderId: number, t: Translate): Promise<string | null> {
  const latest = await prisma.staffCard.findFirst({ where: { key: { startsWith: `prov:${orderId}:` }, outcome: { not: null } }, orderBy: { actedAt: "desc" } });
  const who = await handledBy(prisma, latest?.key ?? cardKeys.provisioning(orderId, 0));
  return who ? t("pend-already-handled", { name: who.name, time: clock(who.at) }) : null;
}
