import type { Conversation } from "@grammyjs/conversations";
import { GrammyError, type Api } from "grammy";
import type { ProviderCode } from "../../../db/client.js";
import { QueueName, jobId } from "../../../jobs/queues.js";
import type { Buyer, Quote } from "../../../shop/catalog/catalog.js";
import { createOrder, type CreateOrderResult } from "../../../shop/orders/create-order.js";
import { allowOrderCreation } from "../../../shop/orders/order-rate-limit.js";
import { normalizeCouponCode } from "../../../shop/pricing/coupon-rules.js";
import type { BotContext, BotDeps, ConvContext } from "../../context.js";
import { formatDateTime, formatIdr } from "../../format.js";
import { isLocale, type Locale } from "../../i18n.js";
import { couponRejectionText, couponView, durationView, imageView, plansView, providersView, summaryView, type View, type ViewKit } from "./views.js";
import { InlineKeyboard } from "grammy";

/** Stable conversation id; persisted state refers to it. */
export const CATALOG_CONVERSATION = "catalog";
/** Every wait loop has an exit: a step budget and an idle timeout bound the replay log. */
const MAX_TURNS = 40;
const IDLE_MS = 30 * 60_000;

type Choice = { provider: ProviderCode; page: number; planId?: number; months?: number; imageId?: number; couponCode?: string | null };
type Step =
  | { kind: "providers" }
  | ({ kind: "plans" } & Choice)
  | ({ kind: "durations"; planId: number } & Choice)
  | ({ kind: "images"; planId: number; months: number } & Choice)
  | ({ kind: "coupon"; planId: number; months: number; imageId: number; notice?: string } & Choice)
  | ({ kind: "summary"; planId: number; months: number; imageId: number; couponCode: string | null; notice?: string } & Choice);

/** The step the Back button leads to. */
function back(step: Step): Step {
  switch (step.kind) {
    case "providers":
    case "plans":
      return { kind: "providers" };
    case "durations":
      return { kind: "plans", provider: step.provider, page: step.page };
    case "images":
      return { kind: "durations", provider: step.provider, page: step.page, planId: step.planId };
    case "coupon":
    case "summary":
      return { kind: "images", provider: step.provider, page: step.page, planId: step.planId, months: step.months };
  }
}

function isNotModified(err: unknown): boolean {
  const e = err instanceof GrammyError ? err : (err as { cause?: unknown })?.cause;
  return e instanceof GrammyError && e.description.includes("message is not modified");
}

/**
 * Catalog → plan → duration → OS image → coupon → summary → confirm, in one
 * message edited in place. Everything it reads goes through
 * `conversation.external`, so replays after a restart see the same data.
 */
export function catalogConversation(deps: BotDeps) {
  return async function catalog(conversation: Conversation<BotContext, ConvContext>, ctx: ConvContext): Promise<void> {
    const chatId = ctx.chat!.id;
    const from = ctx.from!;
    const user = await conversation.external(() => deps.users.resolve(from));
    const buyer: Buyer = { userId: user.id, resellerTierId: user.resellerTierId };
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
    /** Moves the flow to a fresh message below the user's own (after they typed). */
    const moveDown = async () => {
      if (messageId !== undefined) await api.editMessageReplyMarkup(chatId, messageId, { reply_markup: undefined }).catch(() => undefined);
      messageId = undefined;
      shown = "";
    };
    const now = async () => new Date(await conversation.now());
    const quoteFor = async (s: { planId: number; months: number; imageId: number; couponCode: string | null }) => {
      const at = await now();
      return conversation.external(() =>
        deps.catalog.quote(deps.prisma, { planId: s.planId, durationMonths: s.months, imageId: s.imageId, couponCode: s.couponCode }, buyer, at),
      );
    };

    let step = { kind: "providers" } as Step;
    let notice: string | undefined;
    for (let turn = 0; turn < MAX_TURNS; turn++) {
      // Render the current step (reading fresh catalog data each time).
      let view: View;
      if (step.kind === "providers") {
        const providers = await conversation.external(() => deps.catalog.providers());
        view = providersView(kit, providers);
        if (notice) view = { ...view, text: `${notice}\n\n${view.text}` };
      } else if (step.kind === "plans") {
        const at = await now();
        const provider = step.provider;
        const [providers, plans] = await conversation.external(() => Promise.all([deps.catalog.providers(), deps.catalog.plans(provider, buyer, at)]));
        const name = providers.find((p) => p.code === provider)?.name ?? provider;
        view = plansView(kit, name, plans, step.page);
      } else if (step.kind === "durations" || step.kind === "images") {
        const at = await now();
        const planId = step.planId;
        const offer = await conversation.external(() => deps.catalog.offer(planId, buyer, at));
        if (!offer) {
          notice = t("order-unavailable");
          step = { kind: "providers" };
          continue;
        }
        view = step.kind === "durations" ? durationView(kit, offer) : imageView(kit, offer, step.months);
      } else if (step.kind === "coupon") {
        view = couponView(kit, step.notice);
      } else {
        const result = await quoteFor(step);
        if (!result.ok) {
          notice = t("order-unavailable");
          step = { kind: "providers" };
          continue;
        }
        if (result.couponRejection) {
          step = { ...step, kind: "coupon", notice: couponRejectionText(kit, step.couponCode ?? "", result.couponRejection) };
          continue;
        }
        view = summaryView(kit, result.quote, step.notice);
      }
      await show(view);
      notice = undefined;

      const update = await conversation.wait({ maxMilliseconds: IDLE_MS });
      const query = update.callbackQuery;
      if (query) {
        const data = query.data ?? "";
        // Buttons of other features pass through; old catalog buttons are refused politely.
        if (!data.startsWith("cat:")) await conversation.skip({ next: true });
        if (query.message?.message_id !== messageId) {
          await update.answerCallbackQuery({ text: t("catalog-stale") });
          continue;
        }
        await update.answerCallbackQuery();
        const [, action, arg = ""] = data.split(":");
        if (action === "cancel") {
          // An edit without reply_markup also removes the buttons.
          await api.editMessageText(chatId, messageId!, t("cancelled")).catch(() => undefined);
          return;
        }
        if (action === "back") step = back(step);
        else if (action === "prov") step = { kind: "plans", provider: arg as ProviderCode, page: 0 };
        else if (action === "page" && step.kind === "plans") step = { ...step, page: Number(arg) || 0 };
        else if (action === "plan" && step.kind === "plans") step = { ...step, kind: "durations", planId: Number(arg) };
        else if (action === "dur" && step.kind === "durations") step = { ...step, kind: "images", months: Number(arg) };
        else if (action === "img" && step.kind === "images") step = { ...step, kind: "coupon", imageId: Number(arg) };
        else if (action === "skip" && step.kind === "coupon") step = { ...step, kind: "summary", couponCode: null, notice: undefined };
        else if (action === "coupon" && step.kind === "summary") step = { ...step, kind: "coupon", notice: undefined };
        else if (action === "nocoupon" && step.kind === "summary") step = { ...step, couponCode: null, notice: undefined };
        else if (action === "confirm" && step.kind === "summary") {
          const outcome = await confirm(step);
          if (outcome === "done") return;
          if (outcome.kind === "providers") notice = t("order-unavailable");
          step = outcome;
        }
        continue;
      }
      const text = update.message?.text;
      if (text !== undefined && step.kind === "coupon") {
        await moveDown();
        step = { ...step, kind: "summary", couponCode: normalizeCouponCode(text).slice(0, 32), notice: undefined };
        const result = await quoteFor(step);
        if (result.ok && result.quote.coupon) {
          step.notice = t("coupon-applied", { code: result.quote.coupon.code, discount: formatIdr(result.quote.breakdown.couponDiscountIdr) });
        }
        continue;
      }
      await update.reply(t("flow-use-buttons"));
    }
    await api.sendMessage(chatId, t("flow-timeout"));

    /** Places the order from the summary; returns the next step, or "done". */
    async function confirm(s: Extract<Step, { kind: "summary" }>): Promise<Step | "done"> {
      const shownQuote = await quoteFor(s);
      if (!shownQuote.ok) return { kind: "providers" };
      const expected = shownQuote.quote.breakdown.totalIdr;
      const at = await now();
      const result = await conversation.external(async (): Promise<CreateOrderResult | { status: "rate_limited" }> => {
        if (!(await allowOrderCreation(deps.redis, deps.config.queuePrefix, buyer.userId, 10, at.getTime()))) return { status: "rate_limited" };
        const created = await createOrder(deps.prisma, deps.catalog, {
          buyer,
          request: { planId: s.planId, durationMonths: s.months, imageId: s.imageId, couponCode: s.couponCode },
          expectedTotalIdr: expected,
          paymentTtlHours: deps.config.orderPaymentTtlHours,
          now: at,
        });
        if (created.status === "created") await announceOrder(deps, chatId, created.order, created.quote, locale);
        return created;
      });
      switch (result.status) {
        case "rate_limited":
          return { ...s, notice: t("order-rate-limited") };
        case "unavailable":
          return { kind: "providers" };
        case "price_changed":
          return { ...s, notice: t("summary-price-changed") };
        case "coupon_rejected":
          return { ...s, kind: "coupon", notice: couponRejectionText(kit, s.couponCode ?? "", result.rejection) };
        case "created": {
          const { order } = result;
          const text = t("order-created", { reference: order.reference, total: formatIdr(order.totalIdr), deadline: formatDateTime(order.paymentDeadline, locale) });
          const kb = new InlineKeyboard().text(t("menu-orders"), `ord:view:${order.id}`).row().text(t("menu-main"), "menu:main");
          await show({ text, keyboard: kb });
          return "done";
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
async function announceOrder(deps: BotDeps, chatId: number, order: { id: number; reference: string; totalIdr: number; paymentDeadline: string }, quote: Quote, locale: Locale) {
  const deadline = new Date(order.paymentDeadline);
  await deps.queues.enqueue(
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
