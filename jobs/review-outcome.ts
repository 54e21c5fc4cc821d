import type { Db } from "../db/client.js";
import { formatIdr } from "../shop/money.js";
import type { ReviewResult } from "../shop/payments/review.js";
import { dispatchSettlement } from "./dispatch-settlement.js";
import { QueueName, jobId, type Queues } from "./queues.js";

/**
 * Tells the customer what a seller's review decided (in their language, once), wherever it was
 * decided (the chat's cards, the Mini App's pending page): an approval's settlement follow-up, a
 * refused screenshot with the reason, money under review given back with the reason.
 */
export async function tellReviewOutcome(deps: { prisma: Db; queues: Queues }, result: ReviewResult, reason?: string): Promise<void> {
  // A transfer approved late goes to review: its follow-up puts it in front of the sellers.
  if (result.result === "paid" || result.result === "review") return dispatchSettlement(deps.queues, result);
  if (result.result !== "rejected" && result.result !== "returned") return;
  const order = await deps.prisma.order.findUniqueOrThrow({ where: { id: result.orderId }, include: { user: true } });
  const chatId = Number(order.user.telegramId);
  if (result.result === "returned") {
    const params = { reference: order.reference, amount: formatIdr(result.amountIdr), reason: reason ?? "-", balance: formatIdr(result.balanceAfterIdr ?? 0) };
    const key = result.to === "wallet" ? "notify-review-refunded-wallet" : "notify-review-refunded-outside";
    await deps.queues.enqueue(QueueName.Notifications, { chatId, key, params }, { jobId: jobId("review-returned", result.paymentId) });
    return;
  }
  await deps.queues.enqueue(
    QueueName.Notifications,
    { chatId, key: "notify-proof-rejected", params: { reference: order.reference, reason: reason ?? "-" } },
    { jobId: jobId("rejected", result.paymentId, Date.now()) },
  );
}
