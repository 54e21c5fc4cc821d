/**
 * `npm run backup`: one backup now, by the same path as the schedule and /backup (runBackup:
 * same lease, same delivery to the owners' chats). Exit 0 when every part reached every owner;
 * 1 otherwise, with the reason (the local copy in BACKUP_DIR is kept and the run recorded).
 */
import { existsSync } from "node:fs";
import { Api } from "grammy";
import pino from "pino";
import { createPrisma } from "../../db/client.js";
import { runBackup } from "../../shop/backup/index.js";
import { botRetry } from "../../shop/messages/telegram-api.js";
import { CONFIG_EXIT_CODE, ConfigError, loadConfig } from "../../shop/platform/config.js";
import { configSecrets, createLogger } from "../../shop/platform/logger.js";

if (existsSync(".env")) process.loadEnvFile(".env");
let config;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  for (const line of err.problems) process.stderr.write(`config error: ${line}\n`);
  process.exit(CONFIG_EXIT_CODE);
}
const logger = createLogger({ level: process.env.LOG_LEVEL ?? "warn", role: "backup-cli", secrets: configSecrets(config), destination: pino.destination(2) });
const prisma = createPrisma(config.databaseUrl, { max: 3, applicationName: "vps-shop:backup-cli" });
// Parts are up to BACKUP_PART_MB (19 MiB): give an upload minutes, not the bot's 30 s.
const api = new Api(config.telegram.token, { apiRoot: config.telegram.apiRoot, timeoutSeconds: 300 });
botRetry(api);

let code = 0;
try {
  const r = await runBackup({ prisma, config, api, logger, trigger: "cli" });
  const mb = (r.bytes / 2 ** 20).toFixed(1);
  process.stdout.write(
    [
      `backup ${r.backupId}: ${r.parts.length} part(s), ${mb} MiB, in ${(r.durationMs / 1000).toFixed(1)} s`,
      `sent to ${r.manifestCopies.length} owner chat(s); every part's delivery confirmed`,
      `local copy: ${r.manifestPath}`,
      ...(r.s3Keys ? [`S3 copy: ${r.s3Keys.length} object(s)`] : []),
      ...(r.removed.length > 0 ? [`retention removed: ${r.removed.join(", ")}`] : []),
      "",
    ].join("\n"),
  );
} catch (err) {
  code = 1;
  process.stderr.write(`backup failed: ${(err as Error).message}\n`);
  const last = await prisma.backupRun.findFirst({ where: { kind: "BACKUP", trigger: "cli" }, orderBy: { id: "desc" }, select: { backupId: true, status: true } }).catch(() => null);
  if (last?.backupId && last.status === "FAILED") process.stderr.write(`the local copy ${last.backupId} is kept in ${config.backup.dir} (recorded as a failed run); fix the cause and run npm run backup again\n`);
} finally {
  await prisma.$disconnect();
}
process.exit(code);
