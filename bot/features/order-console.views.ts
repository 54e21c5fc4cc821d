/**
 * The order console's screens as text and buttons (HTML parse mode; every stored name escaped).
 * Pure: the feature loads the data, these turn it into what the staff member reads.
 */
import { InlineKeyboard } from "grammy";
import { regionName } from "../../shop/catalog/regions.js";
import { escapeHtml, formatDateTime, formatIdr } from "../../shop/messages/format.js";
import type { Locale } from "../../shop/messages/locale.js";
import { personName, type OrderCard } from "../../shop/orders/console/card.js";
import { actorLabel, type AuditLine, type HistoryLine, type MessagesView, type PaymentLine, type ProvisioningView } from "../../shop/orders/console/drill.js";
import { CONSOLE_PROVIDERS, CONSOLE_STATUSES, type OrderFilter } from "../../shop/orders/console/filters.js";
import type { OrderPage } from "../../shop/orders/console/search.js";
import type { orderInstance } from "../../shop/orders/console/drill.js";

export type T = (key: string, vars?: Record<string, string | number>) => string;

const status = (t: T, s: string) => t(`order-status-${s}`);

/** Button data of the handlers `oc:f:` (one-tap filter), `oc:pg:` (page) and `oc:d:` (drill-in). */
const filterData = (kind: "s" | "p" | "d", n: number) => `oc:f:${kind}:${n}`;
const pageData = (dir: "n" | "p", anchorId: number, page: number) => `oc:pg:${dir}:${anchorId}:${page}`;
export type Drill = "h" | "pa" | "pr" | "in" | "au" | "ms";
const drillData = (kind: Drill, orderId: number) => `oc:d:${kind}:${orderId}`;
const when = (d: Date, locale: Locale) => formatDateTime(d, locale);

/** `/order` alone: how to search, and one-tap filters. */
export function searchMenu(t: T): { text: string; keyboard: InlineKeyboard } {
  const kb = new InlineKeyboard();
  CONSOLE_STATUSES.forEach((s, i) => {
    kb.text(status(t, s), filterData("s", i));
    if (i % 3 === 2) kb.row();
  });
  kb.row();
  CONSOLE_PROVIDERS.forEach((p, i) => kb.text(p, filterData("p", i)));
  kb.row().text(t("ordc-menu-today"), filterData("d", 0)).text(t("ordc-menu-days", { days: 7 }), filterData("d", 7)).text(t("ordc-menu-days", { days: 30 }), filterData("d", 30));
  kb.row();
  for (const days of [7, 30]) kb.text(t("ordc-menu-csv", { days }), `oc:csv:${days}`);
  return { text: t("ordc-menu"), keyboard: kb };
}

/** A filter in words, for the list's title. */
export function describeFilter(t: T, f: OrderFilter, locale: Locale): string {
  const parts: string[] = [];
  if (f.reference) parts.push(f.reference);
  if (f.username) parts.push(`@${f.username}`);
  if (f.telegramId) parts.push(`id ${f.telegramId}`);
  if (f.name) parts.push(`"${f.name}"`);
  if (f.status) parts.push(status(t, f.status));
  if (f.provider) parts.push(f.provider);
  if (f.from) parts.push(`≥ ${formatDateTime(f.from, locale)}`);
  if (f.to) parts.push(`< ${formatDateTime(f.to, locale)}`);
  return escapeHtml(parts.join(", ") || t("ordc-filter-all"));
}

/** One page of search results: a button per order, and older/newer. */
export function resultList(t: T, page: OrderPage, filterText: string, pageNo: number, locale: Locale): { text: string; keyboard: InlineKeyboard } {
  if (page.rows.length === 0) return { text: t("ordc-no-results", { filter: filterText }), keyboard: new InlineKeyboard() };
  const kb = new InlineKeyboard();
  const lines = [t("ordc-results", { filter: filterText, page: pageNo })];
  for (const r of page.rows) {
    lines.push(`• <code>${r.reference}</code> · ${escapeHtml(r.customer)} · ${status(t, r.status)} · ${formatIdr(r.totalIdr)} · ${when(r.createdAt, locale)}`);
    kb.text(`${r.reference} · ${status(t, r.status)}`, `oc:c:${r.id}`).row();
  }
  const first = page.rows[0]!;
  const last = page.rows[page.rows.length - 1]!;
  if (page.hasNewer && pageNo > 1) kb.text(t("ordc-newer"), pageData("p", first.id, pageNo - 1));
  if (page.hasOlder) kb.text(t("ordc-older"), pageData("n", last.id, pageNo + 1));
  return { text: lines.join("\n"), keyboard: kb };
}

function cardLines(t: T, card: OrderCard, locale: Locale): string[] {
  const { order } = card;
  const lines = [
    t("ordc-card-title", { reference: order.reference, status: status(t, order.status) }),
    t("ordc-card-customer", { customer: escapeHtml(personName(order.user)), telegramId: String(order.user.telegramId) }),
  ];
  if (order.kind === "WALLET_TOPUP") lines.push(t("ordc-card-topup"));
  else {
    if (order.kind === "RENEWAL") lines.push(t("ordc-card-renewal", { instance: order.instanceId ?? "?" }));
    const region = order.region ? regionName(order.providerCode, order.region, locale) : "";
    lines.push(t("ordc-card-plan", { plan: escapeHtml(order.planName ?? order.planCode ?? "?"), provider: order.providerCode ?? "?", region: escapeHtml(region), months: order.durationMonths ?? 0 }));
  }
  lines.push(
    t("ordc-card-amounts", {
      base: formatIdr(order.basePriceIdr),
      promo: formatIdr(order.promoDiscountIdr),
      coupon: formatIdr(order.couponDiscountIdr),
      couponCode: order.couponCode ? ` (${escapeHtml(order.couponCode)})` : "",
      total: formatIdr(order.totalIdr),
      fee: formatIdr(order.paymentFeeIdr),
    }),
    t("ordc-card-created", { created: when(order.createdAt, locale) }),
  );
  if (order.status === "PENDING_PAYMENT" && order.paymentDeadline) lines.push(t("ordc-card-deadline", { deadline: when(order.paymentDeadline, locale) }));
  if (order.paidAt) lines.push(t("ordc-card-paid", { paid: when(order.paidAt, locale) }));
  const payment = order.payments[0];
  if (payment) {
    let line = t("ordc-card-payment", { gateway: payment.gateway, method: escapeHtml(payment.method ?? ""), status: payment.status, amount: formatIdr(payment.totalIdr) });
    if (payment.status === "REVIEW") line += ` ${t("ordc-card-payment-received", { received: formatIdr(payment.receivedIdr ?? payment.totalIdr), why: payment.reviewWhy ?? "-" })}`;
    lines.push(line);
  }
  const task = order.provisioningTask;
  if (task) {
    lines.push(t("ordc-card-provisioning", { status: task.status, attempts: task.attempts }));
    if (task.lastError && task.status !== "DONE") lines.push(t("ordc-card-error", { error: escapeHtml(task.lastError.slice(0, 200)) }));
  }
  const vps = order.createdInstance;
  if (vps) lines.push(t("ordc-card-instance", { id: vps.id, label: escapeHtml(vps.label), status: vps.status, ip: vps.ipv4 ?? "-" }));
  return lines;
}

/** The order card: the whole story on one screen, and the buttons to drill in or act. */
export function orderCard(t: T, card: OrderCard, locale: Locale): { text: string; keyboard: InlineKeyboard } {
  const lines = cardLines(t, card, locale);
  const history = card.order.statusHistory;
  if (history.length) {
    lines.push("", t("ordc-card-timeline"));
    const shown = history.length > 10 ? [...history.slice(0, 2), ...history.slice(-8)] : history;
    for (const h of shown) {
      const who = actorLabel(h.actorType, h.actorId, card.actors);
      lines.push(`${when(h.createdAt, locale)} · ${h.fromStatus ? `${status(t, h.fromStatus)} → ` : ""}${status(t, h.toStatus)} · ${escapeHtml(who)}`);
    }
  }
  if (card.notes.length) {
    lines.push("", t("ordc-card-notes"));
    for (const n of card.notes) lines.push(`📝 ${escapeHtml(n.text)} — ${escapeHtml(n.by)}, ${when(n.at, locale)}`);
  }
  const id = card.order.id;
  const kb = new InlineKeyboard()
    .text(t("ordc-btn-history"), drillData("h", id)).text(t("ordc-btn-payments"), drillData("pa", id)).text(t("ordc-btn-provisioning"), drillData("pr", id)).row()
    .text(t("ordc-btn-instance"), drillData("in", id)).text(t("ordc-btn-audit"), drillData("au", id)).text(t("ordc-btn-messages"), drillData("ms", id)).row();
  const can = card.can;
  if (can.markPaidPaymentId !== undefined) kb.text(t("ordc-btn-mark-paid"), `oc:mp:${can.markPaidPaymentId}`);
  if (can.cancel) kb.text(t("ordc-btn-cancel"), `oc:cx:${id}`);
  if (can.refund) kb.text(t("ordc-btn-refund"), `oc:rf:${id}`);
  if (can.retry) kb.text(t("ordc-btn-retry"), `oc:rt:${id}`);
  kb.row();
  if (can.resendInvoice) kb.text(t("ordc-btn-resend-invoice"), `oc:ri:${id}`);
  if (can.resendCredentials) kb.text(t("ordc-btn-resend-credentials"), `oc:rc:${id}`);
  kb.text(t("ordc-btn-note"), `oc:nt:${id}`);
  return { text: lines.join("\n"), keyboard: kb };
}

export function historyView(t: T, reference: string, rows: HistoryLine[], locale: Locale): string {
  const lines = [t("ordc-history-title", { reference })];
  for (const h of rows) {
    lines.push(`${when(h.at, locale)} · ${h.from ? `${status(t, h.from)} → ` : ""}<b>${status(t, h.to)}</b> · ${escapeHtml(h.actor)}${h.reason ? `\n   ${escapeHtml(h.reason)}` : ""}`);
  }
  return lines.join("\n");
}

export function paymentsView(t: T, reference: string, rows: PaymentLine[], locale: Locale): string {
  const lines = [t("ordc-payments-title", { reference })];
  if (rows.length === 0) lines.push(t("ordc-payments-none"));
  for (const p of rows) {
    const extra = [p.feeIdr ? `fee ${formatIdr(p.feeIdr)}` : "", p.receivedIdr !== null ? `received ${formatIdr(p.receivedIdr)}` : "", p.reviewWhy ? `why ${p.reviewWhy}` : "", p.reviewResolution ? `→ ${p.reviewResolution}` : ""].filter(Boolean).join(", ");
    lines.push(`#${p.id} ${p.gateway} ${escapeHtml(p.method ?? "")} · <b>${p.status}</b> · ${formatIdr(p.totalIdr)}${extra ? ` (${extra})` : ""} · ${when(p.createdAt, locale)}`);
    for (const c of p.callbacks) {
      lines.push(
        t("ordc-callback-line", {
          at: when(c.at, locale),
          status: escapeHtml(c.status ?? "-"),
          amount: c.amountIdr !== null ? formatIdr(c.amountIdr) : "-",
          signature: t(c.verified ? "ordc-signature-ok" : "ordc-signature-bad"),
          outcome: escapeHtml(c.outcome ?? c.rejectReason ?? "-"),
        }),
      );
    }
  }
  return lines.join("\n");
}

export function provisioningView(t: T, reference: string, view: ProvisioningView, locale: Locale): string {
  const lines = [t("ordc-provisioning-title", { reference })];
  if (!view.task) return [...lines, t("ordc-provisioning-none")].join("\n");
  lines.push(t("ordc-card-provisioning", { status: view.task.status, attempts: view.task.attempts }));
  if (view.task.startedAt) lines.push(`▶ ${when(view.task.startedAt, locale)}${view.task.finishedAt ? ` → ${when(view.task.finishedAt, locale)}` : ""}`);
  if (view.task.providerInstanceId) lines.push(`🆔 ${escapeHtml(view.task.providerInstanceId)}`);
  if (view.task.lastError) lines.push(t("ordc-card-error", { error: escapeHtml(`${view.task.errorCode ? `[${view.task.errorCode}] ` : ""}${view.task.lastError.slice(0, 800)}`) }));
  for (const r of view.retries) lines.push(t("ordc-provisioning-retry", { by: escapeHtml(r.by), at: when(r.at, locale), from: r.from ? status(t, r.from) : "-" }));
  return lines.join("\n");
}

export function instanceView(t: T, reference: string, vps: Awaited<ReturnType<typeof orderInstance>>, locale: Locale): string {
  const lines = [t("ordc-instance-title", { reference })];
  if (!vps) return [...lines, t("ordc-instance-none")].join("\n");
  lines.push(
    `#${vps.id} <b>${escapeHtml(vps.label)}</b> · ${vps.status}`,
    `${vps.providerCode} ${escapeHtml(vps.providerInstanceId ?? "-")} · ${escapeHtml(regionName(vps.providerCode, vps.region, locale))} · ${escapeHtml(vps.planCode)} · ${escapeHtml(vps.imageCode)}`,
    `IPv4 ${vps.ipv4 ?? "-"} · IPv6 ${vps.ipv6 ?? "-"}`,
    `⏳ ${when(vps.expiresAt, locale)}${vps.autoRenew ? " · auto-renew" : ""}${vps.suspendedAt ? ` · suspended ${when(vps.suspendedAt, locale)}` : ""}${vps.deletedAt ? ` · deleted ${when(vps.deletedAt, locale)}` : ""}`,
  );
  if (vps.credentialsSentAt) lines.push(`🔑 ${when(vps.credentialsSentAt, locale)}`);
  for (const a of vps.actions) lines.push(`• ${a.type} ${a.status} ${when(a.createdAt, locale)}${a.error ? ` — ${escapeHtml(a.error.slice(0, 120))}` : ""}`);
  return lines.join("\n");
}

export function auditView(t: T, reference: string, rows: AuditLine[], locale: Locale): string {
  const lines = [t("ordc-audit-title", { reference })];
  if (rows.length === 0) lines.push(t("ordc-audit-none"));
  for (const a of rows) lines.push(`${when(a.at, locale)} · <b>${escapeHtml(a.action)}</b> · ${escapeHtml(a.by)} · ${escapeHtml(a.target)}\n   <code>${escapeHtml(a.details)}</code>`);
  return lines.join("\n");
}

export function messagesView(t: T, reference: string, view: MessagesView, locale: Locale): string {
  const lines = [t("ordc-messages-title", { reference })];
  const at = (d: Date | null) => (d ? when(d, locale) : "-");
  if (view.invoice) lines.push(t("ordc-messages-invoice", { id: view.invoice.messageId, at: at(view.invoice.at) }));
  if (view.credentials) lines.push(t("ordc-messages-credentials", { id: view.credentials.messageId, at: at(view.credentials.at) }));
  if (view.lines.length === 0) lines.push(t("ordc-messages-none"));
  for (const m of view.lines) lines.push(`${when(m.at, locale)} · <code>${escapeHtml(m.key)}</code>${m.extra ? ` + ${m.extra}` : ""} · ${m.status}${m.doneAt ? ` ${when(m.doneAt, locale)}` : ""}`);
  return lines.join("\n");
}
