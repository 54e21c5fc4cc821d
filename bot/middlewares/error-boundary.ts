import { randomBytes } from "node:crypto";
import type { BotError } from "grammy";
import { reportError } from "../../shop/platform/sentry.js";
import type { BotContext } from "../context.js";

/**
 * The bot's error boundary (works for polling and webhooks alike): log with a
 * short reference, tell the user in their language, never rethrow into the runner.
 */
export async function handleBotError(error: BotError<BotContext>): Promise<void> {
  const ctx = error.ctx;
  const ref = randomBytes(3).toString("hex");
  const err = error.error instanceof Error ? error.error : new Error(String(error.error));
  const log = ctx.logger ?? ctx.deps?.logger;
  // The logger's one error serializer drops payloads and scrubs tokens from message and stack.
  log?.error({ ref, err, updateId: ctx.update.update_id }, "update failed");
  reportError(err, { surface: "bot", ref });
  ctx.deps?.metrics.botUpdates.inc({ outcome: "error" });
  try {
    const text = ctx.t ? ctx.t("error-generic", { ref }) : `Maaf, terjadi kesalahan. (kode: ${ref})`;
    if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => undefined);
    if (ctx.chat) await ctx.api.sendMessage(ctx.chat.id, text);
  } catch (replyErr) {
    log?.warn({ ref, err: replyErr }, "could not tell the user about the error");
  }
}
