import type { Bot, Context } from "grammy";
import type { Logger } from "../shop/platform/logger.js";

/**
 * Why: @grammyjs/runner prints every failed getUpdates with console.error, the raw error
 * included — a node-fetch error whose message is the request URL, `bot<token>` and all — to
 * stderr, past the logger's scrub (seen in test/security/secrets-in-logs.test.ts when the
 * connection to Telegram was reset mid-poll). Run the runner `silent` and call this first: the
 * same failures are logged through the logger (one serializer, secrets blanked); the runner
 * still retries them as before.
 */
export function logPollingErrors<C extends Context>(bot: Bot<C>, logger: Logger): void {
  bot.api.config.use(async (prev, method, payload, signal) => {
    try {
      return await prev(method, payload, signal);
    } catch (err) {
      if (method === "getUpdates" && !signal?.aborted) logger.warn({ err }, "getUpdates failed; polling tries again");
      throw err;
    }
  });
}
