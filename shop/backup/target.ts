/**
 * The database and data folder a restore writes into: is anything there, and clearing it.
 */
import { readdir } from "node:fs/promises";
import pg from "pg";
import { pinRowFormat, tableSums, type TableSum } from "./checksums.js";

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: "vps-shop:restore" });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Rows the migrations themselves write: a freshly migrated database holds them and is still
 * empty for a restore (Prisma's migration log, the catalog's version counter, the built-in staff
 * roles). Per table, the condition a row must meet to count as data.
 */
const MIGRATION_ROWS: Record<string, string | null> = {
  _prisma_migrations: null,
  catalog_version: null,
  staff_roles: "NOT built_in",
};

/** Tables of the public schema, and those of them holding rows (what the migrations write aside). */
export async function targetContents(url: string): Promise<{ tables: string[]; withRows: string[] }> {
  return withClient(url, async (client) => {
    const tables = (await client.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.name);
    const withRows: string[] = [];
    for (const name of tables) {
      const only = name in MIGRATION_ROWS ? MIGRATION_ROWS[name] : "true";
      if (only === null) continue;
      const res = await client.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM public."${name.replace(/"/g, '""')}" WHERE ${only}) AS any`);
      if (res.rows[0]!.any) withRows.push(name);
    }
    return { tables, withRows };
  });
}

/** Drops everything in the public schema (tables, types, functions) so pg_restore starts clean. */
export async function resetPublicSchema(url: string): Promise<void> {
  await withClient(url, async (client) => {
    await client.query("DROP SCHEMA IF EXISTS public CASCADE");
    await client.query("CREATE SCHEMA public");
  });
}

/** Counts and checksums of those `tables` that exist in the database at `url`. */
export async function databaseSums(url: string, tables: string[]): Promise<Record<string, TableSum | undefined>> {
  return withClient(url, async (client) => {
    const present = new Set((await client.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'")).rows.map((r) => r.name));
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    try {
      await pinRowFormat(client);
      return await tableSums(client, tables.filter((t) => present.has(t)));
    } finally {
      await client.query("ROLLBACK");
    }
  });
}

/** How many files a folder holds (recursively); 0 when it does not exist. */
export async function countFiles(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [];
    throw err;
  });
  return entries.filter((e) => e.isFile()).length;
}

/** Runs `sql` on the server of `url` (through its own database), e.g. CREATE/DROP DATABASE. */
export function adminQuery(url: string, sql: string): Promise<void> {
  return withClient(url, async (client) => {
    await client.query(sql);
  });
}

/**
 * After a restore: the leases, running backups and waiting Telegram updates in the copy belonged to processes of the old
 * machine, which are gone. Left alone, the restored "backup" lease would refuse the new machine's
 * first backup for up to 10 minutes, and the run that was taking this very backup would show as
 * running forever.
 */
export async function forgetOldProcesses(url: string): Promise<void> {
  await withClient(url, async (client) => {
    if ((await client.query<{ t: string | null }>("SELECT to_regclass('public.leases')::text AS t")).rows[0]?.t) await client.query("DELETE FROM leases");
    // Telegram updates still waiting when the backup was taken are hours or days old now: handling
    // them would answer old buttons and messages. Kept for the record, not replayed.
    if ((await client.query<{ t: string | null }>("SELECT to_regclass('public.telegram_updates')::text AS t")).rows[0]?.t) {
      await client.query("UPDATE telegram_updates SET status = 'FAILED', handled_at = now(), last_error = 'waiting when the restored backup was taken; not replayed' WHERE status = 'PENDING'");
    }
    if ((await client.query<{ t: string | null }>("SELECT to_regclass('public.backup_runs')::text AS t")).rows[0]?.t) {
      await client.query("UPDATE backup_runs SET status = 'FAILED', finished_at = now(), error = 'still running when the restored backup was taken; its outcome is not in this copy' WHERE status = 'RUNNING'");
    }
  });
}
