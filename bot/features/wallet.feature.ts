import type { Conversation } from "@grammyjs/conversations";
import { Composer, InlineKeyboard } from "grammy";
import { TOPUP_MAX_IDR, TOPUP_MIN_IDR, TOPUP_PRESETS_IDR, createTopUpOrder, parseRupiah, type TopUpResult } from "../../shop/wallet/topup.js";
import { walletBalance, walletHistory } from "../../shop/wallet/ledger.js";
import type { BotContext, BotDeps, ConvContext } from "../context.js";
import { formatDateTime, formatIdr } from "../../shop/messages/format.js";
import { isLocale } from "../../shop/messages/locale.js";
import { render } from "./catalog/browse.feature.js";

export const TOPUP_CONVERSATION = "topup-amount";

/**
 * /wallet: the balance (always derived from the ledger), recent history, and
 * top-ups through any gateway method — preset amounts or a typed one.
 */
export const walletFeature = new Composer<BotContext>();

async function showWallet(ctx: BotContext) {
  const { prisma } = ctx.deps;
  const locale = isLocale(ctx.shopUser.language) ? ctx.shopUser.language : "id";
  const [balance, history] = await Promise.all([walletBalance(prisma, ctx.shopUser.id), walletHistory(prisma, ctx.shopUser.id, { page: 0, pageSize: 8 })]);
  const lines = [ctx.t("wallet-title", { balance: formatIdr(balance) }), "", ctx.t("wallet-history")];
  if (history.items.length === 0) lines.push(ctx.t("wallet-empty-history"));
  for (const item of history.items) {
    const sign = item.amountIdr >= 0 ? "+" : "−";
    lines.push(ctx.t("wallet-line", { date: formatDateTime(item.createdAt, locale), amount: `${sign}${formatIdr(Math.abs(item.amountIdr))}`, memo: ctx.t(`ledger-${item.kind}`) }));
  }
  lines.push("", ctx.t("wallet-topup"));
  const kb = new InlineKeyboard();
  TOPUP_PRESETS_IDR.forEach((amount, i) => {
    kb.text(formatIdr(amount), `wal:top:${amount}`);
    if (i % 2 === 1) kb.row();
  });
  kb.row().text(ctx.t("wallet-topup-custom"), "wal:custom").row().text(ctx.t("menu-main"), "menu:main");
  await render(ctx, { text: lines.join("\n"), keyboard: kb });
}

const limits = () => ({ min: formatIdr(TOPUP_MIN_IDR), max: formatIdr(TOPUP_MAX_IDR) });

/** What to tell a customer whose top-up was not created. */
function refusal(t: (key: string, vars?: Record<string, string | number>) => string, result: Exclude<TopUpResult, { ok: true }>): string {
  return result.reason === "too_many_open" ? t("wallet-topup-too-many", { max: result.maxOpen }) : t("wallet-topup-invalid", limits());
}

walletFeature.chatType("private").command("wallet", (ctx) => showWallet(ctx));
walletFeature.callbackQuery("menu:wallet", async (ctx) => {
  await ctx.answerCallbackQuery();
  await showWallet(ctx);
});

walletFeature.callbackQuery(/^wal:top:(\d+)$/, async (ctx) => {
  const result = await createTopUpOrder(ctx.deps.prisma, { userId: ctx.shopUser.id, amountIdr: Number(ctx.match[1]), paymentTtlHours: ctx.deps.config.orderPaymentTtlHours });
  await ctx.answerCallbackQuery();
  if (!result.ok) {
    await ctx.reply(refusal((key, vars) => ctx.t(key, vars), result));
    return;
  }
  await render(ctx, { text: ctx.t("wallet-topup-created", { amount: formatIdr(result.amountIdr), reference: result.reference }), keyboard: new InlineKeyboard().text(ctx.t("pay-now"), `pay:m:${result.orderId}`) });
});

walletFeature.callbackQuery("wal:custom", async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.conversation.exitAll();
  await ctx.conversation.enter(TOPUP_CONVERSATION);
});

/** Asks for a custom top-up amount until it is valid (or /cancel). */
export function topUpConversation(deps: BotDeps) {
  return async function topUpAmount(conversation: Conversation<BotContext, ConvContext>, ctx: ConvContext) {
    const from = ctx.from!;
    const user = await conversation.external(() => deps.users.resolve(from));
    const locale = isLocale(user.language) ? user.language : "id";
    const t = (key: string, vars?: Record<string, string | number>) => deps.i18n.t(locale, key, vars);
    await ctx.reply(t("wallet-topup-ask", limits()));
    for (let attempt = 0; attempt < 5; attempt++) {
      const answer = await conversation.waitFor("message:text", { otherwise: (other) => other.reply(t("wallet-topup-ask", limits())) });
      const amount = parseRupiah(answer.message.text);
      if (amount === null || amount < TOPUP_MIN_IDR || amount > TOPUP_MAX_IDR) {
        await answer.reply(t("wallet-topup-invalid", limits()));
        continue;
      }
      const now = new Date(await conversation.now());
      const result = await conversation.external(() => createTopUpOrder(deps.prisma, { userId: user.id, amountIdr: amount, paymentTtlHours: deps.config.orderPaymentTtlHours, now }));
      if (!result.ok) {
        await answer.reply(refusal(t, result));
        return;
      }
      await answer.reply(t("wallet-topup-created", { amount: formatIdr(result.amountIdr), reference: result.reference }), {
        reply_markup: new InlineKeyboard().text(t("pay-now"), `pay:m:${result.orderId}`),
      });
      return;
    }
  };
}
