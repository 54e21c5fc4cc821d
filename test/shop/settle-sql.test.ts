/**
 * One canonical copy of the settlement SQL (db/sql/settle_payment.sql), copied into the migrations
 * that install it: what the migrations leave in the database must be what the canonical file
 * installs. Compared as Postgres prints the installed functions (pg_get_functiondef), in a
 * database migrated as usual and in one where the functions were dropped and the file applied.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { withCanonicalCopy } from "../../db/sql/copy-into-migration.mjs";
import { createTestDatabase, type TestDatabase } from "../support/db.js";

const CANONICAL = readFileSync(new URL("../../db/sql/settle_payment.sql", import.meta.url), "utf8");
const FUNCTIONS = ["settle_payment", "settle_payment_move_order"];

let migrated: TestDatabase;
let scratch: TestDatabase;

beforeAll(async () => {
  [migrated, scratch] = await Promise.all([createTestDatabase(), createTestDatabase()]);
});

afterAll(async () => {
  await Promise.all([migrated?.drop(), scratch?.drop()]);
});

async function definitions(db: TestDatabase): Promise<string[]> {
  const rows = await db.prisma.$queryRaw<{ def: string }[]>`
    SELECT pg_get_functiondef(p.oid) AS def FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'public' AND p.proname = ANY(${FUNCTIONS}) ORDER BY p.proname, pg_get_function_identity_arguments(p.oid)`;
  return rows.map((r) => r.def);
}

describe("db/sql/settle_payment.sql is what the migrations install", () => {
  it("the migrated functions are exactly the canonical file's, applied to a database without them", async () => {
    // Drop every overload, so nothing left over by an older migration can pass for the file's.
    const overloads = await scratch.prisma.$queryRaw<{ sig: string }[]>`
      SELECT p.oid::regprocedure::text AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = 'public' AND p.proname = ANY(${FUNCTIONS})`;
    for (const o of overloads) await scratch.prisma.$executeRawUnsafe(`DROP FUNCTION ${o.sig}`);
    expect(await definitions(scratch)).toEqual([]);
    // As a migration is applied: the whole file as one simple-protocol query.
    const client = new pg.Client({ connectionString: scratch.url });
    await client.connect();
    try {
      await client.query(CANONICAL);
    } finally {
      await client.end();
    }

    const installed = await definitions(migrated);
    expect(installed).toHaveLength(FUNCTIONS.length);
    expect(await definitions(scratch)).toEqual(installed);
  });

  it("the copy script puts the file between its markers, and refreshes the copy in place", () => {
    const first = withCanonicalCopy("ALTER TABLE x ADD COLUMN y int;\n", "settle_payment.sql", "SELECT 1;\n");
    expect(first).toBe("ALTER TABLE x ADD COLUMN y int;\n\n-- >>> db/sql/settle_payment.sql\nSELECT 1;\n-- <<< db/sql/settle_payment.sql\n");
    const again = withCanonicalCopy(`${first}-- after\n`, "settle_payment.sql", "SELECT 2;\n");
    expect(again).toBe("ALTER TABLE x ADD COLUMN y int;\n\n-- >>> db/sql/settle_payment.sql\nSELECT 2;\n-- <<< db/sql/settle_payment.sql\n-- after\n");
  });
});
