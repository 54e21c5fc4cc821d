import type { Conversation } from "@grammyjs/conversations";
import { Composer, InlineKeyboard, InputFile } from "grammy";
import { tellReviewOutcome } from "../../../jobs/review-outcome.js";
import { formatIdr } from "../../../shop/money.js";
import { ProofUnavailableError, readProof } from "../../../shop/payments/proofs/transfer-proofs.js";
import { refundReviewedPayment, rejectPayment, type ReviewResult, type Reviewer } from "../../../shop/payments/review.js";
import { approveWithRule } from "../../../shop/pending/approval.js";
import { paymentDecided, queueCardEdits } from "../../../jobs/card-edits.js";
import { actorOf, paymentHandledNote, paymentOpen } from "../pending-cards.js";
import type { ShopUser } from "../../../shop/users/directory.js";
import { configRoster, staffActor } from "../../../shop/users/staff.js";
import type { BotContext, BotDeps, ConvContext } from "../../context.js";
import { isLocale } from "../../../shop/messages/locale.js";
import { allowedTo } from "../../middlewares/permission.filter.js";
import { holdsFeature } from "./holds.feature.js";

export const REJECT_CONVERSATION = "reject-payment";

/**
 * How long the reason step waits. A seller who taps and walks away must not leave a flow
 * behind that would take their next message, hours later, as the reason.
 */
export const REASON_TIMEOUT_MS = 10 * 60_000;

/** What the reason is for: refusing a transfer screenshot, or giving money under review back. */
type ReasonFor = "reject" | "wallet" | "outside";

const reviewerOf = (user: ShopUser): Reviewer | null => staffActor(user, "payments.review");

/** Tells the customer what happened to their payment (in their language, once). */
const tellCustomer = (deps: BotDeps, result: ReviewResult, reason?: string) => tellReviewOutcome(deps, result, reason);

function explain(ctx: { t: (k: string, v?: Record<string, string | number>) => string }, result: ReviewResult): string | undefined {
  if (result.result === "not_reviewable") return ctx.t("review-not-possible", { why: result.why });
  if (result.result === "duplicate" || result.result === "ignored") return ctx.t("review-not-possible", { why: result.why ?? result.result });
  return undefined;
}

/**
 * Seller tools for manual transfers and payments held for review: view the decrypted
 * screenshot (sent to the seller only), approve after a confirmation tap, refuse a screenshot
 * with a reason the customer receives, or give money under review back (to the wallet, or
 * marked as returned outside the shop) with a reason. Every decision is audited.
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
  if (payment && !(await paymentOpen(ctx.deps.prisma, payment.id))) {
    const note = (await paymentHandledNote(ctx.deps.prisma, payment.id, ctx.t)) ?? ctx.t("review-not-possible", { why: `payment is ${payment.status}` });
    await ctx.answerCallbackQuery({ text: note, show_alert: true });
    return;
  }
  await ctx.answerCallbackQuery();
  if (!payment) return;
  const kb = new InlineKeyboard().text(ctx.t("review-approve-yes"), `rev:ok2:${payment.id}`);
  await ctx.reply(ctx.t("review-approve-confirm", { amount: formatIdr(payment.receivedIdr ?? payment.totalIdr), reference: payment.order.reference }), { reply_markup: kb });
});

// Approving goes through the two-person rule (shop/pending/approval.ts; off unless
// APPROVAL_SECOND_STAFF_ABOVE_IDR is set); every staff copy of the card shows the outcome.
staff.callbackQuery(/^rev:ok2:(\d+)$/, async (ctx) => {
  const reviewer = reviewerOf(ctx.shopUser)!;
  const actor = actorOf(ctx.shopUser, ctx.from.first_name);
  const paymentId = Number(ctx.match[1]);
  const result = await approveWithRule(ctx.deps.prisma, {
    paymentId,
    reviewer,
    reviewerName: actor.name,
    secondAboveIdr: ctx.deps.config.pending.secondStaffAboveIdr,
    roster: configRoster(ctx.deps.config),
  });
  if (result.result === "same_member") {
    await ctx.answerCallbackQuery({ text: ctx.t("pend-same-member"), show_alert: true });
    return;
  }
  await ctx.answerCallbackQuery();
  if (result.result === "first_of_two") {
    await queueCardEdits(ctx.deps.queues, [{ key: result.key, version: result.version }]);
    await ctx.editMessageText(ctx.t("pend-first-approval", { amount: formatIdr(result.amountIdr) })).catch(() => undefined);
    return;
  }
  const problem = explain(ctx, result);
  if (problem) {
    const note = result.result === "not_reviewable" ? await paymentHandledNote(ctx.deps.prisma, paymentId, ctx.t) : null;
    await ctx.editMessageText(note ?? problem).catch(() => ctx.reply(note ?? problem));
    return;
  }
  // "paid" ended the payment; "review" (a late transfer) put its money under review: that card stays open.
  await paymentDecided(ctx.deps, paymentId, "approved", actor, result.result === "paid");
  await tellCustomer(ctx.deps, result);
  await ctx.editMessageText(ctx.t("review-approved", { seller: actor.name })).catch(() => undefined);
});

// Refusing: a screenshot is refused with a reason; money under review is never just refused,
// the seller picks how it goes back (cards sent before the refund buttons existed land here).
staff.callbackQuery(/^rev:no:(\d+)$/, async (ctx) => {
  const paymentId = Number(ctx.match[1]);
  const payment = await ctx.deps.prisma.payment.findUnique({ where: { id: paymentId }, select: { status: true } });
  if (payment?.status === "REVIEW") {
    await ctx.answerCallbackQuery();
    const kb = new InlineKeyboard().text(ctx.t("review-refund-wallet"), `rev:wal:${paymentId}`).row().text(ctx.t("review-refund-outside"), `rev:out:${paymentId}`);
    await ctx.reply(ctx.t("review-refund-choose"), { reply_markup: kb });
    return;
  }
  await askReason(ctx, paymentId, "reject");
});

staff.callbackQuery(/^rev:wal:(\d+)$/, (ctx) => askReason(ctx, Number(ctx.match[1]), "wallet"));
staff.callbackQuery(/^rev:out:(\d+)$/, (ctx) => askReason(ctx, Number(ctx.match[1]), "outside"));

async function askReason(ctx: BotContext, paymentId: number, reason: ReasonFor) {
  if (!(await paymentOpen(ctx.deps.prisma, paymentId))) {
    const note = await paymentHandledNote(ctx.deps.prisma, paymentId, ctx.t);
    if (note) {
      if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: note, show_alert: true }).catch(() => undefined);
      else await ctx.reply(note);
      return;
    }
  }
  if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => undefined);
  await ctx.conversation.exitAll();
  await ctx.conversation.enter(REJECT_CONVERSATION, { paymentId, for: reason });
}

reviewFeature.use(holdsFeature);

// Buttons pressed by someone who is not staff.
reviewFeature.callbackQuery(/^rev:/, (ctx) => ctx.answerCallbackQuery({ text: ctx.t("review-only-staff"), show_alert: true }));

/**
 * Asks the seller for the reason (the customer reads it), then refuses the screenshot or gives
 * the money back. Waits at most REASON_TIMEOUT_MS: an answer after that ends the flow with a
 * message and changes nothing (and the update is handled as if no flow were active).
 */
export function rejectConversation(deps: BotDeps) {
  return async function rejectPaymentFlow(conversation: Conversation<BotContext, ConvContext>, ctx: ConvContext, args: { paymentId: number; for?: ReasonFor }) {
    const from = ctx.from!;
    const purpose: ReasonFor = args.for ?? "reject";
    const user = await conversation.external(() => deps.users.resolve(from));
    const locale = isLocale(user.language) ? user.language : "id";
    const t = (key: string, vars?: Record<string, string | number>) => deps.i18n.t(locale, key, vars);
    if (!reviewerOf(user)) return;
    const payment = await conversation.external(async () => {
      const p = await deps.prisma.payment.findUnique({ where: { id: args.paymentId }, include: { order: { select: { reference: true } } } });
      return { reference: p?.order.reference ?? "?", amount: formatIdr(p?.receivedIdr ?? p?.totalIdr ?? 0) };
    });
    const ask = purpose === "reject" ? t("review-reject-ask", { reference: payment.reference }) : t(`review-refund-ask-${purpose}`, payment);
    await ctx.reply(ask);
    const asked = await conversation.now();
    let answer = await conversation.wait();
    while (!answer.message?.text) {
      if ((await conversation.now()) - asked > REASON_TIMEOUT_MS) break;
      // Another screen's button: not an answer, handle it as usual and keep waiting.
      if (answer.callbackQuery) await conversation.skip({ next: true });
      await answer.reply(ask);
      answer = await conversation.wait();
    }
    if ((await conversation.now()) - asked > REASON_TIMEOUT_MS) {
      await answer.reply(t("review-reason-timeout", { reference: payment.reference }));
      await conversation.halt({ next: true });
    }
    const reason = (answer.message?.text ?? "").trim().slice(0, 500);
    const result = await conversation.external(async () => {
      // Checked again at the decision: the seller may have lost the power while typing.
      const now = reviewerOf(await deps.users.fresh(from));
      if (!now) return { result: "not_reviewable", why: t("review-only-staff") } as const;
      const r =
        purpose === "reject"
          ? await rejectPayment(deps.prisma, { paymentId: args.paymentId, reviewer: now, reason })
          : await refundReviewedPayment(deps.prisma, { paymentId: args.paymentId, reviewer: now, reason, to: purpose });
      if (r.result === "rejected" || r.result === "returned") {
        const outcome = r.result === "rejected" ? "rejected" : r.to === "wallet" ? "refunded-wallet" : "refunded-outside";
        await paymentDecided(deps, args.paymentId, outcome, { userId: now.userId, name: user.firstName || from.first_name }, r.result === "returned");
      }
      await tellCustomer(deps, r, reason);
      if (r.result === "not_reviewable") {
        const note = await paymentHandledNote(deps.prisma, args.paymentId, t);
        if (note) return { result: "not_reviewable", why: note } as const;
      }
      return r;
    });
    const done = result.result === "returned" ? t(`review-returned-${result.to}`, { seller: from.first_name, amount: formatIdr(result.amountIdr), reason }) : t("review-rejected", { seller: from.first_name, reason });
    await answer.reply(explain({ t }, result) ?? done);
  };
}
