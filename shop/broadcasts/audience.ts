import { Prisma, type Db } from "../../db/client.js";
import type { Audience, BroadcastKind } from "./content.js";

/**
 * Who a broadcast may reach at all, as SQL over `users u`: customers who have not blocked the bot
 * or deleted their account (bot_blocked_at) and whose account is not restricted (blocked). A promo
 * also skips customers who opted out in /settings and banned ones; a service announcement reaches
 * them (it is about their service). Checked when the broadcast starts and again at each send.
 */
export function reachable(kind: BroadcastKind): Prisma.Sql {
  const base = Prisma.sql`u.bot_blocked_at IS NULL AND NOT u.blocked`;
  return kind === "PROMO" ? Prisma.sql`${base} AND NOT u.promo_opt_out AND u.banned_at IS NULL` : base;
}

/** The recipients of an audience: customers (staff see the preview), reachable, matching its filter. */
export function audienceWhere(audience: Audience, kind: BroadcastKind, now: Date = new Date()): Prisma.Sql {
  return Prisma.sql`u.role = 'CUSTOMER' AND ${reachable(kind)} AND ${audienceFilter(audience, now)}`;
}

function audienceFilter(audience: Audience, now: Date): Prisma.Sql {
  switch (audience.kind) {
    case "ALL":
      return Prisma.sql`TRUE`;
    case "ACTIVE_VPS":
      return Prisma.sql`EXISTS (SELECT 1 FROM instances i WHERE i.user_id = u.id AND i.status IN ('ACTIVE', 'OFF'))`;
    case "EXPIRING": {
      // Running VPS whose paid time ends within the next N days (not those already expired).
      const until = new Date(now.getTime() + audience.days * 86_400_000);
      return Prisma.sql`EXISTS (SELECT 1 FROM instances i WHERE i.user_id = u.id AND i.status IN ('ACTIVE', 'OFF') AND i.expires_at > ${now} AND i.expires_at <= ${until})`;
    }
    case "NO_ORDER":
      // Never paid for anything (an abandoned checkout is not an order bought).
      return Prisma.sql`NOT EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id AND o.paid_at IS NOT NULL)`;
    case "RESELLERS":
      return Prisma.sql`u.reseller_tier_id IS NOT NULL`;
    case "PROVIDER":
      // A provider's customers: an active VPS there (as ACTIVE_VPS), for maintenance on that cloud.
      return Prisma.sql`EXISTS (SELECT 1 FROM instances i WHERE i.user_id = u.id AND i.status IN ('ACTIVE', 'OFF') AND i.provider_code = ${audience.provider}::"ProviderCode")`;
  }
}

/** How many customers the audience reaches right now. */
export async function countAudience(db: Db, audience: Audience, kind: BroadcastKind, now: Date = new Date()): Promise<number> {
  const [row] = await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM users u WHERE ${audienceWhere(audience, kind, now)}`;
  return Number(row?.n ?? 0);
}

/** Writes one PENDING delivery row per recipient (once: a repeat adds nothing); returns how many exist. */
export async function materializeRecipients(db: Db, broadcastId: number, audience: Audience, kind: BroadcastKind, now: Date = new Date()): Promise<number> {
  await db.$executeRaw`
    INSERT INTO broadcast_deliveries (broadcast_id, user_id, chat_id)
    SELECT ${broadcastId}, u.id, u.telegram_id FROM users u WHERE ${audienceWhere(audience, kind, now)}
    ORDER BY u.id
    ON CONFLICT (broadcast_id, user_id) DO NOTHING`;
  const [row] = await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM broadcast_deliveries WHERE broadcast_id = ${broadcastId}`;
  return Number(row?.n ?? 0);
}
