/**
 * A restore refuses, naming the reason, and touches nothing, when a part is missing or altered,
 * the key is not the owner's, or the target holds data without allowNonEmpty (--force).
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Api } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeTelegram, type FakeTelegram } from "../../ops/fakes/telegram/index.js";
import { BackupRefusedError, generateBackupKeyPair, restoreBackup, runBackup, WrongBackupKeyError, type BackupRunResult } from "../../shop/backup/index.js";
import { createLogger } from "../../shop/platform/logger.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { OWNER_ID, TEST_TOKEN } from "../support/service.js";
import { backupWorld, seedShop, shopPicture, type BackupWorld } from "./support.js";

let fake: FakeTelegram;
let db: TestDatabase;
let world: BackupWorld;
let backup: BackupRunResult;
let picture: unknown;

beforeAll(async () => {
  fake = await startFakeTelegram();
  fake.user(OWNER_ID);
  db = await createTestDatabase();
  world = await backupWorld(db, fake.url, { BACKUP_PART_MB: "1" });
  await seedShop(db.prisma, world.config, { customers: 2, proofBytes: 700_000 });
  backup = await runBackup({ prisma: db.prisma, config: world.config, api: new Api(TEST_TOKEN, { apiRoot: fake.url }), logger: createLogger({ role: "test", level: "silent" }), trigger: "cli" });
  picture = await shopPicture(db.prisma, world.config);
}, 60_000);
afterAll(async () => {
  await db?.drop();
  await fake?.stop();
});

/** A copy of the backup's files to damage. */
async function copyOfBackup(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "vps-backup-copy-"));
  for (const path of [backup.manifestPath, ...backup.partPaths]) await cp(path, join(dir, path.split("/").pop()!));
  return dir;
}

/** Restores over the live shop with --force: only a refusal before anything is touched leaves it as it was. */
async function expectRefusedUntouched(files: string, secretKey: string, pattern: RegExp, errorClass: abstract new (...args: never[]) => Error = BackupRefusedError): Promise<void> {
  const attempt = restoreBackup({ files: [files], secretKey, targetUrl: db.url, dataDir: world.dataDir, allowNonEmpty: true });
  await expect(attempt).rejects.toBeInstanceOf(errorClass);
  await expect(attempt).rejects.toThrow(pattern);
  expect(await shopPicture(db.prisma, world.config)).toEqual(picture);
  expect((await readdir(join(world.dataDir, "..")).then((names) => names.filter((n) => n.startsWith(".restore-"))))).toEqual([]);
}

describe("restore refuses and touches nothing", () => {
  it("when a part is missing, naming it", async () => {
    expect(backup.parts.length).toBeGreaterThanOrEqual(2);
    const dir = await copyOfBackup();
    await rm(join(dir, backup.parts[1]!.name));
    await expectRefusedUntouched(dir, world.keys.secretKey, new RegExp(`part ${backup.parts[1]!.name} is missing.*Nothing was changed`));
  });

  it("when a part is altered, naming it", async () => {
    const dir = await copyOfBackup();
    const path = join(dir, backup.parts[0]!.name);
    const bytes = await readFile(path);
    bytes[1000] = bytes[1000]! ^ 0xff;
    await writeFile(path, bytes);
    await expectRefusedUntouched(dir, world.keys.secretKey, new RegExp(`part ${backup.parts[0]!.name} is altered`));
  });

  it("when the secret key is not the one the backup was sealed to", async () => {
    const other = await generateBackupKeyPair();
    await expectRefusedUntouched(await copyOfBackup(), other.secretKey, /does not open this backup.*fingerprint/, WrongBackupKeyError);
  });

  it("when the backup was made by a newer version (a migration this checkout lacks)", async () => {
    const dir = await copyOfBackup();
    const path = join(dir, `${backup.backupId}.manifest.json`);
    await writeFile(path, JSON.stringify({ ...JSON.parse(await readFile(path, "utf8")), lastMigration: "29991231000000_from_the_future" }));
    await expectRefusedUntouched(dir, world.keys.secretKey, /made by a newer version .*29991231000000_from_the_future/);
  });

  it("when the target database holds data and --force is not given", async () => {
    const attempt = restoreBackup({ files: [await copyOfBackup()], secretKey: world.keys.secretKey, targetUrl: db.url, dataDir: world.dataDir });
    await expect(attempt).rejects.toThrow(/already holds data \(.*orders.*\).*--force.*Nothing was changed/);
    expect(await shopPicture(db.prisma, world.config)).toEqual(picture);
  });

  it("a freshly migrated database is empty for a restore (the rows migrations write are not data)", async () => {
    const fresh = await createTestDatabase();
    const dataDir = await mkdtemp(join(tmpdir(), "vps-backup-fresh-"));
    try {
      const report = await restoreBackup({ files: [await copyOfBackup()], secretKey: world.keys.secretKey, targetUrl: fresh.url, dataDir, migrate: false });
      expect(report.ok).toBe(true);
    } finally {
      await fresh.drop();
    }
  });

  it("with --force, replaces the target with the backup", async () => {
    await db.prisma.instance.updateMany({ data: { label: "changed after the backup" } });
    const report = await restoreBackup({ files: [await copyOfBackup()], secretKey: world.keys.secretKey, targetUrl: db.url, dataDir: world.dataDir, allowNonEmpty: true, migrate: false });
    expect(report.ok).toBe(true);
    expect(await shopPicture(db.prisma, world.config)).toEqual(picture);
  });
});
