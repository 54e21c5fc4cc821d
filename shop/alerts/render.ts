import { InlineKeyboard } from "grammy";
import { formatDateTime } from "../messages/format.js";
import type { Locale } from "../messages/locale.js";
import type { NoticeBody, NoticeEvent } from "./store.js";

/** The translator both the bot and the jobs hold (an @grammyjs/i18n instance fits). */
export interface Translator {
  t(locale: string, key: string, params?: Record<string, string | number>): string;
}

const ICON = { info: "ℹ️", warning: "⚠️", critical: "🚨" } as const;

/** Mute choices offered under every alert (minutes). */
export const MUTE_MINUTES = [60, 1440] as const;

/** Callback data of a mute button: alert id and minutes, validated again at the tap (bot/features/alerts.feature.ts). */
export const muteData = (alertId: number, minutes: number) => `alert:mute:${alertId}:${minutes}`;

/** The message text for one notice, in the owner's language (plain text: titles are free text). */
export function renderNotice(i18n: Translator, locale: Locale, event: NoticeEvent, body: NoticeBody): string {
  if (event === "summary") {
    const lines = (body.items ?? []).slice(0, 30).map((i) => `${ICON[i.severity]} ${i.title}${i.count > 1 ? ` (×${i.count})` : ""}`);
    const more = (body.items?.length ?? 0) - lines.length;
    return [`${ICON[body.severity]} ${i18n.t(locale, "alert-summary", { count: body.items?.length ?? 0 })}`, "", ...lines, ...(more > 0 ? [`… +${more}`] : []), "", i18n.t(locale, "alert-summary-next")].join("\n");
  }
  if (event === "resolved") return `✅ ${i18n.t(locale, "alert-resolved", { title: body.title })}`;
  const head = `${ICON[body.severity]} ${body.title}`;
  const still = event === "reminder" ? [i18n.t(locale, "alert-still-happening", { count: body.count ?? 1, since: body.firstSeenAt ? formatDateTime(body.firstSeenAt, locale) : "-" })] : [];
  const next = body.nextStep ? [`➡️ ${i18n.t(locale, "alert-next-step")}: ${body.nextStep}`] : [];
  return [head, ...still, ...(body.detail ? ["", body.detail] : []), ...(next.length ? ["", ...next] : [])].join("\n").slice(0, 4000);
}

/** "Mute 1 h" / "Mute 24 h" under a raised alert or a reminder. */
export function muteKeyboard(i18n: Translator, locale: Locale, alertId: number): InlineKeyboard {
  return new InlineKeyboard().text(i18n.t(locale, "alert-mute-1h"), muteData(alertId, 60)).text(i18n.t(locale, "alert-mute-24h"), muteData(alertId, 1440));
}
