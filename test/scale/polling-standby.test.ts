/**
 * Polling mode with bot processes on two hosts: Telegram allows one poller per bot (a second gets
 * 409 Conflict), so the processes elect one through the Postgres lease "bot-poller" and the other
 * stands by; when the poller stops, the standby polls and the chat carries on.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBot } from "../../bot/index.js";
import { startBot, type BotStartup } from "../../ops/bot-startup.js";
import { createCore } from "../../ops/runtime.js";
import { startFakeTelegram, type FakeTelegram } from "../../ops/fakes/telegram/index.js";
import { loadConfig } from "../../shop/platform/config.js";
import { createLogger } from "../../shop/platform/logger.js";
import { StartupComponents } from "../../shop/platform/readiness.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { deleteKeys, uniquePrefix } from "../support/redis.js";
import { TEST_TOKEN, testEnv } from "../support/service.js";

const logger = createLogger({ role: "test", level: "silent" });
let db: TestDatabase;
let fake: FakeTelegram;
const prefix = uniquePrefix("standby");
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startFakeTelegram({ token: TEST_TOKEN });
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await fake?.stop();
  await deleteKeys(prefix);
  await db?.drop();
});

/** One host's bot process: its own connections, the shared database, Redis prefix and Telegram. */
function botProcess(name: string): BotStartup {
  const config = loadConfig(testEnv(db, prefix, 3000, fake.url));
  const core = createCore(config, logger);
  const bot = createBot(core.botDeps);
  const startup = startBot({ bot, config, prisma: core.prisma, i18n: core.i18n, logger, queues: core.queues, components: new StartupComponents(), pollerHolder: name });
  cleanups.push(async () => {
    await startup.stop();
    await core.queues.close();
    core.redis.disconnect();
    core.producerRedis.disconnect();
    await core.prisma.$disconnect();
  });
  return startup;
}

const poller = async () => (await db.prisma.lease.findUnique({ where: { key: "bot-poller" } }))?.holder;
const conflicts = () => fake.calls.filter((c) => c.method === "getUpdates" && c.status === 409).length;

describe("polling with a standby bot process", () => {
  it("one process polls, the other stands by without a 409, and takes over when the poller stops", { timeout: 90_000 }, async () => {
    const a = botProcess("host-a");
    expect(await a.ready).toBe(true);
    await expect.poll(poller, { timeout: 20_000 }).toBe("host-a");
    const b = botProcess("host-b");
    expect(await b.ready).toBe(true);

    const user = fake.user(71_000_001);
    await user.sendText("/start");
    await user.waitForMessage(/Halo/, { timeoutMs: 30_000 });
    expect(await poller()).toBe("host-a");

    // Host A's bot stops (a deploy, or its machine going away cleanly): B polls within its retry.
    await a.stop();
    await expect.poll(poller, { timeout: 30_000 }).toBe("host-b");
    await user.sendText("/start");
    await expect.poll(() => user.messages().filter((m) => /Halo/.test(m.text ?? "")).length, { timeout: 30_000 }).toBe(2);
    expect(conflicts()).toBe(0);
  });
});
