import { InlineKeyboard } from "grammy";
import { formatDateTime } from "../messages/format.js";
import type { Db } from "../../db/client.js";
import { DEFAULT_LOCALE, isLocale, type Locale } from "../messages/locale.js";
import type { BroadcastView } from "./lifecycle.js";

/** The language of whoever reads the progress card: the owner of its (private) chat, else the broadcast's author. */
export async function progressLocale(db: Db, view: Pick<BroadcastView, "progressChatId" | "createdById">): Promise<Locale> {
  const reader = view.progressChatId !== null ? await db.user.findUnique({ where: { telegramId: BigInt(view.progressChatId) }, select: { language: true } }) : null;
  const u = reader ?? (await db.user.findUnique({ where: { id: view.createdById }, select: { language: true } }));
  return isLocale(u?.language) ? u.language : DEFAULT_LOCALE;
}

export type Translate = (key: string, params?: Record<string, string | number>) => string;

export interface ProgressStats {
  /** Messages handled per second over the last seconds (0 when unknown). */
  ratePerSecond: number;
  /** Seconds until the remaining ones are through at that rate (null: unknown). */
  etaSeconds: number | null;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}` : `${m}:${String(sec).padStart(2, "0")}`;
}

/**
 * The progress message (edited in place while a broadcast runs) and its final report: counts,
 * rate and ETA, a hold from Telegram, and the buttons that apply to its state (`bc:pause:<id>`,
 * `bc:resume:<id>`, `bc:cancel:<id>`, `bc:unsend:<id>`).
 */
export function renderProgress(t: Translate, locale: Locale, view: BroadcastView, stats: ProgressStats, now: Date = new Date()): { text: string; keyboard: InlineKeyboard } {
  const c = view.counts;
  const remaining = c.pending + c.sending;
  const lines = [t("bc-progress-title", { id: String(view.id), status: t(`bc-status-${view.status.toLowerCase()}`), kind: t(`bc-kind-${view.kind.toLowerCase()}`) })];
  if (view.status === "SCHEDULED" && view.scheduledAt) lines.push(t("bc-progress-scheduled", { time: formatDateTime(view.scheduledAt, locale) }));
  if (c.total > 0) {
    lines.push(t("bc-progress-counts", { sent: c.sent + c.deleted, total: c.total, blocked: c.blocked, failed: c.failed, uncertain: c.uncertain, remaining }));
    if (c.skipped > 0) lines.push(t("bc-progress-skipped", { skipped: c.skipped }));
  }
  if (view.status === "SENDING") {
    if (view.holdUntil && view.holdUntil.getTime() > now.getTime()) lines.push(t("bc-progress-hold", { seconds: Math.ceil((view.holdUntil.getTime() - now.getTime()) / 1000) }));
    lines.push(stats.ratePerSecond > 0 ? t("bc-progress-rate", { rate: stats.ratePerSecond.toFixed(1), eta: stats.etaSeconds === null ? "?" : formatDuration(stats.etaSeconds) }) : t("bc-progress-starting"));
  }
  if (view.status === "PAUSED" && view.pausedReason) lines.push(t("bc-progress-paused-reason", { reason: view.pausedReason }));
  if ((view.status === "DONE" || view.status === "CANCELLED") && view.startedAt && view.finishedAt) {
    lines.push(t("bc-progress-done", { duration: formatDuration((view.finishedAt.getTime() - view.startedAt.getTime()) / 1000) }));
  }
  if (c.uncertain > 0) lines.push(t("bc-progress-uncertain-note"));
  if (view.unsentAt) {
    if (c.toDelete > 0) lines.push(t("bc-progress-unsending", { deleted: c.deleted, left: c.toDelete }));
    else lines.push(t("bc-progress-unsent", { deleted: c.deleted }), ...(c.undeletable > 0 ? [t("bc-progress-undeletable", { count: c.undeletable })] : []));
  }

  const kb = new InlineKeyboard();
  if (view.status === "SENDING") kb.text(t("bc-btn-pause"), `bc:pause:${view.id}`).text(t("bc-btn-cancel"), `bc:cancel:${view.id}`);
  else if (view.status === "PAUSED" && !view.unsentAt) kb.text(t("bc-btn-resume"), `bc:resume:${view.id}`).text(t("bc-btn-cancel"), `bc:cancel:${view.id}`);
  else if (view.status === "SCHEDULED") kb.text(t("bc-btn-cancel"), `bc:cancel:${view.id}`);
  if (view.status === "DONE" && c.uncertain > 0 && !view.unsentAt) kb.row().text(t("bc-btn-resend-uncertain", { count: c.uncertain }), `bc:resend:${view.id}`);
  // Delivered messages still inside Telegram's 48 hours (counted per message, by when each was sent).
  const unsendable = !view.unsentAt && c.toDelete > 0;
  if ((view.status === "DONE" || view.status === "CANCELLED" || view.status === "PAUSED") && unsendable) kb.row().text(t("bc-btn-unsend"), `bc:unsend:${view.id}`);
  return { text: lines.join("\n"), keyboard: kb };
}
