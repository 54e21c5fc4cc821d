/** The /customer screens as text and buttons: the card, the ledger page, the tier picker. */
import { InlineKeyboard } from "grammy";
import type { CustomerCard } from "../../shop/customers/card.js";
import type { CustomerHit } from "../../shop/customers/lookup.js";
import { formatDate, formatDateTime, formatIdr } from "../../shop/messages/format.js";
import type { Locale } from "../../shop/messages/locale.js";
import type { WalletHistoryPage } from "../../shop/wallet/balance.js";
import { can } from "../../shop/users/staff.js";
import type { BotContext } from "../context.js";

type T = BotContext["t"];
/** Instance statuses in the words the customer's own VPS screen uses. */
const VPS_STATUS: Record<string, string> = { ACTIVE: "running", OFF: "off", PROVISIONING: "provisioning", SUSPENDED: "suspended", DELETED: "deleted" };
const localeOf = (ctx: BotContext): Locale => (ctx.shopUser.language === "en" ? "en" : "id");

/** The card's text: identity, ban, tier, wallet, orders by status and the latest ones, VPS. */
export function cardText(ctx: BotContext, card: CustomerCard): string {
  const t: T = ctx.t.bind(ctx);
  const locale = localeOf(ctx);
  const lines = [
    t("cust-card-title", { name: card.firstName || "-", username: card.username ? `@${card.username}` : "-", telegramId: String(card.telegramId) }),
    t("cust-card-since", { date: formatDate(card.createdAt, locale), role: card.role, language: card.language }),
    card.ban
      ? t("cust-card-banned", { date: formatDateTime(card.ban.at, locale), reason: card.ban.reason, by: card.ban.byName ?? "-" })
      : t("cust-card-not-banned"),
    t("cust-card-tier", { tier: card.tier ? `${card.tier.name} (${card.tier.code})` : t("cust-tier-none") }),
    t("cust-card-wallet", { balance: formatIdr(card.wallet.balanceIdr) }),
  ];
  if (card.wallet.hold) lines.push(t("cust-card-wallet-held", { reason: card.wallet.hold.reason }));
  const counts = Object.entries(card.orders.byStatus)
    .map(([status, n]) => `${t(`order-status-${status}`)} ${n}`)
    .join(" · ");
  lines.push("", t("cust-card-orders", { total: card.orders.total, counts: counts || "-" }));
  for (const o of card.orders.recent) {
    lines.push(`• ${o.reference} · ${t(`order-status-${o.status}`)} · ${formatIdr(o.totalIdr)} · ${formatDate(o.createdAt, locale)}`);
  }
  lines.push("", t("cust-card-vps", { live: card.instances.live }));
  for (const i of card.instances.listed) {
    lines.push(`• ${i.label} · ${t(`vps-status-${VPS_STATUS[i.status] ?? "unknown"}`)} · ${i.ipv4 ?? "-"} · ${t("cust-card-vps-until", { date: formatDate(i.expiresAt, locale) })}`);
  }
  return lines.join("\n");
}

/** The card's buttons: only those the viewer may use (each is checked again at the tap). */
export function cardKeyboard(ctx: BotContext, card: CustomerCard): InlineKeyboard {
  const kb = new InlineKeyboard().text(ctx.t("cust-btn-ledger"), `cu:l:${card.id}:1`).row();
  if (can(ctx.shopUser, "customers.manage")) {
    kb.text(card.ban ? ctx.t("cust-btn-unban") : ctx.t("cust-btn-ban"), card.ban ? `cu:unb:${card.id}` : `cu:ban:${card.id}`);
    kb.text(ctx.t("cust-btn-tier"), `cu:t:${card.id}`).row();
  }
  if (can(ctx.shopUser, "wallet.adjust")) kb.text(ctx.t("cust-btn-adjust"), `cu:w:${card.id}`);
  if (can(ctx.shopUser, "customers.manage")) kb.text(ctx.t("cust-btn-message"), `cu:m:${card.id}`);
  return kb;
}

/** Several people match a name: one button each. */
export function hitsKeyboard(hits: CustomerHit[]): InlineKeyboard {
  const kb = new InlineKeyboard();
  for (const h of hits) kb.text(`${h.firstName || "-"}${h.username ? ` @${h.username}` : ""} · ${h.telegramId}`, `cu:v:${h.id}`).row();
  return kb;
}

/** One page of the wallet ledger, newest first, with the balance after each line. */
export function ledgerText(ctx: BotContext, name: string, page: WalletHistoryPage): string {
  const locale = localeOf(ctx);
  const lines = [ctx.t("cust-ledger-title", { name, page: page.page, pages: page.totalPages, total: page.total })];
  if (page.items.length === 0) lines.push(ctx.t("cust-ledger-empty"));
  for (const item of page.items) {
    const amount = `${item.amountIdr > 0 ? "+" : "−"}${formatIdr(Math.abs(item.amountIdr))}`;
    const what = [item.kind, item.orderReference, item.memo].filter(Boolean).join(" · ");
    lines.push(`${formatDateTime(item.createdAt, locale)}  ${amount} → ${formatIdr(item.balanceAfterIdr)}\n   ${what}`);
  }
  return lines.join("\n");
}

export function ledgerKeyboard(ctx: BotContext, customerId: number, page: WalletHistoryPage): InlineKeyboard {
  const kb = new InlineKeyboard();
  if (page.page > 1) kb.text("◀", `cu:l:${customerId}:${page.page - 1}`);
  if (page.page < page.totalPages) kb.text("▶", `cu:l:${customerId}:${page.page + 1}`);
  return kb.row().text(ctx.t("cust-btn-back"), `cu:v:${customerId}`);
}

/** The active tiers to pick from, and "none" (tier id 0). */
export function tierKeyboard(ctx: BotContext, customerId: number, tiers: Array<{ id: number; code: string; name: string }>, current: number | null): InlineKeyboard {
  const kb = new InlineKeyboard();
  for (const tier of tiers) kb.text(`${tier.id === current ? "✓ " : ""}${tier.name}`, `cu:ts:${customerId}:${tier.id}`).row();
  kb.text(`${current === null ? "✓ " : ""}${ctx.t("cust-tier-none")}`, `cu:ts:${customerId}:0`).row();
  return kb.text(ctx.t("cust-btn-back"), `cu:v:${customerId}`);
}
