import { UnrecoverableError } from "bullmq";
import { InlineKeyboard, type Api } from "grammy";
import type { I18n } from "@grammyjs/i18n";
import type { Context } from "grammy";
import type { PrismaClient } from "../../db/client.js";
import { isPermanentTelegramError } from "../../bot/api.js";
import { isLocale, DEFAULT_LOCALE } from "../../bot/i18n.js";
import type { Payload } from "../queues.js";

/**
 * Sends a customer notification rendered in the recipient's language at send
 * time (they may have switched language since the job was queued).
 */
export function notificationsProcessor(deps: { api: Api; i18n: I18n<Context>; prisma: PrismaClient }) {
  return async (payload: Payload<"notifications">) => {
    let locale: string = DEFAULT_LOCALE;
    if (isLocale(payload.locale)) locale = payload.locale;
    else {
      const user = await deps.prisma.user.findUnique({ where: { telegramId: BigInt(payload.chatId) }, select: { language: true } });
      if (isLocale(user?.language)) locale = user.language;
    }
    const text = deps.i18n.t(locale, payload.key, payload.params);
    let reply_markup: InlineKeyboard | undefined;
    if (payload.buttons?.length) {
      reply_markup = new InlineKeyboard(
        payload.buttons.map((row) =>
          row.map((b) => (b.url ? InlineKeyboard.url(b.text, b.url) : InlineKeyboard.text(b.text, b.data ?? "noop"))),
        ),
      );
    }
    try {
      const sent = await deps.api.sendMessage(payload.chatId, text, { reply_markup });
      return { messageId: sent.message_id };
    } catch (err) {
      if (isPermanentTelegramError(err)) throw new UnrecoverableError(`recipient unreachable: ${(err as Error).message}`);
      throw err;
    }
  };
}
