import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startFakeTelegram, type FakeTelegram } from "../../ops/fakes/telegram/server.js";
import { startService, type Role, type Service } from "../../ops/runtime.js";
import { loadConfig } from "../../shop/platform/config.js";
import { createLogger } from "../../shop/platform/logger.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { deleteKeys, uniquePrefix } from "../support/redis.js";
import { freePort, TEST_TOKEN, testEnv } from "../support/service.js";

export const METRICS_TOKEN = "monitoring-test-token-0123456789";
export const operator = { headers: { authorization: `Bearer ${METRICS_TOKEN}` } };

/** The four roles as four services in this process (as four processes would run), one database and Redis prefix. */
export interface SplitRoles {
  fake: FakeTelegram;
  db: TestDatabase;
  services: Record<Role, Service>;
  /** Where each role's metrics are served: web on its HTTP port, the others on their listener. */
  metricsUrl: Record<Role, string>;
  stop(): Promise<void>;
}

export async function startSplitRoles(extraEnv: Record<string, string> = {}): Promise<SplitRoles> {
  const db = await createTestDatabase();
  const prefix = uniquePrefix("mon");
  const fake = await startFakeTelegram({ token: TEST_TOKEN });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "vpsbot-monitoring-"));
  const env = { DATA_DIR: dataDir, METRICS_TOKEN, METRICS_PORT_BOT: "0", METRICS_PORT_WORKER: "0", METRICS_PORT_SCHEDULER: "0", ...extraEnv };
  const config = loadConfig(testEnv(db, prefix, await freePort(), fake.url, env));
  const logger = createLogger({ role: "test", level: config.logLevel });
  const services = {} as Record<Role, Service>;
  const stopAll = async () => {
    for (const service of Object.values(services)) await service.stop();
    await fake.stop();
    await deleteKeys(prefix);
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    for (const role of ["web", "bot", "worker", "scheduler"] as const) services[role] = await startService(config, [role], logger);
  } catch (err) {
    await stopAll();
    throw err;
  }
  const url = (port: number | undefined) => `http://127.0.0.1:${port}/metrics`;
  return {
    fake,
    db,
    services,
    metricsUrl: { web: url(services.web.httpPort), bot: url(services.bot.metricsPort), worker: url(services.worker.metricsPort), scheduler: url(services.scheduler.metricsPort) },
    stop: stopAll,
  };
}

/** Metric family names a text exposition declares (`# TYPE name kind`). */
export function exportedNames(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) \S+$/gm)].map((m) => m[1]!));
}
