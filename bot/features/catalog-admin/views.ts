import { InlineKeyboard } from "grammy";
import type { ProviderCode } from "../../../db/client.js";
import type { PlanCard } from "../../../shop/catalog/admin/plans.js";
import { regionName } from "../../../shop/catalog/regions.js";
import { escapeHtml, formatDate, formatIdr, formatMemory, formatTransfer } from "../../../shop/messages/format.js";
import type { ViewKit, View } from "../catalog/views.js";

/** Screens of /shop, as text and buttons; handlers only load and render them. */

/** A page of /coupons (permission coupons.manage). */
export const couponsPage = (page: number) => `cp:list:${page}`;

export const on = (kit: ViewKit, active: boolean) => kit.t(active ? "cat-adm-on" : "cat-adm-off");
const stockText = (kit: ViewKit, stock: number | null) => (stock === null ? kit.t("cat-adm-stock-unlimited") : String(stock));

export function homeView(kit: ViewKit, providers: Array<{ code: ProviderCode; name: string; active: boolean; _count: { plans: number } }>, coupons: boolean): View {
  const kb = new InlineKeyboard();
  for (const p of providers) kb.text(`${p.active ? "✅" : "⛔"} ${p.name} (${p._count.plans})`, `ca:prov:${p.code}`).row();
  kb.text(kit.t("cat-adm-banks"), "bk:list").row();
  if (coupons) kb.text(kit.t("cat-adm-coupons"), couponsPage(0));
  return { text: kit.t("cat-adm-home"), keyboard: kb };
}

export function providerView(
  kit: ViewKit,
  provider: { code: ProviderCode; name: string; active: boolean },
  plans: Array<{ id: number; name: string; active: boolean; stock: number | null; prices: Array<{ priceIdr: number }> }>,
): View {
  const kb = new InlineKeyboard().text(kit.t(provider.active ? "cat-adm-provider-off" : "cat-adm-provider-on"), `ca:pon:${provider.code}:${provider.active ? 0 : 1}`).row();
  for (const p of plans) {
    const from = p.prices[0] ? ` · ${formatIdr(p.prices[0].priceIdr)}` : "";
    const stock = p.stock === null ? "" : ` · ${kit.t("cat-adm-stock-short", { stock: p.stock })}`;
    kb.text(`${p.active ? "✅" : "⛔"} ${p.name}${from}${stock}`, `ca:plan:${p.id}`).row();
  }
  kb.text(kit.t("cat-adm-plan-new"), `ca:new:${provider.code}:0`).row().text(kit.t("menu-back"), "ca:home");
  const text = kit.t("cat-adm-provider", { name: escapeHtml(provider.name), status: on(kit, provider.active), plans: plans.length });
  return { text, keyboard: kb };
}

export function planView(kit: ViewKit, { plan, tiers }: PlanCard, now: Date): View {
  const prices = plan.prices.map((p) => `• ${kit.t("duration", { months: p.durationMonths })}: ${formatIdr(p.priceIdr)}${p.active ? "" : ` (${on(kit, false)})`}`);
  const resellers = plan.resellerPrices.map((r) => {
    const tier = tiers.find((t) => t.id === r.tierId);
    return `• ${escapeHtml(tier?.name ?? String(r.tierId))} · ${kit.t("duration", { months: r.durationMonths })}: ${formatIdr(r.priceIdr)}`;
  });
  const promos = plan.promos
    .filter((p) => p.endsAt > now)
    .map((p) => `• ${escapeHtml(p.label)}: ${p.kind === "PERCENT" ? `${p.value}%` : formatIdr(p.value)} · ${formatDate(p.startsAt, kit.locale)} – ${formatDate(p.endsAt, kit.locale)}`);
  const images = plan.images.map((i) => escapeHtml(i.image.name)).sort();
  const none = kit.t("cat-adm-none");
  const text = kit.t("cat-adm-plan", {
    name: escapeHtml(plan.name),
    code: escapeHtml(plan.code),
    provider: escapeHtml(plan.provider.name),
    status: on(kit, plan.active),
    vcpu: plan.vcpu,
    ram: formatMemory(plan.memoryMb),
    disk: plan.diskGb,
    bandwidth: formatTransfer(plan.bandwidthGb),
    region: escapeHtml(regionName(plan.provider.code, plan.region, kit.locale)),
    size: escapeHtml(plan.providerSizeSlug),
    stock: stockText(kit, plan.stock),
    prices: prices.join("\n") || none,
    resellers: resellers.join("\n") || none,
    promos: promos.join("\n") || none,
    images: images.join(", ") || none,
  });
  const kb = new InlineKeyboard();
  for (const p of plan.prices) {
    kb.text(kit.t("cat-adm-price-edit", { months: p.durationMonths }), `ca:pr:${plan.id}:${p.durationMonths}`);
    kb.text(kit.t(p.active ? "cat-adm-price-off" : "cat-adm-price-on", { months: p.durationMonths }), `ca:pt:${plan.id}:${p.durationMonths}:${p.active ? 0 : 1}`).row();
  }
  kb.text(kit.t("cat-adm-price-add"), `ca:pa:${plan.id}`).text(kit.t("cat-adm-reseller"), `ca:rs:${plan.id}`).row();
  kb.text(kit.t("cat-adm-stock"), `ca:st:${plan.id}`).text(kit.t(plan.active ? "cat-adm-plan-off" : "cat-adm-plan-on"), `ca:on:${plan.id}:${plan.active ? 0 : 1}`).row();
  kb.text(kit.t("cat-adm-promos"), `ca:pm:${plan.id}`).text(kit.t("cat-adm-images"), `ca:im:${plan.id}`).row();
  kb.text(kit.t("cat-adm-rename"), `ca:nm:${plan.id}`).text(kit.t("cat-adm-bandwidth"), `ca:bw:${plan.id}`).row();
  kb.text(kit.t("menu-back"), `ca:prov:${plan.provider.code}`);
  return { text, keyboard: kb };
}

/** Reseller prices: one button per tier and duration the plan sells. */
export function resellerView(kit: ViewKit, { plan, tiers }: PlanCard): View {
  const kb = new InlineKeyboard();
  for (const tier of tiers) {
    for (const p of plan.prices) {
      const set = plan.resellerPrices.find((r) => r.tierId === tier.id && r.durationMonths === p.durationMonths);
      const label = `${tier.name} · ${kit.t("duration", { months: p.durationMonths })}: ${set ? formatIdr(set.priceIdr) : "—"}`;
      kb.text(label, `ca:rp:${plan.id}:${tier.id}:${p.durationMonths}`).row();
    }
  }
  kb.text(kit.t("menu-back"), `ca:plan:${plan.id}`);
  const text = tiers.length === 0 ? kit.t("cat-adm-reseller-no-tiers") : kit.t("cat-adm-reseller-title", { name: escapeHtml(plan.name) });
  return { text, keyboard: kb };
}

export function promosView(kit: ViewKit, { plan }: PlanCard, now: Date): View {
  const kb = new InlineKeyboard();
  const live = plan.promos.filter((p) => p.endsAt > now);
  for (const p of live) kb.text(kit.t("cat-adm-promo-end", { label: p.label }), `ca:pmx:${p.id}`).row();
  kb.text(kit.t("cat-adm-promo-new"), `ca:pmn:${plan.id}`).row().text(kit.t("menu-back"), `ca:plan:${plan.id}`);
  return { text: kit.t("cat-adm-promos-title", { name: escapeHtml(plan.name), count: live.length }), keyboard: kb };
}

export function imagesView(kit: ViewKit, { plan }: PlanCard): View {
  const kb = new InlineKeyboard();
  for (const { image } of plan.images) kb.text(kit.t("cat-adm-image-remove", { name: image.name }), `ca:imx:${plan.id}:${image.id}`).row();
  kb.text(kit.t("cat-adm-image-add"), `ca:il:${plan.id}:0`).row().text(kit.t("menu-back"), `ca:plan:${plan.id}`);
  return { text: kit.t("cat-adm-images-title", { name: escapeHtml(plan.name), count: plan.images.length }), keyboard: kb };
}

/** Telegram's callback data limit: list entries whose data would not fit are left out. */
export const fits = (data: string) => Buffer.byteLength(data) <= 64;

export const PAGE = 8;

/** One page of a live list as buttons, with ◀ ▶ when there are more. */
export function pagedButtons<T>(items: T[], page: number, button: (item: T) => [string, string], pageData: (page: number) => string, back: string, kit: ViewKit): InlineKeyboard {
  const usable = items.map(button).filter(([, data]) => fits(data));
  const pages = Math.max(1, Math.ceil(usable.length / PAGE));
  const at = Math.min(Math.max(0, page), pages - 1);
  const kb = new InlineKeyboard();
  for (const [label, data] of usable.slice(at * PAGE, at * PAGE + PAGE)) kb.text(label, data).row();
  if (at > 0) kb.text("◀", pageData(at - 1));
  if (at < pages - 1) kb.text("▶", pageData(at + 1));
  kb.row().text(kit.t("menu-back"), back);
  return kb;
}
