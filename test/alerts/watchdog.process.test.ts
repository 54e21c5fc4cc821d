import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startFakeTelegram, type FakeTelegram } from "../../ops/fakes/telegram/index.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { deleteKeys, uniquePrefix } from "../support/redis.js";
import { OWNER_ID, TEST_TOKEN, freePort, testEnv } from "../support/service.js";
import { killAll, spawnService, spawnTracked } from "../process/helpers.js";

let db: TestDatabase;
let fake: FakeTelegram;
const prefix = uniquePrefix("proc-watchdog");

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startFakeTelegram({ token: TEST_TOKEN });
  // The owner opened the bot once (else Telegram answers "chat not found").
  await fake.user(OWNER_ID, { firstName: "Owner" }).sendText("/start");
});
afterEach(async () => {
  await killAll();
});
afterAll(async () => {
  await killAll();
  await fake?.stop();
  await deleteKeys(prefix);
  await db?.drop();
});

const heartbeatsOf = (role: string) => db.prisma.heartbeat.findMany({ where: { roles: { has: role } } });

describe("the watchdog is another process than the one that died", () => {
  it("a bot role killed with SIGKILL is reported by the scheduler role in another process; a clean stop marks the heartbeat stopped", { timeout: 150_000 }, async () => {
    const env = testEnv(db, prefix, await freePort(), fake.url, { ALERT_DISK_FREE_PCT: "1", ALERT_MEMORY_FREE_PCT: "1" });
    const bot = spawnService(["bot"], env);
    await expect.poll(async () => (await heartbeatsOf("bot")).length, { timeout: 30_000 }).toBe(1);
    bot.proc.kill("SIGKILL");
    expect(await bot.waitForExit(5_000)).toEqual({ code: null, signal: "SIGKILL" });
    // 90 s without a beat makes a role down; the test moves the dead process's last beat back instead of waiting.
    await db.prisma.$executeRaw`UPDATE heartbeats SET beat_at = now() - interval '5 minutes' WHERE 'bot' = ANY(roles)`;

    // The watchdog: another process (its checks run every minute), with a worker to deliver the message.
    const scheduler = spawnService(["scheduler", "worker"], { ...env, HTTP_PORT: String(await freePort()) });
    const owner = fake.user(OWNER_ID);
    await expect.poll(() => db.prisma.ownerAlert.count({ where: { fingerprint: "role-down:bot" } }), { timeout: 90_000, interval: 1_000 }).toBe(1);
    const alert = await owner.waitForMessage(/Peran "bot" mati/, { timeoutMs: 90_000 }).catch((err: Error) => {
      throw new Error(`${err.message}\n${scheduler.describe()}`);
    });
    expect(alert.text).toContain("systemctl restart vps-shop@bot");
    const row = await db.prisma.ownerAlert.findUniqueOrThrow({ where: { fingerprint: "role-down:bot" } });
    expect(row.state).toBe("OPEN");

    // A clean stop is not an alert: the process stops on SIGTERM and marks its heartbeat stopped.
    scheduler.proc.kill("SIGTERM");
    expect((await scheduler.waitForExit(20_000)).code).toBe(0);
    const stopped = await heartbeatsOf("scheduler");
    expect(stopped.every((h) => h.stoppedAt !== null)).toBe(true);
  });

  it("an uncaught exception in a process is recorded (class + top frame) for the owner's alert", { timeout: 60_000 }, async () => {
    const script = `
      const { createPrisma } = await import("./db/client.ts");
      const { createLogger } = await import("./shop/platform/logger.ts");
      const { recordUncaughtErrors } = await import("./ops/watchdog.ts");
      const prisma = createPrisma(process.env.DATABASE_URL);
      recordUncaughtErrors(prisma, ["worker"], createLogger({ role: "worker", level: "silent" }));
      function handleJob() { throw new TypeError("job payload had no id"); }
      setTimeout(handleJob, 10);
      setTimeout(handleJob, 20);
      setTimeout(() => process.exit(0), 3000);
    `;
    const child = spawnTracked(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { env: { PATH: process.env.PATH ?? "", DATABASE_URL: db.url } });
    expect((await child.waitForExit(30_000)).code, child.describe()).toBe(0);
    const rows = await db.prisma.processError.findMany();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ errorClass: "TypeError", message: "job payload had no id", roles: ["worker"], count: 2 });
    expect(rows[0]!.topFrame).toMatch(/handleJob/);
  });
});
