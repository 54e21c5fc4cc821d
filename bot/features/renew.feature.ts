import { Composer, InlineKeyboard } from "grammy";
import { createRenewalOrder, renewalOptions } from "../../shop/lifecycle/renewal.js";
import { userInstance } from "../../shop/vps/actions.js";
import type { BotContext } from "../context.js";
import { escapeHtml, formatDate, formatIdr } from "../../shop/messages/format.js";
import { isLocale } from "../../shop/messages/locale.js";
import { render } from "./catalog/browse.feature.js";
import { showMethods } from "./payments/pay.feature.js";

/**
 * One-tap renew (from /vps or a reminder): pick a period at today's price,
 * then pay with any method. The new expiry counts from the current one.
 */
export const renewFeature = new Composer<BotContext>();

renewFeature.callbackQuery(/^renew:(\d+)$/, async (ctx) => {
  const instance = await userInstance(ctx.deps.prisma, ctx.shopUser.id, Number(ctx.match[1]));
  if (!instance) return ctx.answerCallbackQuery({ text: ctx.t("vps-not-yours"), show_alert: true });
  await ctx.answerCallbackQuery();
  const options = await renewalOptions(ctx.deps.prisma, instance.id, ctx.shopUser.id);
  if (options.length === 0) return ctx.reply(ctx.t("renew-unavailable"));
  const kb = new InlineKeyboard();
  for (const o of options) kb.text(ctx.t("duration-button", { months: o.months, price: formatIdr(o.totalIdr) }), `renew:do:${instance.id}:${o.months}`).row();
  kb.text(ctx.t("menu-back"), `vps:view:${instance.id}`);
  const locale = isLocale(ctx.shopUser.language) ? ctx.shopUser.language : "id";
  await render(ctx, { text: ctx.t("renew-choose", { label: escapeHtml(instance.label), expires: formatDate(instance.expiresAt, locale) }), keyboard: kb });
});

renewFeature.callbackQuery(/^renew:do:(\d+):(\d+)$/, async (ctx) => {
  const result = await createRenewalOrder(ctx.deps.prisma, {
    userId: ctx.shopUser.id,
    instanceId: Number(ctx.match[1]),
    months: Number(ctx.match[2]),
    paymentTtlHours: ctx.deps.config.orderPaymentTtlHours,
    // Telegram's id of this tap: the tap handled again (webhook inbox) gets the same order back.
    requestKey: `tg-callback:${ctx.callbackQuery.id}`,
  });
  if (!result.ok) {
    const key = { no_price: "renew-unavailable", not_renewable: "renew-not-renewable", not_found: "vps-not-yours" }[result.reason];
    return ctx.answerCallbackQuery({ text: ctx.t(key), show_alert: true });
  }
  await ctx.answerCallbackQuery();
  const check = await ctx.deps.checkout.payable(result.orderId, ctx.shopUser.id);
  if (check.ok) await showMethods(ctx, check.order);
});
