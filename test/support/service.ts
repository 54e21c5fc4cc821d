import { randomBytes } from "node:crypto";
import net from "node:net";
import { createBot } from "../../bot/index.js";
import { loadConfig, type Config } from "../../ops/config.js";
import { startFakeTelegram, type FakeTelegram } from "../../ops/fakes/telegram/server.js";
import { createLogger } from "../../ops/logger.js";
import { createCore, startService, type Role, type Service } from "../../ops/runtime.js";
import { recordingFetch, TEST_BOT_INFO } from "./bot-harness.js";
import { createTestDatabase, type TestDatabase } from "./db.js";
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from "./redis.js";

export const TEST_TOKEN = "424242:TEST-token-aaaaaaaaaaaaaaaaaaaaaaaa";
export const OWNER_ID = 9_000_001;
export const SELLER_ID = 9_000_002;

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Environment for a service under test: its own database, Redis prefix and port. */
export function testEnv(db: TestDatabase, prefix: string, port: number, apiRoot: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TELEGRAM_BOT_TOKEN: TEST_TOKEN,
    TELEGRAM_API_ROOT: apiRoot,
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    HTTP_PORT: String(port),
    DATA_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    OWNER_IDS: String(OWNER_ID),
    SELLER_IDS: String(SELLER_ID),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    // Clouds are "configured" so the catalog sells them; nothing here may call out.
    DO_API_TOKEN: "test-do-token",
    DO_API_URL: "http://127.0.0.1:9",
    VULTR_API_KEY: "test-vultr-key",
    VULTR_API_URL: "http://127.0.0.1:9",
    LINODE_API_TOKEN: "test-linode-token",
    LINODE_API_URL: "http://127.0.0.1:9",
    ...extra,
  };
}

export interface TestService {
  service: Service;
  fake: FakeTelegram;
  db: TestDatabase;
  config: Config;
  baseUrl: string;
  stop(): Promise<void>;
}

/**
 * The whole service in-process against the fake Telegram over real HTTP, with
 * its own database and Redis prefix; `stop()` removes all of it.
 */
export async function startTestService(opts: { roles?: Role[]; env?: Record<string, string> } = {}): Promise<TestService> {
  const db = await createTestDatabase();
  const prefix = uniquePrefix("svc");
  const fake = await startFakeTelegram({ token: TEST_TOKEN });
  const port = await freePort();
  const config = loadConfig(testEnv(db, prefix, port, fake.url, opts.env));
  const logger = createLogger({ role: "test", level: config.logLevel });
  const service = await startService(config, opts.roles ?? ["web", "bot", "worker", "scheduler"], logger);
  return {
    service,
    fake,
    db,
    config,
    baseUrl: `http://127.0.0.1:${port}`,
    async stop() {
      await service.stop();
      await fake.stop();
      await deleteKeys(prefix);
      await db.drop();
    },
  };
}

/**
 * The real bot (full middleware stack, real Postgres and Redis) with a recording
 * API transformer instead of Telegram: drive it update by update.
 */
export async function createBotHarness(env: Record<string, string> = {}) {
  const db = await createTestDatabase();
  const prefix = uniquePrefix("bot");
  const config = loadConfig(testEnv(db, prefix, 3000, "http://127.0.0.1:9", env));
  const logger = createLogger({ role: "test", level: config.logLevel });
  const core = createCore(config, logger);
  const { fetch, calls } = recordingFetch();
  const bot = createBot(core.botDeps, { botInfo: TEST_BOT_INFO, fetch });
  return {
    bot,
    calls,
    core,
    config,
    db,
    prisma: core.prisma,
    async close() {
      await core.queues.close();
      core.redis.disconnect();
      core.producerRedis.disconnect();
      await core.prisma.$disconnect();
      await deleteKeys(prefix);
      await db.drop();
    },
  };
}
