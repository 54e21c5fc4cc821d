/**
 * What the owner is told about backups and drills: the drill's report ("restore OK in N s", or
 * the difference) in each owner's language, and the alerts for a backup or drill that failed,
 * each saying what to do next. A later good run resolves its alert.
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Api } from "grammy";
import type { PrismaClient } from "../../db/client.js";
import type { Translator } from "../alerts/render.js";
import { raiseAlert, resolveAlert } from "../alerts/store.js";
import type { AlertCondition, AlertDeps } from "../alerts/types.js";
import { escapeHtml } from "../messages/format.js";
import { isLocale, type Locale } from "../messages/locale.js";
import type { Config } from "../platform/config.js";
import type { Logger } from "../platform/logger.js";
import { configRoster, staffChatIds } from "../users/staff.js";
import type { DrillResult } from "./drill.js";
import { MANIFEST_SUFFIX } from "./manifest.js";
import { backupStatus } from "./runs.js";

export const BACKUP_FAILED_FINGERPRINT = "backup:failed";
export const DRILL_FAILED_FINGERPRINT = "backup:drill-failed";

/** Bytes for people: "812 KB", "45.0 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

/** Seconds with one decimal below a minute ("3.4"), whole seconds above. */
export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return s < 60 ? s.toFixed(1) : String(Math.round(s));
}

/** The drill's report in one language (HTML: the comparison is a fixed-width table). */
export function formatDrillReport(i18n: Translator, locale: Locale, result: DrillResult): string {
  const seconds = formatSeconds(result.durationMs);
  const backupId = result.backupId ?? "-";
  if (result.ok) return i18n.t(locale, "backup-drill-ok", { seconds, backupId, tables: result.tables.length });
  const detail = result.tables.length > 0 ? result.text : (result.error ?? result.text);
  return i18n.t(locale, "backup-drill-differs", { seconds, backupId, error: escapeHtml(result.error ?? "?"), comparison: escapeHtml(detail.slice(0, 3000)) });
}

/** The alert for a drill that did not prove the backup restores. */
export function drillFailedCondition(result: DrillResult): AlertCondition {
  const differs = result.tables.some((t) => !t.ok);
  return {
    fingerprint: DRILL_FAILED_FINGERPRINT,
    kind: "backup-drill",
    severity: "critical",
    title: differs ? `Drill pemulihan: data hasil restore BERBEDA dari manifest (${result.backupId ?? "?"})` : `Drill pemulihan gagal: ${result.error ?? "?"}`.slice(0, 200),
    detail: result.text.slice(0, 1500),
    nextStep: differs
      ? "Jangan andalkan backup ini: kirim /backup untuk membuat yang baru, lalu jalankan drill lagi; bila tetap berbeda, periksa ops/RUNBOOK.md bagian restore drill."
      : "Periksa log peran worker (antrean backups) dan ruang disk di BACKUP_DIR; pastikan backup terbaru berhasil (/backup status), lalu tunggu drill berikutnya atau kirim /backup.",
  };
}

/** The alert for a backup that failed for good (after the queue's retries), with the next step for its cause. */
export function backupFailedCondition(reason: string): AlertCondition {
  const nextStep = /BACKUP_PUBLIC_KEY/.test(reason)
    ? "Buat pasangan kunci dengan npm run backup:keygen, isi BACKUP_PUBLIC_KEY di .env (kunci rahasia simpan di luar server), restart layanan, lalu kirim /backup."
    : /not delivered|no owner|OWNER_IDS|chat not found|blocked/i.test(reason)
      ? "Pastikan setiap owner di OWNER_IDS sudah membuka bot (/start) dan tidak memblokirnya, lalu kirim /backup. Salinan lokal tetap ada di BACKUP_DIR."
      : /ENOSPC|no space/i.test(reason)
        ? "Disk penuh: kosongkan ruang di BACKUP_DIR (df -h), kurangi BACKUP_KEEP_*, lalu kirim /backup."
        : "Kirim /backup untuk mencoba lagi dan baca pesannya; lihat log peran worker di sekitar waktu ini dan jalankan npm run doctor.";
  return { fingerprint: BACKUP_FAILED_FINGERPRINT, kind: "backup-failed", severity: "critical", title: "Backup terjadwal gagal", detail: reason.slice(0, 1500), nextStep };
}

export interface DrillReportDeps {
  prisma: PrismaClient;
  config: Config;
  api: Api;
  i18n: Translator;
  alerts: AlertDeps;
  logger: Logger;
}

/**
 * Tells every owner (alerts.receive) how the drill went, in their language, and raises or
 * resolves the drill alert. A report that reaches nobody is logged, not thrown: running the drill
 * again would not help, and the alert has its own durable delivery.
 */
export async function reportDrill(deps: DrillReportDeps, result: DrillResult): Promise<{ sent: number }> {
  const recipients = await staffChatIds(deps.prisma, configRoster(deps.config), "alerts.receive");
  const rows = await deps.prisma.user.findMany({ where: { telegramId: { in: recipients.map(BigInt) } }, select: { telegramId: true, language: true } });
  const languages = new Map(rows.map((r) => [Number(r.telegramId), r.language]));
  let sent = 0;
  for (const chatId of recipients) {
    const language = languages.get(chatId);
    const locale: Locale = isLocale(language) ? language : "id";
    try {
      await deps.api.sendMessage(chatId, formatDrillReport(deps.i18n, locale, result), { parse_mode: "HTML" });
      sent++;
    } catch (err) {
      deps.logger.warn({ err, chatId }, "drill report not delivered to this owner");
    }
  }
  if (result.ok) await resolveAlert(deps.alerts, DRILL_FAILED_FINGERPRINT);
  else await raiseAlert(deps.alerts, drillFailedCondition(result));
  return { sent };
}

/** What `/backup status` shows: the last good backup and drill, the last failure, and the local copies. */
export interface BackupOverview {
  lastGood?: { at: Date; backupId: string; bytes: number; parts: number; durationMs: number };
  /** The latest backup run, when it failed after the last good one. */
  lastFailed?: { at: Date; error: string };
  lastDrill?: { at: Date; ok: boolean; durationMs: number; error?: string };
  lastTestDecryptOk?: boolean;
  local: { count: number; bytes: number };
}

export async function backupOverview(prisma: PrismaClient, config: Pick<Config, "backup">): Promise<BackupOverview> {
  const [good, latest, drill, status, local] = await Promise.all([
    prisma.backupRun.findFirst({ where: { kind: "BACKUP", status: "OK" }, orderBy: { finishedAt: "desc" } }),
    prisma.backupRun.findFirst({ where: { kind: "BACKUP", status: { not: "RUNNING" } }, orderBy: { startedAt: "desc" } }),
    prisma.backupRun.findFirst({ where: { kind: "DRILL", status: { not: "RUNNING" } }, orderBy: { startedAt: "desc" } }),
    backupStatus(prisma),
    localCopies(config.backup.dir),
  ]);
  return {
    ...(good?.finishedAt
      ? { lastGood: { at: good.finishedAt, backupId: good.backupId ?? "?", bytes: Number(good.bytes ?? 0), parts: Array.isArray(good.parts) ? good.parts.length : 0, durationMs: good.durationMs ?? 0 } }
      : {}),
    ...(latest && latest.status === "FAILED" && latest.id !== good?.id && (!good || latest.startedAt > good.startedAt)
      ? { lastFailed: { at: latest.finishedAt ?? latest.startedAt, error: latest.error ?? "?" } }
      : {}),
    ...(drill ? { lastDrill: { at: drill.finishedAt ?? drill.startedAt, ok: drill.status === "OK", durationMs: drill.durationMs ?? 0, ...(drill.error ? { error: drill.error } : {}) } } : {}),
    ...(status.lastTestDecryptOk !== undefined ? { lastTestDecryptOk: status.lastTestDecryptOk } : {}),
    local,
  };
}

/** How many backups BACKUP_DIR keeps and their bytes (manifests and parts). */
async function localCopies(dir: string): Promise<{ count: number; bytes: number }> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let bytes = 0;
  for (const name of names) if (name.endsWith(MANIFEST_SUFFIX) || /\.part\d+\.bin$/.test(name)) bytes += await stat(join(dir, name)).then((s) => s.size, () => 0);
  return { count: names.filter((n) => n.endsWith(MANIFEST_SUFFIX)).length, bytes };
}
