import type { I18nFlavor } from "@grammyjs/i18n";
import { InlineKeyboard } from "grammy";
import type { BotContext } from "../context.js";
import { miniAppUrl } from "../miniapp-button.js";

/**
 * Main-menu entries in display order. Features add their entry here when they
 * exist, so the menu never offers a button that leads nowhere.
 */
const ENTRIES: Array<{ key: string; data: string }> = [
  { key: "menu-catalog", data: "menu:catalog" },
  { key: "menu-orders", data: "menu:orders" },
  { key: "menu-vps", data: "menu:vps" },
  { key: "menu-wallet", data: "menu:wallet" },
  { key: "menu-language", data: "menu:language" },
  { key: "menu-settings", data: "menu:settings" },
  { key: "menu-help", data: "menu:help" },
];

/**
 * Builds the main menu in the user's language, two buttons per row, and (with PUBLIC_BASE_URL)
 * an "Open app" button that opens the Mini App. The base URL is asked for, not read from the
 * context: a conversation's context carries no `deps`, and the menu must be the same everywhere.
 */
export function mainMenuKeyboard(ctx: Pick<I18nFlavor, "t">, publicBaseUrl: string | undefined): InlineKeyboard {
  const kb = new InlineKeyboard();
  ENTRIES.forEach((entry, i) => {
    kb.text(ctx.t(entry.key), entry.data);
    if (i % 2 === 1) kb.row();
  });
  const app = miniAppUrl(publicBaseUrl);
  if (app) kb.row().webApp(ctx.t("menu-open-app"), app);
  return kb;
}

/** Greets and shows the menu as a fresh message (used by /start). */
export async function sendMainMenu(ctx: BotContext): Promise<void> {
  const greeting = ctx.t("start-greeting", { name: ctx.from?.first_name ?? "", shop: ctx.me.first_name });
  const sent = await ctx.reply(`${greeting}\n\n${ctx.t("main-menu-title")}`, { reply_markup: mainMenuKeyboard(ctx, ctx.deps.config.telegram.publicBaseUrl) });
  (await ctx.session).menuMessageId = sent.message_id;
}
