import { Composer, GrammyError, InlineKeyboard } from "grammy";
import { emailState, removeEmail } from "../../shop/email/verification.js";
import { escapeHtml, formatDate, formatDateTime } from "../../shop/messages/format.js";
import type { BotContext } from "../context.js";
import { EMAIL_CONVERSATION, type EmailStep } from "./email-settings.conversation.js";

/**
 * The email part of `/settings`: the customer's address for email copies, added or changed
 * with a code (email-settings.conversation.ts), or removed. Shown only when the shop has SMTP
 * (SMTP_URL); every tap acts on the tapper's own row.
 */
export const emailSettingsFeature = new Composer<BotContext>();
const chat = emailSettingsFeature.chatType("private");

/** The /settings button to this screen, or undefined when the shop sends no email. */
export async function emailSettingsButton(ctx: BotContext): Promise<{ text: string; data: string } | undefined> {
  if (!ctx.deps.config.email) return undefined;
  const user = await ctx.deps.prisma.user.findUnique({ where: { id: ctx.shopUser.id }, select: { email: true, emailVerifiedAt: true } });
  // A long address is shortened on the button (the screen behind it shows it whole).
  const shown = (email: string) => (email.length > 32 ? `${email.slice(0, 31)}…` : email);
  const text = user?.email && user.emailVerifiedAt ? ctx.t("email-settings-btn-set", { email: shown(user.email) }) : ctx.t("email-settings-btn-none");
  return { text, data: "em:open" };
}

async function showEmail(ctx: BotContext): Promise<void> {
  const locale = ctx.shopUser.language;
  const state = await emailState(ctx.deps.prisma, ctx.shopUser.id);
  const lines = [ctx.t("email-title"), "", ctx.t("email-explain"), ""];
  if (state.confirmed) lines.push(ctx.t("email-state-confirmed", { email: escapeHtml(state.confirmed.email), since: formatDate(state.confirmed.since, locale) }));
  else lines.push(ctx.t("email-state-none"));
  if (state.pending) lines.push(ctx.t("email-state-pending", { email: escapeHtml(state.pending.email), until: formatDateTime(state.pending.expiresAt, locale) }));
  const kb = new InlineKeyboard();
  if (state.pending) kb.text(ctx.t("email-btn-enter-code"), "em:code").text(ctx.t("email-btn-resend"), "em:resend").row();
  kb.text(ctx.t(state.confirmed ? "email-btn-change" : "email-btn-add"), "em:add").row();
  if (state.confirmed) kb.text(ctx.t("email-btn-remove"), "em:rm").row();
  kb.text(ctx.t("email-btn-back"), "menu:settings");
  await editOrReply(ctx, lines.join("\n"), kb);
}

/** Redraws the tapped message; a second tap on the same screen is not an error. */
async function editOrReply(ctx: BotContext, text: string, kb: InlineKeyboard): Promise<void> {
  const opts = { parse_mode: "HTML" as const, reply_markup: kb };
  if (!ctx.callbackQuery) {
    await ctx.reply(text, opts);
    return;
  }
  await ctx.editMessageText(text, opts).catch(async (err: unknown) => {
    if (!(err instanceof GrammyError && err.description.includes("message is not modified"))) await ctx.reply(text, opts);
  });
}

/** Every button of this screen: refused with a plain answer when the shop has no SMTP. */
chat.callbackQuery(/^em:/, async (ctx, next) => {
  if (ctx.deps.config.email) return next();
  await ctx.answerCallbackQuery({ text: ctx.t("email-disabled"), show_alert: true });
});

chat.callbackQuery("em:open", async (ctx) => {
  await ctx.answerCallbackQuery();
  await showEmail(ctx);
});

chat.callbackQuery(["em:add", "em:code", "em:resend"], async (ctx) => {
  await ctx.answerCallbackQuery();
  const step: EmailStep = ctx.callbackQuery.data === "em:add" ? "address" : ctx.callbackQuery.data === "em:code" ? "code" : "resend";
  await ctx.conversation.exitAll();
  await ctx.conversation.enter(EMAIL_CONVERSATION, step);
});

// A cancel button of a flow that already ended: nothing to cancel.
chat.callbackQuery("em:x", async (ctx) => {
  await ctx.answerCallbackQuery({ text: ctx.t("email-cancelled") });
  await ctx.editMessageReplyMarkup().catch(() => undefined);
});

chat.callbackQuery("em:rm", async (ctx) => {
  await ctx.answerCallbackQuery();
  const state = await emailState(ctx.deps.prisma, ctx.shopUser.id);
  if (!state.confirmed) {
    await showEmail(ctx);
    return;
  }
  const kb = new InlineKeyboard().text(ctx.t("email-btn-remove-confirm"), "em:rmok").row().text(ctx.t("email-btn-back"), "em:open");
  await editOrReply(ctx, ctx.t("email-remove-ask", { email: escapeHtml(state.confirmed.email) }), kb);
});

chat.callbackQuery("em:rmok", async (ctx) => {
  const removed = await removeEmail({ prisma: ctx.deps.prisma }, ctx.shopUser.id);
  await ctx.answerCallbackQuery({ text: removed.status === "removed" ? ctx.t("email-removed", { email: removed.email }) : ctx.t("email-nothing-to-remove") });
  await showEmail(ctx);
});
