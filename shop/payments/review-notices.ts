import { formatIdr } from "../money.js";
import { cardKeys } from "../pending/cards.js";
import { reviewerChatIds } from "../users/staff.js";
import { loadPayment, type FollowupDeps, type FollowupOutcome, type FollowupWork, type NoticeButton } from "./followup-work.js";
import { isReviewWhy, type ReviewWhy } from "./settle.js";

/** Order statuses from which a payment under review can still pay the order (see approvePayment). */
export const APPLICABLE_ORDER_STATUSES: ReadonlySet<string> = new Set(["PAYMENT_REVIEW", "PENDING_PAYMENT"]);

/** Reasons the owner hears about too: money that may have to go back. */
const ALERT_OWNER: ReadonlySet<ReviewWhy> = new Set(["amount_mismatch", "already_paid", "order_in_review"]);

/**
 * The ways out of a review, as buttons: apply the money to the order (while the order can take
 * it), or give it back — to the wallet, or marked as returned outside the shop. Every review ends
 * in exactly one of these (shop/payments/review.ts).
 */
export function reviewButtons(paymentId: number, orderStatus: string, why?: ReviewWhy): NoticeButton[][] {
  const outside = { text: "t:review-refund-outside", data: `rev:out:${paymentId}` };
  // A fraud challenge holds money the gateway has not captured: nothing to apply or to give back
  // from the shop's books until the gateway accepts it (the payment then settles as usual) or
  // denies it (the review ends). Only "returned outside" (denied in the gateway's dashboard) is left.
  if (why === "challenge") return [[outside]];
  const giveBack = [{ text: "t:review-refund-wallet", data: `rev:wal:${paymentId}` }, outside];
  return APPLICABLE_ORDER_STATUSES.has(orderStatus) ? [[{ text: "t:review-approve", data: `rev:ok:${paymentId}` }], giveBack] : [giveBack];
}

/**
 * Puts money held for review in front of the sellers (both amounts: what the gateway reported
 * and what this attempt expected), tells the customer why they wait, and alerts the owner when
 * money may have to go back. The reason comes with the job (settle_payment's), else from the
 * payment, where settle_payment stored the same.
 */
export async function reviewFollowup(deps: FollowupDeps, paymentId: number, why?: ReviewWhy): Promise<FollowupOutcome> {
  const { payment, order, chatId, locale } = await loadPayment(deps, paymentId);
  if (payment.status !== "REVIEW") return { work: [], summary: { skipped: `payment is ${payment.status}: already decided` } };
  const reason: ReviewWhy = why ?? (isReviewWhy(payment.reviewWhy) ? payment.reviewWhy : "amount_mismatch");
  const received = payment.receivedIdr === null ? "?" : formatIdr(payment.receivedIdr);
  const expected = formatIdr(payment.totalIdr);
  const work: FollowupWork[] = [
    reason === "amount_mismatch"
      ? { kind: "notify", id: ["review-customer", payment.id, reason], chatId, key: "notify-payment-review-amount", locale, params: { reference: order.reference, received, expected } }
      : { kind: "notify", id: ["review-customer", payment.id, reason], chatId, key: "notify-payment-review", locale, params: { reference: order.reference, why: `t:review-why-${reason}` } },
  ];
  const buttons = reviewButtons(payment.id, order.status, reason);
  for (const reviewer of await reviewerChatIds(deps.prisma, deps.staff)) {
    work.push({
      kind: "notify",
      id: ["review-staff", payment.id, reason, reviewer],
      chatId: reviewer,
      key: "review-needed",
      params: { why: `t:review-why-${reason}`, reference: order.reference, received, expected, gateway: payment.gateway },
      buttons,
      card: cardKeys.review(payment.id),
    });
  }
  if (ALERT_OWNER.has(reason)) {
    work.push({
      kind: "alert-owner",
      id: ["alert-review", payment.id, reason],
      severity: "warning",
      title: `Pembayaran ${order.reference} perlu diperiksa (${reason})`,
      detail: `Gateway ${payment.gateway}, payment #${payment.id}: diterima ${received}, seharusnya ${expected}. Pesanan tidak ditandai lunas sampai penjual memutuskan.`,
    });
  }
  return { work, summary: { reviewers: true, reason } };
}
