import path from "node:path";
import { I18n } from "@grammyjs/i18n";
import type { Context } from "grammy";
import { projectRoot } from "../shop/platform/paths.js";
import { DEFAULT_LOCALE, type Locale } from "../shop/messages/locale.js";

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
  memoizeBundleMatching(i18n);
  return i18n;
}

/**
 * @grammyjs/i18n negotiates languages (`@fluent/langneg`) on EVERY translated
 * string; a chat screen translates dozens. Our bundles are loaded once at start,
 * so the match per locale never changes: remember it. (Guarded: if the plugin's
 * internals change shape, translations still work, just unmemoized.)
 */
function memoizeBundleMatching(i18n: I18n<Context>): void {
  const fluent = i18n.fluent as unknown as { matchBundles?: (locales: string[]) => Set<unknown> };
  const original = fluent.matchBundles?.bind(fluent);
  if (!original) return;
  const cache = new Map<string, Set<unknown>>();
  fluent.matchBundles = (locales: string[]) => {
    const key = locales.join(",");
    let hit = cache.get(key);
    if (!hit) {
      hit = original(locales);
      cache.set(key, hit);
    }
    return hit;
  };
}
