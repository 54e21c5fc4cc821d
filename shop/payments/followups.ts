/**
 * The slow half of a payment, after settlement has committed: confirm Midtrans notifications
 * with Midtrans' status API, ask the gateways about callbacks that never came, then tell the
 * customer (once), send the invoice, start provisioning, apply renewals, credit top-ups, put
 * payments needing review in front of the sellers, and hold what a gateway refund took back.
 *
 * Every step is idempotent and derived from Postgres as it is now, so a retried follow-up (or
 * one re-queued by the recovery sweep) repeats nothing: the work it returns carries ids derived
 * from the payment or order, and the job layer queues each id once.
 */
import { orderPaid } from "../events/facts.js";
import { recordCustomerEvent } from "../events/record.js";
import { applyRenewal } from "../lifecycle/renewal.js";
import { formatIdr } from "../money.js";
import { transitionOrder } from "../orders/state-machine.js";
import { resumeSuspended } from "../vps/resume.js";
import { creditTopUp } from "../wallet/credits.js";
import { holdAfterGatewayRefund } from "./chargeback.js";
import { loadPayment, PermanentFollowupError, type FollowupDeps, type FollowupOutcome, type FollowupWork } from "./followup-work.js";
import { midtransEventKey, midtransNotificationSchema, midtransOutcome } from "./gateways/midtrans.js";
import { reconcileOpenPayments } from "./reconcile.js";
import { reviewerChatIds } from "../users/staff.js";
import { reviewFollowup } from "./review-notices.js";
import { settleAndRecord, type ReviewWhy } from "./settle.js";

/** What a payment follow-up job asks for (the payment-followups payload). */
export type FollowupRequest =
  | { kind: "paid" | "expired" | "refunded"; paymentId: number }
  | { kind: "review"; paymentId: number; why?: ReviewWhy }
  | { kind: "midtrans-callback"; callbackId: number }
  | { kind: "reconcile"; tick: string };

/** Runs one payment follow-up; the caller queues the returned work. */
export async function runPaymentFollowup(deps: FollowupDeps, request: FollowupRequest): Promise<FollowupOutcome> {
  switch (request.kind) {
    case "reconcile":
      return reconcile(deps, request.tick);
    case "midtrans-callback":
      return confirmMidtrans(deps, request.callbackId);
    case "paid":
      return paid(deps, request.paymentId);
    case "review":
      return reviewFollowup(deps, request.paymentId, request.why);
    case "expired":
      return expired(deps, request.paymentId);
    case "refunded":
      return holdAfterGatewayRefund(deps, request.paymentId);
  }
}

/** Callbacks that never came: ask the gateways, apply what they say (same event keys). */
async function reconcile(deps: FollowupDeps, tick: string): Promise<FollowupOutcome> {
  const results = await reconcileOpenPayments(deps);
  const work: FollowupWork[] = results.flatMap((r) => ("settled" in r && r.settled ? [{ kind: "settled", settled: r.settled } as const] : []));
  const failed = results.filter((r): r is Extract<typeof r, { error: string }> => "error" in r);
  if (failed.length > 0 && failed.length === results.length) {
    // Every question failed: the gateway (or our credentials) is down. Those attempts are asked
    // again in 10 minutes; the owner hears about it at most once an hour (job id).
    work.push({
      kind: "alert-owner",
      id: ["reconcile-failed", tick.slice(0, 13)],
      severity: "warning",
      title: "Cek status pembayaran ke gateway gagal",
      detail: failed.map((r) => `payment #${r.paymentId} (${r.gateway}): ${r.error}`).join("\n").slice(0, 3000),
    });
  }
  return {
    work,
    summary: {
      checked: results.length,
      settled: results.flatMap((r) => ("settled" in r && r.settled ? [`#${r.paymentId} ${r.settled.settlement.result}`] : [])),
      failed: failed.map((r) => `#${r.paymentId}: ${r.error}`),
    },
  };
}

/** Midtrans' own advice: act on the status API's answer, not on the notification. */
async function confirmMidtrans(deps: FollowupDeps, callbackId: number): Promise<FollowupOutcome> {
  if (!deps.midtrans) throw new PermanentFollowupError("Midtrans is not configured");
  const callback = await deps.prisma.paymentCallback.findUnique({ where: { id: callbackId } });
  if (!callback) throw new PermanentFollowupError(`callback ${callbackId} not found`);
  const body = midtransNotificationSchema.parse(JSON.parse(callback.rawBody));
  const status = await deps.midtrans.status(body.order_id);
  if (!status) return { work: [], summary: { outcome: "midtrans does not know this order yet" } };
  const settled = await settleAndRecord(deps.prisma, {
    key: { attemptRef: body.order_id },
    outcome: midtransOutcome(status),
    eventKey: midtransEventKey(body.order_id, status),
    source: "midtrans",
    actor: { type: "GATEWAY", id: `midtrans:${status.transaction_id ?? body.order_id}` },
  });
  await deps.prisma.paymentCallback.update({ where: { id: callback.id }, data: { outcome: `status ${status.transaction_status}: ${settled.settlement.result}` } });
  // A duplicate (this job retried after settling, or the reconcile job came first) still
  // re-queues the follow-up of money taken: the first one may have been lost with Redis.
  return { work: [{ kind: "settled", settled }], summary: { settlement: settled.settlement.result } };
}

async function paid(deps: FollowupDeps, paymentId: number): Promise<FollowupOutcome> {
  const { payment, order, chatId, locale } = await loadPayment(deps, paymentId);
  // The gateway took the money back before this ran (its `refunded` follow-up holds what the
  // payment had bought): nothing is credited, renewed or provisioned for it.
  if (payment.status === "REFUNDED") return { work: [], summary: { skipped: "payment refunded by the gateway" } };
  const work: FollowupWork[] = [];
  if (order.kind === "WALLET_TOPUP") {
    // Checkout never offers the wallet for a top-up; a WALLET payment here is a bug, not money to credit.
    if (payment.gateway === "WALLET") throw new PermanentFollowupError(`top-up ${order.reference} cannot be paid from the wallet`);
    const credit = await creditTopUp(deps.prisma, { userId: order.userId, amountIdr: order.totalIdr, orderId: order.id, paymentId: payment.id, gatewayCode: payment.gateway });
    await transitionOrder(deps.prisma, order.id, "ACTIVE", { type: "SYSTEM", id: "payment-followups" }, { reason: "top-up credited", onlyFrom: ["PAID"] });
    work.push({ kind: "notify", id: ["topup-done", order.id], chatId, key: "notify-topup-done", locale, params: { amount: formatIdr(order.totalIdr), balance: formatIdr(credit.balanceAfterIdr) } });
    return { work, summary: { credited: order.totalIdr } };
  }
  if (order.kind === "RENEWAL" && order.instanceId) {
    await applyRenewal(deps.prisma, order.id);
    // Whether this run or an earlier one applied it: a renewal paid during suspension powers the
    // VPS back on (once: see resumeSuspended), and the customer hears about the new date.
    const applied = await deps.prisma.order.findUniqueOrThrow({ where: { id: order.id }, select: { status: true } });
    if (applied.status === "ACTIVE") {
      const resumed = await resumeSuspended(deps.prisma, { instanceId: order.instanceId });
      if (resumed.ok) work.push({ kind: "run-action", actionId: resumed.actionId });
      const instance = await deps.prisma.instance.findUniqueOrThrow({ where: { id: order.instanceId } });
      work.push({ kind: "notify", id: ["renewed", order.id], chatId, key: "renew-done", locale, params: { label: instance.label, expires: deps.formatDate(instance.expiresAt, locale) } });
    } else if (applied.status === "REFUNDED") {
      // The VPS was deleted before the money came: it went back to the wallet (applyRenewal).
      // The customer hears that instead of a "paid, renewing" notice and an invoice.
      const instance = await deps.prisma.instance.findUniqueOrThrow({ where: { id: order.instanceId } });
      work.push({
        kind: "notify",
        id: ["renewal-refunded", order.id],
        chatId,
        key: "renew-refunded-deleted",
        locale,
        params: { reference: order.reference, label: instance.label, amount: formatIdr(order.totalIdr + order.paymentFeeIdr) },
      });
      return { work, summary: { refunded: order.totalIdr + order.paymentFeeIdr } };
    }
  }
  // The reseller's webhook and the emailed invoice: recorded once per order (a retried follow-up
  // records nothing twice; a delivery whose job was lost is queued by the recovery sweep).
  const outbound = await recordCustomerEvent(deps.prisma, orderPaid(order, payment));
  if (outbound.length > 0) work.push({ kind: "outbound", jobs: outbound });
  work.push({
    kind: "notify",
    id: ["paid", order.id],
    chatId,
    key: "notify-payment-received",
    locale,
    params: { reference: order.reference, total: formatIdr(payment.totalIdr), next: order.kind === "RENEWAL" ? "t:notify-next-renewal" : "t:notify-next-provision" },
    invoiceOrderId: order.id,
  });
  if (order.kind === "NEW_VPS") work.push({ kind: "provision", orderId: order.id });
  return { work, summary: { notified: true, provisioning: order.kind === "NEW_VPS" } };
}

async function expired(deps: FollowupDeps, paymentId: number): Promise<FollowupOutcome> {
  const { payment, order, chatId, locale } = await loadPayment(deps, paymentId);
  const work: FollowupWork[] = [];
  const challengeEnded = payment.reviewWhy === "challenge" && (payment.status === "FAILED" || payment.status === "EXPIRED");
  if (!challengeEnded || order.status === "CANCELLED" || order.status === "EXPIRED") {
    work.push({ kind: "notify", id: ["payment-expired", order.id], chatId, key: "notify-payment-expired", locale, params: { reference: order.reference } });
  }
  if (challengeEnded) {
    // The sellers' review card of this challenge is void: the gateway denied it (or let it expire).
    for (const reviewer of await reviewerChatIds(deps.prisma, deps.staff)) {
      work.push({ kind: "notify", id: ["review-ended", payment.id, reviewer], chatId: reviewer, key: "review-challenge-ended", params: { reference: order.reference, gateway: payment.gateway } });
    }
  }
  return { work, summary: { notified: true, challengeEnded } };
}
