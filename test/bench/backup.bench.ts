/**
 * Backup, restore and drill of a shop with 1,000,000 orders (synthetic, made with
 * generate_series in a scratch database): 100,000 users, 1,000,000 paid top-up orders and their
 * 1,000,000 payments (snapshot and raw gateway JSON included, as real rows carry).
 *
 * - backup: createBackup (consistent pg_dump + sums in the same snapshot, archive, encryption,
 *   parts, read-back test decrypt), the work of runBackup before delivery (delivery time is the
 *   owner's network, not this machine's);
 * - restore: restoreBackup of those parts into an empty database, with migrations, as
 *   `npm run restore` does;
 * - drill: runDrill (restore of the backup's dump into a scratch database, compare, drop).
 * Targets (issue 10): backup < 60 s, restore < 120 s. BENCH_BACKUP_ORDERS overrides the size.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createPrisma } from "../../db/client.js";
import { createBackup } from "../../shop/backup/create.js";
import { runDrill } from "../../shop/backup/drill.js";
import { generateBackupKeyPair } from "../../shop/backup/keys.js";
import { parseBackupKey } from "../../shop/backup/keys.js";
import { restoreBackup } from "../../shop/backup/restore.js";
import { adminQuery } from "../../shop/backup/target.js";
import { loadConfig } from "../../shop/platform/config.js";
import { createLogger } from "../../shop/platform/logger.js";
import { TEST_DATABASE_ADMIN_URL, databaseUrl } from "../support/db-context.js";
import { randomBytes } from "node:crypto";
import { table, target, type BenchReport } from "./report.js";
import { migrateDeploy } from "../../shop/backup/migrate.js";
import { HOST_TAG, TEST_DB_PREFIX } from "../support/db-context.js";

const ORDERS = Number(process.env.BENCH_BACKUP_ORDERS ?? 1_000_000);
const USERS = Math.max(1, Math.floor(ORDERS / 10));

async function generate(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`INSERT INTO users (telegram_id, first_name, updated_at) SELECT 5000000000 + g, 'Pembeli ' || g, now() FROM generate_series(1, ${USERS}) g`);
    await client.query(`
      INSERT INTO orders (reference, user_id, kind, status, base_price_idr, total_idr, snapshot, paid_at, created_at, updated_at)
      SELECT 'ORD-BENCH-' || g, (SELECT min(id) FROM users) + g % ${USERS}, 'WALLET_TOPUP', 'PAID', 50000 + (g % 1000) * 100, 50000 + (g % 1000) * 100,
             jsonb_build_object('kind', 'WALLET_TOPUP', 'amountIdr', 50000 + (g % 1000) * 100, 'note', 'bench top-up'),
             now() - g * interval '1 second', now() - g * interval '1 second', now()
      FROM generate_series(1, ${ORDERS}) g`);
    await client.query(`
      INSERT INTO payments (order_id, gateway, method, gateway_reference, attempt_ref, amount_idr, total_idr, status, paid_at, raw, updated_at)
      SELECT id, 'TRIPAY', 'QRIS', 'T' || id, 'ATT-' || id, total_idr, total_idr, 'PAID', paid_at,
             jsonb_build_object('reference', 'T' || id, 'merchant_ref', reference, 'status', 'PAID', 'total_amount', total_idr, 'payment_method', 'QRIS'), now()
      FROM orders`);
    await client.query("ANALYZE");
  } finally {
    await client.end();
  }
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** A database migrated by `prisma migrate deploy` (so it has _prisma_migrations, as production does). */
async function migratedDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `${TEST_DB_PREFIX}${HOST_TAG}_${process.pid}_${randomBytes(3).toString("hex")}_bench`;
  const url = databaseUrl(TEST_DATABASE_ADMIN_URL, name);
  const drop = () => adminQuery(TEST_DATABASE_ADMIN_URL, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await adminQuery(TEST_DATABASE_ADMIN_URL, `CREATE DATABASE "${name}"`);
  const migrated = await migrateDeploy(url);
  if (!migrated.ok) {
    await drop();
    throw new Error(`migrations failed: ${migrated.output}`);
  }
  return { name, url, drop };
}

export async function run(): Promise<BenchReport> {
  const db = await migratedDatabase();
  const target1 = `${db.name}_restore`;
  const work = await mkdtemp(join(tmpdir(), "vps-backup-bench-"));
  const keys = await generateBackupKeyPair();
  const env = {
    TELEGRAM_BOT_TOKEN: "424242:BENCH-token-aaaaaaaaaaaaaaaaaaaaaaaa",
    DATABASE_URL: db.url,
    REDIS_URL: "redis://127.0.0.1:6379",
    DATA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"),
    DATA_DIR: join(work, "data"),
    BACKUP_DIR: join(work, "backups"),
    BACKUP_PUBLIC_KEY: keys.publicKey,
  };
  const config = loadConfig(env);
  const prisma = createPrisma(db.url, { max: 2 });
  try {
    let t = performance.now();
    await generate(db.url);
    const generateMs = performance.now() - t;

    t = performance.now();
    const rssBefore = process.memoryUsage().rss;
    const made = await createBackup({ databaseUrl: db.url, dataDir: config.dataDir, outDir: config.backup.dir, publicKey: config.backup.publicKey!, partBytes: config.backup.partBytes, serviceVersion: "bench", keepForDrill: true });
    const backupMs = performance.now() - t;
    const rssAfter = process.memoryUsage().rss;

    await adminQuery(TEST_DATABASE_ADMIN_URL, `CREATE DATABASE "${target1}"`);
    t = performance.now();
    const report = await restoreBackup({ files: [config.backup.dir], secretKey: parseBackupKey(keys.secretKey, "key"), targetUrl: databaseUrl(TEST_DATABASE_ADMIN_URL, target1), dataDir: join(work, "restored-data") });
    const restoreMs = performance.now() - t;
    if (!report.ok) throw new Error(`restore did not match the manifest:\n${report.text}`);

    const drill = await runDrill({ prisma, config, logger: createLogger({ role: "bench", level: "silent" }) });
    if (!drill.ok) throw new Error(`drill failed: ${drill.text}`);

    const mib = made.bytes / 2 ** 20;
    return {
      name: "backup",
      title: `Backup / restore / drill of ${ORDERS.toLocaleString("en")} orders (+ ${ORDERS.toLocaleString("en")} payments, ${USERS.toLocaleString("en")} users)`,
      lines: [
        ...table(
          ["step", "seconds", "note"],
          [
            ["generate (SQL)", seconds(generateMs), "not part of the targets"],
            ["backup", seconds(backupMs), `${mib.toFixed(1)} MiB encrypted in ${made.partPaths.length} part(s) of ≤ ${config.backup.partBytes / 2 ** 20} MiB; RSS ${Math.round(rssBefore / 2 ** 20)} → ${Math.round(rssAfter / 2 ** 20)} MiB`],
            ["restore", seconds(restoreMs), "verify, decrypt, pg_restore, sums, migrations"],
            ["drill", seconds(drill.durationMs), "scratch DB: restore, compare, drop"],
          ],
        ),
        "",
        ...report.text.split("\n").map((l) => `  ${l}`),
      ],
      data: { orders: ORDERS, generateMs, backupMs, restoreMs, drillMs: drill.durationMs, bytes: made.bytes, parts: made.partPaths.length, rssBefore, rssAfter },
      targets: [target("backup time", seconds(backupMs), "<", 60, " s"), target("restore time", seconds(restoreMs), "<", 120, " s")],
    };
  } finally {
    await prisma.$disconnect();
    await adminQuery(TEST_DATABASE_ADMIN_URL, `DROP DATABASE IF EXISTS "${target1}" WITH (FORCE)`).catch(() => undefined);
    await db.drop();
    await rm(work, { recursive: true, force: true });
  }
}
