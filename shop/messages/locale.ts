/**
 * The shop's languages, shared by everything that renders a message for a person: the bot, and the
 * jobs that message customers and staff (shop/messages is the home both use, so neither surface
 * imports the other).
 */
/** Languages the shop speaks; the first is the default for everyone. */
export const LOCALES = ["id", "en"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "id";

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}
