import type { Redis } from "ioredis";
import type { Middleware } from "grammy";
import type { BotContext } from "../context.js";

/**
 * De-dup + fixed-window counter in one server-side step: returns -1 for an
 * update id seen before, else this user's count in the current 10 s window.
 */
const ADMIT_LUA = `
if KEYS[1] ~= '' and not redis.call('SET', KEYS[1], '1', 'EX', 86400, 'NX') then return -1 end
if KEYS[2] == '' then return 0 end
redis.call('SET', KEYS[2], '0', 'PX', 10000, 'NX')
return redis.call('INCR', KEYS[2])`;

type AdmitRedis = Redis & { vpsbotAdmit?: (updateKey: string, rateKey: string) => Promise<number> };

function admitCommand(redis: Redis): (updateKey: string, rateKey: string) => Promise<number> {
  const r = redis as AdmitRedis;
  if (!r.vpsbotAdmit) r.defineCommand("vpsbotAdmit", { numberOfKeys: 2, lua: ADMIT_LUA });
  return (updateKey, rateKey) => r.vpsbotAdmit!(updateKey, rateKey);
}

/**
 * The first gate for every update, in ONE Redis round trip (one script):
 * - de-duplication: Telegram redelivers webhook updates we answered slowly, and
 *   a restarted poller can see an update twice; the first copy wins. Not in webhook mode, where
 *   the inbox (bot/inbox.ts) keeps each update_id once in Postgres and must be able to hand an
 *   update to the bot AGAIN after the process that started it died (this key would drop it);
 * - anti-spam: at most `perTenSeconds` updates per user in a fixed 10 s window,
 *   counted in Redis so it holds across restarts; the polite reply is sent once
 *   per window, not once per dropped update. Owners are not counted: a restore from the chat
 *   means forwarding a manifest and many backup parts at once, and an owner is no spammer.
 */
export function admitUpdates(perTenSeconds: number, opts: { dedupe?: boolean } = {}): Middleware<BotContext> {
  const dedupe = opts.dedupe ?? true;
  let admit: ((updateKey: string, rateKey: string) => Promise<number>) | undefined;
  return async (ctx, next) => {
    const { redis, config, metrics, i18n, locales } = ctx.deps;
    admit ??= admitCommand(redis);
    const prefix = config.queuePrefix;
    const userId = ctx.from?.id;
    const counted = userId !== undefined && !config.ownerIds.includes(userId);
    const count = await admit(dedupe ? `${prefix}:upd:${ctx.update.update_id}` : "", counted ? `${prefix}:rl:${userId}` : "");
    if (count === -1) {
      metrics.botUpdates.inc({ outcome: "duplicate" });
      ctx.logger.info("duplicate update dropped");
      return;
    }
    if (counted && count > perTenSeconds) {
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
