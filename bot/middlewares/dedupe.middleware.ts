import type { Middleware } from "grammy";
import type { BotContext } from "../context.js";

/**
 * Telegram redelivers webhook updates that we answered slowly, and a restarted
 * poller can see an update twice. The first copy wins; later copies are dropped.
 */
export function dedupeUpdates(): Middleware<BotContext> {
  return async (ctx, next) => {
    const { redis, config, metrics } = ctx.deps;
    const fresh = await redis.set(`${config.queuePrefix}:upd:${ctx.update.update_id}`, "1", "EX", 86_400, "NX");
    if (fresh === null) {
      metrics.botUpdates.inc({ outcome: "duplicate" });
      ctx.logger.info("duplicate update dropped");
      return;
    }
    await next();
  };
}
