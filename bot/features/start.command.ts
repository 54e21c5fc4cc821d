import { Composer } from "grammy";
import { commandsFor } from "../commands.js";
import type { BotContext } from "../context.js";
import { mainMenuKeyboard, sendMainMenu } from "./main-menu.js";

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

/** The commands of the caller's role (a blocked member has a customer's), each with its menu description. */
function helpText(ctx: BotContext): string {
  const role = ctx.shopUser.blocked ? "CUSTOMER" : ctx.shopUser.role;
  const lines = commandsFor(role).map((name) => `/${name} — ${ctx.t(`cmd-${name}`)}`);
  return [ctx.t("help-commands-title"), ...lines].join("\n");
}

privateChat.command("help", async (ctx) => {
  await ctx.reply(helpText(ctx));
});

privateChat.callbackQuery("menu:help", async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.reply(helpText(ctx));
});

/**
 * Any command or main-menu button first leaves whatever flow is active, then
 * continues down the chain to the feature that handles it (conversations must
 * be registered before they can be entered, so entering happens further down).
 */
startFeature.on("message:entities:bot_command", async (ctx, next) => {
  if (ctx.message.text.startsWith("/")) await ctx.conversation.exitAll();
  await next();
});
startFeature.callbackQuery(/^menu:/, async (ctx, next) => {
  await ctx.conversation.exitAll();
  await next();
});

privateChat.callbackQuery("menu:main", async (ctx) => {
  await ctx.answerCallbackQuery();
  const text = ctx.t("main-menu-title");
  await ctx.editMessageText(text, { reply_markup: mainMenuKeyboard(ctx) }).catch(() => ctx.reply(text, { reply_markup: mainMenuKeyboard(ctx) }));
});

privateChat.command("cancel", async (ctx) => {
  const active = Object.keys(ctx.conversation.active()).length > 0;
  await ctx.conversation.exitAll();
  await ctx.reply(ctx.t(active ? "cancelled" : "nothing-to-cancel"));
});
