import { Composer } from "grammy";
import { QueueName, jobId } from "../../jobs/queues.js";
import { formatIdr } from "../../shop/money.js";
import { refundFailedOrder, retryProvisioning, type StaffActionResult } from "../../shop/provisioning/staff-actions.js";
import { staffActor } from "../../shop/users/staff.js";
import type { BotContext } from "../context.js";
import { allowedTo } from "../middlewares/permission.filter.js";
import { orderDecided } from "../../jobs/card-edits.js";
import { actorOf, orderHandledNote } from "./pending-cards.js";

/**
 * Seller tools for failed provisioning: `/retry <order>` (from PROVISIONING_FAILED
 * or a stalled PROVISIONING) and `/refund <order>` to the customer's wallet (its
 * server deleted at the provider), also as buttons on the failure alert. Both are audited.
 */
export const provisioningStaffFeature = new Composer<BotContext>();
const retrier = provisioningStaffFeature.chatType("private").filter(allowedTo("provisioning.retry"));
const refunder = provisioningStaffFeature.chatType("private").filter(allowedTo("orders.refund"));

/** A refused action on an order someone already handled says who ("already handled by Rina 12:03"). */
async function refused(ctx: BotContext, ref: string | number, why: string) {
  const order = typeof ref === "number" ? { id: ref } : await ctx.deps.prisma.order.findUnique({ where: { reference: ref.trim().toUpperCase() }, select: { id: true } });
  const note = order ? await orderHandledNote(ctx.deps.prisma, order.id, ctx.t) : null;
  return ctx.reply(note ?? ctx.t("staff-action-failed", { why }));
}

async function retry(ctx: BotContext, ref: string | number) {
  const result = await retryProvisioning(ctx.deps, ref, staffActor(ctx.shopUser, "provisioning.retry")!);
  if (!result.ok) return refused(ctx, ref, result.why);
  await orderDecided(ctx.deps, result.orderId, "retried", actorOf(ctx.shopUser, ctx.from!.first_name));
  // One job id per retry (its audit row): an earlier retry's id may be recorded as done or failed,
  // and the queue would then take this one as already run and queue nothing.
  const queued = await ctx.deps.queues.enqueue(QueueName.Provisioning, { orderId: result.orderId }, { jobId: jobId("provision", result.orderId, "retry", result.retryId ?? result.attempt ?? 1) });
  // Recorded but not in the queue (Redis refused it): the recovery sweep pushes it within a
  // minute; say so instead of "started".
  if (!queued) return ctx.reply(ctx.t("staff-retry-not-queued", { reference: result.reference }));
  await ctx.reply(ctx.t("staff-retry-started", { reference: result.reference, attempt: result.attempt ?? 1 }));
}

async function refund(ctx: BotContext, ref: string | number) {
  const result: StaffActionResult = await refundFailedOrder(ctx.deps, ref, staffActor(ctx.shopUser, "orders.refund")!);
  if (!result.ok) return refused(ctx, ref, result.why);
  await orderDecided(ctx.deps, result.orderId, "refunded", actorOf(ctx.shopUser, ctx.from!.first_name));
  if (result.server?.status === "error") {
    // The refund stands; the orphan sweep deletes the server later.
    ctx.logger.warn({ orderId: result.orderId, error: result.server.message }, "refunded order's server not deleted at the provider yet");
  }
  const amount = formatIdr(result.amountIdr ?? 0);
  await ctx.deps.queues.enqueue(QueueName.Notifications, { chatId: result.chatId, key: "notify-refunded", params: { reference: result.reference, amount } }, { jobId: jobId("refunded", result.orderId) });
  await ctx.reply(ctx.t("staff-refund-done", { reference: result.reference, amount }));
}

retrier.command("retry", async (ctx) => {
  const ref = ctx.match.trim();
  if (!ref) return ctx.reply(ctx.t("staff-usage-retry"));
  await retry(ctx, ref);
});
refunder.command("refund", async (ctx) => {
  const ref = ctx.match.trim();
  if (!ref) return ctx.reply(ctx.t("staff-usage-refund"));
  await refund(ctx, ref);
});
retrier.callbackQuery(/^prov:retry:(\d+)$/, async (ctx) => {
  await ctx.answerCallbackQuery();
  await retry(ctx, Number(ctx.match[1]));
});
refunder.callbackQuery(/^prov:refund:(\d+)$/, async (ctx) => {
  await ctx.answerCallbackQuery();
  await refund(ctx, Number(ctx.match[1]));
});
