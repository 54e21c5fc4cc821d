import { Composer, GrammyError, type InlineKeyboard } from "grammy";
import type { ProviderCode } from "../../../db/client.js";
import type { Buyer } from "../../../shop/catalog/catalog.js";
import type { BotContext } from "../../context.js";
import { isLocale } from "../../../shop/messages/locale.js";
import { countCatalogView } from "../../../shop/stats/charts/catalog-views.js";
import { CHECKOUT_CONVERSATION } from "./checkout.conversation.js";
import { durationView, imageView, plansView, providersView, type View, type ViewKit } from "./views.js";

/**
 * Catalog browsing — providers → plans → duration → OS image — as stateless
 * button handlers: every press carries its full selection, is re-checked
 * against the catalog, and edits the same message in place. Choosing the image
 * hands over to the checkout conversation (coupon, summary, confirm).
 */
export const browseFeature = new Composer<BotContext>();

function kitOf(ctx: BotContext): ViewKit {
  return { t: (key, vars) => ctx.t(key, vars), locale: isLocale(ctx.shopUser.language) ? ctx.shopUser.language : "id" };
}

const buyerOf = (ctx: BotContext): Buyer => ({ userId: ctx.shopUser.id, resellerTierId: ctx.shopUser.resellerTierId });

/** Edits the pressed message (or sends a new one for commands); an identical view is not an error. */
export async function render(ctx: BotContext, view: View): Promise<void> {
  const options = { parse_mode: "HTML" as const, reply_markup: view.keyboard as InlineKeyboard };
  if (!ctx.callbackQuery?.message) {
    await ctx.reply(view.text, options);
    return;
  }
  try {
    await ctx.editMessageText(view.text, options);
  } catch (err) {
    if (err instanceof GrammyError && err.description.includes("message is not modified")) return;
    if (err instanceof GrammyError && err.description.includes("message to edit not found")) {
      await ctx.reply(view.text, options);
      return;
    }
    throw err;
  }
}

async function showProviders(ctx: BotContext, notice?: string, opts: { fresh?: boolean } = {}) {
  // The funnel's first step (/stats); a failed count is logged and never stops the catalog.
  await countCatalogView(ctx.deps.prisma, ctx.shopUser.id).catch((err: unknown) => ctx.logger.warn({ err }, "catalog view not counted"));
  const view = providersView(kitOf(ctx), await ctx.deps.catalog.providers());
  const shown = notice ? { ...view, text: `${notice}\n\n${view.text}` } : view;
  if (opts.fresh) await ctx.reply(shown.text, { parse_mode: "HTML", reply_markup: shown.keyboard as InlineKeyboard });
  else await render(ctx, shown);
}

browseFeature.chatType("private").command("catalog", (ctx) => showProviders(ctx));

browseFeature.callbackQuery(["menu:catalog", "cat:home"], async (ctx) => {
  await ctx.answerCallbackQuery();
  await showProviders(ctx);
});

// A broadcast's "open catalog" button: the catalog comes as a new message, the announcement (text or photo) stays.
browseFeature.callbackQuery("cat:new", async (ctx) => {
  await ctx.answerCallbackQuery();
  await showProviders(ctx, undefined, { fresh: true });
});

browseFeature.callbackQuery(/^cat:prov:([A-Z]+):(\d+)$/, async (ctx) => {
  const code = ctx.match[1] as ProviderCode;
  const providers = await ctx.deps.catalog.providers();
  const provider = providers.find((p) => p.code === code);
  if (!provider) {
    await ctx.answerCallbackQuery({ text: ctx.t("catalog-stale") });
    return showProviders(ctx);
  }
  await ctx.answerCallbackQuery();
  const plans = await ctx.deps.catalog.plans(code, buyerOf(ctx), new Date());
  await render(ctx, plansView(kitOf(ctx), provider, plans, Number(ctx.match[2])));
});

browseFeature.callbackQuery(/^cat:plan:(\d+):(\d+)$/, async (ctx) => {
  const offer = await ctx.deps.catalog.offer(Number(ctx.match[1]), buyerOf(ctx), new Date());
  if (!offer) {
    await ctx.answerCallbackQuery({ text: ctx.t("order-unavailable") });
    return showProviders(ctx);
  }
  await ctx.answerCallbackQuery();
  await render(ctx, durationView(kitOf(ctx), offer, Number(ctx.match[2])));
});

browseFeature.callbackQuery(/^cat:dur:(\d+):(\d+)$/, async (ctx) => {
  const offer = await ctx.deps.catalog.offer(Number(ctx.match[1]), buyerOf(ctx), new Date());
  const months = Number(ctx.match[2]);
  if (!offer || !offer.plan.available || !offer.prices.some((p) => p.durationMonths === months)) {
    await ctx.answerCallbackQuery({ text: ctx.t("order-unavailable") });
    return offer ? render(ctx, durationView(kitOf(ctx), offer)) : showProviders(ctx);
  }
  await ctx.answerCallbackQuery();
  await render(ctx, imageView(kitOf(ctx), offer, months));
});

browseFeature.callbackQuery(/^cat:img:(\d+):(\d+):(\d+)$/, async (ctx) => {
  const [planId, months, imageId] = [Number(ctx.match[1]), Number(ctx.match[2]), Number(ctx.match[3])];
  const offer = await ctx.deps.catalog.offer(planId, buyerOf(ctx), new Date());
  if (!offer || !offer.plan.available || !offer.prices.some((p) => p.durationMonths === months) || !offer.images.some((i) => i.id === imageId)) {
    await ctx.answerCallbackQuery({ text: ctx.t("order-unavailable") });
    return offer ? render(ctx, durationView(kitOf(ctx), offer)) : showProviders(ctx);
  }
  await ctx.answerCallbackQuery();
  await ctx.conversation.enter(CHECKOUT_CONVERSATION, { planId, months, imageId });
});

browseFeature.callbackQuery("cat:noop", (ctx) => ctx.answerCallbackQuery({ text: ctx.t("plan-sold-out") }));

browseFeature.callbackQuery("cat:cancel", async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.editMessageText(ctx.t("cancelled")).catch(() => undefined);
});

// Checkout buttons whose conversation is over (yesterday's summary, a restart
// after /cancel) and unknown catalog buttons: say so, and show a fresh catalog.
browseFeature.callbackQuery(/^(cat|chk):/, async (ctx) => {
  await ctx.answerCallbackQuery({ text: ctx.t("catalog-stale") });
  await showProviders(ctx);
});
