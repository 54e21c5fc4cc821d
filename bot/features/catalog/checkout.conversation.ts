import { randomUUID } from "node:crypto";
import type { Conversation } from "@grammyjs/conversations";
import { GrammyError, InlineKeyboard, type Api } from "grammy";
import { QueueName, jobId } from "../../../jobs/queues.js";
import type { Buyer, Quote } from "../../../shop/catalog/catalog.js";
import { MAX_ORDER_QUANTITY, createOrder, type CreateOrderResult } from "../../../shop/orders/create-order.js";
import { allowOrderCreation } from "../../../shop/orders/order-rate-limit.js";
import { normalizeCouponCode } from "../../../shop/pricing/coupon-rules.js";
import type { BotContext, BotDeps, ConvContext } from "../../context.js";
import { formatDateTime, formatIdr } from "../../../shop/messages/format.js";
import { isLocale, type Locale } from "../../../shop/messages/locale.js";
import { MAX_LABEL_CHARS, parseClientLabel } from "../../../shop/resellers/labels.js";
import { couponRejectionText, couponView, labelAskView, summaryView, type View, type ViewKit } from "./views.js";

/** Stable conversation id; persisted state refers to it. */
export const CHECKOUT_CONVERSATION = "checkout";
/** Every wait loop has an exit: a small step budget and an idle timeout keep the replay log short. */
const MAX_TURNS = 20;
const IDLE_MS = 30 * 60_000;

export interface CheckoutChoice {
  planId: number;
  months: number;
  imageId: number;
}

function isNotModified(err: unknown): boolean {
  const e = err instanceof GrammyError ? err : (err as { cause?: unknown })?.cause;
  return e instanceof GrammyError && e.description.includes("message is not modified");
}

/**
 * The part of ordering that needs free text: coupon → summary (→ optional label) → confirm, in
 * the message the customer was browsing. Reads go through
 * `conversation.external` so replays after a restart see the same data; any
 * catalog button (Back, Cancel) ends it and is handled by browsing.
 */
export function checkoutConversation(deps: BotDeps) {
  return async function checkout(conversation: Conversation<BotContext, ConvContext>, ctx: ConvContext, choice: CheckoutChoice): Promise<void> {
    const chatId = ctx.chat!.id;
    const from = ctx.from!;
    const user = await conversation.external(() => deps.users.resolve(from));
    /**
     * This checkout's id, kept in the replay log: the order is placed under it, so the confirm tap
     * handled a second time (its process died or was cut off after the order committed but before
     * this conversation's state was saved, and the inbox gave the update to another process) gets
     * the same order back instead of placing another (createOrder's `requestKey`).
     */
    const checkoutId = await conversation.external(() => randomUUID());
    let buyer: Buyer = { userId: user.id, resellerTierId: user.resellerTierId };
    /** Several VPS in one checkout are for resellers (createOrder checks it again). */
    const maxQuantity = () => (buyer.resellerTierId !== null ? MAX_ORDER_QUANTITY : 1);
    const locale: Locale = isLocale(user.language) ? user.language : "id";
    const t = (key: string, vars?: Record<string, string | number>) => deps.i18n.t(locale, key, vars);
    const kit: ViewKit = { t, locale };
    const api: Api = ctx.api;
    let messageId: number | undefined = ctx.callbackQuery?.message?.message_id;
    let shown = "";

    const show = async (view: View) => {
      const fingerprint = view.text + JSON.stringify(view.keyboard.inline_keyboard);
      if (messageId !== undefined && fingerprint === shown) return;
      shown = fingerprint;
      const options = { parse_mode: "HTML" as const, reply_markup: view.keyboard };
      if (messageId !== undefined) {
        try {
          await api.editMessageText(chatId, messageId, view.text, options);
          return;
        } catch (err) {
          if (isNotModified(err)) return;
          throw err;
        }
      }
      messageId = (await api.sendMessage(chatId, view.text, options)).message_id;
    };
    /** After the customer typed, continue in a fresh message below theirs. */
    const moveDown = async () => {
      if (messageId !== undefined) await api.editMessageReplyMarkup(chatId, messageId).catch(() => undefined);
      messageId = undefined;
      shown = "";
    };
    const quote = async (couponCode: string | null) => {
      const at = new Date(await conversation.now());
      return conversation.external(() =>
        deps.catalog.quote(deps.prisma, { planId: choice.planId, durationMonths: choice.months, imageId: choice.imageId, couponCode }, buyer, at, { display: true }),
      );
    };
    /** The buyer's tier as the database has it now (a tier taken away mid-checkout changes the price shown). */
    const refreshBuyer = async () => {
      const tierId = await conversation.external(async () => (await deps.prisma.user.findUnique({ where: { id: user.id }, select: { resellerTierId: true } }))?.resellerTierId ?? null);
      buyer = { userId: user.id, resellerTierId: tierId };
    };
    const unavailable = async () => {
      await show({ text: t("order-unavailable"), keyboard: new InlineKeyboard().text(t("menu-catalog"), "cat:home") });
    };

    let stage: "coupon" | "summary" | "label" = "coupon";
    let couponCode: string | null = null;
    let clientLabel: string | null = null;
    /** Identical VPS in this checkout: N sibling orders (shop/resellers/group-orders.ts). */
    let quantity = 1;
    let notice: string | undefined;
    for (let turn = 0; turn < MAX_TURNS; turn++) {
      if (stage === "coupon") {
        await show(couponView(kit, choice, notice));
      } else if (stage === "label") {
        await show(labelAskView(kit, MAX_LABEL_CHARS, clientLabel, notice));
      } else {
        if (quantity > maxQuantity()) quantity = maxQuantity();
        const result = await quote(quantity > 1 ? null : couponCode);
        if (!result.ok) return unavailable();
        if (result.couponRejection) {
          notice = couponRejectionText(kit, couponCode ?? "", result.couponRejection);
          stage = "coupon";
          continue;
        }
        await show(summaryView(kit, result.quote, notice, { label: clientLabel, quantity, maxQuantity: maxQuantity() }));
      }
      notice = undefined;

      const update = await conversation.wait({ maxMilliseconds: IDLE_MS });
      const query = update.callbackQuery;
      if (query) {
        const data = query.data ?? "";
        // Catalog buttons (Back, Cancel) end checkout and are handled by browsing;
        // other features' buttons pass through untouched.
        if (data.startsWith("cat:")) await conversation.halt({ next: true });
        if (!data.startsWith("chk:")) await conversation.skip({ next: true });
        if (query.message?.message_id !== messageId) {
          await update.answerCallbackQuery({ text: t("catalog-stale") });
          continue;
        }
        await update.answerCallbackQuery();
        if (data === "chk:skip") {
          couponCode = null;
          stage = "summary";
        } else if (data === "chk:coupon") {
          // A coupon is for one VPS: with several the summary offers no coupon button, and a crafted tap is ignored.
          if (quantity === 1) stage = "coupon";
        } else if (data === "chk:nocoupon") {
          couponCode = null;
        } else if (data.startsWith("chk:q:") && stage === "summary") {
          quantity = Math.min(maxQuantity(), Math.max(1, Number(data.slice("chk:q:".length)) || 1));
          if (quantity > 1 && couponCode !== null) {
            couponCode = null;
            notice = t("rsl-qty-coupon-dropped");
          }
        } else if (data === "chk:label") {
          stage = "label";
        } else if (data === "chk:sum") {
          stage = "summary";
        } else if (data === "chk:nolabel") {
          clientLabel = null;
          stage = "summary";
        } else if (data === "chk:confirm" && stage === "summary") {
          const done = await confirm();
          if (done) return;
        }
        continue;
      }
      const text = update.message?.text;
      if (text !== undefined && stage === "coupon") {
        await moveDown();
        couponCode = normalizeCouponCode(text).slice(0, 32);
        stage = "summary";
        const result = await quote(couponCode);
        if (result.ok && result.quote.coupon) {
          notice = t("coupon-applied", { code: result.quote.coupon.code, discount: formatIdr(result.quote.breakdown.couponDiscountIdr) });
        }
        continue;
      }
      if (text !== undefined && stage === "label") {
        // A command (/orders, /start…) is not a label: it leaves checkout and is handled as usual.
        if (text.startsWith("/")) await conversation.halt({ next: true });
        await moveDown();
        const parsed = parseClientLabel(text);
        if (parsed.ok) {
          clientLabel = parsed.label;
          stage = "summary";
        } else {
          notice = t(`rsl-label-bad-${parsed.reason}`, { max: MAX_LABEL_CHARS });
        }
        continue;
      }
      await update.reply(t("flow-use-buttons"));
    }
    await api.sendMessage(chatId, t("flow-timeout"));

    /** Places the order at the price shown; returns true when the flow is over. */
    async function confirm(): Promise<boolean> {
      // Quoted with exactly the code the order is placed with (a coupon is for one VPS), so the
      // expected total matches unless the price really moved.
      const code = quantity > 1 ? null : couponCode;
      const shownQuote = await quote(code);
      const at = new Date(await conversation.now());
      // No price now (sold out, plan switched off): createOrder still runs, because this very
      // checkout may have placed its order already (the tap handled again; see checkoutId), and
      // that order is given back; otherwise it answers unavailable.
      const expected = shownQuote.ok ? shownQuote.quote.breakdown.totalIdr : null;
      const label = clientLabel;
      const units = quantity;
      const result = await conversation.external(async (): Promise<CreateOrderResult | { status: "rate_limited" }> => {
        // One token per order created: a checkout of N VPS spends N.
        if (!(await allowOrderCreation(deps.redis, deps.config.queuePrefix, buyer.userId, 10, at.getTime(), units))) return { status: "rate_limited" };
        const created = await createOrder(deps.prisma, deps.catalog, {
          buyer,
          request: { planId: choice.planId, durationMonths: choice.months, imageId: choice.imageId, couponCode: code },
          expectedTotalIdr: expected,
          paymentTtlHours: deps.config.orderPaymentTtlHours,
          now: at,
          clientLabel: label,
          quantity: units,
          requestKey: `checkout:${checkoutId}`,
        });
        if (created.status === "created") {
          // A multi-VPS checkout is confirmed on this screen; one "order created" notice per sibling would be noise.
          for (const order of created.orders) await announceOrder(deps, chatId, order, created.quote, locale, created.orders.length === 1);
        }
        // The browsing cache was behind the database: drop it so the next summary shows the real price.
        if (created.status === "price_changed" || created.status === "unavailable") deps.catalog.invalidate();
        return created;
      });
      switch (result.status) {
        case "rate_limited":
          notice = t("order-rate-limited");
          return false;
        case "unavailable":
          await unavailable();
          return true;
        case "price_changed":
          // Often the buyer's tier changed (createOrder prices with the tier as it is now).
          await refreshBuyer();
          notice = t("summary-price-changed");
          return false;
        case "quantity_not_allowed":
          await refreshBuyer();
          quantity = 1;
          notice = t("rsl-qty-reseller-only");
          return false;
        case "coupon_rejected":
          notice = couponRejectionText(kit, couponCode ?? "", result.rejection);
          stage = "coupon";
          return false;
        case "created": {
          const { order } = result;
          if (result.orders.length > 1) {
            const refs = result.orders.map((o) => `• ${o.reference}`).join("\n");
            const total = result.orders.reduce((sum, o) => sum + o.totalIdr, 0);
            const text = t("rsl-qty-created", { quantity: result.orders.length, refs, total: formatIdr(total), deadline: formatDateTime(order.paymentDeadline, locale) });
            const kb = new InlineKeyboard().text(t("rsl-qty-pay-all"), `rs:pg:${order.id}`).row().text(t("menu-orders"), "ord:list:0").row().text(t("menu-main"), "menu:main");
            await show({ text, keyboard: kb });
            return true;
          }
          const text = t("order-created", { reference: order.reference, total: formatIdr(order.totalIdr), deadline: formatDateTime(order.paymentDeadline, locale) });
          const kb = new InlineKeyboard()
            .text(t("pay-now"), `pay:m:${order.id}`)
            .row()
            .text(t("menu-orders"), `ord:view:${order.id}`)
            .row()
            .text(t("menu-main"), "menu:main");
          await show({ text, keyboard: kb });
          return true;
        }
      }
    }
  };
}

/**
 * After an order is created: the customer's "order created" notification and a
 * delayed sweep at the payment deadline, so the order expires on time even if
 * the minute-by-minute scheduler is down.
 */
async function announceOrder(deps: BotDeps, chatId: number, order: { id: number; reference: string; totalIdr: number; paymentDeadline: string }, quote: Quote, locale: Locale, notify: boolean) {
  const deadline = new Date(order.paymentDeadline);
  if (notify) await deps.queues.enqueue(
    QueueName.Notifications,
    {
      chatId,
      key: "notify-order-created",
      locale,
      params: {
        reference: order.reference,
        plan: quote.planName,
        duration: deps.i18n.t(locale, "duration", { months: quote.durationMonths }),
        total: formatIdr(order.totalIdr),
        deadline: formatDateTime(deadline, locale),
      },
    },
    { jobId: jobId("order-created", order.id) },
  );
  await deps.queues.enqueue(
    QueueName.Lifecycle,
    { task: "order-expiry", tick: `order-${order.id}` },
    { jobId: jobId("order-expiry", "order", order.id), delay: Math.max(0, deadline.getTime() - Date.now()) + 1_000 },
  );
}
