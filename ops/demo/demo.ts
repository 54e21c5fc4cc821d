import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { pino } from "pino";
import { randomBytes } from "node:crypto";
import { createPrisma } from "../../db/client.js";
import { seedDemoCatalog } from "../../db/seed.js";
import { loadConfig } from "../config.js";
import { startFakeTelegram } from "../fakes/telegram/server.js";
import { createLogger } from "../logger.js";
import { projectRoot } from "../paths.js";
import { startService } from "../runtime.js";
import { runChatClient } from "./chat-client.js";
import { ensureLocalServices } from "./local-services.js";

const DEMO_USER = { id: 700_001, firstName: "Budi" };
const DEMO_TOKEN = "700000:DEMO-token-for-the-local-fake-telegram";

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer().once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/**
 * `npm run demo`: the whole service (all four roles) against a local fake
 * Telegram, with a terminal chat. Needs nothing but `npm ci`.
 */
async function main(): Promise<void> {
  const out = (line: string) => process.stdout.write(line + "\n");
  out("Menyiapkan demo… / preparing the demo…");
  const services = await ensureLocalServices(process.env, "vps_shop_demo");
  out(`• database: ${services.origin.postgres}\n• redis: ${services.origin.redis}`);

  const migrate = spawnSync(process.execPath, [path.join(projectRoot, "db/prisma-cli.mjs"), "migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: services.databaseUrl },
    encoding: "utf8",
  });
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);
  const seedPrisma = createPrisma(services.databaseUrl, { max: 2 });
  await seedDemoCatalog(seedPrisma);
  await seedPrisma.$disconnect();

  const fake = await startFakeTelegram({ token: DEMO_TOKEN });
  const logDir = path.join(projectRoot, ".demo");
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, "service.log");
  const httpPort = (await portIsFree(3000)) ? 3000 : 0;
  const config = loadConfig({
    ...process.env,
    TELEGRAM_BOT_TOKEN: DEMO_TOKEN,
    TELEGRAM_API_ROOT: fake.url,
    BOT_MODE: "polling",
    DATABASE_URL: services.databaseUrl,
    REDIS_URL: services.redisUrl,
    DATA_ENCRYPTION_KEY: process.env.DATA_ENCRYPTION_KEY || randomBytes(32).toString("base64"),
    DATA_DIR: path.join(logDir, "data"),
    OWNER_IDS: process.env.OWNER_IDS || String(DEMO_USER.id),
    QUEUE_PREFIX: "vpsdemo",
    // The demo sells all three clouds (their local fakes arrive with provisioning).
    DO_API_TOKEN: process.env.DO_API_TOKEN || "demo-do-token",
    VULTR_API_KEY: process.env.VULTR_API_KEY || "demo-vultr-key",
    LINODE_API_TOKEN: process.env.LINODE_API_TOKEN || "demo-linode-token",
    HTTP_PORT: httpPort ? String(httpPort) : "3999",
    LOG_LEVEL: process.env.LOG_LEVEL || "info",
  });
  const logger = createLogger({ level: config.logLevel, role: "demo", destination: pino.destination({ dest: logFile, sync: false, mkdir: true }) });
  const service = await startService(config, ["web", "bot", "worker", "scheduler"], logger);
  out(`• bot: running against the fake Telegram at ${fake.url}`);
  out(`• http: http://127.0.0.1:${service.httpPort}/health/ready · logs: ${path.relative(process.cwd(), logFile)}`);
  out(`\nAnda adalah ${DEMO_USER.firstName} (id ${DEMO_USER.id}, owner). Ketik /start. (:help untuk bantuan, :quit untuk keluar)\n`);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await service.stop();
    await fake.stop();
    await services.stop();
  };
  process.once("SIGINT", () => void shutdown().then(() => process.exit(0)));
  process.once("SIGTERM", () => void shutdown().then(() => process.exit(0)));
  await runChatClient({ fake, userId: DEMO_USER.id, firstName: DEMO_USER.firstName });
  await shutdown();
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
