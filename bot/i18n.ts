import path from "node:path";
import { I18n } from "@grammyjs/i18n";
import type { Context } from "grammy";
import { projectRoot } from "../ops/paths.js";

/** Languages the shop speaks; the first is the default for everyone. */
export const LOCALES = ["id", "en"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "id";

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/**
 * Why a process-wide cache: conversations run on a fresh inner context without
 * the session, yet must answer in the user's language. The outer middleware
 * refreshes this map on every update before conversations run.
 */
export class LocaleCache {
  private readonly map = new Map<number, Locale>();
  remember(userId: number, locale: Locale): void {
    if (this.map.size > 50_000) this.map.clear();
    this.map.set(userId, locale);
  }
  get(userId: number | undefined): Locale {
    return (userId !== undefined && this.map.get(userId)) || DEFAULT_LOCALE;
  }
}

/** One translator shared by the bot and the jobs (notifications speak the same words). */
export function createI18n(locales: LocaleCache): I18n<Context> {
  const i18n = new I18n<Context>({
    defaultLocale: DEFAULT_LOCALE,
    // Fluent wraps variables in Unicode isolation marks by default; Telegram shows them as junk.
    fluentBundleOptions: { useIsolating: false },
    // The outer tree has the loaded shop user; conversations fall back to the cache.
    localeNegotiator: (ctx) => (ctx as { shopUser?: { language: Locale } }).shopUser?.language ?? locales.get(ctx.from?.id),
  });
  i18n.loadLocalesDirSync(path.join(projectRoot, "bot", "locales"));
  return i18n;
}
