import { Prisma, type Db, type OrderKind, type OrderStatus, type ProviderCode } from "../../../db/client.js";
import type { OrderFilter } from "./filters.js";

/** One line of the search result list. */
export interface OrderListRow {
  id: number;
  reference: string;
  status: OrderStatus;
  kind: OrderKind;
  totalIdr: number;
  planName: string | null;
  providerCode: ProviderCode | null;
  createdAt: Date;
  customer: string;
}

export interface OrderPage {
  rows: OrderListRow[];
  /** There are older orders after the last row. */
  hasOlder: boolean;
  /** There are newer orders before the first row (false on the first page). */
  hasNewer: boolean;
}

/** Where a page starts: the first page, older than an order, or newer than one. */
export type PageCursor = { before?: number; after?: number };

export const PAGE_SIZE = 8;

/** `%` and `_` typed by staff are letters, not wildcards. */
const likeEscape = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The same expression as the trigram index users_console_name_trgm_idx (migration 20261204110000). */
const NAME_EXPR = Prisma.sql`(coalesce(u2."first_name", '') || ' ' || coalesce(u2."username", ''))`;

function conditions(filter: OrderFilter): Prisma.Sql[] {
  const where: Prisma.Sql[] = [];
  if (filter.reference) where.push(Prisma.sql`o."reference" = ${filter.reference}`);
  if (filter.username) where.push(Prisma.sql`o."user_id" IN (SELECT u2."id" FROM "users" u2 WHERE lower(u2."username") = ${filter.username})`);
  if (filter.telegramId) where.push(Prisma.sql`o."user_id" IN (SELECT u2."id" FROM "users" u2 WHERE u2."telegram_id" = ${BigInt(filter.telegramId)})`);
  if (filter.name) where.push(Prisma.sql`o."user_id" IN (SELECT u2."id" FROM "users" u2 WHERE ${NAME_EXPR} ILIKE ${`%${likeEscape(filter.name)}%`})`);
  if (filter.status) where.push(Prisma.sql`o."status" = ${filter.status}::"OrderStatus"`);
  if (filter.provider) where.push(Prisma.sql`o."provider_code" = ${filter.provider}::"ProviderCode"`);
  if (filter.from) where.push(Prisma.sql`o."created_at" >= ${filter.from}`);
  if (filter.to) where.push(Prisma.sql`o."created_at" < ${filter.to}`);
  return where;
}

interface RawRow {
  id: number;
  reference: string;
  status: OrderStatus;
  kind: OrderKind;
  total_idr: number;
  plan_name: string | null;
  provider_code: ProviderCode | null;
  created_at: Date;
  first_name: string | null;
  username: string | null;
  telegram_id: bigint;
}

/**
 * One page of orders matching `filter`, newest first (created_at, then id). Pages are keyset
 * pages anchored on an order id (`before` / `after`), so page 500 costs what page 1 costs and an
 * order created meanwhile never shifts a row onto two pages.
 */
export async function searchOrders(db: Db, filter: OrderFilter, cursor: PageCursor = {}, pageSize = PAGE_SIZE): Promise<OrderPage> {
  const where = conditions(filter);
  const newer = cursor.after !== undefined;
  if (cursor.before !== undefined) where.push(Prisma.sql`(o."created_at", o."id") < (SELECT c."created_at", c."id" FROM "orders" c WHERE c."id" = ${cursor.before})`);
  if (cursor.after !== undefined) where.push(Prisma.sql`(o."created_at", o."id") > (SELECT c."created_at", c."id" FROM "orders" c WHERE c."id" = ${cursor.after})`);
  const whereSql = where.length ? Prisma.sql`WHERE ${Prisma.join(where, " AND ")}` : Prisma.empty;
  const order = newer ? Prisma.sql`ORDER BY o."created_at" ASC, o."id" ASC` : Prisma.sql`ORDER BY o."created_at" DESC, o."id" DESC`;
  const raw = await db.$queryRaw<RawRow[]>`
    SELECT o."id", o."reference", o."status", o."kind", o."total_idr", o."plan_name", o."provider_code", o."created_at",
           u."first_name", u."username", u."telegram_id"
      FROM "orders" o JOIN "users" u ON u."id" = o."user_id"
      ${whereSql} ${order} LIMIT ${pageSize + 1}`;
  const more = raw.length > pageSize;
  const page = raw.slice(0, pageSize);
  if (newer) page.reverse();
  const rows = page.map((r) => ({
    id: r.id,
    reference: r.reference,
    status: r.status,
    kind: r.kind,
    totalIdr: r.total_idr,
    planName: r.plan_name,
    providerCode: r.provider_code,
    createdAt: r.created_at,
    customer: r.username ? `@${r.username}` : (r.first_name ?? String(r.telegram_id)),
  }));
  return { rows, hasOlder: newer ? cursor.after !== undefined : more, hasNewer: newer ? more : cursor.before !== undefined };
}
