import { Composer, InlineKeyboard, InputFile } from "grammy";
import type { BotContext } from "../context.js";
import { escapeHtml, formatDate, formatIdr } from "../../shop/messages/format.js";
import { isLocale, type Locale } from "../../shop/messages/locale.js";
import { invoicePdfFor, listInvoices } from "../../shop/resellers/invoices.js";
import { listLabelGroups, listOrdersWithLabelOf, setOrderLabel } from "../../shop/resellers/labels.js";
import { checkoutGroupOf, payGroupFromWallet } from "../../shop/resellers/group-orders.js";
import { walletBalance } from "../../shop/wallet/ledger.js";
import { dispatchSettlement } from "../../jobs/dispatch-settlement.js";
import { LABEL_CONVERSATION } from "./reseller-label.conversation.js";

const PAGE_SIZE = 5;

/**
 * Reseller tools for customers: orders grouped by the client/project label (`rs:l:<page>` the
 * labels, `rs:g:<anchorOrderId>:<page>` one label's orders), the label of an order set or cleared
 * (`rs:e:<orderId>`, `rs:x:<orderId>`), and the invoice history (`/invoices`, `rs:i:<page>`) with a
 * re-download of any invoice (`rs:d:<orderId>`), and paying a multi-VPS checkout's orders together
 * from the wallet (`rs:pg:<orderId>` asks, `rs:pgok:<orderId>` pays). Buttons are stateless and name groups by an order
 * id, never by label text (64-byte callback data, any script); ownership is checked on every tap.
 */
export const resellerFeature = new Composer<BotContext>();

const localeOf = (ctx: BotContext): Locale => (isLocale(ctx.shopUser.language) ? ctx.shopUser.language : "id");

/** Edits the message the button sat on; an old or deleted message gets a fresh one instead. */
async function render(ctx: BotContext, text: string, kb: InlineKeyboard) {
  const options = { parse_mode: "HTML" as const, reply_markup: kb };
  if (ctx.callbackQuery) await ctx.editMessageText(text, options).catch(() => ctx.reply(text, options));
  else await ctx.reply(text, options);
}

function pager(ctx: BotContext, kb: InlineKeyboard, page: number, pages: number, data: (page: number) => string) {
  kb.row();
  if (page > 0) kb.text(ctx.t("catalog-prev"), data(page - 1));
  if (page < pages - 1) kb.text(ctx.t("catalog-next"), data(page + 1));
  return pages > 1 ? `\n\n${ctx.t("catalog-page", { page: page + 1, pages })}` : "";
}

const labelName = (ctx: BotContext, label: string | null) => (label === null ? ctx.t("rsl-no-label") : escapeHtml(label));

resellerFeature.callbackQuery(/^rs:l:(\d+)$/, async (ctx) => {
  await ctx.answerCallbackQuery();
  const page = Number(ctx.match[1]);
  const { total, groups } = await listLabelGroups(ctx.deps.prisma, ctx.shopUser.id, page, PAGE_SIZE);
  const kb = new InlineKeyboard();
  if (total === 0) return render(ctx, ctx.t("rsl-groups-empty"), kb.text(ctx.t("orders-back"), "ord:list:0"));
  for (const g of groups) kb.text(ctx.t("rsl-group-button", { label: g.label ?? ctx.t("rsl-no-label"), orders: g.orders }), `rs:g:${g.anchorOrderId}:0`).row();
  const pages = Math.ceil(total / PAGE_SIZE);
  const footer = pager(ctx, kb, page, pages, (p) => `rs:l:${p}`);
  kb.row().text(ctx.t("orders-back"), "ord:list:0");
  const lines = groups.map((g) => ctx.t("rsl-group-line", { label: labelName(ctx, g.label), orders: g.orders }));
  await render(ctx, `${ctx.t("rsl-groups-title")}\n\n${lines.join("\n")}${footer}`, kb);
});

resellerFeature.callbackQuery(/^rs:g:(\d+):(\d+)$/, async (ctx) => {
  const page = Number(ctx.match[2]);
  const group = await listOrdersWithLabelOf(ctx.deps.prisma, ctx.shopUser.id, Number(ctx.match[1]), page, PAGE_SIZE);
  if (!group) return ctx.answerCallbackQuery({ text: ctx.t("order-not-found"), show_alert: true });
  await ctx.answerCallbackQuery();
  const kb = new InlineKeyboard();
  for (const o of group.items) kb.text(ctx.t("order-view-button", { reference: o.reference, status: ctx.t(`order-status-${o.status}`) }), `ord:view:${o.id}`).row();
  const footer = pager(ctx, kb, page, Math.ceil(group.total / PAGE_SIZE), (p) => `rs:g:${ctx.match[1]}:${p}`);
  kb.row().text(ctx.t("rsl-all-labels"), "rs:l:0").row().text(ctx.t("menu-main"), "menu:main");
  const lines = group.items.map((o) =>
    ctx.t("orders-line", { reference: o.reference, plan: escapeHtml(o.planName ?? "—"), total: formatIdr(o.totalIdr), status: ctx.t(`order-status-${o.status}`) }),
  );
  const title = ctx.t("rsl-group-title", { label: labelName(ctx, group.label), orders: group.total });
  await render(ctx, `${title}\n\n${lines.join("\n")}${footer}`, kb);
});

resellerFeature.callbackQuery(/^rs:e:(\d+)$/, async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.conversation.exitAll();
  await ctx.conversation.enter(LABEL_CONVERSATION, Number(ctx.match[1]));
});

resellerFeature.callbackQuery(/^rs:x:(\d+)$/, async (ctx) => {
  const orderId = Number(ctx.match[1]);
  const result = await setOrderLabel(ctx.deps.prisma, { userId: ctx.shopUser.id, orderId, label: null });
  if (result.status === "not_found") return ctx.answerCallbackQuery({ text: ctx.t("order-not-found"), show_alert: true });
  await ctx.answerCallbackQuery({ text: ctx.t("rsl-label-cleared", { reference: result.reference }) });
  await render(ctx, ctx.t("rsl-label-cleared", { reference: result.reference }), new InlineKeyboard().text(ctx.t("rsl-open-order"), `ord:view:${orderId}`));
});

async function renderInvoices(ctx: BotContext, page: number) {
  const { total, items } = await listInvoices(ctx.deps.prisma, ctx.shopUser.id, page, PAGE_SIZE);
  const kb = new InlineKeyboard();
  if (total === 0) return render(ctx, ctx.t("rsl-invoices-empty"), kb.text(ctx.t("menu-main"), "menu:main"));
  const locale = localeOf(ctx);
  for (const i of items) kb.text(ctx.t("rsl-invoice-button", { reference: i.reference }), `rs:d:${i.orderId}`).row();
  const footer = pager(ctx, kb, page, Math.ceil(total / PAGE_SIZE), (p) => `rs:i:${p}`);
  kb.row().text(ctx.t("menu-main"), "menu:main");
  const lines = items.map((i) => {
    const what = i.kind === "WALLET_TOPUP" ? ctx.t("rsl-invoice-topup") : escapeHtml(i.planName ?? "—");
    const line = ctx.t("rsl-invoice-line", { reference: i.reference, what, total: formatIdr(i.totalIdr), date: formatDate(i.paidAt, locale) });
    return i.clientLabel ? `${line}\n   ${ctx.t("rsl-label-line", { label: escapeHtml(i.clientLabel) })}` : line;
  });
  await render(ctx, `${ctx.t("rsl-invoices-title")}\n\n${lines.join("\n")}${footer}`, kb);
}

resellerFeature.chatType("private").command("invoices", (ctx) => renderInvoices(ctx, 0));

resellerFeature.callbackQuery(/^rs:i:(\d+)$/, async (ctx) => {
  await ctx.answerCallbackQuery();
  await renderInvoices(ctx, Number(ctx.match[1]));
});

resellerFeature.callbackQuery(/^rs:d:(\d+)$/, async (ctx) => {
  const invoice = await invoicePdfFor(ctx.deps.prisma, { userId: ctx.shopUser.id, orderId: Number(ctx.match[1]), shopName: ctx.deps.config.shopName });
  if (!invoice) return ctx.answerCallbackQuery({ text: ctx.t("rsl-invoice-not-found"), show_alert: true });
  await ctx.answerCallbackQuery();
  await ctx.replyWithDocument(new InputFile(invoice.pdf, `invoice-${invoice.reference}.pdf`), { caption: ctx.t("invoice-caption", { reference: invoice.reference }) });
});

resellerFeature.callbackQuery(/^rs:pg:(\d+)$/, async (ctx) => {
  const anchorId = Number(ctx.match[1]);
  const group = await checkoutGroupOf(ctx.deps.prisma, ctx.shopUser.id, anchorId);
  const pending = group.filter((o) => o.status === "PENDING_PAYMENT");
  if (pending.length === 0) return ctx.answerCallbackQuery({ text: ctx.t(group.length === 0 ? "order-not-found" : "rsl-qty-nothing-to-pay"), show_alert: true });
  await ctx.answerCallbackQuery();
  const total = pending.reduce((sum, o) => sum + o.totalIdr, 0);
  const balance = await walletBalance(ctx.deps.prisma, ctx.shopUser.id);
  const refs = pending.map((o) => `• ${o.reference}`).join("\n");
  const kb = new InlineKeyboard();
  if (balance >= total) kb.text(ctx.t("rsl-qty-pay-yes"), `rs:pgok:${anchorId}`).row();
  kb.text(ctx.t("menu-orders"), "ord:list:0");
  const key = balance >= total ? "rsl-qty-pay-confirm" : "rsl-qty-pay-short";
  await render(ctx, ctx.t(key, { quantity: pending.length, refs, total: formatIdr(total), balance: formatIdr(balance), after: formatIdr(balance - total) }), kb);
});

resellerFeature.callbackQuery(/^rs:pgok:(\d+)$/, async (ctx) => {
  const result = await payGroupFromWallet(ctx.deps.prisma, { userId: ctx.shopUser.id, anchorOrderId: Number(ctx.match[1]), payable: (orderId, userId) => ctx.deps.checkout.payable(orderId, userId) });
  if (!result.ok) {
    const text =
      result.reason === "insufficient" ? ctx.t("pay-wallet-insufficient", { balance: formatIdr(result.balanceIdr), needed: formatIdr(result.neededIdr) })
      : result.reason === "unpayable" ? ctx.t(result.check.reason === "sold_out" ? "rsl-qty-unavailable" : "rsl-qty-not-payable")
      : result.reason === "held" ? ctx.t("pay-wallet-held")
      : result.reason === "not_found" ? ctx.t("order-not-found")
      : ctx.t("rsl-qty-nothing-to-pay");
    return ctx.answerCallbackQuery({ text, show_alert: true });
  }
  await ctx.answerCallbackQuery();
  // After the commit, one settlement per order: each sibling provisions like any paid order.
  for (const p of result.paid) await dispatchSettlement(ctx.deps.queues, { result: "paid", orderId: p.orderId, paymentId: p.paymentId });
  const refs = result.paid.map((p) => `• ${p.reference}`).join("\n");
  await render(ctx, ctx.t("rsl-qty-paid", { quantity: result.paid.length, refs, total: formatIdr(result.paidIdr), balance: formatIdr(result.balanceAfterIdr) }), new InlineKeyboard().text(ctx.t("menu-orders"), "ord:list:0"));
});
