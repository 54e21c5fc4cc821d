import { Composer } from "grammy";
import type { ProviderCode } from "../../../db/client.js";
import { planCard, providersOverview, type PlanCard, setPlanActive, setPlanPriceActive, setProviderActive } from "../../../shop/catalog/admin/plans.js";
import { disablePromo } from "../../../shop/catalog/admin/promos.js";
import { can } from "../../../shop/users/staff.js";
import type { BotContext } from "../../context.js";
import { allowedTo } from "../../middlewares/permission.filter.js";
import { render } from "../catalog/browse.feature.js";
import type { View, ViewKit } from "../catalog/views.js";
import { answerChoice, cancelForm, confirmForm, skipField, startForm } from "./form.js";
import { catalogActor, kitOf, notFound } from "./kit.js";
import { showPlan, showProvider } from "./plan-forms.js";
import { homeView, imagesView, promosView, resellerView } from "./views.js";

/**
 * /shop: the catalog console (permission catalog.manage). Providers on/off, each provider's
 * plans, a plan's card with its prices, reseller prices, stock, promos and OS images, and the
 * guided inputs behind its buttons. Every button carries what it acts on and the state it sets,
 * so a double tap or an old button sets the same thing twice instead of flipping it back.
 */
export const shopAdminFeature = new Composer<BotContext>();
const staff = shopAdminFeature.chatType("private").filter(allowedTo("catalog.manage"));

async function home(ctx: BotContext) {
  if (ctx.callbackQuery) await ctx.answerCallbackQuery();
  await render(ctx, homeView(kitOf(ctx), await providersOverview(ctx.deps.prisma), can(ctx.shopUser, "coupons.manage")));
}

staff.command("shop", home);
staff.callbackQuery("ca:home", home);

staff.callbackQuery(/^ca:prov:([A-Z]+)$/, async (ctx) => {
  await ctx.answerCallbackQuery();
  await showProvider(ctx, ctx.match[1] as ProviderCode);
});

staff.callbackQuery(/^ca:pon:([A-Z]+):([01])$/, async (ctx) => {
  const code = ctx.match[1] as ProviderCode;
  const result = await setProviderActive(ctx.deps.prisma, catalogActor(ctx), { code, active: ctx.match[2] === "1" });
  if (!result.ok) return notFound(ctx);
  await ctx.answerCallbackQuery({ text: ctx.t("cat-adm-saved") });
  await showProvider(ctx, code);
});

staff.callbackQuery(/^ca:plan:(\d+)$/, async (ctx) => {
  await ctx.answerCallbackQuery();
  await showPlan(ctx, Number(ctx.match[1]));
});

staff.callbackQuery(/^ca:on:(\d+):([01])$/, async (ctx) => {
  const planId = Number(ctx.match[1]);
  const result = await setPlanActive(ctx.deps.prisma, catalogActor(ctx), { planId, active: ctx.match[2] === "1" });
  if (!result.ok) return notFound(ctx);
  await ctx.answerCallbackQuery({ text: ctx.t("cat-adm-saved") });
  await showPlan(ctx, planId);
});

staff.callbackQuery(/^ca:pt:(\d+):(\d+):([01])$/, async (ctx) => {
  const planId = Number(ctx.match[1]);
  const result = await setPlanPriceActive(ctx.deps.prisma, catalogActor(ctx), { planId, months: Number(ctx.match[2]), active: ctx.match[3] === "1" });
  if (!result.ok) return notFound(ctx);
  await ctx.answerCallbackQuery({ text: ctx.t("cat-adm-saved") });
  await showPlan(ctx, planId);
});

// Guided inputs: the button names the plan (and duration, tier); the answer is typed.
staff.callbackQuery(/^ca:pr:(\d+):(\d+)$/, (ctx) => startForm(ctx, "price", { planId: Number(ctx.match[1]), months: Number(ctx.match[2]) }));
staff.callbackQuery(/^ca:pa:(\d+)$/, (ctx) => startForm(ctx, "price-add", { planId: Number(ctx.match[1]) }));
staff.callbackQuery(/^ca:st:(\d+)$/, async (ctx) => {
  const plan = await ctx.deps.prisma.plan.findUnique({ where: { id: Number(ctx.match[1]) }, select: { id: true, stock: true } });
  if (!plan) return notFound(ctx);
  // The stock as read now goes with the form: the answer is saved only if no unit sold meanwhile.
  await startForm(ctx, "stock", { planId: plan.id, shown: plan.stock ?? -1 });
});
staff.callbackQuery(/^ca:nm:(\d+)$/, (ctx) => startForm(ctx, "rename", { planId: Number(ctx.match[1]) }));
staff.callbackQuery(/^ca:bw:(\d+)$/, (ctx) => startForm(ctx, "bandwidth", { planId: Number(ctx.match[1]) }));
staff.callbackQuery(/^ca:pmn:(\d+)$/, (ctx) => startForm(ctx, "promo", { planId: Number(ctx.match[1]) }));
staff.callbackQuery(/^ca:rp:(\d+):(\d+):(\d+)$/, async (ctx) => {
  const tier = await ctx.deps.prisma.resellerTier.findUnique({ where: { id: Number(ctx.match[2]) } });
  if (!tier) return notFound(ctx);
  await startForm(ctx, "reseller", { planId: Number(ctx.match[1]), tierId: tier.id, tier: tier.name, months: Number(ctx.match[3]) });
});

/** A sub-screen of a plan card (reseller prices, promos, images). */
export async function planScreen(ctx: BotContext, planId: number, view: (kit: ViewKit, card: PlanCard) => View) {
  const card = await planCard(ctx.deps.prisma, planId);
  if (!card) return notFound(ctx);
  await ctx.answerCallbackQuery();
  await render(ctx, view(kitOf(ctx), card));
}

staff.callbackQuery(/^ca:rs:(\d+)$/, (ctx) => planScreen(ctx, Number(ctx.match[1]), resellerView));
staff.callbackQuery(/^ca:pm:(\d+)$/, (ctx) => planScreen(ctx, Number(ctx.match[1]), (kit, card) => promosView(kit, card, new Date())));
staff.callbackQuery(/^ca:im:(\d+)$/, (ctx) => planScreen(ctx, Number(ctx.match[1]), imagesView));

staff.callbackQuery(/^ca:pmx:(\d+)$/, async (ctx) => {
  const result = await disablePromo(ctx.deps.prisma, catalogActor(ctx), Number(ctx.match[1]));
  if (!result.ok || result.planId === undefined) return notFound(ctx);
  await planScreen(ctx, result.planId, (kit, card) => promosView(kit, card, new Date()));
});

staff.callbackQuery(/^ca:fa:(\d+)$/, (ctx) => answerChoice(ctx, "ca", Number(ctx.match[1])));
staff.callbackQuery("ca:fs", (ctx) => skipField(ctx, "ca"));
staff.callbackQuery("ca:fx", (ctx) => cancelForm(ctx, "ca"));
staff.callbackQuery("ca:fok", (ctx) => confirmForm(ctx, "ca"));
