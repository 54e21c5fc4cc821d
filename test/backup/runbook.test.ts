/**
 * ops/RUNBOOK.md "Total loss of the VPS", step by step, as the owner runs it: a shop with money
 * in it backs up with `npm run backup` (parts into the owner's chat on the fake Telegram); on a
 * "new machine" (a fresh clone of this checkout, its own empty database and DATA_DIR) the parts
 * are fetched back from the chat, `createdb`, `npm run restore -- … --key-file …`, `npm start`,
 * `curl …/health`, and a customer's `/orders` shows the same orders; then `npm run backup` again.
 * Every command run here must appear verbatim in the runbook, so the two cannot drift apart.
 *
 * Also: `npm run backup` with Telegram unreachable exits 1 with a clear message and keeps the
 * local copy; `--verify-only` is the owner's test decrypt; `backup:keygen` prints the two lines.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Api } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma } from "../../db/client.js";
import { startFakeTelegram, type FakeTelegram } from "../../ops/fakes/telegram/index.js";
import { adminQuery } from "../../shop/backup/target.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { TEST_DATABASE_ADMIN_URL, TEST_DB_PREFIX, databaseUrl } from "../support/db-context.js";
import { deleteKeys, uniquePrefix } from "../support/redis.js";
import { freePort, OWNER_ID, TEST_TOKEN } from "../support/service.js";
import { baseEnv, getJson, killAll, pollUntil, ROOT, spawnTracked } from "../process/helpers.js";
import { backupWorld, seedShop, type BackupWorld } from "./support.js";

const RUNBOOK = readFileSync(path.join(ROOT, "ops", "RUNBOOK.md"), "utf8");
const isCheckout = spawnSync("git", ["rev-parse", "--is-inside-work-tree"], { cwd: ROOT, encoding: "utf8" }).stdout.trim() === "true";

let fake: FakeTelegram;
let oldVps: TestDatabase;
let world: BackupWorld;
let clone: string;
let newDbName: string;
let oldDbName: string;
const prefix = uniquePrefix("runbook");

/** The runbook must list `line` word for word. */
function listed(line: string): void {
  expect(RUNBOOK, `ops/RUNBOOK.md lists ${JSON.stringify(line)}`).toContain(line);
}

async function npm(cwd: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawnTracked("npm", args, { cwd, env: { ...baseEnv(), CI: "1", npm_config_update_notifier: "false", ...env }, group: true });
  const exit = await child.waitForExit(300_000);
  return { code: exit.code, out: child.stdout(), err: child.describe() };
}

beforeAll(async () => {
  fake = await startFakeTelegram({ token: TEST_TOKEN });
  fake.user(OWNER_ID, { firstName: "Budi" });
  oldVps = await createTestDatabase();
  world = await backupWorld(oldVps, fake.url, { QUEUE_PREFIX: prefix });
  await seedShop(oldVps.prisma, world.config, { customers: 2 });
});
afterAll(async () => {
  await killAll();
  await fake?.stop();
  await oldVps?.drop();
  await deleteKeys(prefix);
  if (oldDbName) await adminQuery(TEST_DATABASE_ADMIN_URL, `DROP DATABASE IF EXISTS "${oldDbName}" WITH (FORCE)`);
  if (newDbName) await adminQuery(TEST_DATABASE_ADMIN_URL, `DROP DATABASE IF EXISTS "${newDbName}" WITH (FORCE)`);
  if (clone) rmSync(clone, { recursive: true, force: true });
});

describe("backup CLI", () => {
  it("npm run backup:keygen prints exactly the two .env lines, and the advice on stderr", async () => {
    listed("npm run --silent backup:keygen");
    const r = spawnSync("npm", ["run", "--silent", "backup:keygen"], { cwd: ROOT, encoding: "utf8", env: baseEnv() });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^BACKUP_PUBLIC_KEY=[A-Za-z0-9+/]{43}=\nBACKUP_SECRET_KEY=[A-Za-z0-9+/]{43}=\n$/);
    expect(r.stderr).toMatch(/stays OFF the server/);
  });

  it("npm run backup with Telegram unreachable exits 1, says why, and keeps the local copy", { timeout: 120_000 }, async () => {
    const r = await npm(ROOT, ["run", "--silent", "backup"], { ...world.env, TELEGRAM_API_ROOT: "http://127.0.0.1:9" });
    expect(r.code, r.err).toBe(1);
    expect(r.err).toMatch(/backup failed: backup not delivered to every owner/);
    expect(r.err).toMatch(/the local copy backup-\S+ is kept in/);
    const row = await oldVps.prisma.backupRun.findFirstOrThrow({ where: { trigger: "cli" }, orderBy: { id: "desc" } });
    expect(row.status).toBe("FAILED");
    expect(existsSync(path.join(world.backupDir, `${row.backupId}.manifest.json`))).toBe(true);
  });
});

describe.skipIf(!isCheckout)("RUNBOOK: total loss of the VPS", () => {
  it("from the parts in the owner's chat to a running shop with the same orders", { timeout: 900_000 }, async () => {
    // The code of this checkout's last commit, as the old VPS ran it and the new machine gets it
    // (npm ci: node_modules is this checkout's, installed from the same lockfile).
    listed("git clone <your repository> /opt/vps-shop && cd /opt/vps-shop");
    listed("npm ci");
    clone = mkdtempSync(path.join(os.tmpdir(), "vps-runbook-"));
    expect(spawnSync("git", ["clone", "--quiet", ROOT, clone]).status).toBe(0);
    symlinkSync(path.join(ROOT, "node_modules"), path.join(clone, "node_modules"), "dir");

    // The old VPS: its database migrated by that code, money in it, and the daily backup lands in the owner's chat.
    oldDbName = `${TEST_DB_PREFIX}runbook_old_${randomBytes(4).toString("hex")}`;
    await adminQuery(TEST_DATABASE_ADMIN_URL, `CREATE DATABASE "${oldDbName}"`);
    const oldDb = { name: oldDbName, url: databaseUrl(TEST_DATABASE_ADMIN_URL, oldDbName), prisma: createPrisma(databaseUrl(TEST_DATABASE_ADMIN_URL, oldDbName), { max: 2 }), drop: async () => undefined };
    const migrated = await npm(clone, ["run", "--silent", "db:migrate"], { DATABASE_URL: oldDb.url });
    expect(migrated.code, migrated.err).toBe(0);
    const world = await backupWorld(oldDb, fake.url, { QUEUE_PREFIX: prefix });
    let run;
    let references: string[];
    try {
      // One proof still a file in DATA_DIR, as an old VPS has them: the restore must bring it back there.
      await seedShop(oldDb.prisma, world.config, { customers: 2, legacyProof: true });
      listed("npm run backup");
      const backup = await npm(clone, ["run", "--silent", "backup"], world.env);
      expect(backup.code, backup.err).toBe(0);
      run = await oldDb.prisma.backupRun.findFirstOrThrow({ where: { trigger: "cli", status: "OK" }, orderBy: { id: "desc" } });
      references = (await oldDb.prisma.order.findMany({ where: { user: { telegramId: 7_100_000n } }, select: { reference: true } })).map((o) => o.reference);
    } finally {
      await oldDb.prisma.$disconnect();
    }

    // 4. The parts from Telegram, saved into one folder with their names.
    const restoreDir = path.join(clone, "restore");
    const api = new Api(TEST_TOKEN, { apiRoot: fake.url });
    const documents = fake.botMessages(OWNER_ID).map((m) => m.message.document).filter((d) => d?.file_name?.startsWith(run.backupId!));
    expect(documents.map((d) => d!.file_name)).toEqual([...(run.parts as Array<{ name: string }>).map((p) => p.name), `${run.backupId}.manifest.json`]);
    mkdirSync(restoreDir, { recursive: true });
    for (const doc of documents) {
      const file = await api.getFile(doc!.file_id);
      writeFileSync(path.join(restoreDir, doc!.file_name!), Buffer.from(await (await fetch(fake.fileUrl(file.file_path!))).arrayBuffer()));
    }

    // 5. The key, in a file only the owner reads.
    const keyFile = path.join(clone, "backup-secret.txt");
    writeFileSync(keyFile, `BACKUP_SECRET_KEY=${world.keys.secretKey}\n`, { mode: 0o600 });

    // 6. An empty database.
    listed("sudo -u postgres createdb -O vps vps_shop");
    newDbName = `${TEST_DB_PREFIX}runbook_${randomBytes(4).toString("hex")}`;
    const admin = new URL(TEST_DATABASE_ADMIN_URL);
    expect(spawnSync("createdb", ["-h", admin.hostname, "-p", admin.port || "5432", "-U", decodeURIComponent(admin.username) || "postgres", newDbName]).status).toBe(0);
    const newDbUrl = databaseUrl(TEST_DATABASE_ADMIN_URL, newDbName);
    const newDataDir = path.join(clone, "data");
    const newEnv = { ...world.env, DATABASE_URL: newDbUrl, DATABASE_DIRECT_URL: newDbUrl, DATA_DIR: newDataDir, BACKUP_DIR: path.join(clone, "backups") };

    // The owner's test decrypt first (touches nothing).
    listed("npm run restore -- ~/restore --key-file ~/backup-secret.txt --verify-only");
    const verify = await npm(clone, ["run", "--silent", "restore", "--", restoreDir, "--key-file", keyFile, "--verify-only"], newEnv);
    expect(verify.code, verify.err).toBe(0);
    expect(verify.out).toMatch(/test decrypt of backup-\S+: OK/);

    // 7. Restore.
    listed("npm run restore -- ~/restore --key-file ~/backup-secret.txt");
    const restore = await npm(clone, ["run", "--silent", "restore", "--", restoreDir, "--key-file", keyFile], newEnv);
    expect(restore.code, restore.err).toBe(0);
    expect(restore.out).toMatch(/orders\s+6\s+6\s+✓ equal/);
    expect(restore.out).toContain("RESTORE OK");
    expect(existsSync(newDataDir)).toBe(true);

    // 8. Start (npm start builds, then runs all roles).
    listed("npm start");
    const port = await freePort();
    const shop = spawnTracked("npm", ["run", "--silent", "start"], { cwd: clone, env: { ...baseEnv(), ...newEnv, HTTP_PORT: String(port), LOG_LEVEL: "info" }, group: true });
    await shop.waitForLog("service started", 600_000);

    // 9. Verify: /health, and the customer's /orders shows the orders from before the loss.
    listed("curl -fsS http://127.0.0.1:3000/health");
    expect((await getJson(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    const customer = fake.user(7_100_000, { firstName: "Pembeli 0" });
    await customer.sendText("/orders");
    const list = await customer.waitForMessage(new RegExp(references[0]!), { timeoutMs: 60_000 });
    for (const reference of references) expect(list.text).toContain(reference);

    // The started service may be taking its own first backup (one at a time): then wait for it to end.
    listed("npm run backup");
    const restored = createPrisma(newDbUrl, { max: 1 });
    let again = await npm(clone, ["run", "--silent", "backup"], newEnv);
    try {
      for (let attempt = 1; attempt < 5 && /already running/.test(again.err); attempt++) {
        await pollUntil(async () => ((await restored.backupRun.count({ where: { status: "RUNNING" } })) === 0 ? true : undefined), 300_000, "the service's own backup to end", 1_000);
        again = await npm(clone, ["run", "--silent", "backup"], newEnv);
      }
    } finally {
      await restored.$disconnect();
    }
    expect(again.code, again.err).toBe(0);
    expect(shop.exitInfo(), shop.describe()).toBeUndefined();
  });
});
