/**
 * Row counts and content checksums of the tables that hold money and what it bought, computed
 * in SQL so the backup (inside its dump's snapshot) and the restore compute them the same way.
 *
 * checksum = md5 of the concatenated md5 of each row's text form, rows ordered by primary key.
 * Hashing each row first keeps the aggregate at 32 bytes a row (1,000,000 orders ≈ 32 MB),
 * where aggregating whole rows would build one string of hundreds of MB. The row text depends
 * on session settings (time zone, date style), so they are pinned first.
 */
import type pg from "pg";

/** Orders, payments, wallets and their ledger, VPS, transfer proofs, and the users who own them. */
export const MONEY_TABLES = ["users", "orders", "payments", "payment_holds", "wallets", "ledger_transactions", "ledger_entries", "instances", "transfer_proofs"] as const;

export interface TableSum {
  count: number;
  checksum: string;
}

/** Pins the settings a row's text form depends on, for the current transaction. */
export async function pinRowFormat(client: pg.ClientBase): Promise<void> {
  await client.query("SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'; SET LOCAL extra_float_digits = 1; SET LOCAL bytea_output = 'hex'");
}

/** Counts and checksums of `tables`, inside the caller's transaction (after pinRowFormat). */
export async function tableSums(client: pg.ClientBase, tables: readonly string[]): Promise<Record<string, TableSum>> {
  const out: Record<string, TableSum> = {};
  for (const table of tables) {
    const ident = `"${table.replace(/"/g, '""')}"`;
    const res = await client.query<{ n: string; sum: string }>(
      `SELECT count(*)::text AS n, md5(coalesce(string_agg(md5(t::text), '' ORDER BY t.id), '')) AS sum FROM ${ident} t`,
    );
    out[table] = { count: Number(res.rows[0]!.n), checksum: res.rows[0]!.sum };
  }
  return out;
}

/** The newest migration applied to this database (what schema the dump holds). */
export async function lastMigration(client: pg.ClientBase): Promise<string | null> {
  const log = await client.query<{ t: string | null }>("SELECT to_regclass('_prisma_migrations')::text AS t");
  if (!log.rows[0]?.t) return null;
  const res = await client.query<{ name: string }>(
    "SELECT migration_name AS name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name DESC LIMIT 1",
  );
  return res.rows[0]?.name ?? null;
}

export interface TableComparison {
  table: string;
  expected: TableSum;
  actual?: TableSum;
  ok: boolean;
}

/** Compares what a restored database holds with what the manifest says. */
export function compareSums(expected: Record<string, TableSum>, actual: Record<string, TableSum | undefined>): TableComparison[] {
  return Object.entries(expected).map(([table, exp]) => {
    const act = actual[table];
    return { table, expected: exp, ...(act ? { actual: act } : {}), ok: !!act && act.count === exp.count && act.checksum === exp.checksum };
  });
}

/** The comparison as a fixed-width table for a terminal or a chat's <pre>. */
export function renderComparison(rows: TableComparison[], extra: Array<{ what: string; expected: string; actual: string; ok: boolean }> = []): string {
  const lines = [["table", "manifest", "restored", "checksum"]];
  for (const r of rows) {
    const sum = !r.actual ? "✗ missing" : r.actual.checksum === r.expected.checksum ? "✓ equal" : "✗ differs";
    lines.push([r.table, String(r.expected.count), r.actual ? String(r.actual.count) : "-", sum]);
  }
  for (const e of extra) lines.push([e.what, e.expected, e.actual, e.ok ? "✓ equal" : "✗ differs"]);
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  return lines.map((l) => l.map((cell, i) => (i === 1 || i === 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n");
}
