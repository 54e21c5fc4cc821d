import type { Conversation } from "@grammyjs/conversations";
import { Composer, InlineKeyboard } from "grammy";
import type { BotContext, BotDeps, ConvContext } from "../context.js";
import { isLocale } from "../../shop/messages/locale.js";
import { mainMenuKeyboard } from "./main-menu.js";

/** Stable conversation id; persisted state refers to it. */
export const LANGUAGE_CONVERSATION = "language";

/**
 * Asks for the language and stores it. A conversation (not a one-shot handler)
 * so that the choice survives restarts between the prompt and the tap.
 */
export function languageConversation(deps: BotDeps) {
  return async function language(conversation: Conversation<BotContext, ConvContext>, ctx: ConvContext): Promise<void> {
    const keyboard = new InlineKeyboard().text("🇮🇩 Bahasa Indonesia", "lang:id").text("🇬🇧 English", "lang:en");
    await ctx.reply(ctx.t("language-prompt"), { reply_markup: keyboard });
    const choice = await conversation.waitForCallbackQuery(/^lang:(id|en)$/, {
      otherwise: (other) => other.reply(other.t("language-pick-hint")),
    });
    const locale = choice.match[1];
    if (!isLocale(locale)) return;
    const telegramId = choice.from.id;
    await conversation.external(async () => {
      await deps.users.setLanguage(telegramId, locale);
      deps.locales.remember(telegramId, locale);
    });
    await choice.answerCallbackQuery();
    await choice.editMessageText(deps.i18n.t(locale, "language-changed"));
    choice.i18n.useLocale(locale);
    await choice.reply(choice.t("main-menu-title"), { reply_markup: mainMenuKeyboard(choice, deps.config.telegram.publicBaseUrl) });
  };
}

/** Entry points into the language conversation. */
export const languageFeature = new Composer<BotContext>();

languageFeature.chatType("private").command("language", async (ctx) => {
  await ctx.conversation.enter(LANGUAGE_CONVERSATION);
});

languageFeature.callbackQuery("menu:language", async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.conversation.enter(LANGUAGE_CONVERSATION);
});
