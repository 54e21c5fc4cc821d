import { Composer, InlineKeyboard } from "grammy";
import { parseCode, parseJakartaDate, parseRupiah, parseWhole, parseWholeList, type Parsed } from "../../../shop/catalog/admin/input.js";
import { cheapestCouponPrice, couponCard, couponRedemptions, createCoupon, listCoupons, planIdsByCode, setCouponActive, type CouponDraft } from "../../../shop/coupons-admin/coupons.js";
import { escapeHtml, formatDateTime, formatIdr } from "../../../shop/messages/format.js";
import type { BotContext } from "../../context.js";
import { allowedTo } from "../../middlewares/permission.filter.js";
import { render } from "../catalog/browse.feature.js";
import type { ViewKit } from "../catalog/views.js";
import { answerChoice, cancelForm, confirmForm, defineForm, skipField, startForm, type Values } from "./form.js";
import { couponActor, kitOf, notFound } from "./kit.js";
import { couponsPage } from "./views.js";

/**
 * /coupons (permission coupons.manage): the list with each coupon's use, a coupon's card with
 * its rules, switching it off or on, who redeemed it on which order, and a guided create that
 * asks for every rule the pricing code judges (shop/pricing/coupon-rules.ts).
 */
export const couponsAdminFeature = new Composer<BotContext>();
const staff = couponsAdminFeature.chatType("private").filter(allowedTo("coupons.manage"));

const when = (kit: ViewKit, d: Date | null) => (d ? formatDateTime(d, kit.locale) : "—");
const idr = (v: number | null) => (v === null ? "—" : formatIdr(v));

async function list(ctx: BotContext, page: number) {
  if (ctx.callbackQuery) await ctx.answerCallbackQuery();
  const { rows, pages, total } = await listCoupons(ctx.deps.prisma, page);
  const kb = new InlineKeyboard();
  for (const c of rows) {
    const limit = c.usageLimit === null ? "∞" : String(c.usageLimit);
    kb.text(`${c.active ? "✅" : "⛔"} ${c.code} · ${c.kind === "PERCENT" ? `${c.value}%` : formatIdr(c.value)} · ${c.usedCount}/${limit}`, `cp:v:${c.id}`).row();
  }
  if (page > 0) kb.text("◀", couponsPage(page - 1));
  if (page < pages - 1) kb.text("▶", couponsPage(page + 1));
  kb.row().text(ctx.t("cat-adm-coupon-new"), "cp:new");
  await render(ctx, { text: ctx.t("cat-adm-coupons-title", { count: total, page: page + 1, pages }), keyboard: kb });
}

async function card(ctx: BotContext, id: number, notice?: string) {
  const found = await couponCard(ctx.deps.prisma, id);
  if (!found) return notFound(ctx);
  const { coupon: c, plans } = found;
  const kit = kitOf(ctx);
  const text = ctx.t("cat-adm-coupon-card", {
    code: escapeHtml(c.code),
    status: ctx.t(c.active ? "cat-adm-on" : "cat-adm-off"),
    discount: c.kind === "PERCENT" ? `${c.value}%` : formatIdr(c.value),
    cap: idr(c.maxDiscountIdr),
    min: idr(c.minOrderIdr),
    from: when(kit, c.validFrom),
    to: when(kit, c.validTo),
    used: c.usedCount,
    limit: c.usageLimit ?? "∞",
    perUser: c.perUserLimit ?? "∞",
    first: ctx.t(c.firstOrderOnly ? "cat-adm-yes" : "cat-adm-no"),
    plans: plans.map((p) => escapeHtml(p.code)).join(", ") || ctx.t("cat-adm-all"),
    durations: c.durations.join(", ") || ctx.t("cat-adm-all"),
    released: found.released,
    given: formatIdr(found.discountGivenIdr),
  });
  const kb = new InlineKeyboard()
    .text(ctx.t(c.active ? "cat-adm-coupon-off" : "cat-adm-coupon-on"), `cp:on:${c.id}:${c.active ? 0 : 1}`)
    .text(ctx.t("cat-adm-coupon-redemptions"), `cp:r:${c.id}:0`)
    .row()
    .text(ctx.t("menu-back"), couponsPage(0));
  await render(ctx, { text: notice ? `${notice}\n\n${text}` : text, keyboard: kb });
}

staff.command("coupons", (ctx) => list(ctx, 0));
staff.callbackQuery(/^cp:list:(\d+)$/, (ctx) => list(ctx, Number(ctx.match[1])));
staff.callbackQuery(/^cp:v:(\d+)$/, async (ctx) => {
  await ctx.answerCallbackQuery();
  await card(ctx, Number(ctx.match[1]));
});

staff.callbackQuery(/^cp:on:(\d+):([01])$/, async (ctx) => {
  const id = Number(ctx.match[1]);
  const result = await setCouponActive(ctx.deps.prisma, couponActor(ctx), { id, active: ctx.match[2] === "1" });
  if (!result.ok) return notFound(ctx);
  await ctx.answerCallbackQuery({ text: ctx.t("cat-adm-saved") });
  await card(ctx, id);
});

staff.callbackQuery(/^cp:r:(\d+):(\d+)$/, async (ctx) => {
  const [id, page] = [Number(ctx.match[1]), Number(ctx.match[2])];
  const coupon = await ctx.deps.prisma.coupon.findUnique({ where: { id }, select: { code: true } });
  if (!coupon) return notFound(ctx);
  await ctx.answerCallbackQuery();
  const { rows, pages, total } = await couponRedemptions(ctx.deps.prisma, id, page);
  const kit = kitOf(ctx);
  const lines = rows.map((r) => {
    const who = r.user.username ? `@${r.user.username}` : `${r.user.firstName ?? "?"} (${r.user.telegramId})`;
    const state = r.status === "RELEASED" ? ` · ${ctx.t("cat-adm-released")}` : "";
    return `• ${escapeHtml(who)} · ${r.order.reference} · −${formatIdr(r.discountIdr)} · ${formatDateTime(r.createdAt, kit.locale)}${state}`;
  });
  const kb = new InlineKeyboard();
  if (page > 0) kb.text("◀", `cp:r:${id}:${page - 1}`);
  if (page < pages - 1) kb.text("▶", `cp:r:${id}:${page + 1}`);
  kb.row().text(ctx.t("menu-back"), `cp:v:${id}`);
  const text = ctx.t("cat-adm-redemptions", { code: escapeHtml(coupon.code), total, lines: lines.join("\n") || ctx.t("cat-adm-none") });
  await render(ctx, { text, keyboard: kb });
});

staff.callbackQuery("cp:new", (ctx) => startForm(ctx, "coupon"));
staff.callbackQuery(/^cp:fa:(\d+)$/, (ctx) => answerChoice(ctx, "cp", Number(ctx.match[1])));
staff.callbackQuery("cp:fs", (ctx) => skipField(ctx, "cp"));
staff.callbackQuery("cp:fx", (ctx) => cancelForm(ctx, "cp"));
staff.callbackQuery("cp:fok", (ctx) => confirmForm(ctx, "cp"));

const num = (v: Values[string] | undefined) => (v === null || v === undefined ? null : Number(v));
const date = (v: Values[string] | undefined) => (typeof v === "string" ? new Date(v) : null);

function draftOf(v: Values): Omit<CouponDraft, "planIds"> & { planCodes: string[] } {
  return {
    code: String(v.code),
    kind: v.kind === "FIXED" ? "FIXED" : "PERCENT",
    value: Number(v.value),
    maxDiscountIdr: num(v.cap),
    minOrderIdr: num(v.min),
    validFrom: date(v.from),
    validTo: date(v.to),
    usageLimit: num(v.limit),
    perUserLimit: num(v.perUser),
    firstOrderOnly: v.first === true,
    planCodes: Array.isArray(v.plans) ? v.plans.map(String) : [],
    durations: Array.isArray(v.durations) ? v.durations.map(Number) : [],
  };
}

const planCodes = (text: string): Parsed<string[]> => {
  const codes = text.split(/[\s,;]+/).filter(Boolean).map((c) => c.toLowerCase());
  return codes.length > 0 && codes.length <= 50 && codes.every((c) => /^[a-z0-9._-]{1,80}$/.test(c)) ? { ok: true, value: codes } : { ok: false, error: "not_list" };
};

defineForm("coupon", {
  area: "cp",
  permission: "coupons.manage",
  fields: [
    { key: "code", ask: () => ["cat-adm-ask-coupon-code"], parse: parseCode },
    { key: "kind", ask: () => ["cat-adm-ask-kind"], choices: [{ label: "cat-adm-kind-percent", value: "PERCENT" }, { label: "cat-adm-kind-fixed", value: "FIXED" }] },
    { key: "value", ask: (_a, v) => [v.kind === "FIXED" ? "cat-adm-ask-value-fixed" : "cat-adm-ask-value-percent"], parse: (t, v) => (v.kind === "FIXED" ? parseRupiah(t) : parseWhole(t, 1, 99)) },
    { key: "cap", ask: () => ["cat-adm-ask-cap"], parse: parseRupiah, optional: true, when: (v) => v.kind === "PERCENT" },
    { key: "min", ask: () => ["cat-adm-ask-min"], parse: parseRupiah, optional: true },
    { key: "from", ask: () => ["cat-adm-ask-from"], parse: (t) => parseJakartaDate(t), optional: true },
    { key: "to", ask: () => ["cat-adm-ask-to"], parse: (t) => parseJakartaDate(t, { endOfDay: true }), optional: true },
    { key: "limit", ask: () => ["cat-adm-ask-limit"], parse: (t) => parseWhole(t, 1, 1_000_000), optional: true },
    { key: "perUser", ask: () => ["cat-adm-ask-per-user"], parse: (t) => parseWhole(t, 1, 1_000_000), optional: true },
    { key: "first", ask: () => ["cat-adm-ask-first"], choices: [{ label: "cat-adm-yes", value: true }, { label: "cat-adm-no", value: false }] },
    { key: "plans", ask: () => ["cat-adm-ask-plans"], parse: planCodes, optional: true },
    { key: "durations", ask: () => ["cat-adm-ask-durations"], parse: (t) => parseWholeList(t, 1, 36), optional: true },
  ],
  confirm: async (ctx, _a, v) => {
    const d = draftOf(v);
    const kit = kitOf(ctx);
    // A fixed coupon at or above the cheapest price it applies to makes that plan free: say so.
    const plans = await planIdsByCode(ctx.deps.prisma, d.planCodes);
    const cheapest = d.kind === "FIXED" && plans.ok ? await cheapestCouponPrice(ctx.deps.prisma, { planIds: plans.ids, durations: d.durations }) : null;
    const warning = cheapest !== null && d.value >= cheapest ? `\n\n${ctx.t("cat-adm-coupon-free-warning", { cheapest: formatIdr(cheapest) })}` : "";
    return ctx.t("cat-adm-coupon-confirm", {
      code: escapeHtml(d.code),
      discount: d.kind === "PERCENT" ? `${d.value}%` : formatIdr(d.value),
      cap: idr(d.maxDiscountIdr),
      min: idr(d.minOrderIdr),
      from: when(kit, d.validFrom),
      to: when(kit, d.validTo),
      limit: d.usageLimit ?? "∞",
      perUser: d.perUserLimit ?? "∞",
      first: ctx.t(d.firstOrderOnly ? "cat-adm-yes" : "cat-adm-no"),
      plans: d.planCodes.map(escapeHtml).join(", ") || ctx.t("cat-adm-all"),
      durations: d.durations.join(", ") || ctx.t("cat-adm-all"),
    }) + warning;
  },
  submit: async (ctx, _a, v) => {
    const { planCodes: codes, ...rest } = draftOf(v);
    const plans = await planIdsByCode(ctx.deps.prisma, codes);
    if (!plans.ok) return void (await ctx.reply(ctx.t("cat-adm-coupon-bad-plans", { codes: escapeHtml(plans.unknown.join(", ")) })));
    const result = await createCoupon(ctx.deps.prisma, couponActor(ctx), { ...rest, planIds: plans.ids });
    if (!result.ok) return void (await ctx.reply(ctx.t(`cat-adm-coupon-bad-${result.reason}`)));
    await card(ctx, result.couponId, ctx.t("cat-adm-coupon-created"));
  },
});
