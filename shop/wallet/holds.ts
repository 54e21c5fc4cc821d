/**
 * A held wallet cannot spend. Set while the owner decides about money a gateway took back
 * (shop/payments/chargeback.ts): the balance that money bought is already reversed, and until
 * the owner has looked, the customer must not turn what is left into servers.
 *
 * The hold sits on the wallet row, the row every spend locks first (`lockWallet`), so a spend
 * racing a hold is serialised with it: it finishes before the hold, or sees the hold.
 */
import type { Db, Prisma } from "../../db/client.js";
import { lockWallet } from "./post-ledger.js";

export interface WalletHold {
  heldAt: Date;
  reason: string;
}

/** The wallet's hold, or null. Inside a spend, read it after `lockWallet`. */
export async function walletHold(db: Db, userId: number): Promise<WalletHold | null> {
  const wallet = await db.wallet.findUnique({ where: { userId }, select: { heldAt: true, holdReason: true } });
  return wallet?.heldAt ? { heldAt: wallet.heldAt, reason: wallet.holdReason ?? "" } : null;
}

/** Holds the wallet (creating it if missing); an existing hold keeps its time and reason. */
export async function holdWallet(tx: Prisma.TransactionClient, userId: number, reason: string, now = new Date()): Promise<void> {
  await lockWallet(tx, userId);
  await tx.wallet.updateMany({ where: { userId, heldAt: null }, data: { heldAt: now, holdReason: reason.slice(0, 500) } });
}

/** Lifts the hold. The caller decides that nothing else still holds it. */
export async function releaseWallet(tx: Prisma.TransactionClient, userId: number): Promise<void> {
  await lockWallet(tx, userId);
  await tx.wallet.updateMany({ where: { userId }, data: { heldAt: null, holdReason: null } });
}
