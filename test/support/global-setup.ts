/**
 * Vitest global setup (see vitest.config.ts): runs once per `vitest run`, in the main process.
 *
 * 1. Makes sure the Prisma client is generated (db/generated is gitignored; a fresh clone
 *    has none) and not older than db/schema.prisma.
 * 2. Creates a template database `vps_test_tpl_<runId>` and applies the committed
 *    migrations (db/migrations/<name>/migration.sql, in name order) to it, recording them in
 *    `_prisma_migrations` exactly like `prisma migrate deploy` does. Each file is sent as one
 *    multi-statement query — the same way the offline Prisma CLI applies it (see
 *    db/prisma.config.ts) — which takes ~0.1 s instead of ~2 s for the CLI. test/db/schema.test.ts
 *    checks that the real CLI produces the same schema.
 * 3. Provides `{ template, runId, adminUrl }` to tests (`inject("vpsTestDb")`); every test file
 *    clones its own database from the template (test/support/db.ts).
 * 4. Teardown drops the template and any clone of this run left behind, WITH (FORCE). It also
 *    drops leftovers of earlier runs on this host whose process is gone (killed runs).
 */
import { spawnSync } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { clientIsStale } from "../../db/ensure-client.mjs";
import { pidAlive } from "./pids.js";
import { HOST_TAG, TEMPLATE_ENV, TEST_DATABASE_ADMIN_URL, TEST_DB_PREFIX, databaseUrl, quoteIdent } from "./db-context.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const migrationsDir = join(root, "db", "migrations");

/** The same freshness rule as the scripts' `pre*` step (db/ensure-client.mjs), so tests never run on a stale client. */
function ensurePrismaClientGenerated(): void {
  if (!clientIsStale()) return;
  const result = spawnSync(process.execPath, [join(root, "db", "prisma-cli.mjs"), "generate"], {
    cwd: root,
    encoding: "utf8",
  });
  if (result.status !== 0) {
    throw new Error(`prisma generate failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}

/** Committed migrations in the order Prisma applies them. */
export function listMigrations(): { name: string; sql: string; checksum: string }[] {
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(migrationsDir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(migrationsDir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

const PRISMA_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

async function applyMigrations(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(PRISMA_MIGRATIONS_TABLE);
    for (const m of listMigrations()) {
      const startedAt = new Date();
      try {
        await client.query(m.sql);
      } catch (error) {
        throw new Error(`migration ${m.name} failed: ${(error as Error).message}`, { cause: error });
      }
      await client.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
         VALUES ($1, $2, now(), $3, $4, 1)`,
        [randomUUID(), m.checksum, m.name, startedAt],
      );
    }
  } finally {
    await client.end();
  }
}

async function withAdmin<T>(fn: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_ADMIN_URL });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

/** Drops databases of this run, or (stale) of dead runs on this host. */
async function dropDatabases(admin: pg.Client, filter: (runPid: number, runId: string) => boolean): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY datname`,
    [`${TEST_DB_PREFIX}%`],
  );
  // vps_test_tpl_<host>_<pid>_<rand>  or  vps_test_<host>_<pid>_<rand>_<n>
  const pattern = new RegExp(`^${TEST_DB_PREFIX}(?:tpl_)?(${HOST_TAG}_(\\d+)_[0-9a-f]+)(?:_|$)`);
  for (const { datname } of rows) {
    const m = pattern.exec(datname);
    if (!m || !filter(Number(m[2]), m[1]!)) continue;
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`);
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  ensurePrismaClientGenerated();

  const runId = `${HOST_TAG}_${process.pid}_${randomBytes(3).toString("hex")}`;
  const template = `${TEST_DB_PREFIX}tpl_${runId}`;

  await withAdmin(async (admin) => {
    await dropDatabases(admin, (pid) => pid !== process.pid && !pidAlive(pid));
    await admin.query(`CREATE DATABASE ${quoteIdent(template)}`);
  });
  try {
    await applyMigrations(databaseUrl(TEST_DATABASE_ADMIN_URL, template));
  } catch (error) {
    await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(template)} WITH (FORCE)`));
    throw error;
  }

  project.provide("vpsTestDb", { template, runId, adminUrl: TEST_DATABASE_ADMIN_URL });
  process.env[TEMPLATE_ENV] = template;

  return async () => {
    await withAdmin((admin) => dropDatabases(admin, (_pid, id) => id === runId));
  };
}
