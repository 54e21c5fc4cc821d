import { Composer } from "grammy";
import type { BotContext } from "../../context.js";
import { CATALOG_CONVERSATION } from "./catalog.conversation.js";

/**
 * Ways into the catalog: /catalog, the menu button, and any catalog button
 * pressed after its flow ended (yesterday's message, a cancelled flow) — that
 * one gets a friendly notice and a fresh view in the same message.
 */
export const catalogFeature = new Composer<BotContext>();

catalogFeature.chatType("private").command("catalog", async (ctx) => {
  await ctx.conversation.enter(CATALOG_CONVERSATION);
});

catalogFeature.callbackQuery("menu:catalog", async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.conversation.enter(CATALOG_CONVERSATION);
});

catalogFeature.callbackQuery(/^cat:/, async (ctx) => {
  await ctx.answerCallbackQuery({ text: ctx.t("catalog-stale") });
  await ctx.conversation.enter(CATALOG_CONVERSATION);
});
