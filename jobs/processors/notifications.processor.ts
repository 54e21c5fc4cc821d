import { UnrecoverableError } from "bullmq";
import { InlineKeyboard, InputFile, type Api } from "grammy";
import type { I18n } from "@grammyjs/i18n";
import type { Context } from "grammy";
import type { PrismaClient } from "../../db/client.js";
import { isPermanentTelegramError } from "../../bot/api.js";
import { isLocale, DEFAULT_LOCALE } from "../../bot/i18n.js";
import { invoiceDataFor } from "../../shop/payments/invoice/invoice-data.js";
import { renderInvoicePdf } from "../../shop/payments/invoice/invoice-pdf.js";
import type { Payload } from "../queues.js";

/**
 * Sends a customer notification rendered in the recipient's language at send
 * time (they may have switched language since the job was queued). Parameter
 * values and button labels written as `t:<key>` are translated too. An invoice
 * document, when asked for, is rendered from our records at send time.
 */
export function notificationsProcessor(deps: { api: Api; i18n: I18n<Context>; prisma: PrismaClient; shopName: string }) {
  return async (payload: Payload<"notifications">) => {
    let locale: string = DEFAULT_LOCALE;
    if (isLocale(payload.locale)) locale = payload.locale;
    else {
      const user = await deps.prisma.user.findUnique({ where: { telegramId: BigInt(payload.chatId) }, select: { language: true } });
      if (isLocale(user?.language)) locale = user.language;
    }
    const tr = (value: string) => (value.startsWith("t:") ? deps.i18n.t(locale, value.slice(2)) : value);
    const params = Object.fromEntries(Object.entries(payload.params).map(([k, v]) => [k, typeof v === "string" ? tr(v) : v]));
    const text = deps.i18n.t(locale, payload.key, params);
    let reply_markup: InlineKeyboard | undefined;
    if (payload.buttons?.length) {
      reply_markup = new InlineKeyboard(
        payload.buttons.map((row) => row.map((b) => (b.url ? InlineKeyboard.url(tr(b.text), b.url) : InlineKeyboard.text(tr(b.text), b.data ?? "noop")))),
      );
    }
    try {
      // With a document, the text rides as its caption: one API call, so a retry never sends half twice.
      if (payload.document?.kind === "invoice") {
        const data = await invoiceDataFor(deps.prisma, payload.document.orderId, deps.shopName);
        if (data) {
          const pdf = await renderInvoicePdf(data);
          const sent = await deps.api.sendDocument(payload.chatId, new InputFile(pdf, `invoice-${data.orderReference}.pdf`), { caption: text.slice(0, 1024), reply_markup });
          return { messageId: sent.message_id, invoice: data.orderReference };
        }
      }
      const sent = await deps.api.sendMessage(payload.chatId, text, { reply_markup });
      return { messageId: sent.message_id };
    } catch (err) {
      if (isPermanentTelegramError(err)) throw new UnrecoverableError(`recipient unreachable: ${(err as Error).message}`);
      throw err;
    }
  };
}
