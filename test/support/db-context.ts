/**
 * Shared between the vitest global setup (main process) and test files (workers):
 * names and the shape of what the global setup provides.
 */
import { createHash } from "node:crypto";
import { hostname } from "node:os";

/** Admin connection used to create/drop test databases (any existing database works). */
export const TEST_DATABASE_ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/**
 * Set (by test/scale/pgbouncer.test.ts) to a PgBouncer base URL such as
 * `postgresql://postgres@127.0.0.1:6432/?pgbouncer=true&sslmode=verify-full&sslrootcert=…`: every test
 * file's database URL and Prisma client then go through that PgBouncer (its `* =` entry serves the
 * cloned database); creating, dropping and migrating databases stays on the direct admin URL.
 */
export const PGBOUNCER_ENV = "VPS_TEST_PGBOUNCER_URL";

/** Env var that also carries the template name (for processes outside vitest's inject). */
export const TEMPLATE_ENV = "VPS_TEST_DB_TEMPLATE";

/** Every test database starts with this prefix; the host tag keeps machines sharing a server apart. */
export const TEST_DB_PREFIX = "vps_test_";
export const HOST_TAG = createHash("sha256").update(hostname()).digest("hex").slice(0, 6);

export interface TestDbContext {
  /** Migrated template database to clone with CREATE DATABASE … TEMPLATE. */
  template: string;
  /** Run id embedded in every database name of this run: `<hostTag>_<pid>_<rand>`. */
  runId: string;
  adminUrl: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    vpsTestDb: TestDbContext;
  }
}

/** URL of database `name` on the same server as `baseUrl`. */
export function databaseUrl(baseUrl: string, name: string): string {
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
