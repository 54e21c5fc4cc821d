/**
 * runBackup's guarantees: one at a time across processes (Postgres lease), every part confirmed
 * in every owner's chat or the run is FAILED and the error thrown (the local copy kept).
 */
import { existsSync } from "node:fs";
import { Api } from "grammy";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeTelegram, type FakeTelegram } from "../../ops/fakes/telegram/index.js";
import { BackupAlreadyRunningError, BackupConfigError, runBackup } from "../../shop/backup/index.js";
import { loadConfig } from "../../shop/platform/config.js";
import { createLogger } from "../../shop/platform/logger.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { OWNER_ID, TEST_TOKEN } from "../support/service.js";
import { backupWorld, seedShop, type BackupWorld } from "./support.js";

const SECOND_OWNER = 9_000_077;
const logger = createLogger({ role: "test", level: "silent" });
let fake: FakeTelegram;
let api: Api;
let db: TestDatabase;
let world: BackupWorld;

beforeAll(async () => {
  fake = await startFakeTelegram();
  api = new Api(TEST_TOKEN, { apiRoot: fake.url });
  db = await createTestDatabase();
  world = await backupWorld(db, fake.url, { OWNER_IDS: `${OWNER_ID},${SECOND_OWNER}` });
  await seedShop(db.prisma, world.config, { customers: 1 });
});
beforeEach(() => {
  fake.reset();
  fake.user(OWNER_ID);
  fake.user(SECOND_OWNER);
});
afterAll(async () => {
  await db?.drop();
  await fake?.stop();
});

const deps = () => ({ prisma: db.prisma, config: world.config, api, logger, trigger: "command" as const });

describe("runBackup", () => {
  it("runs one at a time: of two at once, one backs up and the other is told one is already running", async () => {
    const [a, b] = await Promise.allSettled([runBackup(deps()), runBackup(deps())]);
    const outcomes = [a, b].map((r) => r.status).sort();
    expect(outcomes).toEqual(["fulfilled", "rejected"]);
    const refused = [a, b].find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(BackupAlreadyRunningError);
    expect(String(refused.reason.message)).toMatch(/already running/);
  });

  it("sends every part and the manifest to every owner and records each file_id", async () => {
    const r = await runBackup(deps());
    for (const part of r.parts) expect(part.telegram.map((c) => c.chatId).sort()).toEqual([OWNER_ID, SECOND_OWNER].sort());
    const row = await db.prisma.backupRun.findUniqueOrThrow({ where: { id: r.runId } });
    expect(row.parts).toEqual(JSON.parse(JSON.stringify(r.parts)));
    expect(row.durationMs).toBeGreaterThan(0);
  });

  it("retries a send Telegram answered with a passing error", async () => {
    fake.failNext("sendDocument", { error_code: 500, description: "Internal Server Error" }, { times: 1 });
    const r = await runBackup(deps());
    expect(r.manifestCopies).toHaveLength(2);
  });

  it("a partial send is a failed backup: the run is FAILED with what was delivered, the error is thrown, the local copy kept", async () => {
    fake.failNext("sendDocument", { error_code: 403, description: "Forbidden: bot was blocked by the user" }, { times: 1, chatId: SECOND_OWNER });
    await expect(runBackup(deps())).rejects.toThrow(/not delivered to every owner.*chat 9000077.*blocked/);
    const row = await db.prisma.backupRun.findFirstOrThrow({ where: { kind: "BACKUP" }, orderBy: { id: "desc" } });
    expect(row.status).toBe("FAILED");
    expect(row.error).toMatch(/not delivered/);
    const parts = row.parts as Array<{ name: string; telegram: Array<{ chatId: number }> }>;
    expect(parts.every((p) => p.telegram.length === 1 && p.telegram[0]!.chatId === OWNER_ID)).toBe(true);
    expect(existsSync(`${world.backupDir}/${row.backupId}.manifest.json`)).toBe(true);
  });

  it("without BACKUP_PUBLIC_KEY, refuses with the command that makes one", async () => {
    const config = loadConfig({ ...world.env, BACKUP_PUBLIC_KEY: "" });
    await expect(runBackup({ ...deps(), config })).rejects.toThrow(BackupConfigError);
    await expect(runBackup({ ...deps(), config })).rejects.toThrow(/npm run backup:keygen/);
  });
});
