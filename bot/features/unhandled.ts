import { Composer } from "grammy";
import type { BotContext } from "../context.js";

/**
 * Last in the chain: anything no feature took. Stale buttons get a friendly
 * notice instead of a spinner that never stops.
 */
export const unhandledFeature = new Composer<BotContext>();

unhandledFeature.on("callback_query", async (ctx) => {
  await ctx.answerCallbackQuery({ text: ctx.t("stale-button") });
});

unhandledFeature.chatType("private").on("message", async (ctx) => {
  await ctx.reply(ctx.t("unknown-input"));
});
