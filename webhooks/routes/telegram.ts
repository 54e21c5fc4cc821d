import { webhookCallback, type Bot } from "grammy";
import { Hono } from "hono";
import type { BotContext } from "../../bot/context.js";
import type { Metrics } from "../../shop/platform/metrics.js";
import { sameSecret } from "../auth.js";
import { header, type AppEnv } from "../http.js";

/**
 * `POST /telegram/webhook`: checks Telegram's secret header in constant time
 * and hands the update to the bot. Telegram retries slow answers, so the
 * handler returns before its timeout and the dedupe middleware drops replays. Mounted before
 * the bot has reached Telegram (start-up retries in the background): until then it answers 503.
 */
export function telegramWebhookRoutes(bot: Bot<BotContext>, secret: string, metrics: Metrics): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const handle = webhookCallback(bot, "hono", { secretToken: secret, timeoutMilliseconds: 9_000, onTimeout: "return" });
  app.post("/webhook", async (c) => {
    if (!sameSecret(header(c, "x-telegram-bot-api-secret-token"), secret)) {
      metrics.webhookRejected.inc({ source: "telegram", reason: "bad_secret" });
      return c.json({ error: "unauthorized", message: "missing or wrong X-Telegram-Bot-Api-Secret-Token" }, 401);
    }
    if (!bot.isInited()) {
      // Start-up is still waiting for the Bot API (getMe); Telegram keeps the update and retries.
      return c.json({ error: "starting", message: "the bot is not connected to Telegram yet" }, 503, { "retry-after": "5" });
    }
    let update: unknown;
    try {
      // Hono caches the parsed body, so grammY's own c.req.json() reuses it.
      update = await c.req.json();
    } catch {
      metrics.webhookRejected.inc({ source: "telegram", reason: "malformed_json" });
      return c.json({ error: "bad_request", message: "body is not valid JSON" }, 400);
    }
    // Telegram sends one object with an integer update_id; grammY takes anything else (`null`) for
    // an update and throws, a 500 that Telegram would retry.
    if (typeof update !== "object" || update === null || Array.isArray(update) || !Number.isSafeInteger((update as { update_id?: unknown }).update_id)) {
      metrics.webhookRejected.inc({ source: "telegram", reason: "not_an_update" });
      return c.json({ error: "bad_request", message: "body is not a Telegram update" }, 400);
    }
    return handle(c);
  });
  return app;
}
