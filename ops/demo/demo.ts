import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { pino } from "pino";
import { randomBytes } from "node:crypto";
import { createPrisma } from "../../db/client.js";
import { seedDemoCatalog } from "../../db/seed.js";
import { loadConfig } from "../../shop/platform/config.js";
import { startFakeClouds } from "../fakes/clouds/index.js";
import { startFakeMidtrans } from "../fakes/midtrans/server.js";
import { startFakeTelegram } from "../fakes/telegram/server.js";
import { startFakeTripay } from "../fakes/tripay/server.js";
import { configSecrets, createLogger } from "../../shop/platform/logger.js";
import { projectRoot } from "../../shop/platform/paths.js";
import { startService } from "../runtime.js";
import { runChatClient } from "./chat-client.js";
import { ensureLocalServices } from "./local-services.js";
import { DEMO_MIDTRANS_SERVER_KEY, DEMO_TRIPAY, demoPaymentCommands } from "./payments.js";

const DEMO_USER = { id: 700_001, firstName: "Budi" };
const DEMO_TOKEN = "700000:DEMO-token-for-the-local-fake-telegram";

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer().once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/**
 * The demo database outlives a run (sealed VPS passwords, encrypted transfer screenshots),
 * so its encryption key must too: made once, kept in .demo/ next to the data it opens.
 */
function demoEncryptionKey(dir: string): string {
  const file = path.join(dir, "data-encryption.key");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const key = randomBytes(32).toString("base64");
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/**
 * `npm run demo`: the whole service (all four roles) against a local fake
 * Telegram, local fake Tripay and Midtrans and fake clouds, with a terminal chat
 * (`:pay` completes a payment at the fake gateway). Needs nothing but `npm ci`.
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

  // update_ids continue across demo runs: the service remembers seen ids for 24 h in Redis
  // (prefix "vpsdemo"), so a fresh fake starting at the default id would see every update dropped.
  const fake = await startFakeTelegram({ token: DEMO_TOKEN, firstUpdateId: Date.now() });
  // Payments go to local fakes that speak the gateways' wire format; their callbacks are pointed
  // at this service's HTTP port once it listens (PUBLIC_BASE_URL must be https, so it stays unset).
  const tripay = await startFakeTripay({ ...DEMO_TRIPAY });
  const midtrans = await startFakeMidtrans({ serverKey: DEMO_MIDTRANS_SERVER_KEY });
  const clouds = await startFakeClouds();
  const logDir = path.join(projectRoot, ".demo");
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, "service.log");
  const httpPort = (await portIsFree(3000)) ? 3000 : 0;
  const config = loadConfig({
    ...process.env,
    TELEGRAM_BOT_TOKEN: DEMO_TOKEN,
    TELEGRAM_API_ROOT: fake.url,
    BOT_MODE: "polling",
    PUBLIC_BASE_URL: "",
    TRIPAY_API_KEY: DEMO_TRIPAY.apiKey,
    TRIPAY_PRIVATE_KEY: DEMO_TRIPAY.privateKey,
    TRIPAY_MERCHANT_CODE: DEMO_TRIPAY.merchantCode,
    TRIPAY_API_URL: tripay.url,
    MIDTRANS_SERVER_KEY: DEMO_MIDTRANS_SERVER_KEY,
    MIDTRANS_CLIENT_KEY: "",
    MIDTRANS_API_URL: midtrans.apiUrl,
    MIDTRANS_SNAP_URL: midtrans.snapUrl,
    DATABASE_URL: services.databaseUrl,
    REDIS_URL: services.redisUrl,
    DATA_ENCRYPTION_KEY: process.env.DATA_ENCRYPTION_KEY || demoEncryptionKey(logDir),
    DATA_DIR: path.join(logDir, "data"),
    OWNER_IDS: process.env.OWNER_IDS || String(DEMO_USER.id),
    QUEUE_PREFIX: "vpsdemo",
    // The demo sells all three clouds: a cloud without a real token in the environment is its
    // local fake (the catalog asks it what is available, provisioning creates servers there).
    ...(process.env.DO_API_TOKEN ? {} : { DO_API_TOKEN: clouds.env.DO_API_TOKEN, DO_API_URL: clouds.env.DO_API_URL }),
    ...(process.env.VULTR_API_KEY ? {} : { VULTR_API_KEY: clouds.env.VULTR_API_KEY, VULTR_API_URL: clouds.env.VULTR_API_URL }),
    ...(process.env.LINODE_API_TOKEN ? {} : { LINODE_API_TOKEN: clouds.env.LINODE_API_TOKEN, LINODE_API_URL: clouds.env.LINODE_API_URL }),
    HTTP_PORT: httpPort ? String(httpPort) : "3999",
    LOG_LEVEL: process.env.LOG_LEVEL || "info",
  });
  const logger = createLogger({ level: config.logLevel, role: "demo", secrets: configSecrets(config), destination: pino.destination({ dest: logFile, sync: false, mkdir: true }) });
  const service = await startService(config, ["web", "bot", "worker", "scheduler"], logger);
  const shopUrl = `http://127.0.0.1:${service.httpPort}`;
  tripay.setCallbackUrl(`${shopUrl}/webhooks/tripay`);
  midtrans.setNotificationUrl(`${shopUrl}/webhooks/midtrans`);
  out(`• bot: running against the fake Telegram at ${fake.url}`);
  out(`• payments: fake Tripay at ${tripay.url}, fake Midtrans at ${midtrans.url} (type :pay to pay)`);
  const fakeClouds = [["DigitalOcean", "DO_API_TOKEN"], ["Vultr", "VULTR_API_KEY"], ["Linode", "LINODE_API_TOKEN"]].filter(([, key]) => !process.env[key!]).map(([name]) => name);
  if (fakeClouds.length > 0) out(`• clouds: local fakes for ${fakeClouds.join(", ")}`);
  out(`• http: ${shopUrl}/health (readiness and metrics: set METRICS_TOKEN, send it as a bearer token) · reseller API: ${shopUrl}/api/v1/docs · logs: ${path.relative(process.cwd(), logFile)}`);
  out(`\nAnda adalah ${DEMO_USER.firstName} (id ${DEMO_USER.id}, owner). Ketik /start. (:help untuk bantuan, :quit untuk keluar)\n`);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await service.stop();
    await Promise.all([tripay.stop(), midtrans.stop(), clouds.stop()]);
    await fake.stop();
    await services.stop();
  };
  process.once("SIGINT", () => void shutdown().then(() => process.exit(0)));
  process.once("SIGTERM", () => void shutdown().then(() => process.exit(0)));
  const commands = demoPaymentCommands({
    tripay,
    midtrans,
    tripayCallbackUrl: () => `${shopUrl}/webhooks/tripay`,
    midtransNotificationUrl: () => `${shopUrl}/webhooks/midtrans`,
    user: fake.user(DEMO_USER.id, { firstName: DEMO_USER.firstName }),
  });
  await runChatClient({ fake, userId: DEMO_USER.id, firstName: DEMO_USER.firstName, commands });
  await shutdown();
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
