/**
 * Backup → wipe the database and DATA_DIR → restore from the parts fetched back from the owner's
 * chat → the same orders, wallets, VPS and transfer proofs (sealed in their rows, and one legacy
 * proof file in DATA_DIR, as older backups hold them), and counts/checksums equal to the manifest.
 * Once with everything in one part, once split into several (BACKUP_PART_MB=1).
 */
import { rm } from "node:fs/promises";
import { Api } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeTelegram, type FakeTelegram } from "../../ops/fakes/telegram/index.js";
import { restoreBackup, runBackup } from "../../shop/backup/index.js";
import { resetPublicSchema } from "../../shop/backup/target.js";
import { createLogger } from "../../shop/platform/logger.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { OWNER_ID, TEST_TOKEN } from "../support/service.js";
import { backupWorld, downloadFromChat, seedShop, shopPicture } from "./support.js";

const logger = createLogger({ role: "test", level: "silent" });
let fake: FakeTelegram;
let api: Api;
const dbs: TestDatabase[] = [];

beforeAll(async () => {
  fake = await startFakeTelegram();
  fake.user(OWNER_ID, { firstName: "Budi" });
  api = new Api(TEST_TOKEN, { apiRoot: fake.url });
});
afterAll(async () => {
  for (const db of dbs) await db.drop();
  await fake?.stop();
});

async function roundTrip(extraEnv: Record<string, string>, seed: { customers: number; proofBytes: number; legacyProof?: boolean }) {
  const db = await createTestDatabase();
  dbs.push(db);
  const world = await backupWorld(db, fake.url, extraEnv);
  await seedShop(db.prisma, world.config, seed);
  // A Telegram update still waiting in the inbox when the backup is taken.
  await db.prisma.telegramUpdate.create({ data: { updateId: 990_000_001n, chatKey: "123", payload: JSON.stringify({ update_id: 990_000_001 }) } });
  const before = await shopPicture(db.prisma, world.config);

  const result = await runBackup({ prisma: db.prisma, config: world.config, api, logger, trigger: "command", requestedBy: OWNER_ID });
  const run = await db.prisma.backupRun.findUniqueOrThrow({ where: { id: result.runId } });
  expect(run).toMatchObject({ kind: "BACKUP", status: "OK", backupId: result.backupId, testDecryptOk: true });
  expect((run.parts as Array<{ telegram: unknown[] }>).every((p) => p.telegram.length === 1)).toBe(true);
  const sent = fake.botMessages(OWNER_ID).filter((m) => m.message.document?.file_name?.startsWith(result.backupId));
  expect(sent.map((m) => m.message.document!.file_name)).toEqual([...result.parts.map((p) => p.name), `${result.backupId}.manifest.json`]);

  const fromChat = await downloadFromChat(api, fake, result, OWNER_ID);
  await resetPublicSchema(db.url);
  await rm(world.dataDir, { recursive: true, force: true });

  const report = await restoreBackup({ files: [fromChat], secretKey: world.keys.secretKey, targetUrl: db.url, dataDir: world.dataDir });
  expect(report.text).toContain("RESTORE OK");
  expect(report.ok).toBe(true);
  expect(report.tables.map((t) => [t.table, t.actual])).toEqual(Object.entries(result.manifest.tables));
  expect(await shopPicture(db.prisma, world.config)).toEqual(before);
  // The copy was taken while its own backup ran under the "backup" lease: neither outlives the old machine.
  expect(await db.prisma.lease.count()).toBe(0);
  expect(await db.prisma.backupRun.count({ where: { status: "RUNNING" } })).toBe(0);
  // Old by now: kept for the record, never replayed by the bot's inbox.
  expect(await db.prisma.telegramUpdate.findUniqueOrThrow({ where: { updateId: 990_000_001n } })).toMatchObject({ status: "FAILED", lastError: expect.stringMatching(/not replayed/) });
  return { result, report };
}

describe("backup and restore", () => {
  it("restores the same orders, wallets, VPS and transfer proofs (in their rows, and one stored as a file before) from the parts in the owner's chat", async () => {
    const { result } = await roundTrip({}, { customers: 3, proofBytes: 2_000, legacyProof: true });
    expect(result.parts).toHaveLength(1);
    expect(result.manifest.tables.orders!.count).toBe(9);
    expect(result.manifest.tables.transfer_proofs!.count).toBe(3);
    expect(result.manifest.blobs.count).toBe(1); // DATA_DIR holds only the legacy proof's file
  }, 120_000);

  it("a backup larger than one part arrives as several parts and restores", async () => {
    const { result } = await roundTrip({ BACKUP_PART_MB: "1" }, { customers: 3, proofBytes: 900_000 });
    expect(result.parts.length).toBeGreaterThanOrEqual(3);
    expect(result.parts.slice(0, -1).every((p) => p.bytes === 1024 * 1024)).toBe(true);
    expect(result.parts.map((p) => p.name)).toEqual(result.parts.map((_, i) => `${result.backupId}.part0${i + 1}.bin`));
  }, 120_000);
});
