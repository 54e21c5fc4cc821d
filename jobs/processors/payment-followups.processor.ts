import { UnrecoverableError } from "bullmq";
import type { PrismaClient } from "../../db/client.js";
import { formatIdr } from "../../shop/money.js";
import { applyRenewal } from "../../shop/lifecycle/renewal.js";
import { formatDate } from "../../bot/format.js";
import { isLocale } from "../../bot/i18n.js";
import type { MidtransClient } from "../../shop/payments/gateways/midtrans.js";
import { midtransEventKey, midtransNotificationSchema, midtransOutcome } from "../../shop/payments/gateways/midtrans.js";
import type { TripayClient } from "../../shop/payments/gateways/tripay.js";
import { reconcileOpenPayments } from "../../shop/payments/reconcile.js";
import { settlePayment } from "../../shop/payments/settle.js";
import { transitionOrder } from "../../shop/orders/state-machine.js";
import { reviewerChatIds } from "../../shop/users/staff.js";
import { creditTopUp } from "../../shop/wallet/ledger.js";
import { dispatchSettlement } from "../dispatch-settlement.js";
import { QueueName, jobId, type Payload, type Queues } from "../queues.js";

export interface PaymentFollowupDeps {
  prisma: PrismaClient;
  queues: Queues;
  tripay?: TripayClient;
  midtrans?: MidtransClient;
  staff: { sellerIds: number[]; ownerIds: number[] };
}

/**
 * The slow half of a payment: confirm Midtrans notifications with Midtrans'
 * status API, then tell the customer (once), send the invoice, start
 * provisioning, credit top-ups, and put payments needing review in front of
 * the sellers. Every message it queues has a job id derived from the payment
 * or order, so a retried follow-up never sends anything twice.
 */
export function paymentFollowupsProcessor(deps: PaymentFollowupDeps) {
  const { prisma, queues } = deps;

  const load = (paymentId: number) =>
    prisma.payment.findUnique({ where: { id: paymentId }, include: { order: { include: { user: true } } } });

  return async (payload: Payload<"payment-followups">) => {
    if (payload.kind === "reconcile") {
      // Callbacks that never came: ask the gateways, apply what they say (same event keys).
      const results = await reconcileOpenPayments({ prisma, tripay: deps.tripay, midtrans: deps.midtrans });
      for (const r of results) if ("settlement" in r && r.settlement) await dispatchSettlement(queues, r.settlement);
      const failed = results.filter((r): r is Extract<typeof r, { error: string }> => "error" in r);
      if (failed.length > 0 && failed.length === results.length) {
        // Every question failed: the gateway (or our credentials) is down. Those attempts are
        // asked again in 10 minutes; the owner hears about it at most once an hour (job id).
        await queues.enqueue(
          QueueName.OwnerAlerts,
          {
            severity: "warning",
            title: "Cek status pembayaran ke gateway gagal",
            detail: failed.map((r) => `payment #${r.paymentId} (${r.gateway}): ${r.error}`).join("\n").slice(0, 3000),
          },
          { jobId: jobId("reconcile-failed", payload.tick.slice(0, 13)) },
        );
      }
      return {
        checked: results.length,
        settled: results.flatMap((r) => ("settlement" in r && r.settlement ? [`#${r.paymentId} ${r.settlement.result}`] : [])),
        failed: failed.map((r) => `#${r.paymentId}: ${r.error}`),
      };
    }
    if (payload.kind === "midtrans-callback") {
      if (!deps.midtrans) throw new UnrecoverableError("Midtrans is not configured");
      const callback = await prisma.paymentCallback.findUnique({ where: { id: payload.callbackId } });
      if (!callback) throw new UnrecoverableError(`callback ${payload.callbackId} not found`);
      const body = midtransNotificationSchema.parse(JSON.parse(callback.rawBody));
      // Midtrans' own advice: act on the status API's answer, not on the notification.
      const status = await deps.midtrans.status(body.order_id);
      if (!status) return { outcome: "midtrans does not know this order yet" };
      const outcome = midtransOutcome(status);
      const settlement = await settlePayment(prisma, {
        key: { attemptRef: body.order_id },
        outcome,
        eventKey: midtransEventKey(body.order_id, status),
        source: "midtrans",
        actor: { type: "GATEWAY", id: `midtrans:${status.transaction_id ?? body.order_id}` },
      });
      await prisma.paymentCallback.update({ where: { id: callback.id }, data: { outcome: `status ${status.transaction_status}: ${settlement.result}` } });
      await dispatchSettlement(queues, settlement);
      return { settlement: settlement.result };
    }

    const payment = await load(payload.paymentId);
    if (!payment) throw new UnrecoverableError(`payment ${payload.paymentId} not found`);
    const { order } = payment;
    const chatId = Number(order.user.telegramId);
    const locale = order.user.language;

    if (payload.kind === "paid") {
      if (order.kind === "WALLET_TOPUP") {
        // Checkout never offers the wallet for a top-up; a WALLET payment here is a bug, not money to credit.
        if (payment.gateway === "WALLET") throw new UnrecoverableError(`top-up ${order.reference} cannot be paid from the wallet`);
        const credit = await creditTopUp(prisma, {
          userId: order.userId,
          amountIdr: order.totalIdr,
          orderId: order.id,
          paymentId: payment.id,
          gatewayCode: payment.gateway,
        });
        await transitionOrder(prisma, order.id, "ACTIVE", { type: "SYSTEM", id: "payment-followups" }, { reason: "top-up credited", onlyFrom: ["PAID"] });
        await queues.enqueue(
          QueueName.Notifications,
          { chatId, key: "notify-topup-done", locale, params: { amount: formatIdr(order.totalIdr), balance: formatIdr(credit.balanceAfterIdr) } },
          { jobId: jobId("topup-done", order.id) },
        );
        return { credited: order.totalIdr };
      }
      if (order.kind === "RENEWAL") {
        const renewal = await applyRenewal(prisma, order.id);
        if (renewal.applied) {
          if (renewal.wasSuspended) {
            // Paid during suspension: power the VPS back on (status returns to ACTIVE when it runs).
            const action = await prisma.instanceAction.create({ data: { instanceId: renewal.instanceId, userId: order.userId, type: "POWER_ON", status: "QUEUED" } }).catch(() => null);
            if (action) await queues.enqueue(QueueName.InstanceActions, { actionId: action.id }, { jobId: jobId("action", action.id) });
          }
          const instance = await prisma.instance.findUniqueOrThrow({ where: { id: renewal.instanceId } });
          await queues.enqueue(
            QueueName.Notifications,
            { chatId, key: "renew-done", locale, params: { label: instance.label, expires: formatDate(renewal.expiresAt, isLocale(locale) ? locale : "id") } },
            { jobId: jobId("renewed", order.id) },
          );
        }
      }
      await queues.enqueue(
        QueueName.Notifications,
        {
          chatId,
          key: "notify-payment-received",
          locale,
          params: {
            reference: order.reference,
            total: formatIdr(payment.totalIdr),
            next: order.kind === "RENEWAL" ? "t:notify-next-renewal" : "t:notify-next-provision",
          },
          document: { kind: "invoice", orderId: order.id },
        },
        { jobId: jobId("paid", order.id) },
      );
      if (order.kind === "NEW_VPS") {
        await queues.enqueue(QueueName.Provisioning, { orderId: order.id }, { jobId: jobId("provision", order.id) });
      }
      return { notified: true, provisioning: order.kind === "NEW_VPS" };
    }

    if (payload.kind === "review") {
      const reason = await reviewReason(prisma, order.id);
      await queues.enqueue(
        QueueName.Notifications,
        { chatId, key: "notify-payment-review", locale, params: { reference: order.reference, why: `t:review-why-${reason}` } },
        { jobId: jobId("review-customer", payment.id) },
      );
      const buttons = [[{ text: "t:review-approve", data: `rev:ok:${payment.id}` }, { text: "t:review-reject", data: `rev:no:${payment.id}` }]];
      for (const reviewer of await reviewerChatIds(prisma, deps.staff)) {
        await queues.enqueue(
          QueueName.Notifications,
          {
            chatId: reviewer,
            key: "review-needed",
            params: {
              why: `t:review-why-${reason}`,
              reference: order.reference,
              received: formatIdr(payment.totalIdr),
              expected: formatIdr(order.totalIdr + payment.feeIdr),
              gateway: payment.gateway,
            },
            buttons,
          },
          { jobId: jobId("review-staff", payment.id, reviewer) },
        );
      }
      if (reason === "amount_mismatch" || reason === "already_paid") {
        await queues.enqueue(QueueName.OwnerAlerts, {
          severity: "warning",
          title: `Pembayaran ${order.reference} perlu diperiksa (${reason})`,
          detail: `Gateway ${payment.gateway}, payment #${payment.id}. Pesanan tidak ditandai lunas sampai penjual memutuskan.`,
        }, { jobId: jobId("alert-review", payment.id) });
      }
      return { reviewers: true, reason };
    }

    // expired
    await queues.enqueue(
      QueueName.Notifications,
      { chatId, key: "notify-payment-expired", locale, params: { reference: order.reference } },
      { jobId: jobId("payment-expired", order.id) },
    );
    return { notified: true };
  };
}

/** Why an order is under review, read back from the status history the settlement wrote. */
async function reviewReason(prisma: PrismaClient, orderId: number): Promise<string> {
  const last = await prisma.orderStatusHistory.findFirst({ where: { orderId, toStatus: "PAYMENT_REVIEW" }, orderBy: { id: "desc" } });
  const why = last?.reason?.split(":")[0] ?? "";
  return ["amount_mismatch", "late_payment", "already_paid", "challenge"].includes(why) ? why : "amount_mismatch";
}
