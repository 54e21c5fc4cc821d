import type { Conversation } from "@grammyjs/conversations";
import { dispatchSettlement } from "../../jobs/dispatch-settlement.js";
import { QueueName, jobId } from "../../jobs/queues.js";
import { formatIdr } from "../../shop/money.js";
import { isLocale } from "../../shop/messages/locale.js";
import { addOrderNote, cancelOrder, markGatewayPaymentPaid, type ActionResult } from "../../shop/orders/console/actions.js";
import { markPaidWithRule } from "../../shop/pending/approval.js";
import { configRoster, staffActor } from "../../shop/users/staff.js";
import type { BotContext, BotDeps, ConvContext } from "../context.js";
import { waitForText } from "./wait-for-text.js";

export const ORDER_REASON_CONVERSATION = "order-console-reason";

/** How long the reason step waits; an answer after that changes nothing. */
export const ORDER_REASON_TIMEOUT_MS = 10 * 60_000;

/** What the typed text is for: the reason to mark a payment paid or to cancel, or a note. */
export type ReasonFor = "paid" | "cancel" | "note";

/**
 * Asks for the text an order action needs (a reason, or the note), then does the action. The
 * permission (orders.manage) is checked when the flow starts and again when the text arrives:
 * a member removed while typing changes nothing. Waits at most ORDER_REASON_TIMEOUT_MS; another
 * screen's button meanwhile is handled as usual.
 */
export function orderReasonConversation(deps: BotDeps) {
  return async function orderReasonFlow(conversation: Conversation<BotContext, ConvContext>, ctx: ConvContext, args: { for: ReasonFor; id: number }) {
    const from = ctx.from!;
    const user = await conversation.external(() => deps.users.resolve(from));
    const locale = isLocale(user.language) ? user.language : "id";
    const t = (key: string, vars?: Record<string, string | number>) => deps.i18n.t(locale, key, vars);
    if (!staffActor(user, "orders.manage")) return;
    const subject = await conversation.external(async () => {
      if (args.for === "paid") {
        const p = await deps.prisma.payment.findUnique({ where: { id: args.id }, include: { order: { select: { reference: true } } } });
        return { reference: p?.order.reference ?? "?", amount: formatIdr(p?.totalIdr ?? 0) };
      }
      const o = await deps.prisma.order.findUnique({ where: { id: args.id }, select: { reference: true } });
      return { reference: o?.reference ?? "?", amount: "" };
    });
    const ask = t(`ordc-ask-${args.for}`, subject);
    await ctx.reply(ask);
    const { answer, text, timedOut } = await waitForText(conversation, ask, ORDER_REASON_TIMEOUT_MS);
    if (timedOut) {
      await answer.reply(t("ordc-reason-timeout", { reference: subject.reference }));
      await conversation.halt({ next: true });
    }
    // A command typed instead of a reason leaves the flow and runs as usual.
    if (text.startsWith("/")) await conversation.halt({ next: true });
    const reply = await conversation.external(async () => {
      const fresh = await deps.users.fresh(from);
      const staff = staffActor(fresh, "orders.manage");
      if (!staff) return t("ordc-failed", { why: "orders.manage" });
      const result = await act(deps, args, staff, text, fresh.firstName || from.first_name);
      if (!result.ok) return t("ordc-failed", { why: result.why });
      return result.message(t, from.first_name);
    });
    await answer.reply(reply);
  };
}

type Done = ActionResult<{ message(t: (k: string, v?: Record<string, string | number>) => string, staff: string): string }>;

async function act(deps: BotDeps, args: { for: ReasonFor; id: number }, staff: NonNullable<ReturnType<typeof staffActor>>, text: string, name: string): Promise<Done> {
  if (args.for === "note") {
    const r = await addOrderNote(deps.prisma, { orderId: args.id, staff, note: text });
    return r.ok ? { ok: true, message: (t) => t("ordc-note-done", { reference: r.reference }) } : r;
  }
  if (args.for === "cancel") {
    const r = await cancelOrder(deps.prisma, { orderId: args.id, staff, reason: text });
    if (!r.ok) return r;
    await deps.queues.enqueue(QueueName.Notifications, { chatId: r.chatId, key: "ordc-notify-cancelled", params: { reference: r.reference, reason: text.trim().slice(0, 300) } }, { jobId: jobId("oc-cancelled", args.id) });
    return { ok: true, message: (t, name) => t("ordc-cancel-done", { reference: r.reference, staff: name }) };
  }
  // Above the two-person threshold the first member's mark-paid is the first of two (1/2).
  const gate = await markPaidWithRule(deps.prisma, {
    paymentId: args.id,
    reviewer: staff,
    reviewerName: name,
    reason: text,
    secondAboveIdr: deps.config.pending.secondStaffAboveIdr,
    roster: configRoster(deps.config),
  });
  if (gate?.result === "same_member") return { ok: true, message: (t) => t("pend-same-member") };
  if (gate?.result === "first_of_two") return { ok: true, message: (t) => t("pend-markpaid-first", { amount: formatIdr(gate.amountIdr) }) };
  const r = await markGatewayPaymentPaid(deps.prisma, { paymentId: args.id, staff, reason: text });
  if (!r.ok) return r;
  // The follow-up (customer's paid notice, invoice, provisioning) as after a callback.
  await dispatchSettlement(deps.queues, r.settlement);
  const s = r.settlement;
  return { ok: true, message: (t, name) => (s.result === "review" ? t("ordc-paid-review", { reference: r.reference, why: s.why }) : t("ordc-paid-done", { reference: r.reference, staff: name })) };
}
