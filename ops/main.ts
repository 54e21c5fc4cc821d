import { existsSync } from "node:fs";
import { CONFIG_EXIT_CODE, ConfigError, loadConfig } from "../shop/platform/config.js";
import { configSecrets, createLogger } from "../shop/platform/logger.js";
import { initSentry } from "../shop/platform/sentry.js";
import { parseRoles, startService, type Service } from "./runtime.js";
import { recordUncaughtErrors } from "./watchdog.js";

/**
 * Process entry point: `node dist/ops/main.js [web] [bot] [worker] [scheduler]`
 * (or ROLES=...). No roles means all four in one process, for small installs.
 */
async function main(): Promise<void> {
  // `npm start` after `cp .env.example .env`: the project's .env is read (as the doctor and backup
  // CLIs read it); a variable already in the environment (systemd's EnvironmentFile, PM2) wins.
  if (existsSync(".env")) process.loadEnvFile(".env");
  let roles;
  try {
    roles = parseRoles(process.argv.slice(2).join(",") || process.env.ROLES);
  } catch (err) {
    process.stderr.write(`config error: ROLES: ${(err as Error).message}\n`);
    process.exit(CONFIG_EXIT_CODE);
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const line of err.problems) process.stderr.write(`config error: ${line}\n`);
      process.exit(CONFIG_EXIT_CODE);
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel, role: roles.join("+"), secrets: configSecrets(config) });
  // Only with SENTRY_DSN (imported lazily: it costs memory); scrubbed of secrets and personal data.
  const sentry = await initSentry({ dsn: config.monitoring.sentryDsn, role: roles.join("+"), secrets: configSecrets(config) });
  process.on("unhandledRejection", (reason) => logger.error({ err: reason }, "unhandled promise rejection"));

  const running: { service?: Service } = {};
  const shutdown = async (signal: string, code = 0) => {
    logger.info({ signal }, "signal received");
    const force = setTimeout(() => {
      logger.error("shutdown took too long; exiting hard");
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    await running.service?.stop();
    await sentry?.flush();
    // Let the last log lines reach the pipe (PM2/journald read it after we are gone).
    await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
    process.exit(code);
  };
  // `on`, not `once`: a second signal during shutdown (Ctrl-C twice, PM2 + systemd) must not
  // fall back to Node's default handler and kill the process mid-shutdown; stop() is idempotent.
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("uncaughtException", (err) => {
    logger.fatal({ err }, "uncaught exception");
    void shutdown("uncaughtException", 1);
  });

  const started = performance.now();
  try {
    running.service = await startService(config, roles, logger);
    // Uncaught errors also go to Postgres, grouped, for the owner's alert (ops/watchdog.ts).
    recordUncaughtErrors(running.service.prisma, roles, logger);
  } catch (err) {
    // A setting only checkable against the code (a WORKER_QUEUES queue, a scheduler task name):
    // the same exit as a bad .env, which PM2 and systemd do not restart in a loop.
    if (err instanceof ConfigError) {
      for (const line of err.problems) process.stderr.write(`config error: ${line}\n`);
      await running.service?.stop();
      process.exit(CONFIG_EXIT_CODE);
    }
    // e.g. the HTTP port taken. (Telegram unreachable is not fatal: the bot keeps retrying in the
    // background, /health/ready names it, and the owner is alerted; see ops/bot-startup.ts.)
    logger.fatal({ err }, "service failed to start");
    await running.service?.stop();
    process.exit(1);
  }
  logger.info({ roles, startupMs: Math.round(performance.now() - started), rssMb: Math.round(process.memoryUsage().rss / 1048576) }, "service started");
}

void main();
