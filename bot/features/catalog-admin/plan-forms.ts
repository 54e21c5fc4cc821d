import { InlineKeyboard } from "grammy";
import type { ProviderCode } from "../../../db/client.js";
import { parseJakartaDate, parseRupiah, parseText, parseWhole } from "../../../shop/catalog/admin/input.js";
import { MAX_MONTHS, MAX_STOCK, planCard, setPlanDetails, setPlanPrice, setPlanStock, setResellerPrice, type EditResult } from "../../../shop/catalog/admin/plans.js";
import { createPromo, promoPreview } from "../../../shop/catalog/admin/promos.js";
import { escapeHtml, formatDateTime, formatIdr } from "../../../shop/messages/format.js";
import type { BotContext } from "../../context.js";
import { render } from "../catalog/browse.feature.js";
import { defineForm, type Args, type Values } from "./form.js";
import { catalogActor, kitOf, notFound } from "./kit.js";
import { planView, providerView } from "./views.js";
import { providerPlans } from "../../../shop/catalog/admin/plans.js";

/** The guided inputs of a plan card: prices, reseller prices, stock, name, bandwidth, promos. */

/** The plan card, with a line saying what just changed. */
export async function showPlan(ctx: BotContext, planId: number, notice?: string): Promise<void> {
  const card = await planCard(ctx.deps.prisma, planId);
  if (!card) return notFound(ctx);
  const view = planView(kitOf(ctx), card, new Date());
  await render(ctx, notice ? { ...view, text: `${notice}\n\n${view.text}` } : view);
}

/** One provider's page of the console. */
export async function showProvider(ctx: BotContext, code: ProviderCode, notice?: string): Promise<void> {
  const provider = await ctx.deps.prisma.provider.findUnique({ where: { code } });
  if (!provider) return notFound(ctx);
  const view = providerView(kitOf(ctx), provider, await providerPlans(ctx.deps.prisma, code));
  await render(ctx, notice ? { ...view, text: `${notice}\n\n${view.text}` } : view);
}

/** After a plan edit: the card again with "saved", or why nothing was saved. */
async function after(ctx: BotContext, planId: number, result: EditResult): Promise<void> {
  if (!result.ok) return result.reason === "not_found" ? notFound(ctx) : void (await ctx.reply(ctx.t("cat-adm-invalid")));
  await showPlan(ctx, planId, ctx.t("cat-adm-saved"));
}

const n = (v: Values[string] | string | number | undefined) => Number(v);
const AREA = { area: "ca", permission: "catalog.manage" } as const;
const priceField = (key = "price") => ({ key, ask: () => ["cat-adm-ask-price"] as [string], parse: parseRupiah });

defineForm("price", {
  ...AREA,
  fields: [{ ...priceField(), ask: (a: Args) => ["cat-adm-ask-price-for", { months: a.months! }] }],
  submit: async (ctx, a, v) => after(ctx, n(a.planId), await setPlanPrice(ctx.deps.prisma, catalogActor(ctx), { planId: n(a.planId), months: n(a.months), priceIdr: n(v.price) })),
});

defineForm("price-add", {
  ...AREA,
  fields: [{ key: "months", ask: () => ["cat-adm-ask-months"], parse: (t) => parseWhole(t, 1, MAX_MONTHS) }, priceField()],
  submit: async (ctx, a, v) => after(ctx, n(a.planId), await setPlanPrice(ctx.deps.prisma, catalogActor(ctx), { planId: n(a.planId), months: n(v.months), priceIdr: n(v.price) })),
});

defineForm("reseller", {
  ...AREA,
  fields: [{ ...priceField(), optional: true, ask: (a: Args) => ["cat-adm-ask-reseller", { months: a.months!, tier: escapeHtml(String(a.tier!)) }] }],
  submit: async (ctx, a, v) => {
    const priceIdr = v.price === null ? null : n(v.price);
    await after(ctx, n(a.planId), await setResellerPrice(ctx.deps.prisma, catalogActor(ctx), { planId: n(a.planId), tierId: n(a.tierId), months: n(a.months), priceIdr }));
  },
});

defineForm("stock", {
  ...AREA,
  fields: [{ key: "stock", ask: (a: Args) => ["cat-adm-ask-stock", { now: a.shown === undefined || n(a.shown) < 0 ? "∞" : n(a.shown) }], parse: (t) => parseWhole(t, 0, MAX_STOCK), choices: [{ label: "cat-adm-stock-unlimited", value: null }] }],
  submit: async (ctx, a, v) => {
    // `shown`: the stock on the card when the form opened (-1 = unlimited); written only if still so.
    const expected = a.shown === undefined ? undefined : n(a.shown) < 0 ? null : n(a.shown);
    const result = await setPlanStock(ctx.deps.prisma, catalogActor(ctx), { planId: n(a.planId), stock: v.stock === null ? null : n(v.stock), expected });
    if (result.ok || result.reason !== "changed") return after(ctx, n(a.planId), result);
    const now = result.current === null ? ctx.t("cat-adm-stock-unlimited") : result.current;
    await ctx.reply(ctx.t("cat-adm-stock-changed", { stock: now }), { reply_markup: new InlineKeyboard().text(ctx.t("cat-adm-stock"), `ca:st:${n(a.planId)}`) });
  },
});

defineForm("rename", {
  ...AREA,
  fields: [{ key: "name", ask: () => ["cat-adm-ask-name"], parse: (t) => parseText(t, 64) }],
  submit: async (ctx, a, v) => after(ctx, n(a.planId), await setPlanDetails(ctx.deps.prisma, catalogActor(ctx), { planId: n(a.planId), name: String(v.name) })),
});

defineForm("bandwidth", {
  ...AREA,
  fields: [{ key: "gb", ask: () => ["cat-adm-ask-bandwidth"], parse: (t) => parseWhole(t, 0, 1_000_000) }],
  submit: async (ctx, a, v) => after(ctx, n(a.planId), await setPlanDetails(ctx.deps.prisma, catalogActor(ctx), { planId: n(a.planId), bandwidthGb: n(v.gb) })),
});

const promoDraft = (a: Args, v: Values) => ({
  planId: n(a.planId),
  label: String(v.label),
  kind: v.kind === "FIXED" ? ("FIXED" as const) : ("PERCENT" as const),
  value: n(v.value),
  maxDiscountIdr: v.cap === null || v.cap === undefined ? null : n(v.cap),
  durationMonths: v.months === null || v.months === undefined ? null : n(v.months),
  startsAt: v.starts ? new Date(String(v.starts)) : new Date(),
  endsAt: new Date(String(v.ends)),
});

defineForm("promo", {
  ...AREA,
  fields: [
    { key: "label", ask: () => ["cat-adm-ask-promo-label"], parse: (t) => parseText(t, 64) },
    { key: "kind", ask: () => ["cat-adm-ask-kind"], choices: [{ label: "cat-adm-kind-percent", value: "PERCENT" }, { label: "cat-adm-kind-fixed", value: "FIXED" }] },
    { key: "value", ask: (_a, v) => [v.kind === "FIXED" ? "cat-adm-ask-value-fixed" : "cat-adm-ask-value-percent"], parse: (t, v) => (v.kind === "FIXED" ? parseRupiah(t) : parseWhole(t, 1, 99)) },
    { key: "cap", ask: () => ["cat-adm-ask-cap"], parse: parseRupiah, optional: true, when: (v) => v.kind === "PERCENT" },
    { key: "months", ask: () => ["cat-adm-ask-promo-months"], parse: (t) => parseWhole(t, 1, MAX_MONTHS), optional: true },
    { key: "starts", ask: () => ["cat-adm-ask-starts"], parse: (t) => parseJakartaDate(t), choices: [{ label: "cat-adm-now", value: null }] },
    { key: "ends", ask: () => ["cat-adm-ask-ends"], parse: (t) => parseJakartaDate(t, { endOfDay: true }) },
  ],
  confirm: async (ctx, a, v) => {
    const d = promoDraft(a, v);
    const locale = kitOf(ctx).locale;
    return ctx.t("cat-adm-promo-confirm", {
      label: escapeHtml(d.label),
      discount: d.kind === "PERCENT" ? `${d.value}%` : formatIdr(d.value),
      cap: d.maxDiscountIdr === null ? "—" : formatIdr(d.maxDiscountIdr),
      months: d.durationMonths ?? "—",
      starts: formatDateTime(d.startsAt, locale),
      ends: formatDateTime(d.endsAt, locale),
      prices: (await promoPreview(ctx.deps.prisma, d)).map((p) => ctx.t("cat-adm-promo-preview", { months: p.durationMonths, before: formatIdr(p.priceIdr), after: formatIdr(p.afterIdr) })).join("\n") || "—",
    });
  },
  submit: async (ctx, a, v) => {
    const result = await createPromo(ctx.deps.prisma, catalogActor(ctx), promoDraft(a, v));
    if (!result.ok) return void (await ctx.reply(result.reason === "not_found" ? ctx.t("cat-adm-not-found") : ctx.t(`cat-adm-promo-bad-${result.reason}`)));
    await showPlan(ctx, n(a.planId), ctx.t("cat-adm-saved"));
  },
});
