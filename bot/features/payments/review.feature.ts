import type { Conversation } from "@grammyjs/conversations";
import { Composer, InlineKeyboard, InputFile } from "grammy";
import { dispatchSettlement } from "../../../jobs/dispatch-settlement.js";
import { QueueName, jobId } from "../../../jobs/queues.js";
import { formatIdr } from "../../../shop/money.js";
import { ProofUnavailableError, readProof } from "../../../shop/payments/proofs/transfer-proofs.js";
import { approvePayment, rejectPayment, type ReviewResult, type Reviewer } from "../../../shop/payments/review.js";
import type { ShopUser } from "../../../shop/users/directory.js";
import { staffActor } from "../../../shop/users/staff.js";
import type { BotContext, BotDeps, ConvContext } from "../../context.js";
import { isLocale } from "../../i18n.js";
import { allowedTo } from "../../middlewares/permission.filter.js";

export const REJECT_CONVERSATION = "reject-payment";

const reviewerOf = (user: ShopUser): Reviewer | null => staffActor(user, "payments.review");

/** Tells the customer what happened to their payment (in their language, once). */
async function tellCustomer(deps: BotDeps, result: ReviewResult, reason?: string) {
  if (result.result === "paid") return dispatchSettlement(deps.queues, result);
  if (result.result !== "rejected") return;
  const order = await deps.prisma.order.findUniqueOrThrow({ where: { id: result.orderId }, include: { user: true } });
  await deps.queues.enqueue(
    QueueName.Notifications,
    {
      chatId: Number(order.user.telegramId),
      key: result.orderCancelled ? "notify-review-rejected" : "notify-proof-rejected",
      params: { reference: order.reference, reason: reason ?? "-" },
    },
    { jobId: jobId("rejected", result.paymentId, Date.now()) },
  );
}

function explain(ctx: { t: (k: string, v?: Record<string, string | number>) => string }, result: ReviewResult): string | undefined {
  if (result.result === "not_reviewable") return ctx.t("review-not-possible", { why: result.why });
  if (result.result === "duplicate" || result.result === "ignored") return ctx.t("review-not-possible", { why: result.why ?? result.result });
  return undefined;
}

/**
 * Seller tools for manual transfers and payments held for review: view the
 * decrypted screenshot (sent to the seller only), approve after a confirmation
 * tap, or reject with a reason the customer receives. Every decision is audited.
 */
export const reviewFeature = new Composer<BotContext>();
const staff = reviewFeature.chatType("private").filter(allowedTo("payments.review"));

staff.callbackQuery(/^rev:view:(\d+)$/, async (ctx) => {
  try {
    const image = await readProof(ctx.deps.prisma, { key: ctx.deps.config.encryptionKey, dataDir: ctx.deps.config.dataDir, proofId: Number(ctx.match[1]) });
    await ctx.answerCallbackQuery();
    await ctx.replyWithPhoto(new InputFile(image, `proof-${ctx.match[1]}.jpg`), { protect_content: true });
  } catch (err) {
    if (!(err instanceof ProofUnavailableError)) throw err;
    await ctx.answerCallbackQuery({ text: ctx.t("review-not-possible", { why: err.message }), show_alert: true });
  }
});

staff.callbackQuery(/^rev:ok:(\d+)$/, async (ctx) => {
  const payment = await ctx.deps.prisma.payment.findUnique({ where: { id: Number(ctx.match[1]) }, include: { order: { select: { reference: true } } } });
  await ctx.answerCallbackQuery();
  if (!payment) return;
  const kb = new InlineKeyboard().text(ctx.t("review-approve-yes"), `rev:ok2:${payment.id}`);
  await ctx.reply(ctx.t("review-approve-confirm", { amount: formatIdr(payment.totalIdr), reference: payment.order.reference }), { reply_markup: kb });
});

staff.callbackQuery(/^rev:ok2:(\d+)$/, async (ctx) => {
  const reviewer = reviewerOf(ctx.shopUser)!;
  const result = await approvePayment(ctx.deps.prisma, { paymentId: Number(ctx.match[1]), reviewer });
  await ctx.answerCallbackQuery();
  const problem = explain(ctx, result);
  if (problem) {
    await ctx.editMessageText(problem).catch(() => ctx.reply(problem));
    return;
  }
  await tellCustomer(ctx.deps, result);
  await ctx.editMessageText(ctx.t("review-approved", { seller: ctx.from.first_name })).catch(() => undefined);
});

staff.callbackQuery(/^rev:no:(\d+)$/, async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.conversation.exitAll();
  await ctx.conversation.enter(REJECT_CONVERSATION, { paymentId: Number(ctx.match[1]) });
});

// Buttons pressed by someone who is not staff.
reviewFeature.callbackQuery(/^rev:/, (ctx) => ctx.answerCallbackQuery({ text: ctx.t("review-only-staff"), show_alert: true }));

/** Asks the seller for the reason, then rejects; the customer reads that reason. */
export function rejectConversation(deps: BotDeps) {
  return async function rejectPaymentFlow(conversation: Conversation<BotContext, ConvContext>, ctx: ConvContext, args: { paymentId: number }) {
    const from = ctx.from!;
    const user = await conversation.external(() => deps.users.resolve(from));
    const reviewer = reviewerOf(user);
    const locale = isLocale(user.language) ? user.language : "id";
    const t = (key: string, vars?: Record<string, string | number>) => deps.i18n.t(locale, key, vars);
    if (!reviewer) return;
    const reference = await conversation.external(
      async () => (await deps.prisma.payment.findUnique({ where: { id: args.paymentId }, include: { order: { select: { reference: true } } } }))?.order.reference ?? "?",
    );
    await ctx.reply(t("review-reject-ask", { reference }));
    const answer = await conversation.waitFor("message:text", { otherwise: (other) => other.reply(t("review-reject-ask", { reference })) });
    const reason = answer.message.text.trim().slice(0, 500);
    const result = await conversation.external(async () => {
      // Checked again at the decision: the seller may have lost the power while typing.
      const now = reviewerOf(await deps.users.fresh(from));
      if (!now) return { result: "not_reviewable", why: t("review-only-staff") } as const;
      const r = await rejectPayment(deps.prisma, { paymentId: args.paymentId, reviewer: now, reason });
      await tellCustomer(deps, r, reason);
      return r;
    });
    const problem = explain({ t }, result);
    await answer.reply(problem ?? t("review-rejected", { seller: from.first_name, reason }));
  };
}
