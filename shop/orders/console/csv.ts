import { Prisma, type Db } from "../../../db/client.js";

/** The columns of the orders export, in order. Money columns are integer rupiah. */
export const CSV_COLUMNS = [
  "reference", "created_at", "status", "kind", "customer_telegram_id", "customer_username", "customer_name",
  "plan", "provider", "region", "duration_months", "base_price_idr", "promo_discount_idr", "coupon_code",
  "coupon_discount_idr", "total_idr", "payment_fee_idr", "paid_total_idr", "payment_gateway", "payment_method", "paid_at",
] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, or line break, quotes doubled.
 * A field that a spreadsheet would run as a formula (= + - @ at the start) gets a leading
 * apostrophe, so a customer's name cannot become a formula in the owner's spreadsheet.
 */
export function csvField(value: string | number | bigint | null | undefined): string {
  if (value === null || value === undefined) return "";
  if (typeof value !== "string") return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

interface ExportRow {
  reference: string;
  created_at: Date;
  status: string;
  kind: string;
  telegram_id: bigint;
  username: string | null;
  first_name: string | null;
  plan_name: string | null;
  provider_code: string | null;
  region: string | null;
  duration_months: number | null;
  base_price_idr: number;
  promo_discount_idr: number;
  coupon_code: string | null;
  coupon_discount_idr: number;
  total_idr: number;
  payment_fee_idr: number;
  gateway: string | null;
  method: string | null;
  paid_at: Date | null;
}

/** At most this many rows in one export (a month of a busy shop); the caller says when it was cut. */
export const CSV_MAX_ROWS = 50_000;

/**
 * The orders created in [from, to) as CSV (header first, CRLF line ends, oldest first), with the
 * payment that paid each one. `truncated` when more than CSV_MAX_ROWS matched.
 */
export async function exportOrdersCsv(db: Db, range: { from: Date; to: Date }): Promise<{ csv: string; rows: number; truncated: boolean }> {
  const rows = await db.$queryRaw<ExportRow[]>(Prisma.sql`
    SELECT o."reference", o."created_at", o."status"::text AS status, o."kind"::text AS kind, u."telegram_id", u."username", u."first_name",
           o."plan_name", o."provider_code"::text AS provider_code, o."region", o."duration_months", o."base_price_idr", o."promo_discount_idr",
           o."coupon_code", o."coupon_discount_idr", o."total_idr", o."payment_fee_idr", p."gateway"::text AS gateway, p."method", o."paid_at"
      FROM "orders" o JOIN "users" u ON u."id" = o."user_id"
      LEFT JOIN LATERAL (SELECT "gateway", "method" FROM "payments" WHERE "order_id" = o."id" AND "status" IN ('PAID', 'REFUNDED') ORDER BY "id" LIMIT 1) p ON true
     WHERE o."created_at" >= ${range.from} AND o."created_at" < ${range.to}
     ORDER BY o."created_at", o."id" LIMIT ${CSV_MAX_ROWS + 1}`);
  const truncated = rows.length > CSV_MAX_ROWS;
  const lines = [CSV_COLUMNS.join(",")];
  for (const r of rows.slice(0, CSV_MAX_ROWS)) {
    lines.push(
      [
        r.reference, r.created_at.toISOString(), r.status, r.kind, r.telegram_id, r.username, r.first_name,
        r.plan_name, r.provider_code, r.region, r.duration_months, r.base_price_idr, r.promo_discount_idr, r.coupon_code,
        r.coupon_discount_idr, r.total_idr, r.payment_fee_idr, r.paid_at ? r.total_idr + r.payment_fee_idr : 0, r.gateway, r.method, r.paid_at?.toISOString(),
      ]
        .map(csvField)
        .join(","),
    );
  }
  return { csv: `${lines.join("\r\n")}\r\n`, rows: Math.min(rows.length, CSV_MAX_ROWS), truncated };
}
