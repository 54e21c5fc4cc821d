import { limit } from "@grammyjs/ratelimiter";
import type { Redis } from "ioredis";
import type { Middleware } from "grammy";
import type { BotContext } from "../context.js";

/**
 * Anti-spam for incoming updates, counted in Redis so it holds across restarts.
 * The polite reply is sent once per window, not once per dropped update.
 */
export function rateLimitUsers(redis: Redis, prefix: string, perTenSeconds: number): Middleware<BotContext> {
  return limit<BotContext, Redis>({
    timeFrame: 10_000,
    limit: perTenSeconds,
    storageClient: redis,
    keyGenerator: (ctx) => (ctx.from ? `${prefix}:rl:${ctx.from.id}` : undefined),
    onLimitExceeded: async (ctx) => {
      ctx.deps.metrics.botUpdates.inc({ outcome: "rate_limited" });
      const first = await redis.set(`${prefix}:rl-warned:${ctx.from?.id}`, "1", "PX", 10_000, "NX");
      if (first === null) return;
      // Runs before the user is loaded, so translate with the cached language.
      const text = ctx.deps.i18n.t(ctx.deps.locales.get(ctx.from?.id), "rate-limited");
      if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text, show_alert: false });
      else if (ctx.chat) await ctx.reply(text);
    },
  });
}
