import type { Bot } from "grammy";
import type { Update } from "grammy/types";
import { Hono } from "hono";
import type { BotContext } from "../../bot/context.js";
import type { UpdateInbox } from "../../bot/inbox.js";
import type { Metrics } from "../../shop/platform/metrics.js";
import { sameSecret } from "../auth.js";
import { header, type AppEnv } from "../http.js";

/**
 * `POST /telegram/webhook`: checks Telegram's secret header in constant time, records the update
 * in the bot's inbox (bot/inbox.ts: once per update_id, whichever process behind the load balancer
 * it reached) and answers 200 once it is stored; this process then handles the chat's waiting
 * updates in order unless another process already is. Mounted before the bot has reached Telegram
 * (start-up retries in the background): until then it answers 503 and Telegram keeps the update.
 */
export function telegramWebhookRoutes(bot: Bot<BotContext>, inbox: UpdateInbox, secret: string, metrics: Metrics): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
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
    // Stored before the answer: once Telegram hears 200 it forgets the update, so it must survive
    // this process dying the next moment. A failure here (Postgres down) is a 500 Telegram retries.
    const { chatKey } = await inbox.receive(update as Update);
    // The bot can handle updates once it knows itself (getMe): start the inbox now rather than after
    // the rest of start-up (command menus, setWebhook) has also gone through. Idempotent.
    inbox.start();
    inbox.kick(chatKey);
    return c.json({ ok: true });
  });
  return app;
}
