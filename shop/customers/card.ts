/**
 * Everything a staff member sees about one customer on one screen: who they are, whether they
 * are banned, their reseller tier, their orders (counts by status, the latest few), their VPS
 * and their wallet. The ledger is paged separately (walletHistory).
 */
import { OrderStatus, type Db, type InstanceStatus, type OrderKind, type UserRole } from "../../db/client.js";
import { walletBalance } from "../wallet/balance.js";

export const RECENT_ORDERS = 5;
export const LISTED_INSTANCES = 8;

export interface CustomerCard {
  id: number;
  telegramId: number;
  firstName: string;
  username: string | null;
  role: UserRole;
  language: string;
  createdAt: Date;
  ban: { at: Date; reason: string; byName: string | null } | null;
  tier: { id: number; code: string; name: string } | null;
  orders: {
    total: number;
    byStatus: Partial<Record<OrderStatus, number>>;
    recent: Array<{ id: number; reference: string; kind: OrderKind; status: OrderStatus; totalIdr: number; createdAt: Date }>;
  };
  instances: {
    /** VPS not deleted. */
    live: number;
    listed: Array<{ id: number; label: string; status: InstanceStatus; ipv4: string | null; expiresAt: Date }>;
  };
  wallet: { balanceIdr: number; hold: { at: Date; reason: string } | null };
}

/** The card of user `userId`, or null when there is no such user. */
export async function customerCard(db: Db, userId: number): Promise<CustomerCard | null> {
  const user = await db.user.findUnique({
    where: { id: userId },
    include: { resellerTier: true, bannedBy: { select: { firstName: true } }, wallet: { select: { heldAt: true, holdReason: true } } },
  });
  if (!user) return null;
  const live = { userId, status: { not: "DELETED" as const } };
  const [byStatus, recent, instances, liveCount, balanceIdr] = await Promise.all([
    db.order.groupBy({ by: ["status"], where: { userId }, _count: { _all: true } }),
    db.order.findMany({
      where: { userId },
      orderBy: { id: "desc" },
      take: RECENT_ORDERS,
      select: { id: true, reference: true, kind: true, status: true, totalIdr: true, createdAt: true },
    }),
    db.instance.findMany({ where: live, orderBy: { id: "desc" }, take: LISTED_INSTANCES, select: { id: true, label: true, status: true, ipv4: true, expiresAt: true } }),
    db.instance.count({ where: live }),
    walletBalance(db, userId),
  ]);
  // In the statuses' own order (the life of an order), whatever order Postgres grouped them in.
  const counts: Partial<Record<OrderStatus, number>> = {};
  for (const status of Object.values(OrderStatus)) {
    const n = byStatus.find((r) => r.status === status)?._count._all;
    if (n) counts[status] = n;
  }
  return {
    id: user.id,
    telegramId: Number(user.telegramId),
    firstName: user.firstName ?? "",
    username: user.username,
    role: user.role,
    language: user.language,
    createdAt: user.createdAt,
    ban: user.bannedAt ? { at: user.bannedAt, reason: user.banReason ?? "", byName: user.bannedBy?.firstName ?? null } : null,
    tier: user.resellerTier ? { id: user.resellerTier.id, code: user.resellerTier.code, name: user.resellerTier.name } : null,
    orders: { total: byStatus.reduce((n, r) => n + r._count._all, 0), byStatus: counts, recent },
    instances: { live: liveCount, listed: instances },
    wallet: { balanceIdr, hold: user.wallet?.heldAt ? { at: user.wallet.heldAt, reason: user.wallet.holdReason ?? "" } : null },
  };
}
