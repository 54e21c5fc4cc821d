/**
 * `npm run doctor`: the prelaunch check. Prints a PASS / WARN / FAIL table with the fix for each
 * line (shop/doctor/) and exits 1 when any line FAILs, 0 otherwise. A configuration that does
 * not even load is one FAIL line naming each bad variable.
 */
import { existsSync } from "node:fs";
import { Api } from "grammy";
import { createPrisma } from "../../db/client.js";
import { closeRedis, createRedis } from "../../jobs/redis.js";
import { formatDoctorTable, runDoctor, type DoctorResult } from "../../shop/doctor/index.js";
import { ConfigError, loadConfig } from "../../shop/platform/config.js";
import { projectRoot } from "../../shop/platform/paths.js";

/** Each external call of a check gets this long. */
const TIMEOUT_MS = 5_000;

if (existsSync(".env")) process.loadEnvFile(".env");

async function main(): Promise<DoctorResult[]> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return [{ name: "configuration", status: "FAIL", detail: err.problems.join("; "), fix: "Fix these variables in .env (see .env.example), then run npm run doctor again." }];
  }
  const prisma = createPrisma(config.databaseUrl, { max: 3, applicationName: "vps-shop:doctor" });
  const redis = createRedis(config.redis, "general", { commandTimeout: TIMEOUT_MS, retryStrategy: () => null });
  redis.on("error", () => undefined);
  const telegram = new Api(config.telegram.token, { apiRoot: config.telegram.apiRoot, timeoutSeconds: Math.ceil(TIMEOUT_MS / 1000) });
  try {
    return await runDoctor({ config, env: process.env, prisma, redis, telegram, root: projectRoot, timeoutMs: TIMEOUT_MS, now: new Date() });
  } finally {
    await Promise.all([prisma.$disconnect(), closeRedis(redis)]);
  }
}

const results = await main();
process.stdout.write(`${formatDoctorTable(results)}\n`);
process.exit(results.some((r) => r.status === "FAIL") ? 1 : 0);
