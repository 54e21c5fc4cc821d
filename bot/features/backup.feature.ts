import { watch } from "node:fs";
import { Composer, GrammyError, type Transformer } from "grammy";
import { audit } from "../../shop/audit.js";
import type { BackupRunResult } from "../../shop/backup/index.js";
import { backupOverview, formatBytes, formatSeconds } from "../../shop/backup/drill-report.js";
import { isLeaseHeld } from "../../shop/leases.js";
import { formatDateTime } from "../../shop/messages/format.js";
import { isLocale, type Locale } from "../../shop/messages/locale.js";
import { createTelegramApi } from "../../shop/messages/telegram-api.js";
import type { BotContext } from "../context.js";
import { allowedTo } from "../middlewares/permission.filter.js";

/**
 * The owner's `/backup`: a backup now, through the same runBackup (same lease, same delivery)
 * as the schedule and `npm run backup`, and `/backup status`.
 *
 * The backup runs in the background of this process, not in the update's handler: a backup of a
 * big shop takes a minute, longer than a webhook may take to answer (Telegram would deliver the
 * command again). Its progress is edited into one message. A second /backup while one runs
 * here, or anywhere (the lease), is told so and starts nothing.
 */
export const backupFeature = new Composer<BotContext>();
const owner = backupFeature.chatType("private").filter(allowedTo("backups.run"));

/** This process's running /backup, so a second one is refused before it reaches the lease. */
let running: Promise<unknown> | undefined;

/** The backup code (pg tools, libsodium) loads on the first /backup, not with the bot. */
const backupModule = () => import("../../shop/backup/index.js");

owner.command("backup", async (ctx) => {
  if (ctx.match.trim().toLowerCase() === "status") return showStatus(ctx);
  await audit(ctx.deps.prisma, { actorUserId: ctx.shopUser.id, actorType: "OWNER", action: "backup.command", targetType: "backup", targetId: "now" });
  if (running || (await isLeaseHeld(ctx.deps.prisma, (await backupModule()).BACKUP_LEASE))) {
    await ctx.reply(ctx.t("backup-already-running"));
    return;
  }
  const progress = new ProgressMessage(ctx, await ctx.reply(ctx.t("backup-step-preparing")).then((m) => m.message_id));
  running = takeBackup(ctx, progress)
    .catch((err: unknown) => {
      // Runs after the update was answered: nobody else would hear of it.
      ctx.logger.error({ err }, "/backup could not run");
      progress.show(ctx.t("backup-failed", { error: err instanceof Error ? err.message.slice(0, 500) : String(err) }));
    })
    .finally(() => (running = undefined));
});

/** Someone without the permission: a plain refusal (the command is in the owner's menu only). */
backupFeature.chatType("private").command("backup", (ctx) => ctx.reply(ctx.t("backup-owner-only")));

async function takeBackup(ctx: BotContext, progress: ProgressMessage): Promise<void> {
  const { prisma, config, logger } = ctx.deps;
  const { runBackup, BackupAlreadyRunningError } = await backupModule();
  const api = createTelegramApi(config);
  // runBackup reports no steps of its own: the first part file written ends the dump, and the
  // sends it makes through this client are the delivery.
  api.config.use(watchParts((part, parts) => progress.show(ctx.t("backup-step-sending", { part, parts }))));
  progress.show(ctx.t("backup-step-dumping"));
  const stopWatching = watchFirstPart(config.backup.dir, () => progress.show(ctx.t("backup-step-encrypting")));
  let outcome: { ok: true; result: BackupRunResult } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, result: await runBackup({ prisma, config, api, logger, trigger: "command", requestedBy: ctx.from!.id }) };
  } catch (error) {
    outcome = { ok: false, error };
  } finally {
    stopWatching();
  }
  if (outcome.ok) {
    const r = outcome.result;
    progress.show(ctx.t("backup-done", { backupId: r.backupId, size: formatBytes(r.bytes), parts: r.parts.length, seconds: formatSeconds(r.durationMs) }));
  } else if (outcome.error instanceof BackupAlreadyRunningError) {
    progress.show(ctx.t("backup-already-running"));
  } else {
    logger.error({ err: outcome.error }, "/backup failed");
    progress.show(ctx.t("backup-failed", { error: outcome.error instanceof Error ? outcome.error.message.slice(0, 500) : String(outcome.error) }));
  }
  await progress.settled();
  await audit(prisma, {
    actorUserId: ctx.shopUser.id,
    actorType: "OWNER",
    action: outcome.ok ? "backup.command.done" : "backup.command.failed",
    targetType: "backup",
    targetId: outcome.ok ? outcome.result.backupId : "-",
    details: outcome.ok ? { runId: outcome.result.runId, bytes: outcome.result.bytes } : { error: String((outcome.error as Error)?.message ?? outcome.error).slice(0, 500) },
  }).catch((err: unknown) => logger.error({ err }, "could not audit the finished /backup"));
}

/**
 * Calls `onFirst` once when a part file appears in BACKUP_DIR: encryption writes the parts there
 * as it goes, after the dump is complete. Returns the function that stops watching.
 */
function watchFirstPart(dir: string, onFirst: () => void): () => void {
  try {
    const watcher = watch(dir, (_event, name) => {
      if (name && /\.part\d+\.bin$/.test(String(name))) {
        watcher.close();
        onFirst();
      }
    });
    watcher.on("error", () => watcher.close());
    return () => watcher.close();
  } catch {
    return () => undefined; // no folder yet (the first backup makes it) or no inotify: the step is not shown
  }
}

/** Calls `onPart(k, n)` when a part "k/n" is sent (runBackup's captions number the parts). */
function watchParts(onPart: (part: number, parts: number) => void): Transformer {
  return (prev, method, payload, signal) => {
    if (method === "sendDocument") {
      const m = /part (\d+)\/(\d+)/.exec(String((payload as { caption?: unknown }).caption ?? ""));
      if (m) onPart(Number(m[1]), Number(m[2]));
    }
    return prev(method, payload, signal);
  };
}

/**
 * One message edited in place. Edits are chained (never two at once) and coalesced: steps that
 * come faster than Telegram answers are skipped, the latest one always lands.
 */
class ProgressMessage {
  private wanted: string | undefined;
  private shown: string | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: BotContext,
    private readonly messageId: number,
  ) {}

  show(text: string): void {
    this.wanted = text;
    this.chain = this.chain.then(() => this.flush());
  }

  settled(): Promise<void> {
    return this.chain;
  }

  private async flush(): Promise<void> {
    const text = this.wanted;
    if (text === undefined || text === this.shown) return;
    try {
      await this.ctx.api.editMessageText(this.ctx.chat!.id, this.messageId, text);
      this.shown = text;
    } catch (err) {
      if (!(err instanceof GrammyError && /not modified/.test(err.description))) this.ctx.logger.warn({ err }, "backup progress not shown");
    }
  }
}

async function showStatus(ctx: BotContext): Promise<void> {
  const { prisma, config } = ctx.deps;
  const o = await backupOverview(prisma, config);
  const locale: Locale = isLocale(ctx.shopUser.language) ? ctx.shopUser.language : "id";
  const when = (at: Date) => formatDateTime(at, locale);
  const never = ctx.t("backup-never");
  const lines = [
    ctx.t("backup-status-title"),
    o.lastGood
      ? ctx.t("backup-status-last-good", { at: when(o.lastGood.at), backupId: o.lastGood.backupId, size: formatBytes(o.lastGood.bytes), parts: o.lastGood.parts, seconds: formatSeconds(o.lastGood.durationMs) })
      : ctx.t("backup-status-last-good-none", { never }),
    ...(o.lastFailed ? [ctx.t("backup-status-last-failed", { at: when(o.lastFailed.at), error: o.lastFailed.error.slice(0, 300) })] : []),
    o.lastDrill
      ? ctx.t(o.lastDrill.ok ? "backup-status-drill-ok" : "backup-status-drill-failed", { at: when(o.lastDrill.at), seconds: formatSeconds(o.lastDrill.durationMs), error: (o.lastDrill.error ?? "").slice(0, 300) })
      : ctx.t("backup-status-drill-none", { never }),
    ctx.t("backup-status-decrypt", { result: o.lastTestDecryptOk === undefined ? never : o.lastTestDecryptOk ? "✅" : "❌" }),
    ctx.t("backup-status-local", { count: o.local.count, size: formatBytes(o.local.bytes), s3: config.backup.s3 ? "✅" : "—" }),
    ctx.t("backup-status-schedule", { backup: config.backupSchedule.cron, drill: config.backupSchedule.drillCron }),
  ];
  await ctx.reply(lines.join("\n"));
}
