import { Composer, InlineKeyboard } from "grammy";
import { getUserOrder, listUserOrders } from "../../shop/orders/queries.js";
import type { BotContext } from "../context.js";
import { escapeHtml, formatDateTime, formatIdr } from "../../shop/messages/format.js";
import { isLocale } from "../../shop/messages/locale.js";
import { regionName } from "../../shop/catalog/regions.js";

const PAGE_SIZE = 5;

/**
 * /orders: the customer's orders, newest first, and each order's breakdown and
 * next step. Stateless buttons (`ord:list:<page>`, `ord:view:<id>`), so they
 * keep working from any old message; ownership is checked on every view.
 */
export const ordersFeature = new Composer<BotContext>();

async function renderList(ctx: BotContext, page: number) {
  const { total, items } = await listUserOrders(ctx.deps.prisma, ctx.shopUser.id, page, PAGE_SIZE);
  const kb = new InlineKeyboard();
  if (total === 0) return { text: ctx.t("orders-empty"), kb: kb.text(ctx.t("menu-catalog"), "menu:catalog").row().text(ctx.t("menu-main"), "menu:main") };
  for (const o of items) {
    kb.text(ctx.t("order-view-button", { reference: o.reference, status: ctx.t(`order-status-${o.status}`) }), `ord:view:${o.id}`).row();
  }
  const pages = Math.ceil(total / PAGE_SIZE);
  if (page > 0) kb.text(ctx.t("catalog-prev"), `ord:list:${page - 1}`);
  if (page < pages - 1) kb.text(ctx.t("catalog-next"), `ord:list:${page + 1}`);
  kb.row().text(ctx.t("rsl-by-label"), "rs:l:0").row().text(ctx.t("menu-main"), "menu:main");
  const lines = items.map((o) => {
    const line = ctx.t("orders-line", { reference: o.reference, plan: escapeHtml(o.planName ?? "—"), total: formatIdr(o.totalIdr), status: ctx.t(`order-status-${o.status}`) });
    return o.clientLabel ? `${line}\n   ${ctx.t("rsl-label-line", { label: escapeHtml(o.clientLabel) })}` : line;
  });
  const footer = pages > 1 ? `\n\n${ctx.t("catalog-page", { page: page + 1, pages })}` : "";
  return { text: `${ctx.t("orders-title")}\n\n${lines.join("\n")}${footer}`, kb };
}

ordersFeature.chatType("private").command("orders", async (ctx) => {
  const { text, kb } = await renderList(ctx, 0);
  await ctx.reply(text, { parse_mode: "HTML", reply_markup: kb });
});

ordersFeature.callbackQuery(["menu:orders", /^ord:list:(\d+)$/], async (ctx) => {
  await ctx.answerCallbackQuery();
  const page = Number(ctx.match?.[1] ?? 0);
  const { text, kb } = await renderList(ctx, page);
  await ctx.editMessageText(text, { parse_mode: "HTML", reply_markup: kb }).catch(() => ctx.reply(text, { parse_mode: "HTML", reply_markup: kb }));
});

ordersFeature.callbackQuery(/^ord:view:(\d+)$/, async (ctx) => {
  const order = await getUserOrder(ctx.deps.prisma, ctx.shopUser.id, Number(ctx.match[1]));
  if (!order) {
    await ctx.answerCallbackQuery({ text: ctx.t("order-not-found"), show_alert: true });
    return;
  }
  await ctx.answerCallbackQuery();
  const locale = isLocale(ctx.shopUser.language) ? ctx.shopUser.language : "id";
  const lines = [
    ctx.t("order-detail-title", { reference: order.reference }),
    ctx.t("order-detail-status", { status: ctx.t(`order-status-${order.status}`) }),
    ctx.t("order-detail-created", { date: formatDateTime(order.createdAt, locale) }),
    ...(order.clientLabel ? [ctx.t("rsl-label-line", { label: escapeHtml(order.clientLabel) })] : []),
    "",
  ];
  if (order.planName) {
    lines.push(ctx.t("summary-plan", { plan: escapeHtml(order.planName), provider: order.providerCode ?? "", region: order.region ? escapeHtml(regionName(order.providerCode, order.region, locale)) : "" }));
    if (order.imageName) lines.push(ctx.t("summary-image", { image: escapeHtml(order.imageName) }));
    if (order.durationMonths) lines.push(ctx.t("summary-duration", { duration: ctx.t("duration", { months: order.durationMonths }) }));
  }
  lines.push(ctx.t("summary-base", { amount: formatIdr(order.basePriceIdr) }));
  if (order.promoDiscountIdr > 0) lines.push(ctx.t("summary-promo", { amount: formatIdr(order.promoDiscountIdr) }));
  if (order.couponDiscountIdr > 0) lines.push(ctx.t("summary-coupon", { code: escapeHtml(order.couponCode ?? ""), amount: formatIdr(order.couponDiscountIdr) }));
  lines.push(ctx.t("summary-total", { amount: formatIdr(order.totalIdr) }), "");
  lines.push(ctx.t(`order-next-${order.status}`, { deadline: order.paymentDeadline ? formatDateTime(order.paymentDeadline, locale) : "—" }));
  lines.push("", ctx.t("order-detail-history"));
  for (const h of order.statusHistory) lines.push(`• ${formatDateTime(h.createdAt, locale)} — ${ctx.t(`order-status-${h.toStatus}`)}`);
  const kb = new InlineKeyboard();
  if (order.status === "PENDING_PAYMENT") kb.text(ctx.t("pay-now"), `pay:m:${order.id}`).row();
  // One of several VPS ordered together: the whole checkout can be paid at once from the balance.
  if (order.checkoutGroup && order.status === "PENDING_PAYMENT") kb.text(ctx.t("rsl-qty-pay-all"), `rs:pg:${order.id}`).row();
  if (order.kind !== "WALLET_TOPUP") {
    kb.text(ctx.t(order.clientLabel ? "rsl-label-change" : "rsl-label-add"), `rs:e:${order.id}`);
    if (order.clientLabel) kb.text(ctx.t("rsl-label-remove"), `rs:x:${order.id}`);
    kb.row();
  }
  if (order.paidAt) kb.text(ctx.t("rsl-invoice-open"), `rs:d:${order.id}`).row();
  kb.text(ctx.t("orders-back"), "ord:list:0").row().text(ctx.t("menu-main"), "menu:main");
  const text = lines.join("\n");
  await ctx.editMessageText(text, { parse_mode: "HTML", reply_markup: kb }).catch(() => ctx.reply(text, { parse_mode: "HTML", reply_markup: kb }));
});
