import { Composer, InlineKeyboard, InputFile } from "grammy";
import { dispatchSettlement } from "../../../jobs/dispatch-settlement.js";
import { PaymentAttemptLimitError } from "../../../shop/payments/attempt-limits.js";
import { PaymentUnavailableError, type MethodOption, type PayableOrder } from "../../../shop/payments/checkout.js";
import { NoFreeTransferCodeError } from "../../../shop/payments/manual-transfer.js";
import { payOrderFromWallet } from "../../../shop/wallet/ledger.js";
import type { BotContext } from "../../context.js";
import { escapeHtml, formatDateTime, formatIdr } from "../../../shop/messages/format.js";
import { isLocale, type Locale } from "../../../shop/messages/locale.js";
import { render } from "../catalog/browse.feature.js";

/**
 * Paying an order: the methods this shop has configured, each with its fee and
 * total shown before the customer commits, then the chosen gateway's
 * instructions. Buttons carry the order id; ownership and payability are
 * checked on every press.
 */
export const payFeature = new Composer<BotContext>();

const localeOf = (ctx: BotContext): Locale => (isLocale(ctx.shopUser.language) ? ctx.shopUser.language : "id");

async function payableOr(ctx: BotContext, orderId: number): Promise<PayableOrder | undefined> {
  const check = await ctx.deps.checkout.payable(orderId, ctx.shopUser.id);
  if (check.ok) return check.order;
  const text =
    check.reason === "not_found" ? ctx.t("order-not-found")
    : check.reason === "sold_out" ? ctx.t("plan-sold-out")
    : ctx.t("pay-not-payable", { status: ctx.t(`order-status-${check.status}`) });
  await ctx.answerCallbackQuery({ text, show_alert: true });
  return undefined;
}

/**
 * Tells the customer why a payment could not start when it is something they can act on
 * (gateway trouble, too many attempts, no free transfer code); false for anything else.
 */
async function explainStartFailure(ctx: BotContext, err: unknown): Promise<boolean> {
  if (err instanceof PaymentUnavailableError) {
    ctx.logger.warn({ err: err.message }, "payment could not start");
    await ctx.reply(ctx.t("pay-gateway-error", { gateway: err.gateway }));
    return true;
  }
  if (err instanceof PaymentAttemptLimitError) {
    ctx.logger.info({ scope: err.scope }, "payment attempt refused: limit reached");
    await ctx.reply(ctx.t(err.scope === "order" ? "pay-attempts-order-limit" : "pay-attempts-user-limit"));
    return true;
  }
  if (err instanceof NoFreeTransferCodeError) {
    ctx.logger.warn({ err: err.message }, "manual transfer could not start");
    await ctx.reply(ctx.t("pay-manual-unavailable"));
    return true;
  }
  return false;
}

function optionLabel(ctx: BotContext, option: MethodOption): string {
  switch (option.kind) {
    case "tripay":
      return option.feeIdr > 0
        ? ctx.t("pay-option", { name: option.name, fee: formatIdr(option.feeIdr), total: formatIdr(option.totalIdr) })
        : ctx.t("pay-option-free", { name: option.name, total: formatIdr(option.totalIdr) });
    case "midtrans":
      return ctx.t("pay-option-free", { name: ctx.t("pay-option-midtrans"), total: formatIdr(option.totalIdr) });
    case "wallet":
      return ctx.t(option.enough ? "pay-option-wallet-balance" : "pay-option-wallet-short", { total: formatIdr(option.totalIdr), balance: formatIdr(option.balanceIdr) });
    case "manual":
      return ctx.t("pay-option-manual");
  }
}

function optionData(orderId: number, option: MethodOption): string {
  switch (option.kind) {
    case "tripay":
      return `pay:tp:${orderId}:${option.code}`;
    case "midtrans":
      return `pay:mt:${orderId}`;
    case "wallet":
      return `pay:wl:${orderId}`;
    case "manual":
      return `pay:mn:${orderId}`;
  }
}

/** Shows the payment methods for an order (edits the pressed message). */
export async function showMethods(ctx: BotContext, order: PayableOrder): Promise<void> {
  const options = await ctx.deps.checkout.methods(order);
  const kb = new InlineKeyboard();
  for (const option of options) kb.text(optionLabel(ctx, option), optionData(order.id, option)).row();
  kb.text(ctx.t("menu-orders"), `ord:view:${order.id}`);
  const lines = [ctx.t("pay-title", { reference: order.reference }), ctx.t("pay-order-total", { total: formatIdr(order.totalIdr) })];
  if (options.length === 0) lines.push("", ctx.t("pay-none"));
  await render(ctx, { text: lines.join("\n"), keyboard: kb });
}

payFeature.callbackQuery(/^pay:m:(\d+)$/, async (ctx) => {
  const order = await payableOr(ctx, Number(ctx.match[1]));
  if (!order) return;
  await ctx.answerCallbackQuery();
  await showMethods(ctx, order);
});

payFeature.callbackQuery(/^pay:tp:(\d+):([A-Z0-9_]+)$/, async (ctx) => {
  const order = await payableOr(ctx, Number(ctx.match[1]));
  if (!order) return;
  await ctx.answerCallbackQuery();
  let start;
  try {
    start = await ctx.deps.checkout.startTripay(order, ctx.match[2]!, { name: ctx.from.first_name, telegramId: ctx.from.id });
  } catch (err) {
    if (await explainStartFailure(ctx, err)) return;
    throw err;
  }
  const locale = localeOf(ctx);
  const common = { channel: escapeHtml(start.channel.name), total: formatIdr(start.totalIdr), fee: formatIdr(start.feeIdr), expires: formatDateTime(start.expiresAt, locale) };
  const link = start.payUrl ?? start.checkoutUrl;
  const kb = new InlineKeyboard();
  if (link) kb.url(ctx.t("pay-open-checkout"), link).row();
  kb.text(ctx.t("menu-orders"), `ord:view:${order.id}`);
  if (start.qrString) {
    // qrcode (with pngjs) loads at the first QRIS payment, not with the bot.
    const { default: QRCode } = await import("qrcode");
    const png = await QRCode.toBuffer(start.qrString, { type: "png", width: 480, margin: 2, errorCorrectionLevel: "M" });
    await ctx.replyWithPhoto(new InputFile(png, `qris-${order.reference}.png`), { caption: ctx.t("pay-tripay-qris", common), parse_mode: "HTML", reply_markup: kb });
    return;
  }
  const key = start.payCode ? "pay-tripay-va" : "pay-tripay-redirect";
  await ctx.reply(ctx.t(key, { ...common, code: start.payCode ?? "" }), { parse_mode: "HTML", reply_markup: kb });
});

payFeature.callbackQuery(/^pay:mt:(\d+)$/, async (ctx) => {
  const order = await payableOr(ctx, Number(ctx.match[1]));
  if (!order) return;
  await ctx.answerCallbackQuery();
  try {
    const snap = await ctx.deps.checkout.startMidtrans(order, { name: ctx.from.first_name, telegramId: ctx.from.id });
    const kb = new InlineKeyboard().url(ctx.t("pay-open-checkout"), snap.redirectUrl).row().text(ctx.t("menu-orders"), `ord:view:${order.id}`);
    await ctx.reply(ctx.t("pay-midtrans", { total: formatIdr(snap.totalIdr) }), { parse_mode: "HTML", reply_markup: kb });
  } catch (err) {
    if (await explainStartFailure(ctx, err)) return;
    throw err;
  }
});

payFeature.callbackQuery(/^pay:wl:(\d+)$/, async (ctx) => {
  const order = await payableOr(ctx, Number(ctx.match[1]));
  if (!order) return;
  await ctx.answerCallbackQuery();
  const options = await ctx.deps.checkout.methods(order);
  const wallet = options.find((o) => o.kind === "wallet");
  if (!wallet || wallet.kind !== "wallet") return;
  if (!wallet.enough) {
    await ctx.reply(ctx.t("pay-wallet-insufficient", { balance: formatIdr(wallet.balanceIdr), needed: formatIdr(order.totalIdr) }));
    return;
  }
  const kb = new InlineKeyboard().text(ctx.t("pay-wallet-yes"), `pay:wlok:${order.id}`).row().text(ctx.t("menu-back"), `pay:m:${order.id}`);
  await render(ctx, {
    text: ctx.t("pay-wallet-confirm", { total: formatIdr(order.totalIdr), balance: formatIdr(wallet.balanceIdr), after: formatIdr(wallet.balanceIdr - order.totalIdr) }),
    keyboard: kb,
  });
});

payFeature.callbackQuery(/^pay:wlok:(\d+)$/, async (ctx) => {
  const order = await payableOr(ctx, Number(ctx.match[1]));
  if (!order) return;
  const result = await payOrderFromWallet(ctx.deps.prisma, { orderId: order.id, userId: ctx.shopUser.id });
  if (!result.ok) {
    await ctx.answerCallbackQuery();
    if (result.reason === "insufficient") await ctx.reply(ctx.t("pay-wallet-insufficient", { balance: formatIdr(result.balanceIdr), needed: formatIdr(result.neededIdr) }));
    else if (result.reason === "held") await ctx.reply(ctx.t("pay-wallet-held"));
    else await ctx.reply(ctx.t("pay-not-payable", { status: ctx.t(`order-status-${result.reason === "not_payable" ? result.status : "PAID"}`) }));
    return;
  }
  await ctx.answerCallbackQuery();
  await dispatchSettlement(ctx.deps.queues, { result: "paid", orderId: order.id, paymentId: result.paymentId });
  await ctx.editMessageText(ctx.t("pay-wallet-done", { reference: order.reference, balance: formatIdr(result.balanceAfterIdr) })).catch(() => undefined);
});

payFeature.callbackQuery(/^pay:mn:(\d+)$/, async (ctx) => {
  const order = await payableOr(ctx, Number(ctx.match[1]));
  if (!order) return;
  await ctx.answerCallbackQuery();
  let transfer;
  try {
    transfer = await ctx.deps.checkout.startManual(order);
  } catch (err) {
    if (await explainStartFailure(ctx, err)) return;
    throw err;
  }
  const accounts = transfer.accounts.map((a) => `• ${escapeHtml(a.bankName)} <code>${escapeHtml(a.accountNumber)}</code> a.n. ${escapeHtml(a.accountHolder)}`).join("\n");
  await ctx.reply(
    ctx.t("pay-manual", { amount: formatIdr(transfer.amountIdr), code: formatIdr(transfer.uniqueCodeIdr), accounts, deadline: formatDateTime(transfer.deadline, localeOf(ctx)) }),
    { parse_mode: "HTML", reply_markup: new InlineKeyboard().text(ctx.t("menu-orders"), `ord:view:${order.id}`) },
  );
});
