import { formatIdr } from "../money.js";
import type { Locale } from "./locale.js";

export { formatIdr };

/** Escapes text for Telegram's HTML parse mode (names come from the database). */
export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

const DATE_LOCALE: Record<Locale, string> = { id: "id-ID", en: "en-GB" };

// Building an Intl.DateTimeFormat is expensive; one per locale and style is reused.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: Locale, withTime: boolean): Intl.DateTimeFormat {
  const key = `${locale}:${withTime}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(DATE_LOCALE[locale], {
      day: "numeric",
      month: "short",
      year: "numeric",
      ...(withTime ? { hour: "2-digit", minute: "2-digit" } : {}),
      timeZone: "Asia/Jakarta",
    });
    formatters.set(key, f);
  }
  return f;
}

/** A date and time in Jakarta time, e.g. "22 Nov 2026 09.30 WIB". */
export function formatDateTime(iso: string | Date, locale: Locale): string {
  const date = typeof iso === "string" ? new Date(iso) : iso;
  return `${formatter(locale, true).format(date).replace(/,/g, "")} WIB`;
}

/** A calendar date in Jakarta time, e.g. "21 Des 2026". */
export function formatDate(iso: string | Date, locale: Locale): string {
  const date = typeof iso === "string" ? new Date(iso) : iso;
  return formatter(locale, false).format(date);
}

/** RAM as people say it: 512 MB, 1 GB, 2 GB. */
export function formatMemory(mb: number): string {
  return mb >= 1024 && mb % 1024 === 0 ? `${mb / 1024} GB` : mb >= 1024 ? `${(mb / 1024).toFixed(1)} GB` : `${mb} MB`;
}

/** Bandwidth per month: 1 TB, 500 GB. */
export function formatTransfer(gb: number): string {
  return gb >= 1000 && gb % 1000 === 0 ? `${gb / 1000} TB` : `${gb} GB`;
}
