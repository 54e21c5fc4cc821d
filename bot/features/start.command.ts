import { Composer } from "grammy";
import { commandsFor, publishStaffMenu } from "../commands.js";
import type { BotContext } from "../context.js";
import { leaveCatalogForm } from "./catalog-admin/form.js";
import { mainMenuKeyboard, sendMainMenu } from "./main-menu.js";

/**
 * /start, /help and /cancel. They sit before the conversations so they always
 * work, even in the middle of a flow: /start and /cancel leave any flow.
 */
export const startFeature = new Composer<BotContext>();

const privateChat = startFeature.chatType("private");

/**
 * Ends the staff console's "send me who to add / the role's name" step, as a command ends a
 * conversation. Staff only: a customer never has it, and their commands skip the session read.
 */
async function leaveStaffStep(ctx: BotContext): Promise<boolean> {
  if (ctx.shopUser.role === "CUSTOMER") return false;
  const leftForm = await leaveCatalogForm(ctx);
  const session = await ctx.session;
  if (!session.staffInput) return leftForm;
  session.staffInput = undefined;
  return true;
}

privateChat.command("start", async (ctx) => {
  await ctx.conversation.exitAll();
  await leaveStaffStep(ctx);
  await sendMainMenu(ctx);
  // A member the chat made staff (or who never opened the bot before start-up published the
  // menus) gets their own command menu now; a failure here costs them only the menu.
  // Someone the chat removed gets the customers' menu back here if the removal could not reach Telegram.
  const removed = ctx.shopUser.role === "CUSTOMER" && (await ctx.deps.prisma.staffMember.count({ where: { userId: ctx.shopUser.id, roleId: null } })) > 0;
  if (ctx.shopUser.role !== "CUSTOMER" || removed) {
    const { i18n, logger } = ctx.deps;
    await publishStaffMenu(ctx.api, i18n, ctx.from.id, ctx.shopUser.blocked ? [] : ctx.shopUser.permissions, logger).catch((err: unknown) =>
      logger.warn({ err }, "could not publish this member's command menu"),
    );
  }
});

/** The commands the caller's permissions open (a blocked member has a customer's), each with its menu description. */
function helpText(ctx: BotContext): string {
  const lines = commandsFor(ctx.shopUser.blocked ? [] : ctx.shopUser.permissions).map((name) => `/${name} — ${ctx.t(`cmd-${name}`)}`);
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
  if (ctx.message.text.startsWith("/")) {
    await ctx.conversation.exitAll();
    await leaveStaffStep(ctx);
  }
  await next();
});
startFeature.callbackQuery(/^menu:/, async (ctx, next) => {
  await ctx.conversation.exitAll();
  await next();
});

privateChat.callbackQuery("menu:main", async (ctx) => {
  await ctx.answerCallbackQuery();
  const text = ctx.t("main-menu-title");
  const menu = mainMenuKeyboard(ctx, ctx.deps.config.telegram.publicBaseUrl);
  await ctx.editMessageText(text, { reply_markup: menu }).catch(() => ctx.reply(text, { reply_markup: menu }));
});

privateChat.command("cancel", async (ctx) => {
  const left = await leaveStaffStep(ctx);
  const active = Object.keys(ctx.conversation.active()).length > 0 || left;
  await ctx.conversation.exitAll();
  await ctx.reply(ctx.t(active ? "cancelled" : "nothing-to-cancel"));
});
