/**
 * A private, migrated database per test file, cloned from the run's template
 * (created by test/support/global-setup.ts):
 *
 *   let db: TestDatabase;
 *   beforeAll(async () => { db = await createTestDatabase(); });
 *   afterAll(async () => { await db?.drop(); });
 *
 * `CREATE DATABASE … TEMPLATE` copies the schema (and `_prisma_migrations`) in ~0.1 s, so
 * files never share rows and can run in parallel.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { createPrisma, type PrismaClient } from "../../db/client.js";
import { PGBOUNCER_ENV, TEMPLATE_ENV, TEST_DATABASE_ADMIN_URL, TEST_DB_PREFIX, databaseUrl, quoteIdent, type TestDbContext } from "./db-context.js";

export interface TestDatabase {
  /** Name of the cloned database. */
  name: string;
  /** postgresql:// URL of the cloned database (for code that builds its own client or pool); through PgBouncer when VPS_TEST_PGBOUNCER_URL is set. */
  url: string;
  /** Always a direct connection (DATABASE_DIRECT_URL: migrations, pg_dump, pg_restore); set by createTestDatabase. */
  directUrl?: string;
  /** Client for the cloned database (pool of 5). */
  prisma: PrismaClient;
  /** Disconnects `prisma` and drops the database WITH (FORCE). Safe to call twice. */
  drop(): Promise<void>;
}

function context(): TestDbContext {
  let provided: TestDbContext | undefined;
  try {
    provided = inject("vpsTestDb");
  } catch {
    provided = undefined; // not inside a vitest worker
  }
  if (provided) return provided;
  const template = process.env[TEMPLATE_ENV];
  if (!template) {
    throw new Error("No test database template: run tests with vitest.config.ts (globalSetup test/support/global-setup.ts).");
  }
  const runId = template.slice(`${TEST_DB_PREFIX}tpl_`.length);
  return { template, runId, adminUrl: TEST_DATABASE_ADMIN_URL };
}

async function admin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const OBJECT_IN_USE = "55006";

/**
 * DATABASE_DIRECT_URL for a test database: its `directUrl`, or (for a bare `{ url }`) the same
 * database on the admin URL's server, so a URL through PgBouncer still has a direct twin.
 */
export function directUrlOf(db: Pick<TestDatabase, "url" | "directUrl">): string {
  return db.directUrl ?? databaseUrl(TEST_DATABASE_ADMIN_URL, decodeURIComponent(new URL(db.url).pathname.slice(1)));
}

/** Clones the migrated template into a new database for the calling test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const { template, runId, adminUrl } = context();
  const name = `${TEST_DB_PREFIX}${runId}_${randomBytes(4).toString("hex")}`;
  await admin(adminUrl, async (client) => {
    // Cloning fails while anything else is connected to the template; retry briefly.
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== OBJECT_IN_USE || attempt >= 20) throw error;
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  });

  const directUrl = databaseUrl(adminUrl, name);
  const viaPooler = process.env[PGBOUNCER_ENV];
  const url = viaPooler ? databaseUrl(viaPooler, name) : directUrl;
  const prisma = createPrisma(url, { max: 5, applicationName: "vps-shop:test" });
  let dropped = false;
  return {
    name,
    url,
    directUrl,
    prisma,
    async drop() {
      if (dropped) return;
      dropped = true;
      await prisma.$disconnect();
      await admin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
    },
  };
}
