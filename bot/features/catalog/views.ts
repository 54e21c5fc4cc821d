import { InlineKeyboard } from "grammy";
import type { PlanOffer, PlanView, PriceView, ProviderView, Quote } from "../../../shop/catalog/catalog.js";
import type { CouponRejection } from "../../../shop/pricing/coupon-rules.js";
import { escapeHtml, formatDate, formatIdr, formatMemory, formatTransfer } from "../../../shop/messages/format.js";
import type { Locale } from "../../../shop/messages/locale.js";
import { regionName } from "../../../shop/catalog/regions.js";

/** What every view needs to speak the user's language. */
export interface ViewKit {
  t: (key: string, vars?: Record<string, string | number>) => string;
  locale: Locale;
}

export interface View {
  text: string;
  keyboard: InlineKeyboard;
}

/** Plans per page: Telegram keyboards stay readable on a phone. */
export const PLANS_PER_PAGE = 5;

/**
 * Callback data carries the whole selection (`cat:dur:<plan>:<months>`…), so
 * browsing needs no server-side state and any old button still means
 * something: it is re-checked against the catalog when pressed.
 */
export const CB = {
  home: "cat:home",
  cancel: "cat:cancel",
  noop: "cat:noop",
  provider: (code: string, page: number) => `cat:prov:${code}:${page}`,
  plan: (planId: number, page: number) => `cat:plan:${planId}:${page}`,
  duration: (planId: number, months: number) => `cat:dur:${planId}:${months}`,
  image: (planId: number, months: number, imageId: number) => `cat:img:${planId}:${months}:${imageId}`,
} as const;

const nav = (kit: ViewKit, kb: InlineKeyboard, back?: string) => {
  kb.row();
  if (back) kb.text(kit.t("menu-back"), back);
  return kb.text(kit.t("menu-cancel-flow"), CB.cancel);
};

/** "Rp 100.000" or, with a promo, a struck-through public price before the promo price. */
export function priceText(kit: ViewKit, price: PriceView): string {
  if (price.promoDiscountIdr > 0) return kit.t("price-was", { old: formatIdr(price.basePriceIdr), new: formatIdr(price.subtotalIdr) });
  return formatIdr(price.subtotalIdr);
}

export function specsLine(kit: ViewKit, plan: Pick<PlanView, "vcpu" | "memoryMb" | "diskGb" | "bandwidthGb" | "region" | "providerCode">): string {
  return kit.t("plan-specs", {
    vcpu: plan.vcpu,
    ram: formatMemory(plan.memoryMb),
    disk: plan.diskGb,
    bandwidth: formatTransfer(plan.bandwidthGb),
    region: escapeHtml(regionName(plan.providerCode, plan.region, kit.locale)),
  });
}

export function providersView(kit: ViewKit, providers: ProviderView[]): View {
  if (providers.length === 0) return { text: kit.t("catalog-empty"), keyboard: new InlineKeyboard().text(kit.t("menu-main"), "menu:main") };
  const kb = new InlineKeyboard();
  for (const p of providers) kb.text(kit.t("catalog-provider-button", { name: p.name, plans: p.plans }), CB.provider(p.code, 0)).row();
  return { text: kit.t("catalog-title"), keyboard: nav(kit, kb) };
}

export function plansView(kit: ViewKit, provider: { code: string; name: string }, plans: PlanView[], page: number): View {
  const providerName = provider.name;
  const pages = Math.max(1, Math.ceil(plans.length / PLANS_PER_PAGE));
  const current = Math.min(Math.max(page, 0), pages - 1);
  const shown = plans.slice(current * PLANS_PER_PAGE, (current + 1) * PLANS_PER_PAGE);
  const lines = [kit.t("catalog-plans-title", { provider: escapeHtml(providerName) }), ""];
  const kb = new InlineKeyboard();
  for (const plan of shown) {
    lines.push(`<b>${escapeHtml(plan.name)}</b>${plan.available ? "" : " ⛔"}`, specsLine(kit, plan));
    if (plan.from) {
      const promo = plan.from.promo ? ` ${kit.t("promo-until", { until: formatDate(plan.from.promo.endsAt, kit.locale) })}` : "";
      lines.push(`${kit.t("duration", { months: plan.from.durationMonths })}: ${priceText(kit, plan.from)}${promo}`);
    }
    lines.push("");
    const label = plan.available && plan.from
      ? kit.t("plan-button", { name: plan.name, price: formatIdr(plan.from.subtotalIdr) })
      : kit.t("plan-button-sold-out", { name: plan.name });
    kb.text(label, plan.available ? CB.plan(plan.id, current) : CB.noop).row();
  }
  if (pages > 1) {
    lines.push(kit.t("catalog-page", { page: current + 1, pages }));
    if (current > 0) kb.text(kit.t("catalog-prev"), CB.provider(provider.code, current - 1));
    if (current < pages - 1) kb.text(kit.t("catalog-next"), CB.provider(provider.code, current + 1));
  }
  return { text: lines.join("\n").trim(), keyboard: nav(kit, kb, CB.home) };
}

function offerHeader(kit: ViewKit, offer: PlanOffer): string[] {
  return [kit.t("plan-detail-title", { name: escapeHtml(offer.plan.name), provider: escapeHtml(offer.plan.providerName) }), specsLine(kit, offer.plan)];
}

export function durationView(kit: ViewKit, offer: PlanOffer, page = 0): View {
  const lines = offerHeader(kit, offer);
  const kb = new InlineKeyboard();
  const back = CB.provider(offer.plan.providerCode, page);
  if (!offer.plan.available) {
    lines.push("", kit.t("plan-sold-out"));
    return { text: lines.join("\n"), keyboard: nav(kit, kb, back) };
  }
  lines.push("");
  for (const price of offer.prices) {
    let line = `• ${kit.t("duration", { months: price.durationMonths })}: ${priceText(kit, price)}`;
    if (price.promo) line += `\n  ${kit.t("promo-note", { label: escapeHtml(price.promo.label), discount: formatIdr(price.promoDiscountIdr), until: formatDate(price.promo.endsAt, kit.locale) })}`;
    if (price.source === "reseller") line += ` ${kit.t("reseller-note")}`;
    lines.push(line);
    kb.text(kit.t("duration-button", { months: price.durationMonths, price: formatIdr(price.subtotalIdr) }), CB.duration(offer.plan.id, price.durationMonths)).row();
  }
  lines.push("", kit.t("plan-pick-duration"));
  return { text: lines.join("\n"), keyboard: nav(kit, kb, back) };
}

export function imageView(kit: ViewKit, offer: PlanOffer, months: number): View {
  const lines = [...offerHeader(kit, offer), kit.t("duration", { months }), "", kit.t("image-pick")];
  const kb = new InlineKeyboard();
  offer.images.forEach((image, i) => {
    kb.text(image.name, CB.image(offer.plan.id, months, image.id));
    if (i % 2 === 1) kb.row();
  });
  return { text: lines.join("\n"), keyboard: nav(kit, kb, CB.plan(offer.plan.id, 0)) };
}

export function couponRejectionText(kit: ViewKit, code: string, rejection: { reason: CouponRejection; minOrderIdr?: number }): string {
  return kit.t(`coupon-rejected-${rejection.reason}`, { code: escapeHtml(code), min: formatIdr(rejection.minOrderIdr ?? 0) });
}

export function couponView(kit: ViewKit, choice: { planId: number; months: number }, notice?: string): View {
  const kb = new InlineKeyboard().text(kit.t("coupon-skip"), "chk:skip");
  const text = notice ? `${notice}\n${kit.t("coupon-retry")}` : kit.t("coupon-ask");
  return { text, keyboard: nav(kit, kb, CB.duration(choice.planId, choice.months)) };
}

/**
 * Checkout's optional label step: the reseller types the client or project this order is for.
 * Offered to every buyer from the summary (one extra button, no extra step for those who skip it).
 */
export function labelAskView(kit: ViewKit, maxChars: number, label: string | null, notice?: string): View {
  const kb = new InlineKeyboard().text(kit.t("menu-back"), "chk:sum");
  if (label !== null) kb.text(kit.t("rsl-label-remove"), "chk:nolabel");
  const text = `${notice ? `${notice}\n\n` : ""}${kit.t("rsl-label-ask", { max: maxChars })}`;
  return { text, keyboard: kb };
}

/** What a reseller adds to an order at checkout: the client/project label (null: none) and how many identical VPS. */
export interface CheckoutExtras {
  label: string | null;
  quantity: number;
  maxQuantity: number;
}

export function summaryView(kit: ViewKit, quote: Quote, notice?: string, extras: CheckoutExtras = { label: null, quantity: 1, maxQuantity: 1 }): View {
  const { label, quantity } = extras;
  const b = quote.breakdown;
  const lines = [
    ...(notice ? [notice, ""] : []),
    kit.t("summary-title"),
    kit.t("summary-plan", { plan: escapeHtml(quote.planName), provider: escapeHtml(quote.providerName), region: escapeHtml(regionName(quote.providerCode, quote.region, kit.locale)) }),
    specsLine(kit, { ...quote.specs, region: quote.region, providerCode: quote.providerCode }),
    kit.t("summary-image", { image: escapeHtml(quote.imageName) }),
    kit.t("summary-duration", { duration: kit.t("duration", { months: quote.durationMonths }) }),
    ...(label !== null ? [kit.t("rsl-label-summary", { label: escapeHtml(label) })] : []),
    "",
    kit.t("summary-base", { amount: formatIdr(b.basePriceIdr) }),
  ];
  if (b.promoDiscountIdr > 0) lines.push(kit.t("summary-promo", { amount: formatIdr(b.promoDiscountIdr) }));
  if (quote.coupon) lines.push(kit.t("summary-coupon", { code: escapeHtml(quote.coupon.code), amount: formatIdr(b.couponDiscountIdr) }));
  if (quantity > 1) lines.push(kit.t("rsl-qty-total", { quantity, unit: formatIdr(b.totalIdr), amount: formatIdr(quantity * b.totalIdr) }));
  else lines.push(kit.t("summary-total", { amount: formatIdr(b.totalIdr) }));
  lines.push("", kit.t("summary-fee-note"));
  const kb = new InlineKeyboard()
    .text(kit.t("summary-confirm"), "chk:confirm")
    .row();
  // A coupon is for a single VPS: a checkout of several offers none (createOrder refuses it too).
  if (quantity === 1) kb.text(quote.coupon ? kit.t("coupon-remove") : kit.t("coupon-change"), quote.coupon ? "chk:nocoupon" : "chk:coupon").row();
  kb.text(kit.t(label === null ? "rsl-label-add" : "rsl-label-change"), "chk:label").row();
  if (extras.maxQuantity > 1) {
    if (quantity > 1) kb.text("➖", `chk:q:${quantity - 1}`);
    kb.text(kit.t("rsl-qty-button", { quantity }), "chk:noop");
    if (quantity < extras.maxQuantity) kb.text("➕", `chk:q:${quantity + 1}`);
  }
  return { text: lines.join("\n"), keyboard: nav(kit, kb, CB.duration(quote.planId, quote.durationMonths)) };
}
