import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createBot } from "../../bot/index.js";
import { loadConfig, type Config } from "../../shop/platform/config.js";
import { startFakeClouds, type FakeClouds } from "../../ops/fakes/clouds/index.js";
import { startFakeMidtrans, type FakeMidtrans } from "../../ops/fakes/midtrans/server.js";
import { startFakeTelegram, type FakeTelegram } from "../../ops/fakes/telegram/server.js";
import { startFakeTripay, type FakeTripay } from "../../ops/fakes/tripay/server.js";
import { createLogger, type Logger } from "../../shop/platform/logger.js";
import type { ProcessorMap } from "../../jobs/workers.js";
import { createCore, startService, type Role, type Service } from "../../ops/runtime.js";
import { recordingFetch, TEST_BOT_INFO } from "./bot-harness.js";
import { createTestDatabase, directUrlOf, type TestDatabase } from "./db.js";
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
    DATABASE_DIRECT_URL: directUrlOf(db),
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

/** Credentials the fake gateways of `startTestService({ gateways: true })` accept. */
export const TEST_TRIPAY = { apiKey: "DEV-e2eTripayApiKey0001", privateKey: "e2e-tripay-private-0123456789", merchantCode: "T4242" } as const;
export const TEST_MIDTRANS_SERVER_KEY = "SB-Mid-server-e2eTest0123456789";

/** The fake payment gateways a test service talks to. */
export interface TestGateways {
  tripay: FakeTripay;
  midtrans: FakeMidtrans;
}

/** Starts both fake gateways and returns them with the env that points the service at them. */
export async function startFakeGateways(): Promise<TestGateways & { env: Record<string, string>; stop(): Promise<void> }> {
  const tripay = await startFakeTripay({ ...TEST_TRIPAY });
  const midtrans = await startFakeMidtrans({ serverKey: TEST_MIDTRANS_SERVER_KEY }).catch(async (err: unknown) => {
    await tripay.stop();
    throw err;
  });
  return {
    tripay,
    midtrans,
    env: {
      TRIPAY_API_KEY: TEST_TRIPAY.apiKey,
      TRIPAY_PRIVATE_KEY: TEST_TRIPAY.privateKey,
      TRIPAY_MERCHANT_CODE: TEST_TRIPAY.merchantCode,
      TRIPAY_API_URL: tripay.url,
      MIDTRANS_SERVER_KEY: TEST_MIDTRANS_SERVER_KEY,
      MIDTRANS_API_URL: midtrans.apiUrl,
      MIDTRANS_SNAP_URL: midtrans.snapUrl,
    },
    async stop() {
      await Promise.all([tripay.stop(), midtrans.stop()]);
    },
  };
}

export interface TestService {
  service: Service;
  fake: FakeTelegram;
  db: TestDatabase;
  config: Config;
  baseUrl: string;
  /** With `gateways: true`: the fake Tripay and Midtrans, their callbacks pointed at this service. */
  gateways?: TestGateways;
  /** With `clouds: true`: the fake DigitalOcean, Vultr and Linode the service sells from. */
  clouds?: FakeClouds;
  stop(): Promise<void>;
}

export interface TestServiceOptions {
  roles?: Role[];
  env?: Record<string, string>;
  /**
   * Start the fake Tripay and Midtrans too, configure the service for them, and (with the
   * web role) send their callbacks to this service's `/webhooks/tripay` and `/webhooks/midtrans`.
   * PUBLIC_BASE_URL must be https, so the fakes' default callback URLs are set directly.
   */
  gateways?: boolean;
  /**
   * Start the fake DigitalOcean, Vultr and Linode and point the service at them, so the
   * catalog's availability checks (and provisioning) have a cloud to ask. Without it the
   * clouds are configured at an unreachable address.
   */
  clouds?: boolean;
  /** Adjust the worker role's processors (e.g. leave a queue unprocessed to inspect its jobs). */
  processors?: (base: ProcessorMap) => ProcessorMap;
  /**
   * Where the service's database comes from. Default: a clone of the vitest run's template
   * (createTestDatabase). Benchmarks run outside vitest and pass their own migrated database.
   */
  database?: () => Promise<TestDatabase>;
  /** How the service logs (default: createLogger at LOG_LEVEL); e.g. into memory to read every line. */
  logger?: (config: Config) => Logger;
}

/**
 * The whole service in-process against the fake Telegram over real HTTP, with
 * its own database, Redis prefix and data directory; `stop()` removes all of it.
 */
export async function startTestService(opts: TestServiceOptions = {}): Promise<TestService> {
  const db = await (opts.database ?? createTestDatabase)();
  const prefix = uniquePrefix("svc");
  const fake = await startFakeTelegram({ token: TEST_TOKEN });
  const gateways = opts.gateways ? await startFakeGateways() : undefined;
  const clouds = opts.clouds ? await startFakeClouds({ bootDelayMs: 100, ipDelayMs: 20, actionDelayMs: 50 }) : undefined;
  const dataDir = opts.env?.DATA_DIR ? undefined : mkdtempSync(path.join(os.tmpdir(), "vpsbot-test-data-"));
  const port = await freePort();
  const env = { ...(dataDir ? { DATA_DIR: dataDir } : {}), ...gateways?.env, ...clouds?.env, ...opts.env };
  const config = loadConfig(testEnv(db, prefix, port, fake.url, env));
  const logger = opts.logger?.(config) ?? createLogger({ role: "test", level: config.logLevel });
  const roles = opts.roles ?? ["web", "bot", "worker", "scheduler"];
  const service = await startService(config, roles, logger, opts.processors ? { processors: opts.processors } : {});
  const baseUrl = `http://127.0.0.1:${service.httpPort ?? port}`;
  if (gateways && roles.includes("web")) {
    gateways.tripay.setCallbackUrl(`${baseUrl}/webhooks/tripay`);
    gateways.midtrans.setNotificationUrl(`${baseUrl}/webhooks/midtrans`);
  }
  return {
    service,
    fake,
    db,
    config,
    baseUrl,
    ...(gateways ? { gateways: { tripay: gateways.tripay, midtrans: gateways.midtrans } } : {}),
    ...(clouds ? { clouds } : {}),
    async stop() {
      await service.stop();
      await gateways?.stop();
      await clouds?.stop();
      await fake.stop();
      await deleteKeys(prefix);
      await db.drop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
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
