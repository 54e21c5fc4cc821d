import type { Conversation } from "@grammyjs/conversations";
import { InlineKeyboard } from "grammy";
import { escapeHtml } from "../../shop/messages/format.js";
import { isLocale } from "../../shop/messages/locale.js";
import { MAX_LABEL_CHARS, parseClientLabel, setOrderLabel } from "../../shop/resellers/labels.js";
import type { BotContext, BotDeps, ConvContext } from "../context.js";

/** Stable conversation id; persisted state refers to it. */
export const LABEL_CONVERSATION = "reseller-label";
/** Every wait loop has an exit: a few tries, then the flow ends by itself. */
const MAX_TRIES = 5;
const IDLE_MS = 30 * 60_000;

/**
 * Asks for the label of one order (entered from the order view's 🏷 button) and stores it.
 * A conversation because the label is free text; the order id comes from the button and is
 * checked against the customer again when the label is written. Any other button or a command
 * ends it and is handled as usual.
 */
export function labelConversation(deps: BotDeps) {
  return async function orderLabel(conversation: Conversation<BotContext, ConvContext>, ctx: ConvContext, orderId: number): Promise<void> {
    const from = ctx.from!;
    const user = await conversation.external(() => deps.users.resolve(from));
    const locale = isLocale(user.language) ? user.language : "id";
    const t = (key: string, vars?: Record<string, string | number>) => deps.i18n.t(locale, key, vars);
    await ctx.reply(t("rsl-label-ask", { max: MAX_LABEL_CHARS }), { parse_mode: "HTML", reply_markup: new InlineKeyboard().text(t("rsl-label-cancel"), "rs:c") });
    for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
      const update = await conversation.wait({ maxMilliseconds: IDLE_MS });
      if (update.callbackQuery) {
        if (update.callbackQuery.data !== "rs:c") await conversation.halt({ next: true });
        await update.answerCallbackQuery();
        await update.editMessageText(t("rsl-label-cancelled")).catch(() => undefined);
        return;
      }
      const text = update.message?.text;
      if (text === undefined) {
        await update.reply(t("rsl-label-ask", { max: MAX_LABEL_CHARS }), { parse_mode: "HTML" });
        continue;
      }
      if (text.startsWith("/")) await conversation.halt({ next: true });
      const parsed = parseClientLabel(text);
      if (!parsed.ok) {
        await update.reply(t(`rsl-label-bad-${parsed.reason}`, { max: MAX_LABEL_CHARS }), { parse_mode: "HTML" });
        continue;
      }
      const result = await conversation.external(() => setOrderLabel(deps.prisma, { userId: user.id, orderId, label: parsed.label }));
      if (result.status === "not_found") {
        await update.reply(t("order-not-found"));
        return;
      }
      await update.reply(t("rsl-label-saved", { reference: result.reference, label: escapeHtml(parsed.label) }), {
        parse_mode: "HTML",
        reply_markup: new InlineKeyboard().text(t("rsl-open-order"), `ord:view:${orderId}`).row().text(t("rsl-by-label"), "rs:l:0"),
      });
      return;
    }
    await ctx.api.sendMessage(ctx.chat!.id, t("flow-timeout"));
  };
}
