/**
 * "No state change", measured: a checksum of every table's rows and the job counts of every
 * queue, taken before and after an attack. Tables are found in the catalog, so a table added
 * later is covered without touching this file. Where a refused attempt may legitimately write
 * (a removed seller is demoted and that is audited; a profile is refreshed), the columns that
 * can move are left out of the checksum, never whole tables.
 */
import type { PrismaClient } from "../../../db/client.js";
import { QueueName, type Queues } from "../../../jobs/queues.js";

/** Per table: a SQL expression for one row, instead of the whole row. */
const ROW_EXPRESSION: Record<string, string> = {
  // Role and profile follow Telegram and the config on every update; money and blocks must not move.
  users: "(t.id, t.telegram_id, t.blocked, t.reseller_tier_id)::text",
};
/** Per table: rows a refused attempt may add (audited demotions) or a run rewrites (leases, rate counters). */
const ROW_FILTER: Record<string, string> = {
  audit_logs: "t.action NOT IN ('user.demote', 'user.promote')",
};
/**
 * Bookkeeping of the process itself, not state anyone's action changes; and the catalog-open
 * counter (the stats funnel's top), which any tap that shows the catalog adds to, forged or not.
 */
const SKIPPED = new Set(["_prisma_migrations", "leases", "heartbeats", "installation", "catalog_views_daily"]);

export type Fingerprint = Record<string, string>;

/** md5 of each table's rows (ordered by their text), keyed by table name; `queue:<name>` holds job counts. */
export async function fingerprint(prisma: PrismaClient, queues?: Queues): Promise<Fingerprint> {
  const tables = await prisma.$queryRaw<Array<{ name: string }>>`
    SELECT table_name::text AS name FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`;
  const out: Fingerprint = {};
  for (const { name } of tables) {
    if (SKIPPED.has(name)) continue;
    const row = ROW_EXPRESSION[name] ?? "t::text";
    const where = ROW_FILTER[name] ? `WHERE ${ROW_FILTER[name]}` : "";
    const [r] = await prisma.$queryRawUnsafe<Array<{ n: bigint; sum: string | null }>>(
      `SELECT count(*) AS n, md5(string_agg(${row}, '|' ORDER BY ${row})) AS sum FROM "${name}" t ${where}`,
    );
    out[name] = `${r!.n}:${r!.sum ?? "-"}`;
  }
  if (queues) {
    for (const name of Object.values(QueueName)) {
      const counts = await queues.get(name).getJobCounts("waiting", "delayed", "active", "completed", "failed", "prioritized");
      out[`queue:${name}`] = JSON.stringify(counts);
    }
  }
  return out;
}

/** The tables whose checksum differs (empty when nothing changed). */
export function changedTables(before: Fingerprint, after: Fingerprint): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((n) => before[n] !== after[n]).sort();
}
