/**
 * The real service (chosen roles, in-process) talking to the fake Telegram through a faulty TCP
 * proxy, with every log line it writes kept in memory, so tests can break the network toward
 * Telegram and then read what reached the logs.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ProcessorMap } from "../../jobs/workers.js";
import type { StartupRetryPolicy } from "../../ops/bot-startup.js";
import { loadConfig, type Config } from "../../shop/platform/config.js";
import { startFakeTelegram, type FakeTelegram } from "../../ops/fakes/telegram/server.js";
import { configSecrets, createLogger } from "../../shop/platform/logger.js";
import { startService, type Role, type Service } from "../../ops/runtime.js";
import { createTestDatabase, type TestDatabase } from "./db.js";
import { deleteKeys, uniquePrefix } from "./redis.js";
import { freePort, TEST_TOKEN, testEnv } from "./service.js";
import { startFaultyProxy, type FaultyProxy } from "./tcp-faults.js";

export interface FlakyTelegramService {
  db: TestDatabase;
  fake: FakeTelegram;
  proxy: FaultyProxy;
  config: Config;
  service: Service;
  baseUrl: string;
  /** Every log line the service wrote (raw JSON text, as a log shipper would receive it). */
  lines: string[];
  /** The parsed lines. */
  logs(): Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startFlakyTelegramService(opts: {
  roles: Role[];
  env?: Record<string, string>;
  db?: TestDatabase;
  /** Start with Telegram unreachable (connections refused) until `proxy.up()`. */
  telegramDown?: boolean;
  telegramRetry?: StartupRetryPolicy;
  processors?: (base: ProcessorMap) => ProcessorMap;
}): Promise<FlakyTelegramService> {
  const db = opts.db ?? (await createTestDatabase());
  const prefix = uniquePrefix("flaky");
  const fake = await startFakeTelegram({ token: TEST_TOKEN });
  const proxy = await startFaultyProxy(fake.url);
  if (opts.telegramDown) await proxy.down();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "vpsbot-flaky-"));
  const port = await freePort();
  const config = loadConfig(testEnv(db, prefix, port, proxy.url, { DATA_DIR: dataDir, LOG_LEVEL: "debug", ...opts.env }));
  const lines: string[] = [];
  const logger = createLogger({ role: "test", level: config.logLevel, secrets: configSecrets(config), destination: { write: (line: string) => void lines.push(line) } });
  const service = await startService(config, opts.roles, logger, {
    ...(opts.processors ? { processors: opts.processors } : {}),
    ...(opts.telegramRetry ? { telegramRetry: opts.telegramRetry } : {}),
  });
  return {
    db,
    fake,
    proxy,
    config,
    service,
    baseUrl: `http://127.0.0.1:${service.httpPort ?? port}`,
    lines,
    logs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    async stop() {
      await service.stop();
      await proxy.stop();
      await fake.stop();
      await deleteKeys(prefix);
      if (!opts.db) await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
