import type { Conversation } from "@grammyjs/conversations";
import { InlineKeyboard } from "grammy";
import { CODE_TTL_MS, MAX_EMAIL_LENGTH, confirmCode, parseEmailAddress, requestCode, type CodeRequest, type VerificationDeps } from "../../shop/email/verification.js";
import { mailerFor } from "../../shop/email/transport.js";
import { escapeHtml } from "../../shop/messages/format.js";
import { isLocale, type Locale } from "../../shop/messages/locale.js";
import type { BotContext, BotDeps, ConvContext } from "../context.js";

/** Stable conversation id; persisted state refers to it. */
export const EMAIL_CONVERSATION = "email-settings";

/** Where the flow starts: typing an address, typing the code of one in progress, or a new code for it first. */
export type EmailStep = "address" | "code" | "resend";

/** Every wait loop has an exit: a few wrong answers, and no answer after the code's lifetime. */
const MAX_TRIES = 5;
const IDLE_MS = CODE_TTL_MS;

/** What the shop's email rules need, from the bot's dependencies. */
export function verificationDeps(deps: BotDeps): VerificationDeps {
  return {
    prisma: deps.prisma,
    mailer: mailerFor(deps.config),
    t: (locale, key, params) => deps.i18n.t(locale, key, params),
    secret: deps.config.encryptionKey,
    shopName: deps.config.shopName,
  };
}

/**
 * Adds or changes the customer's email address: asks for it, mails a 6-digit code, then takes
 * the code typed back (with "send a new code" and "cancel" buttons under the question). Any
 * other button or a command ends the flow and is handled as usual. Mailing and checking run
 * in `conversation.external`, so a replay never sends a second code.
 */
export function emailConversation(deps: BotDeps) {
  const vdeps = verificationDeps(deps);
  return async function emailSettings(conversation: Conversation<BotContext, ConvContext>, ctx: ConvContext, step: EmailStep): Promise<void> {
    const from = ctx.from!;
    const user = await conversation.external(() => deps.users.resolve(from));
    const locale: Locale = isLocale(user.language) ? user.language : "id";
    const t = (key: string, vars?: Record<string, string | number>) => deps.i18n.t(locale, key, vars);
    const cancel = new InlineKeyboard().text(t("email-btn-cancel"), "em:x");
    const codeKb = new InlineKeyboard().text(t("email-btn-resend"), "em:resend").row().text(t("email-btn-cancel"), "em:x");
    const html = { parse_mode: "HTML" as const };

    /** Says how a code request went; true when a code is on its way (or a recent one still works). */
    const report = async (to: ConvContext, sent: CodeRequest, email = ""): Promise<boolean> => {
      // The customer is told plainly; the owner finds the mail server's answer in the log.
      if (sent.status === "send_failed") await conversation.external(() => deps.logger.warn({ userId: user.id, smtpError: sent.error }, "confirmation code email not sent"));
      const text: Record<CodeRequest["status"], () => string> = {
        sent: () => t("email-code-sent", { email: escapeHtml(email), minutes: Math.round(CODE_TTL_MS / 60_000) }),
        disabled: () => t("email-disabled"),
        same_address: () => t("email-same-address", { email: escapeHtml(email) }),
        no_pending: () => t("email-no-pending"),
        wait: () => t("email-wait", { seconds: sent.status === "wait" ? sent.retryAfterS : 0 }),
        too_many: () => t("email-too-many"),
        send_failed: () => t("email-send-failed"),
      };
      const going = sent.status === "sent" || sent.status === "wait";
      await to.reply(text[sent.status](), { ...html, ...(going ? { reply_markup: codeKb } : {}) });
      return going;
    };

    if (step === "address") {
      await ctx.reply(t("email-ask-address"), { ...html, reply_markup: cancel });
      let sentTo: string | undefined;
      for (let tries = 0; sentTo === undefined && tries < MAX_TRIES; tries++) {
        const answer = await conversation.wait({ maxMilliseconds: IDLE_MS });
        if (answer.callbackQuery) await endOnButton(conversation, answer, t);
        const text = answer.message?.text;
        if (text?.startsWith("/")) await conversation.halt({ next: true });
        const parsed = parseEmailAddress(text ?? "");
        if (!parsed.ok) {
          await answer.reply(parsed.reason === "too_long" ? t("email-too-long", { max: MAX_EMAIL_LENGTH }) : t("email-bad-address"), html);
          continue;
        }
        const sent = await conversation.external(() => requestCode(vdeps, { userId: user.id, email: parsed.email, locale }));
        // Too soon after the last code (which was for another address): say so, take the address again.
        if (sent.status === "wait") {
          await answer.reply(t("email-wait", { seconds: sent.retryAfterS }), { reply_markup: cancel });
          continue;
        }
        if (!(await report(answer, sent, sent.status === "sent" ? sent.email : parsed.email))) return;
        sentTo = parsed.email;
      }
      if (sentTo === undefined) {
        await ctx.reply(t("email-gave-up"));
        return;
      }
    } else if (step === "resend") {
      const sent = await conversation.external(() => requestCode(vdeps, { userId: user.id, locale }));
      if (!(await report(ctx, sent, sent.status === "sent" ? sent.email : ""))) return;
    } else {
      await ctx.reply(t("email-ask-code"), { reply_markup: codeKb });
    }

    for (let tries = 0; tries < MAX_TRIES; ) {
      const answer = await conversation.wait({ maxMilliseconds: IDLE_MS });
      if (answer.callbackQuery?.data === "em:resend") {
        await answer.answerCallbackQuery();
        const sent = await conversation.external(() => requestCode(vdeps, { userId: user.id, locale }));
        if (!(await report(answer, sent, sent.status === "sent" ? sent.email : ""))) return;
        // A tap that sent nothing ("wait a minute") counts as a try: the loop ends however often it comes.
        if (sent.status === "wait") tries++;
        continue;
      }
      if (answer.callbackQuery) await endOnButton(conversation, answer, t);
      const text = answer.message?.text?.replace(/\s+/g, "") ?? "";
      if (text.startsWith("/")) await conversation.halt({ next: true });
      if (!/^\d{6}$/.test(text)) {
        await answer.reply(t("email-ask-code"), { reply_markup: codeKb });
        tries++;
        continue;
      }
      const checked = await conversation.external(() => confirmCode(vdeps, { userId: user.id, code: text }));
      switch (checked.status) {
        case "confirmed":
          await answer.reply(t("email-confirmed", { email: checked.email }), { reply_markup: new InlineKeyboard().text(t("email-btn-back"), "menu:settings") });
          return;
        case "wrong":
          await answer.reply(t("email-code-wrong", { left: checked.attemptsLeft }), { reply_markup: codeKb });
          tries++;
          continue;
        case "locked":
        case "expired":
          await answer.reply(t(checked.status === "locked" ? "email-code-locked" : "email-code-expired"), { reply_markup: new InlineKeyboard().text(t("email-btn-resend"), "em:resend") });
          return;
      }
    }
    await ctx.reply(t("email-gave-up"));
  };
}

/** A button under the question: "cancel" ends the flow here; any other is handled as usual. */
async function endOnButton(conversation: Conversation<BotContext, ConvContext>, answer: ConvContext, t: (key: string) => string): Promise<never> {
  if (answer.callbackQuery?.data !== "em:x") return conversation.halt({ next: true });
  await answer.answerCallbackQuery();
  await answer.editMessageReplyMarkup().catch(() => undefined);
  await answer.reply(t("email-cancelled"));
  return conversation.halt();
}
