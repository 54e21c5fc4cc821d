/**
 * Finding a customer from what a staff member types after /customer: "@username", a Telegram
 * id, or part of a name. A name can match several people; the caller shows a list to pick from.
 */
import type { Db } from "../../db/client.js";

/** A user as the search lists them. */
export interface CustomerHit {
  id: number;
  telegramId: number;
  firstName: string;
  username: string | null;
}

export type CustomerLookup = { found: "one"; customer: CustomerHit } | { found: "many"; customers: CustomerHit[] } | { found: "none" };

/** How many name matches a list shows (the staff member narrows the name after that). */
export const MAX_HITS = 8;

const select = { id: true, telegramId: true, firstName: true, username: true } as const;
const hit = (r: { id: number; telegramId: bigint; firstName: string | null; username: string | null }): CustomerHit => ({
  id: r.id,
  telegramId: Number(r.telegramId),
  firstName: r.firstName ?? "",
  username: r.username,
});

/** Telegram ids are positive and below 2^52 (documented by Telegram); longer digit runs are not ids. */
const TELEGRAM_ID = /^\d{1,15}$/;

/** Looks a customer up by @username, Telegram id or name (case-insensitive, part of it). */
export async function findCustomers(db: Db, query: string): Promise<CustomerLookup> {
  const q = query.trim();
  if (q === "" || q.length > 64) return { found: "none" };
  if (q.startsWith("@")) {
    const name = q.slice(1);
    if (!/^\w{1,32}$/.test(name)) return { found: "none" };
    const rows = await db.user.findMany({ where: { username: { equals: name, mode: "insensitive" } }, select, take: 2 });
    return one(rows.map(hit));
  }
  if (TELEGRAM_ID.test(q)) {
    const row = await db.user.findUnique({ where: { telegramId: BigInt(q) }, select });
    return row ? { found: "one", customer: hit(row) } : { found: "none" };
  }
  // Prisma hands `contains` to ILIKE as is: a typed % or _ would match anything.
  const text = q.replace(/[\\%_]/g, (c) => `\\${c}`);
  const rows = await db.user.findMany({
    where: { OR: [{ firstName: { contains: text, mode: "insensitive" } }, { username: { contains: text, mode: "insensitive" } }] },
    select,
    orderBy: { id: "asc" },
    take: MAX_HITS + 1,
  });
  return one(rows.map(hit));
}

function one(hits: CustomerHit[]): CustomerLookup {
  if (hits.length === 0) return { found: "none" };
  if (hits.length === 1) return { found: "one", customer: hits[0]! };
  return { found: "many", customers: hits };
}
