import { Composer, InlineKeyboard } from "grammy";
import { formatIdr } from "../../shop/money.js";
import { isLocale } from "../../shop/messages/locale.js";
import { cardKeys, cardState, recordCopy } from "../../shop/pending/cards.js";
import { renderCard } from "../../shop/pending/card-view.js";
import { refreshCardCopies } from "../../shop/pending/copies.js";
import { ageOf, pageOf, pendingItems, provisioningCardKey, type PendingItem } from "../../shop/pending/items.js";
import { can, type Permission } from "../../shop/users/staff.js";
import type { BotContext } from "../context.js";
import { allowedTo } from "../middlewares/permission.filter.js";

/** Items per page of /pending (one button each, plus the page row). */
export const PAGE_SIZE = 8;
const QUEUE_PERMISSIONS: Permission[] = ["payments.review", "provisioning.retry"];

/** Passes a member holding any of these permissions (each checked on the server, as allowedTo does). */
function allowedToAny(...permissions: Permission[]) {
  const checks = permissions.map(allowedTo);
  return async (ctx: BotContext) => {
    for (const check of checks) if (await check(ctx)) return true;
    return false;
  };
}

const localeOf = (ctx: BotContext) => (isLocale(ctx.shopUser.language) ? ctx.shopUser.language : "id");

/** The data of a list page's button (the reminders' "open the queue" button carries page 0). */
const listData = (page: number) => `pq:p:${page}`;

/** The data of the button that opens an item's card. */
function openData(item: PendingItem): string {
  if (item.kind === "proof") return `pq:pf:${item.proofId}`;
  if (item.kind === "review") return `pq:rv:${item.paymentId}`;
  return `pq:pv:${item.orderId}`;
}

async function listView(ctx: BotContext, page: number) {
  const held = QUEUE_PERMISSIONS.filter((p) => can(ctx.shopUser, p));
  const all = await pendingItems(ctx.deps.prisma, held);
  if (all.length === 0) return { text: ctx.t("pend-empty"), keyboard: new InlineKeyboard().text(ctx.t("pend-refresh"), listData(0)) };
  const shown = pageOf(all, page, PAGE_SIZE);
  const lines = shown.items.map((item, i) => {
    const age = ageOf(item.since);
    return ctx.t("pend-line", {
      n: shown.page * PAGE_SIZE + i + 1,
      icon: ctx.t(`pend-kind-${item.kind}`),
      reference: item.reference,
      amount: formatIdr(item.receivedIdr ?? item.expectedIdr),
      age: ctx.t("pend-age", { value: age.value, unit: age.unit }),
      flag: item.deadlineNear ? ctx.t("pend-flag-deadline") : "",
    });
  });
  const keyboard = new InlineKeyboard();
  shown.items.forEach((item, i) => keyboard.text(`${shown.page * PAGE_SIZE + i + 1}. ${ctx.t(`pend-kind-${item.kind}`)} ${item.reference}`, openData(item)).row());
  if (shown.page > 0) keyboard.text(ctx.t("pend-prev"), listData(shown.page - 1));
  keyboard.text(ctx.t("pend-refresh"), listData(shown.page));
  if (shown.page < shown.pages - 1) keyboard.text(ctx.t("pend-next"), listData(shown.page + 1));
  const title = ctx.t("pend-title", { count: all.length, page: shown.page + 1, pages: shown.pages });
  return { text: [title, "", ...lines].join("\n"), keyboard };
}

/**
 * Sends the card as a message of its own and records it as one of the card's copies, so a
 * decision taken anywhere edits it too. A decision between rendering and recording is caught
 * up at once.
 */
async function openCard(ctx: BotContext, key: string) {
  const { prisma, config } = ctx.deps;
  const version = (await cardState(prisma, key))?.version ?? 0;
  const locale = localeOf(ctx);
  const card = await renderCard(prisma, key, ctx.t, locale, { secondAboveIdr: config.pending.secondStaffAboveIdr, permissions: ctx.shopUser.permissions });
  if (!card) {
    await ctx.answerCallbackQuery({ text: ctx.t("pend-gone"), show_alert: true });
    return;
  }
  await ctx.answerCallbackQuery();
  const reply_markup = new InlineKeyboard(card.buttons.map((row) => row.map((b) => InlineKeyboard.text(b.text, b.data))));
  const sent = await ctx.reply(card.text, { reply_markup });
  const now = await recordCopy(prisma, key, ctx.chat!.id, sent.message_id, version);
  if (now > version) {
    const t = (l: typeof locale, k: string, p?: Record<string, string | number>) => ctx.deps.i18n.t(l, k, p);
    await refreshCardCopies({ prisma, api: ctx.api, t, secondAboveIdr: config.pending.secondStaffAboveIdr, logger: ctx.logger }, key);
  }
}

/**
 * /pending: everything waiting for a human, oldest first with its age, paged. Each item opens
 * its card with the review or provisioning buttons; payment items need payments.review,
 * provisioning items provisioning.retry (a member sees only what they can act on).
 */
export const pendingFeature = new Composer<BotContext>();
const queue = pendingFeature.chatType("private").filter(allowedToAny(...QUEUE_PERMISSIONS));

queue.command("pending", async (ctx) => {
  const view = await listView(ctx, 0);
  await ctx.reply(view.text, { reply_markup: view.keyboard });
});

queue.callbackQuery(/^pq:p:(\d+)$/, async (ctx) => {
  const view = await listView(ctx, Number(ctx.match[1]));
  await ctx.answerCallbackQuery();
  await ctx.editMessageText(view.text, { reply_markup: view.keyboard }).catch(() => undefined);
});

const reviewer = pendingFeature.chatType("private").filter(allowedTo("payments.review"));
reviewer.callbackQuery(/^pq:pf:(\d+)$/, (ctx) => openCard(ctx, cardKeys.proof(Number(ctx.match[1]))));
reviewer.callbackQuery(/^pq:rv:(\d+)$/, (ctx) => openCard(ctx, cardKeys.review(Number(ctx.match[1]))));

const retrier = pendingFeature.chatType("private").filter(allowedTo("provisioning.retry"));
retrier.callbackQuery(/^pq:pv:(\d+)$/, async (ctx) => openCard(ctx, await provisioningCardKey(ctx.deps.prisma, Number(ctx.match[1]))));
