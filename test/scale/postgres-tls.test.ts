/**
 * PostgreSQL over TLS with no pooler in between, as the README tells operators to configure it:
 * `sslmode=verify-full&sslrootcert=/path/ca.pem` in DATABASE_URL and DATABASE_DIRECT_URL. The
 * server is a throwaway cluster that accepts only TLS (test/support/postgres-tls.ts: pg_hba has
 * `hostssl` and `hostnossl … reject`), so every step that works here went through TLS:
 *
 * 1. a plain connection is refused (pg_hba), a certificate another CA signed at the handshake,
 *    by pg and by libpq;
 * 2. `node db/prisma-cli.mjs migrate deploy` migrates a fresh database (the wasm schema engine
 *    connects through db/prisma.config.ts's pg adapter, which reads the URL's TLS parameters with
 *    pg's own parser): the server logs each of its sessions as SSL;
 * 3. the migration CLI, the app and pg_dump read the other TLS spellings the app accepts alike:
 *    `uselibpqcompat=true&sslmode=require`, a client certificate (sslcert/sslkey), pg's
 *    `sslmode=no-verify`, a CA path with a space;
 * 4. the app's Prisma client and the settlement pool query it on encrypted sessions (pg_stat_ssl);
 * 5. the backup (pg_dump), the restore drill (pg_restore into a scratch database) and a restore of
 *    the encrypted parts into an empty database (pg_restore, then the migrations) run with the
 *    same URL through libpq.
 */
import { spawn } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Api } from "grammy";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type PrismaClient } from "../../db/client.js";
import { startFakeTelegram, type FakeTelegram } from "../../ops/fakes/telegram/index.js";
import { webhookPoolConfig } from "../../ops/runtime.js";
import { restoreBackup, runBackup, runDrill } from "../../shop/backup/index.js";
import { runPgTool } from "../../shop/backup/pg-tools.js";
import { createLogger } from "../../shop/platform/logger.js";
import { backupWorld, seedShop, type BackupWorld } from "../backup/support.js";
import { OWNER_ID, TEST_TOKEN } from "../support/service.js";
import { CLIENT_CERT_DB, startTlsPostgres, type TlsPostgres } from "../support/postgres-tls.js";
import { makeTestCerts, type TestCerts } from "../support/tls-certs.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const logger = createLogger({ role: "test", level: "silent" });
const DB = "vps_shop_tls";
const RESTORED = "vps_shop_tls_restored";

let certs: TestCerts;
let server: TlsPostgres;
let prisma: PrismaClient | undefined;
let fake: FakeTelegram | undefined;
let world: BackupWorld | undefined;
const tempDirs: string[] = [];

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: server.url("postgres") });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** `npm run db:migrate` as an operator runs it: the CLI wrapper with both URLs set. */
function migrateDeploy(url: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, "db/prisma-cli.mjs"), "migrate", "deploy"], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url, DATABASE_DIRECT_URL: url },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const keep = (c: Buffer) => (output = (output + c.toString()).slice(-8_000));
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

/** The server's `connection authorized` lines since `from` (an offset into its log). */
function sessionsSince(from: number): string[] {
  return server
    .log()
    .slice(from)
    .split("\n")
    .filter((l) => /connection authorized:/.test(l));
}

beforeAll(async () => {
  certs = makeTestCerts();
  server = await startTlsPostgres(certs);
  await admin(`CREATE DATABASE ${DB}`);
});

afterAll(async () => {
  await prisma?.$disconnect().catch(() => undefined);
  await fake?.stop().catch(() => undefined);
  for (const dir of [...tempDirs, ...(world ? [path.dirname(world.dataDir)] : [])]) await rm(dir, { recursive: true, force: true });
  await server?.stop();
  certs?.remove();
});

describe("PostgreSQL with TLS only, no pooler (sslmode=verify-full&sslrootcert=…)", () => {
  it("refuses a plain connection (pg_hba: hostssl only)", async () => {
    const plain = new pg.Client({ connectionString: server.url(DB).replace("sslmode=verify-full", "sslmode=disable"), connectionTimeoutMillis: 5_000 });
    await expect(plain.connect()).rejects.toThrow(/pg_hba\.conf rejects connection .* no encryption/);
    await plain.end().catch(() => undefined);
  });

  it("refuses a server certificate another CA signed, at the handshake: pg and libpq (pg_dump)", async () => {
    const wrong = server.url(DB, certs.wrongCaFile);
    const client = new pg.Client({ connectionString: wrong, connectionTimeoutMillis: 5_000 });
    await expect(client.connect()).rejects.toThrow(/certificate/i);
    await client.end().catch(() => undefined);
    await expect(runPgTool("pg_dump", ["--schema-only", "--file=/dev/null"], wrong)).rejects.toThrow(/certificate verify failed/);
  });

  it("the migration CLI refuses the wrong CA, then migrates a fresh database over TLS", { timeout: 240_000 }, async () => {
    const refused = await migrateDeploy(server.url(DB, certs.wrongCaFile));
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/certificate/i);

    const from = server.log().length;
    const migrated = await migrateDeploy(server.url(DB));
    expect(migrated.code, migrated.output).toBe(0);
    const sessions = sessionsSince(from).filter((l) => l.includes(`database=${DB} `));
    expect(sessions.length).toBeGreaterThan(0);
    for (const line of sessions) expect(line).toMatch(/SSL enabled \(protocol=TLSv1\.[23]/);

    const client = new pg.Client({ connectionString: server.url(DB) });
    await client.connect();
    try {
      const applied = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL");
      const shipped = readdirSync(path.join(root, "db/migrations"), { withFileTypes: true }).filter((e) => e.isDirectory()).length;
      expect(applied.rows[0]!.n).toBe(shipped);
    } finally {
      await client.end();
    }
  });

  it("the migration CLI reads the URL's TLS parameters as the app does: uselibpqcompat=true&sslmode=require encrypts without a CA", { timeout: 240_000 }, async () => {
    const url = `${server.url(DB).split("?")[0]}?uselibpqcompat=true&sslmode=require`;
    const app = createPrisma(url, { max: 1 });
    try {
      expect(await app.$queryRawUnsafe<{ ssl: boolean }[]>("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).toEqual([{ ssl: true }]);
    } finally {
      await app.$disconnect();
    }
    const migrated = await migrateDeploy(url);
    expect(migrated.code, migrated.output).toBe(0);
    expect(migrated.output).toMatch(/No pending migrations/);
  });

  it("a client certificate in the URL (sslcert, sslkey) reaches the server from the migration CLI, the app and pg_dump", { timeout: 240_000 }, async () => {
    await admin(`CREATE DATABASE ${CLIENT_CERT_DB}`);
    const without = new pg.Client({ connectionString: server.url(CLIENT_CERT_DB), connectionTimeoutMillis: 5_000 });
    await expect(without.connect()).rejects.toThrow(/certificate/i);
    await without.end().catch(() => undefined);
    // libpq wants the key private (0600), as an operator's would be.
    const key = path.join(certs.dir, "client.key");
    copyFileSync(certs.keyFile, key);
    chmodSync(key, 0o600);
    const url = `${server.url(CLIENT_CERT_DB)}&sslcert=${encodeURIComponent(certs.certFile)}&sslkey=${encodeURIComponent(key)}`;

    const migrated = await migrateDeploy(url);
    expect(migrated.code, migrated.output).toBe(0);
    const app = createPrisma(url, { max: 1 });
    try {
      expect(await app.$queryRawUnsafe("SELECT ssl, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).toEqual([{ ssl: true, client_dn: "/CN=localhost" }]);
      expect(await app.user.count()).toBe(0);
    } finally {
      await app.$disconnect();
    }
    await runPgTool("pg_dump", ["--schema-only", "--file=/dev/null"], url);
  });

  it("pg_dump takes the TLS spellings the app takes: pg's sslmode=no-verify, and a CA path with a space next to a pg-only parameter", async () => {
    const spaced = path.join(certs.dir, "our ca");
    mkdirSync(spaced);
    copyFileSync(certs.caFile, path.join(spaced, "ca.pem"));
    const bare = server.url(DB).split("?")[0]!;
    for (const url of [`${bare}?sslmode=no-verify`, `${bare}?uselibpqcompat=true&sslmode=verify-full&sslrootcert=${encodeURIComponent(path.join(spaced, "ca.pem"))}`]) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.end();
      await runPgTool("pg_dump", ["--schema-only", "--file=/dev/null"], url);
    }
  });

  it("the app's Prisma client (createPrisma) and the settlement pool (webhookPoolConfig) run on encrypted sessions", async () => {
    const sslQuery = "SELECT s.ssl, s.version FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()";
    prisma = createPrisma(server.url(DB), { max: 3, applicationName: "vps-shop:tls-test" });
    expect(await prisma.user.count()).toBe(0);
    const [viaPrisma] = await prisma.$queryRawUnsafe<{ ssl: boolean; version: string }[]>(sslQuery);
    expect(viaPrisma).toMatchObject({ ssl: true, version: expect.stringMatching(/^TLSv1\.[23]$/) });

    const pool = new pg.Pool(webhookPoolConfig(server.url(DB), 2));
    try {
      // A named statement, as the settlement batcher sends its two.
      const res = await pool.query<{ ssl: boolean; version: string; st: string }>({ name: "tls_check_v1", text: `${sslQuery.replace("SELECT s.ssl, s.version", "SELECT s.ssl, s.version, current_setting('statement_timeout') AS st")}` });
      expect(res.rows[0]).toMatchObject({ ssl: true, version: expect.stringMatching(/^TLSv1\.[23]$/), st: "10s" });
    } finally {
      await pool.end();
    }
  });

  it("backup (pg_dump), restore drill (pg_restore) and a restore with migrations run with the same URL through libpq", { timeout: 240_000 }, async () => {
    fake = await startFakeTelegram();
    fake.user(OWNER_ID);
    const url = server.url(DB);
    world = await backupWorld({ name: DB, url, directUrl: url, prisma: prisma!, drop: async () => undefined }, fake.url);
    expect(world.config.databaseDirectUrl).toBe(url);
    await seedShop(prisma!, world.config, { customers: 2 });

    const from = server.log().length;
    const made = await runBackup({ prisma: prisma!, config: world.config, api: new Api(TEST_TOKEN, { apiRoot: fake.url }), logger, trigger: "cli" });
    expect(made.manifest.tables.orders!.count).toBeGreaterThan(0);

    const drill = await runDrill({ prisma: prisma!, config: world.config, logger });
    expect(drill.error).toBeUndefined();
    expect(drill).toMatchObject({ ok: true, mode: "dump", backupId: made.backupId });
    expect(drill.tables.every((t) => t.ok)).toBe(true);

    // npm run restore's path: the encrypted parts into an empty database, then the migrations.
    await admin(`CREATE DATABASE ${RESTORED}`);
    const dataDir = await mkdtemp(path.join(tmpdir(), "vps-tls-restore-"));
    tempDirs.push(dataDir);
    const report = await restoreBackup({ files: [made.manifestPath, ...made.partPaths], secretKey: world.keys.secretKey, targetUrl: server.url(RESTORED), dataDir });
    expect(report.migrations?.ok, report.migrations?.output).toBe(true);
    expect(report.ok, report.text).toBe(true);
    expect(report.tables.map((t) => [t.table, t.actual])).toEqual(Object.entries(made.manifest.tables));

    // libpq's own sessions, seen by the server: all of them encrypted.
    const tools = sessionsSince(from).filter((l) => /application_name=pg_(dump|restore) /.test(l));
    expect(tools.some((l) => l.includes("application_name=pg_dump "))).toBe(true);
    expect(tools.filter((l) => l.includes("application_name=pg_restore ")).length).toBeGreaterThanOrEqual(2);
    for (const line of tools) expect(line).toMatch(/SSL enabled \(protocol=TLSv1\.[23]/);
  });
});
