/**
 * PostgreSQL behind a real PgBouncer 1.18 in transaction mode, started from the shipped
 * ops/pgbouncer/pgbouncer.ini.example, with TLS between the app and PgBouncer (a throwaway CA,
 * `sslmode=verify-full&sslrootcert=…` in the app's URL, read by pg itself).
 *
 * 1. What transaction mode takes away, shown on the wire: startup parameters are refused (so the
 *    app sends none with `?pgbouncer=true`), the timeouts still hold on every pooled connection
 *    (PgBouncer's connect_query), a transaction's own SET LOCAL and pg_advisory_xact_lock work and
 *    end with it, and the settlement pool's named statements are sent unnamed.
 * 2. The payment and provisioning suites, run again (a nested vitest) with every test file's
 *    database URL and Prisma client going through PgBouncer (test/support/db.ts,
 *    VPS_TEST_PGBOUNCER_URL), must pass; PgBouncer's SHOW STATS proves it carried them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, IDLE_IN_TRANSACTION_TIMEOUT_MS, type PrismaClient } from "../../db/client.js";
import { webhookPoolConfig } from "../../ops/runtime.js";
import { loadConfig } from "../../shop/platform/config.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { PGBOUNCER_ENV, TEST_DATABASE_ADMIN_URL, TEST_DB_PREFIX } from "../support/db-context.js";
import { startPgBouncer, type RunningPgBouncer } from "../support/pgbouncer.js";
import { makeTestCerts, type TestCerts } from "../support/tls-certs.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
let certs: TestCerts;
let bouncer: RunningPgBouncer;
let db: TestDatabase;
let prisma: PrismaClient;
/** The nested vitest run while it lasts. */
let nested: ChildProcess | undefined;

beforeAll(async () => {
  certs = makeTestCerts();
  bouncer = await startPgBouncer({ serverUrl: TEST_DATABASE_ADMIN_URL, certs, fallback: true });
  db = await createTestDatabase();
  prisma = createPrisma(bouncer.url(db.name), { max: 5, applicationName: "vps-shop:pgbouncer-test" });
});

afterAll(async () => {
  if (nested?.pid) {
    try {
      process.kill(-nested.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await prisma?.$disconnect();
  await db?.drop();
  await bouncer?.stop();
  certs?.remove();
});

type StatsRow = { database: string; total_xact_count: string; total_query_count: string };

describe("PgBouncer in transaction mode, TLS verify-full", () => {
  it("refuses startup parameters, which is why the app sends none behind it", async () => {
    const direct = new URL(bouncer.url(db.name));
    direct.searchParams.delete("pgbouncer");
    const client = new pg.Client({ connectionString: direct.toString(), statement_timeout: 30_000 });
    await expect(client.connect()).rejects.toThrow(/unsupported startup parameter: statement_timeout/);
    await client.end().catch(() => undefined);
  });

  it("refuses a PgBouncer whose certificate another CA signed", async () => {
    const wrong = bouncer.url(db.name).replace(encodeURIComponent(certs.caFile), encodeURIComponent(certs.wrongCaFile));
    const client = new pg.Client({ connectionString: wrong, connectionTimeoutMillis: 3_000 });
    await expect(client.connect()).rejects.toThrow(/certificate/i);
    await client.end().catch(() => undefined);
  });

  it("every pooled connection has the statement and idle-transaction timeouts (PgBouncer's connect_query)", async () => {
    // More concurrent sessions than one server connection, so several server connections answer.
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        prisma.$transaction(async (tx) => {
          await tx.$executeRaw`SELECT pg_sleep(0.05)`;
          const [row] = await tx.$queryRaw<{ st: string; idle: string; pid: number }[]>`
            SELECT current_setting('statement_timeout') AS st, current_setting('idle_in_transaction_session_timeout') AS idle, pg_backend_pid() AS pid`;
          return row!;
        }),
      ),
    );
    expect(new Set(answers.map((a) => a.pid)).size).toBeGreaterThan(1);
    for (const a of answers) expect({ st: a.st, idle: a.idle }).toEqual({ st: "30s", idle: `${IDLE_IN_TRANSACTION_TIMEOUT_MS / 1000}s` });
  });

  it("a transaction takes pg_advisory_xact_lock and its own SET LOCAL statement_timeout; both end with it", async () => {
    const holder = new pg.Client({ connectionString: db.directUrl });
    await holder.connect();
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT pg_advisory_xact_lock(hashtext('pgbouncer-test'))");
      const started = Date.now();
      await expect(
        prisma.$transaction(async (tx) => {
          await tx.$executeRawUnsafe("SET LOCAL statement_timeout = '300ms'");
          await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext('pgbouncer-test'))::text`;
        }),
      ).rejects.toThrow(/statement timeout|canceling statement/i);
      expect(Date.now() - started).toBeLessThan(10_000);
      await holder.query("COMMIT");

      const got = await prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext('pgbouncer-test'))::text`;
        const [row] = await tx.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()`;
        return row!.n;
      });
      expect(got).toBe(1);
      // Neither the lock nor the 300 ms outlived their transactions on any pooled server connection.
      const after = await Promise.all(Array.from({ length: 6 }, () => prisma.$queryRaw<{ st: string }[]>`SELECT current_setting('statement_timeout') AS st`));
      expect(after.map((r) => r[0]!.st)).toEqual(Array(6).fill("30s"));
      // In this test's database only: the rest of the suite takes advisory locks of its own meanwhile.
      const left = await holder.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      );
      expect(left.rows[0]!.n).toBe(0);
    } finally {
      await holder.end();
    }
  });

  it("the settlement pool's named statements go through unnamed, on whichever server connection", async () => {
    const statement = (n: number) => ({ name: "settle_like_v1", text: "SELECT $1::int AS n", values: [n] });
    const other = new pg.Client({ connectionString: bouncer.url(db.name) });
    const plain = new pg.Client({ connectionString: bouncer.url(db.name) });
    const app = new pg.Pool(webhookPoolConfig(bouncer.url(db.name), 1));
    await Promise.all([other.connect(), plain.connect()]);
    /** Runs `second` while another client's open transaction holds the server connection `first` ran on (PgBouncer reuses the last one released). */
    const acrossServers = async (first: () => Promise<unknown>, second: () => Promise<unknown>) => {
      await first();
      await other.query("BEGIN");
      await other.query("SELECT 1");
      try {
        return await second();
      } finally {
        await other.query("COMMIT");
      }
    };
    try {
      // What the settlement pool would do without the switch: pg prepares the name once per
      // client, then sends only Bind/Execute, which PgBouncer hands to another server connection.
      await expect(acrossServers(() => plain.query(statement(1)), () => plain.query(statement(2)))).rejects.toThrow(/prepared statement "settle_like_v1" does not exist/);
      const answer = (await acrossServers(() => app.query(statement(1)), () => app.query(statement(2)))) as pg.QueryResult<{ n: number }>;
      expect(answer.rows).toEqual([{ n: 2 }]);
      // And under load: 40 at once on 4 clients.
      const many = new pg.Pool(webhookPoolConfig(bouncer.url(db.name), 4));
      const rounds = await Promise.all(Array.from({ length: 40 }, (_, i) => many.query<{ n: number }>(statement(i))));
      await many.end();
      expect(rounds.map((r) => r.rows[0]!.n)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    } finally {
      await Promise.all([other.end(), plain.end(), app.end()]);
    }
  });

  it("the configuration asks for a direct URL next to a PgBouncer one (migrations, pg_dump)", () => {
    const env = { TELEGRAM_BOT_TOKEN: "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", REDIS_URL: "redis://127.0.0.1:6379", DATA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString("base64"), DATABASE_URL: bouncer.url(db.name) };
    expect(() => loadConfig(env)).toThrow(/DATABASE_DIRECT_URL: is required when DATABASE_URL has pgbouncer=true/);
    expect(() => loadConfig({ ...env, DATABASE_DIRECT_URL: bouncer.url(db.name) })).toThrow(/DATABASE_DIRECT_URL: must reach PostgreSQL directly/);
    expect(loadConfig({ ...env, DATABASE_DIRECT_URL: db.directUrl }).databaseDirectUrl).toBe(db.directUrl);
  });

  it("runs the payment and provisioning suites through PgBouncer", { timeout: 1_200_000 }, async () => {
    const candidates = ["test/payments", "test/provisioning", "test/e2e/payments.e2e.test.ts", "test/e2e/provisioning.e2e.test.ts"];
    const targets = candidates.filter((t) => existsSync(path.join(root, t)));
    expect(targets.length).toBeGreaterThanOrEqual(3);
    const base = new URL(bouncer.url("x"));
    base.pathname = "/";
    const started = Date.now();
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn("npx", ["vitest", "run", ...targets], {
        cwd: root,
        env: { ...process.env, [PGBOUNCER_ENV]: base.toString(), VPS_TEST_DB_TEMPLATE: "" },
        stdio: ["ignore", "pipe", "pipe"],
        // Its own process group, killed whole if this test ends first (timeout, failure).
        detached: true,
      });
      nested = child;
      let out = "";
      const keep = (c: Buffer) => (out = (out + c.toString()).slice(-200_000));
      child.stdout.on("data", keep);
      child.stderr.on("data", keep);
      child.on("close", (c) => {
        nested = undefined;
        resolve({ code: c, output: out });
      });
    });
    const seconds = Math.round((Date.now() - started) / 1000);
    const summary = output.split("\n").filter((l) => /Test Files|Tests\s|Duration/.test(l)).join("\n");
    console.log(`nested payment + provisioning suites through PgBouncer: exit ${code} in ${seconds} s\n${summary}`);
    expect(code, output.slice(-20_000)).toBe(0);

    const stats = await bouncer.admin<StatsRow>("SHOW STATS");
    const clones = stats.filter((s) => s.database.startsWith(TEST_DB_PREFIX));
    const transactions = clones.reduce((sum, s) => sum + Number(s.total_xact_count), 0);
    console.log(`PgBouncer carried ${transactions} transactions for ${clones.length} test databases`);
    expect(clones.length).toBeGreaterThanOrEqual(targets.length);
    expect(transactions).toBeGreaterThan(1_000);
  });
});
