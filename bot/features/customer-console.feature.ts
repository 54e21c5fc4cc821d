import { Composer, type InlineKeyboard } from "grammy";
import { customerCard } from "../../shop/customers/card.js";
import { findCustomers } from "../../shop/customers/lookup.js";
import { sendShopMessage, type RecordJob } from "../../shop/customers/message.js";
import { assignableTiers, setResellerTier } from "../../shop/customers/tier.js";
import { applyAdjustment } from "../../shop/customers/wallet-adjustment.js";
import type { DraftRefusal } from "../../shop/customers/drafts.js";
import { formatIdr } from "../../shop/money.js";
import { staffActor } from "../../shop/users/staff.js";
import { walletHistory } from "../../shop/wallet/balance.js";
import { QueueName } from "../../jobs/queues.js";
import type { BotContext } from "../context.js";
import { allowedTo } from "../middlewares/permission.filter.js";
import { askCustomerInput } from "./customer-console.conversation.js";
import { cardKeyboard, cardText, hitsKeyboard, ledgerKeyboard, ledgerText, tierKeyboard } from "./customer-console.render.js";

/**
 * The customers console: /customer <@username | telegram id | name> opens a customer's card
 * (orders, VPS, wallet, tier, ban), the ledger pages behind it, and the actions on them. Every
 * command and button sits behind its permission, checked fresh at each tap: customers.view to
 * look, customers.manage to ban, set the tier or message, wallet.adjust to move money.
 */
export const customerConsoleFeature = new Composer<BotContext>();
const chat = customerConsoleFeature.chatType("private");
const view = chat.filter(allowedTo("customers.view"));
const manage = chat.filter(allowedTo("customers.manage"));
const money = chat.filter(allowedTo("wallet.adjust"));

const LEDGER_PAGE_SIZE = 10;

/** Shows a card: edits the message behind a button, else sends a new one. */
async function showCard(ctx: BotContext, customerId: number, note?: string): Promise<void> {
  const card = await customerCard(ctx.deps.prisma, customerId);
  if (!card) {
    await answer(ctx, ctx.t("cust-not-found"));
    return;
  }
  const text = (note ? `${note}\n\n` : "") + cardText(ctx, card);
  await render(ctx, text, cardKeyboard(ctx, card));
}

/** Edits the message behind a tapped button in place (a new message if it cannot be edited). */
async function render(ctx: BotContext, text: string, reply_markup: InlineKeyboard) {
  if (ctx.callbackQuery) {
    await ctx.answerCallbackQuery().catch(() => undefined);
    await ctx.editMessageText(text, { reply_markup }).catch(() => ctx.reply(text, { reply_markup }));
  } else await ctx.reply(text, { reply_markup });
}

/** An answer to a tap (an alert) or to a command (a message). */
async function answer(ctx: BotContext, text: string): Promise<void> {
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text, show_alert: true });
  else await ctx.reply(text);
}

view.command("customer", async (ctx) => {
  const query = ctx.match.trim();
  if (!query) {
    await ctx.reply(ctx.t("cust-usage"));
    return;
  }
  const found = await findCustomers(ctx.deps.prisma, query);
  if (found.found === "none") await ctx.reply(ctx.t("cust-none-found", { query }));
  else if (found.found === "many") await ctx.reply(ctx.t("cust-many-found", { query }), { reply_markup: hitsKeyboard(found.customers) });
  else await showCard(ctx, found.customer.id);
});

view.callbackQuery(/^cu:v:(\d+)$/, (ctx) => showCard(ctx, Number(ctx.match[1])));

view.callbackQuery(/^cu:l:(\d+):(\d+)$/, async (ctx) => {
  const customerId = Number(ctx.match[1]);
  const user = await ctx.deps.prisma.user.findUnique({ where: { id: customerId }, select: { firstName: true } });
  if (!user) return answer(ctx, ctx.t("cust-not-found"));
  const page = await walletHistory(ctx.deps.prisma, customerId, { page: Number(ctx.match[2]), pageSize: LEDGER_PAGE_SIZE });
  await render(ctx, ledgerText(ctx, user.firstName ?? "-", page), ledgerKeyboard(ctx, customerId, page));
});

manage.callbackQuery(/^cu:ban:(\d+)$/, (ctx) => askCustomerInput(ctx, Number(ctx.match[1]), "ban"));
manage.callbackQuery(/^cu:unb:(\d+)$/, (ctx) => askCustomerInput(ctx, Number(ctx.match[1]), "unban"));
manage.callbackQuery(/^cu:m:(\d+)$/, (ctx) => askCustomerInput(ctx, Number(ctx.match[1]), "message"));
money.callbackQuery(/^cu:w:(\d+)$/, (ctx) => askCustomerInput(ctx, Number(ctx.match[1]), "wallet"));

manage.callbackQuery(/^cu:t:(\d+)$/, async (ctx) => {
  const customerId = Number(ctx.match[1]);
  const user = await ctx.deps.prisma.user.findUnique({ where: { id: customerId }, select: { firstName: true, resellerTierId: true } });
  if (!user) return answer(ctx, ctx.t("cust-not-found"));
  const tiers = await assignableTiers(ctx.deps.prisma);
  await render(ctx, ctx.t("cust-tier-pick", { name: user.firstName ?? "-" }), tierKeyboard(ctx, customerId, tiers, user.resellerTierId));
});

manage.callbackQuery(/^cu:ts:(\d+):(\d+)$/, async (ctx) => {
  const staff = staffActor(ctx.shopUser, "customers.manage")!;
  const customerId = Number(ctx.match[1]);
  const tierId = Number(ctx.match[2]) || null;
  const result = await setResellerTier(ctx.deps.prisma, ctx.deps.users, { customerId, tierId, staff });
  if (!result.ok) return answer(ctx, ctx.t(`cust-tier-refused-${result.reason}`));
  await showCard(ctx, customerId, ctx.t(result.changed ? "cust-tier-set" : "cust-tier-unchanged"));
});

function refusal(ctx: BotContext, r: DraftRefusal): string {
  return r.reason === "already_done" ? ctx.t("cust-draft-done") : ctx.t(`cust-draft-${r.reason}`);
}

money.callbackQuery(/^cu:wok:(\d+)$/, async (ctx) => {
  const staff = staffActor(ctx.shopUser, "wallet.adjust")!;
  const result = await applyAdjustment(ctx.deps.prisma, { draftId: Number(ctx.match[1]), staff });
  if (!result.ok) {
    if (result.reason === "below_zero") return answer(ctx, ctx.t("cust-adjust-below-zero", { balance: formatIdr(result.balanceIdr), amount: formatIdr(-result.amountIdr) }));
    if (result.reason === "self") return answer(ctx, ctx.t("cust-adjust-self"));
    return answer(ctx, refusal(ctx, result));
  }
  await ctx.answerCallbackQuery();
  const text = ctx.t("cust-adjust-done", { amount: `${result.amountIdr > 0 ? "+" : "−"}${formatIdr(Math.abs(result.amountIdr))}`, before: formatIdr(result.beforeIdr), after: formatIdr(result.afterIdr) });
  await ctx.editMessageText(text).catch(() => ctx.reply(text));
});

manage.callbackQuery(/^cu:mok:(\d+)$/, async (ctx) => {
  const staff = staffActor(ctx.shopUser, "customers.manage")!;
  const { queues } = ctx.deps;
  // Recorded in the outbox with the draft's "sent" mark and its audit line; without an outbox
  // (never in the service) the job is queued after the commit only.
  const record: RecordJob = async (tx, job) => {
    if (queues.outbox) await queues.outbox.record(QueueName.Notifications, job.jobId, job.payload, 0, tx);
  };
  const result = await sendShopMessage(ctx.deps.prisma, { draftId: Number(ctx.match[1]), staff, record });
  if (!result.ok) return answer(ctx, refusal(ctx, result));
  await queues.enqueue(QueueName.Notifications, result.job.payload, { jobId: result.job.jobId });
  await ctx.answerCallbackQuery();
  await ctx.editMessageText(ctx.t("cust-message-sent")).catch(() => ctx.reply(ctx.t("cust-message-sent")));
});
