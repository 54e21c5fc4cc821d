/**
 * The restore drill: restores the latest backup into a scratch database, compares it with the
 * manifest, always drops the scratch database, and records a DRILL run that backupStatus reads.
 */
import { readdir, truncate } from "node:fs/promises";
import { join } from "node:path";
import { Api } from "grammy";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeTelegram, type FakeTelegram } from "../../ops/fakes/telegram/index.js";
import { backupStatus, runBackup, runDrill } from "../../shop/backup/index.js";
import { loadConfig } from "../../shop/platform/config.js";
import { createLogger } from "../../shop/platform/logger.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { TEST_DATABASE_ADMIN_URL } from "../support/db-context.js";
import { OWNER_ID, TEST_TOKEN } from "../support/service.js";
import { backupWorld, seedShop, type BackupWorld } from "./support.js";

const logger = createLogger({ role: "test", level: "silent" });
let fake: FakeTelegram;
let db: TestDatabase;
let world: BackupWorld;
const drillDbs = new Set<string>();

async function scratchDatabases(): Promise<string[]> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_ADMIN_URL });
  await client.connect();
  try {
    return (await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'vps_drill_%'")).rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
}

async function backup(config = world.config) {
  return runBackup({ prisma: db.prisma, config, api: new Api(TEST_TOKEN, { apiRoot: fake.url }), logger, trigger: "schedule" });
}

beforeAll(async () => {
  fake = await startFakeTelegram();
  fake.user(OWNER_ID);
  db = await createTestDatabase();
  world = await backupWorld(db, fake.url);
  await seedShop(db.prisma, world.config, { customers: 2 });
  for (const name of await scratchDatabases()) drillDbs.add(name);
});
afterAll(async () => {
  await db?.drop();
  await fake?.stop();
});

/** No scratch database of this file's drills is left behind (other files' drills may be running). */
async function expectNoNewScratch(): Promise<void> {
  expect((await scratchDatabases()).filter((n) => !drillDbs.has(n))).toEqual([]);
}

describe("runDrill", () => {
  it("restores the latest backup's dump into a scratch database, finds it equal to the manifest, drops it and deletes the dump", async () => {
    const made = await backup();
    const result = await runDrill({ prisma: db.prisma, config: world.config, logger });
    expect(result).toMatchObject({ ok: true, backupId: made.backupId, mode: "dump" });
    expect(result.tables.every((t) => t.ok && t.actual?.count === made.manifest.tables[t.table]!.count)).toBe(true);
    expect(result.text).toMatch(/orders\s+\d+\s+\d+\s+✓ equal/);
    await expectNoNewScratch();
    expect(await readdir(join(world.backupDir, ".drill"))).toEqual([]);
    const status = await backupStatus(db.prisma);
    expect(status.lastGoodDrillAt).toBeInstanceOf(Date);
    expect(status.lastGoodBackupAt).toBeInstanceOf(Date);
    expect(status.lastTestDecryptOk).toBe(true);
    expect(status.lastBackupBytes).toBe(made.bytes);
  });

  it("a second drill without a new backup fails, saying a backup must run first", async () => {
    const result = await runDrill({ prisma: db.prisma, config: world.config, logger });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/no fresh backup to drill/);
    const row = await db.prisma.backupRun.findUniqueOrThrow({ where: { id: result.runId } });
    expect(row).toMatchObject({ kind: "DRILL", status: "FAILED" });
  });

  it("a dump that does not restore is a failed drill, and the scratch database is still dropped", async () => {
    const made = await backup();
    await truncate(join(world.backupDir, ".drill", `${made.backupId}.dump`), 2_000);
    const result = await runDrill({ prisma: db.prisma, config: world.config, logger });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/pg_restore failed/);
    await expectNoNewScratch();
  });

  it("on a drill host holding BACKUP_SECRET_KEY, decrypts and restores the encrypted parts themselves", async () => {
    const config = loadConfig({ ...world.env, BACKUP_SECRET_KEY: world.keys.secretKey });
    const made = await backup(config);
    const result = await runDrill({ prisma: db.prisma, config, logger });
    expect(result).toMatchObject({ ok: true, backupId: made.backupId, mode: "parts" });
    expect(result.text).toContain("RESTORE OK");
    await expectNoNewScratch();
  });
});
