import type { Middleware } from "grammy";
import type { BotContext } from "../context.js";

/**
 * Loads the shop user for every update from a person (before i18n, which reads
 * its language) and remembers the language for conversations.
 */
export function loadUser(): Middleware<BotContext> {
  return async (ctx, next) => {
    if (!ctx.from || ctx.from.is_bot) return;
    const user = await ctx.deps.users.resolve(ctx.from);
    ctx.shopUser = user;
    ctx.deps.locales.remember(ctx.from.id, user.language);
    // Writing to the bot means it is not blocked any more: broadcasts reach them again
    // (bot_blocked_at is set by a broadcast's 403). Not awaited: nothing here depends on it.
    if (ctx.chat?.type === "private") {
      ctx.deps.prisma.$executeRaw`UPDATE users SET bot_blocked_at = NULL WHERE id = ${user.id} AND bot_blocked_at IS NOT NULL`.catch((err: unknown) =>
        ctx.logger.warn({ err }, "could not clear the bot-blocked mark"),
      );
    }
    await next();
  };
}

/**
 * Stops blocked and banned users before any feature runs, staff included: a blocked
 * or banned seller has no staff power (the staff filters check `blocked` again, fresh, at each tap).
 */
export function guardBlocked(): Middleware<BotContext> {
  return async (ctx, next) => {
    const user = ctx.shopUser;
    if (user.blocked) {
      // Banned by staff (/customer): say so plainly, not the generic restriction.
      const text = ctx.t(user.banned ? "cust-banned-notice" : "blocked-user");
      if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text, show_alert: true });
      else if (ctx.chat?.type === "private") await ctx.reply(text);
      return;
    }
    await next();
  };
}
