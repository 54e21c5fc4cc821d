import type { Middleware } from "grammy";
import type { BotContext } from "../context.js";

/**
 * The first gate for every update, in ONE Redis round trip:
 * - de-duplication: Telegram redelivers webhook updates we answered slowly, and
 *   a restarted poller can see an update twice; the first copy wins;
 * - anti-spam: at most `perTenSeconds` updates per user in a fixed 10 s window,
 *   counted in Redis so it holds across restarts; the polite reply is sent once
 *   per window, not once per dropped update.
 */
export function admitUpdates(perTenSeconds: number): Middleware<BotContext> {
  return async (ctx, next) => {
    const { redis, config, metrics, i18n, locales } = ctx.deps;
    const prefix = config.queuePrefix;
    const userId = ctx.from?.id;
    const pipeline = redis.pipeline().set(`${prefix}:upd:${ctx.update.update_id}`, "1", "EX", 86_400, "NX");
    if (userId !== undefined) {
      const key = `${prefix}:rl:${userId}`;
      pipeline.set(key, "0", "PX", 10_000, "NX").incr(key);
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed) throw failed[0];
    if (results[0]?.[1] === null) {
      metrics.botUpdates.inc({ outcome: "duplicate" });
      ctx.logger.info("duplicate update dropped");
      return;
    }
    const count = Number(results[2]?.[1] ?? 0);
    if (userId !== undefined && count > perTenSeconds) {
      metrics.botUpdates.inc({ outcome: "rate_limited" });
      const first = await redis.set(`${prefix}:rl-warned:${userId}`, "1", "PX", 10_000, "NX");
      if (first === null) return;
      // Runs before the user is loaded, so translate with the cached language.
      const text = i18n.t(locales.get(userId), "rate-limited");
      if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text, show_alert: false });
      else if (ctx.chat) await ctx.reply(text);
      return;
    }
    await next();
  };
}
