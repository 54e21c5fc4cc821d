import { Composer, InlineKeyboard, InputFile } from "grammy";
import { QueueName, jobId } from "../../jobs/queues.js";
import { formatDateTime, formatIdr } from "../../shop/messages/format.js";
import { isLocale, type Locale } from "../../shop/messages/locale.js";
import { claimResend, refundOrderToWallet } from "../../shop/orders/console/actions.js";
import { loadOrderCard } from "../../shop/orders/console/card.js";
import { CSV_MAX_ROWS, exportOrdersCsv } from "../../shop/orders/console/csv.js";
import { orderAudit, orderHistory, orderInstance, orderMessages, orderPayments, orderProvisioning } from "../../shop/orders/console/drill.js";
import { CONSOLE_PROVIDERS, CONSOLE_STATUSES, isEmptyFilter, jakartaDaysAgo, parseOrderFilter, type OrderFilter } from "../../shop/orders/console/filters.js";
import { searchOrders, type PageCursor } from "../../shop/orders/console/search.js";
import { retryProvisioning } from "../../shop/provisioning/staff-actions.js";
import { staffActor } from "../../shop/users/staff.js";
import type { BotContext } from "../context.js";
import { allowedTo } from "../middlewares/permission.filter.js";
import { leaveCatalogForm } from "./catalog-admin/form.js";
import { ORDER_REASON_CONVERSATION, type ReasonFor } from "./order-console.conversation.js";
import * as views from "./order-console.views.js";

/**
 * The orders console (staff): `/order <reference>` opens an order's card, `/order <filters>`
 * searches (customer, status, provider, dates; paged), `/order` alone offers one-tap filters,
 * `/order csv from:… to:…` exports. From the card: drill-ins (history, payments and callbacks,
 * provisioning, VPS, audit, messages) and actions, each behind its own permission, checked at
 * every tap by `allowedTo`; the domain (shop/orders/console/) locks, checks and audits.
 */
export const orderConsoleFeature = new Composer<BotContext>();
const chat = orderConsoleFeature.chatType("private");
const viewer = chat.filter(allowedTo("orders.view"));
const manager = chat.filter(allowedTo("orders.manage"));
const refunder = chat.filter(allowedTo("orders.refund"));
const retrier = chat.filter(allowedTo("provisioning.retry"));

/**
 * Telegram's limit is 4096 characters; drill-ins of a long-lived order are cut, not refused. Whole
 * lines are dropped (every line closes its own tags, so the HTML stays whole): the last ones, or
 * with `from: "start"` the oldest after the title line (the audit, oldest first, keeps its newest).
 */
export function fit(text: string, from: "end" | "start" = "end", max = 4000): string {
  if (text.length <= max) return text;
  const lines = text.split("\n");
  const [title, rest] = from === "start" ? [lines[0]!, lines.slice(1)] : ["", lines];
  let length = title.length + 2 + rest.reduce((n, l) => n + l.length + 1, 0);
  while (rest.length > 1 && length > max) length -= (from === "start" ? rest.shift()! : rest.pop()!).length + 1;
  // An entry's continuation lines (indented) go with the entry whose head was dropped.
  while (from === "start" && rest.length > 1 && /^\s/.test(rest[0]!)) rest.shift();
  const body = rest.join("\n");
  if (body.length + title.length + 2 > max) return from === "start" ? `${title}\n…` : "…";
  return from === "start" ? `${title}\n…\n${body}` : `${body}\n…`;
}
const localeOf = (ctx: BotContext): Locale => (isLocale(ctx.shopUser.language) ? ctx.shopUser.language : "id");
const html = { parse_mode: "HTML" as const };
const backTo = (ctx: BotContext, orderId: number) => new InlineKeyboard().text(ctx.t("ordc-btn-back"), `oc:c:${orderId}`);

/** The last search of a chat, so its pages can be turned (callback data has no room for filters). */
const searchKey = (ctx: BotContext) => `${ctx.deps.config.queuePrefix}:oc:q:${ctx.chat!.id}`;

async function rememberSearch(ctx: BotContext, filter: OrderFilter): Promise<void> {
  await ctx.deps.redis.set(searchKey(ctx), JSON.stringify(filter), "EX", 86_400);
}

async function recallSearch(ctx: BotContext): Promise<OrderFilter | null> {
  const raw = await ctx.deps.redis.get(searchKey(ctx));
  if (!raw) return null;
  const f = JSON.parse(raw) as OrderFilter & { from?: string; to?: string };
  return { ...f, ...(f.from ? { from: new Date(f.from) } : {}), ...(f.to ? { to: new Date(f.to) } : {}) };
}

async function showPage(ctx: BotContext, filter: OrderFilter, cursor: PageCursor, pageNo: number, edit: boolean) {
  const page = await searchOrders(ctx.deps.prisma, filter, cursor);
  const locale = localeOf(ctx);
  const { text, keyboard } = views.resultList(ctx.t.bind(ctx), page, views.describeFilter(ctx.t.bind(ctx), filter, locale), pageNo, locale);
  if (edit) await ctx.editMessageText(fit(text), { ...html, reply_markup: keyboard }).catch(() => ctx.reply(fit(text), { ...html, reply_markup: keyboard }));
  else await ctx.reply(fit(text), { ...html, reply_markup: keyboard });
}

async function showCard(ctx: BotContext, ref: string | number) {
  const card = await loadOrderCard(ctx.deps.prisma, ref);
  if (!card) return ctx.reply(ctx.t("ordc-not-found", { reference: String(ref) }));
  const { text, keyboard } = views.orderCard(ctx.t.bind(ctx), card, localeOf(ctx));
  await ctx.reply(fit(text), { ...html, reply_markup: keyboard });
}

async function sendCsv(ctx: BotContext, from: Date, to: Date) {
  const { csv, rows, truncated } = await exportOrdersCsv(ctx.deps.prisma, { from, to });
  const day = (d: Date) => new Date(d.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
  const lastDay = new Date(to.getTime() - 1);
  const caption = ctx.t("ordc-csv-caption", { rows, from: day(from), to: day(lastDay), cut: truncated ? ` ${ctx.t("ordc-csv-cut", { max: CSV_MAX_ROWS })}` : "" });
  await ctx.replyWithDocument(new InputFile(Buffer.from(csv, "utf8"), `orders-${day(from)}-${day(lastDay)}.csv`), { caption });
}

viewer.command("order", async (ctx) => {
  const text = ctx.match.trim();
  if (!text) {
    const { text: menu, keyboard } = views.searchMenu(ctx.t.bind(ctx));
    return ctx.reply(menu, { ...html, reply_markup: keyboard });
  }
  const csv = /^(csv|export)\b\s*(.*)$/i.exec(text);
  const parsed = parseOrderFilter(csv ? csv[2]! : text);
  if (!parsed.ok) return ctx.reply(ctx.t("ordc-bad-filter", { bad: parsed.bad }));
  const filter = parsed.filter;
  if (csv) {
    if (!filter.from) return ctx.reply(ctx.t("ordc-csv-bad"));
    return sendCsv(ctx, filter.from, filter.to ?? jakartaDaysAgo(-1));
  }
  if (filter.reference) return showCard(ctx, filter.reference);
  if (isEmptyFilter(filter)) return ctx.reply(ctx.t("ordc-bad-filter", { bad: text }));
  await rememberSearch(ctx, filter);
  await showPage(ctx, filter, {}, 1, false);
});

viewer.callbackQuery(/^oc:f:(s|p|d):(\d+)$/, async (ctx) => {
  await ctx.answerCallbackQuery();
  const [kind, n] = [ctx.match[1], Number(ctx.match[2])];
  let filter: OrderFilter | undefined;
  if (kind === "s" && CONSOLE_STATUSES[n]) filter = { status: CONSOLE_STATUSES[n] };
  if (kind === "p" && CONSOLE_PROVIDERS[n]) filter = { provider: CONSOLE_PROVIDERS[n] };
  if (kind === "d" && n <= 366) filter = { from: jakartaDaysAgo(n) };
  if (!filter) return;
  await rememberSearch(ctx, filter);
  await showPage(ctx, filter, {}, 1, false);
});

viewer.callbackQuery(/^oc:pg:(n|p):(\d+):(\d+)$/, async (ctx) => {
  await ctx.answerCallbackQuery();
  const filter = await recallSearch(ctx);
  if (!filter) return ctx.reply(ctx.t("ordc-search-expired"));
  const anchor = Number(ctx.match[2]);
  await showPage(ctx, filter, ctx.match[1] === "n" ? { before: anchor } : { after: anchor }, Math.max(1, Number(ctx.match[3])), true);
});

viewer.callbackQuery(/^oc:csv:(\d+)$/, async (ctx) => {
  await ctx.answerCallbackQuery();
  const days = Math.min(366, Number(ctx.match[1]));
  await sendCsv(ctx, jakartaDaysAgo(days), jakartaDaysAgo(-1));
});

viewer.callbackQuery(/^oc:c:(\d+)$/, async (ctx) => {
  await ctx.answerCallbackQuery();
  await showCard(ctx, Number(ctx.match[1]));
});

viewer.callbackQuery(/^oc:d:(h|pa|pr|in|au|ms):(\d+)$/, async (ctx) => {
  await ctx.answerCallbackQuery();
  const orderId = Number(ctx.match[2]);
  const order = await ctx.deps.prisma.order.findUnique({ where: { id: orderId }, select: { reference: true } });
  if (!order) return ctx.reply(ctx.t("ordc-not-found", { reference: String(orderId) }));
  const { prisma } = ctx.deps;
  const [t, locale, ref] = [ctx.t.bind(ctx), localeOf(ctx), order.reference];
  const render: Record<string, () => Promise<string>> = {
    h: async () => views.historyView(t, ref, await orderHistory(prisma, orderId), locale),
    pa: async () => views.paymentsView(t, ref, await orderPayments(prisma, orderId), locale),
    pr: async () => views.provisioningView(t, ref, await orderProvisioning(prisma, orderId), locale),
    in: async () => views.instanceView(t, ref, await orderInstance(prisma, orderId), locale),
    au: async () => views.auditView(t, ref, await orderAudit(prisma, orderId), locale),
    ms: async () => views.messagesView(t, ref, await orderMessages(prisma, orderId), locale),
  };
  await ctx.reply(fit(await render[ctx.match[1]!]!(), ctx.match[1] === "au" ? "start" : "end"), { ...html, reply_markup: backTo(ctx, orderId) });
});

async function askText(ctx: BotContext, purpose: ReasonFor, id: number) {
  await ctx.answerCallbackQuery().catch(() => undefined);
  await ctx.conversation.exitAll();
  // An open catalog form would otherwise still be waiting for typed answers after this flow.
  await leaveCatalogForm(ctx);
  await ctx.conversation.enter(ORDER_REASON_CONVERSATION, { for: purpose, id });
}

manager.callbackQuery(/^oc:mp:(\d+)$/, (ctx) => askText(ctx, "paid", Number(ctx.match[1])));
manager.callbackQuery(/^oc:cx:(\d+)$/, (ctx) => askText(ctx, "cancel", Number(ctx.match[1])));
manager.callbackQuery(/^oc:nt:(\d+)$/, (ctx) => askText(ctx, "note", Number(ctx.match[1])));

refunder.callbackQuery(/^oc:rf:(\d+)$/, async (ctx) => {
  await ctx.answerCallbackQuery();
  const order = await ctx.deps.prisma.order.findUnique({ where: { id: Number(ctx.match[1]) }, select: { id: true, reference: true } });
  if (!order) return;
  await ctx.reply(ctx.t("ordc-refund-confirm", { reference: order.reference }), { reply_markup: new InlineKeyboard().text(ctx.t("ordc-refund-yes"), `oc:rf2:${order.id}`) });
});

refunder.callbackQuery(/^oc:rf2:(\d+)$/, async (ctx) => {
  await ctx.answerCallbackQuery();
  const orderId = Number(ctx.match[1]);
  const result = await refundOrderToWallet(ctx.deps, { orderId, staff: staffActor(ctx.shopUser, "orders.refund")! });
  if (!result.ok) return ctx.reply(ctx.t("ordc-failed", { why: result.why }));
  const amount = formatIdr(result.amountIdr);
  await ctx.deps.queues.enqueue(QueueName.Notifications, { chatId: result.chatId, key: "notify-refunded", params: { reference: result.reference, amount } }, { jobId: jobId("refunded", orderId) });
  await ctx.reply(ctx.t("ordc-refund-done", { reference: result.reference, amount }), { reply_markup: backTo(ctx, orderId) });
});

retrier.callbackQuery(/^oc:rt:(\d+)$/, async (ctx) => {
  await ctx.answerCallbackQuery();
  const result = await retryProvisioning(ctx.deps, Number(ctx.match[1]), staffActor(ctx.shopUser, "provisioning.retry")!);
  if (!result.ok) return ctx.reply(ctx.t("ordc-failed", { why: result.why }));
  // One job id per retry (its audit row), as /retry does.
  const queued = await ctx.deps.queues.enqueue(QueueName.Provisioning, { orderId: result.orderId }, { jobId: jobId("provision", result.orderId, "retry", result.retryId ?? 1) });
  await ctx.reply(ctx.t(queued ? "staff-retry-started" : "staff-retry-not-queued", { reference: result.reference, attempt: result.attempt ?? 1 }), { reply_markup: backTo(ctx, result.orderId) });
});

manager.callbackQuery(/^oc:ri:(\d+)$/, (ctx) => resend(ctx, Number(ctx.match[1]), "invoice"));
manager.callbackQuery(/^oc:rc:(\d+)$/, (ctx) => resend(ctx, Number(ctx.match[1]), "credentials"));

/** Sends the invoice or the login details again (a copy, audited; a second tap within minutes is refused). */
async function resend(ctx: BotContext, orderId: number, what: "invoice" | "credentials") {
  await ctx.answerCallbackQuery();
  const claim = await claimResend(ctx.deps.prisma, { orderId, staff: staffActor(ctx.shopUser, "orders.manage")!, what });
  if (!claim.ok) {
    if ("by" in claim) return ctx.reply(ctx.t("ordc-resend-recent", { by: claim.by, at: formatDateTime(claim.at, localeOf(ctx)) }));
    return ctx.reply(ctx.t("ordc-failed", { why: claim.why }));
  }
  const payload =
    what === "invoice"
      ? { chatId: claim.chatId, key: "ordc-notify-invoice-copy", params: { reference: claim.reference }, document: { kind: "invoice" as const, orderId, copy: true as const, copyId: claim.auditId } }
      : { chatId: claim.chatId, key: "vps-ready", credentials: { instanceId: claim.instanceId!, copy: true as const, copyId: claim.auditId } };
  await ctx.deps.queues.enqueue(QueueName.Notifications, payload, { jobId: jobId("oc-resend", what, orderId, claim.auditId) });
  await ctx.reply(ctx.t("ordc-resend-done", { reference: claim.reference }), { reply_markup: backTo(ctx, orderId) });
}
