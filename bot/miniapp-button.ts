import type { I18n } from "@grammyjs/i18n";
import type { Api, Context } from "grammy";
import { DEFAULT_LOCALE } from "../shop/messages/locale.js";

/**
 * Where Telegram opens the Mini App: `<PUBLIC_BASE_URL>/app`. Telegram only opens https pages, and
 * PUBLIC_BASE_URL is https by its schema; without it there is no app to open (no buttons).
 */
export const miniAppUrl = (publicBaseUrl: string | undefined): string | undefined => (publicBaseUrl ? `${publicBaseUrl}/app` : undefined);

/**
 * The chat's menu button (next to the message field) opens the Mini App in every private chat
 * with the bot; set once at start-up as the bot's default. Without PUBLIC_BASE_URL it is Telegram's
 * default (the command list). The text is the shop's default language: the button has no per-language variant.
 */
export async function publishMenuButton(api: Api, i18n: I18n<Context>, publicBaseUrl: string | undefined, signal?: Parameters<Api["setChatMenuButton"]>[1]): Promise<void> {
  const url = miniAppUrl(publicBaseUrl);
  const menu_button = url ? { type: "web_app" as const, text: i18n.t(DEFAULT_LOCALE, "miniapp-menu-button"), web_app: { url } } : { type: "default" as const };
  await api.setChatMenuButton({ menu_button }, signal);
}
