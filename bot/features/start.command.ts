import { Composer } from "grammy";
import type { BotContext } from "../context.js";
import { sendMainMenu } from "./main-menu.js";

/**
 * /start, /help and /cancel. They sit before the conversations so they always
 * work, even in the middle of a flow: /start and /cancel leave any flow.
 */
export const startFeature = new Composer<BotContext>();

const privateChat = startFeature.chatType("private");

privateChat.command("start", async (ctx) => {
  await ctx.conversation.exitAll();
  await sendMainMenu(ctx);
});

privateChat.command("help", async (ctx) => {
  await ctx.reply(ctx.t("help-text"));
});

privateChat.callbackQuery("menu:help", async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.reply(ctx.t("help-text"));
});

/**
 * Commands and menu buttons that start a flow first leave whatever flow is
 * active, then continue down the chain to the feature that enters the new one
 * (conversations must be registered before they can be entered).
 */
export const FLOW_ENTRIES = { commands: ["language"], callbacks: ["menu:language"] };

startFeature.command(FLOW_ENTRIES.commands, async (ctx, next) => {
  await ctx.conversation.exitAll();
  await next();
});
startFeature.callbackQuery(FLOW_ENTRIES.callbacks, async (ctx, next) => {
  await ctx.conversation.exitAll();
  await next();
});

privateChat.command("cancel", async (ctx) => {
  const active = Object.keys(ctx.conversation.active()).length > 0;
  await ctx.conversation.exitAll();
  await ctx.reply(ctx.t(active ? "cancelled" : "nothing-to-cancel"));
});
