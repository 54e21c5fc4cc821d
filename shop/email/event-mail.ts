/**
 * A customer event as an email: the same i18n key and values the chat message uses, in the
 * customer's language, read from our records at send time (like the chat notifications). The
 * VPS login is the one exception to "the same text": the root password is never put in an
 * email — it is not even decrypted here — and its lines are left out.
 */
import type { CustomerEvent, PrismaClient } from "../../db/client.js";
import { escapeHtml, formatDate, formatIdr, formatMemory } from "../messages/format.js";
import { DEFAULT_LOCALE, isLocale, type Locale } from "../messages/locale.js";
import { renewalOptions } from "../lifecycle/renewal.js";
import { invoiceDataFor } from "../payments/invoice/invoice-data.js";
import { renderInvoicePdf } from "../payments/invoice/invoice-pdf.js";
import { emailBody, type EmailBody } from "./render.js";
import type { OutgoingEmail } from "./transport.js";
import type { Translate } from "./verification.js";

export interface EventMailDeps {
  prisma: PrismaClient;
  t: Translate;
  shopName: string;
}

/** The chat message an event's email copies: its key, values, and whether it is Telegram HTML. */
interface ChatMessage {
  key: string;
  params: Record<string, string | number>;
  isHtml: boolean;
  subjectKey: string;
  /** Lines of the chat text holding these markers are not for email (the password and its self-delete note). */
  dropLinesWith?: string[];
  /** A line added after the chat text. */
  extraKey?: string;
  invoiceOrderId?: number;
}

/** Markers put where the password and the message's self-delete time would go; their lines are removed. */
const PASSWORD_MARK = "\u2063PW\u2063";
const TTL_MARK = "\u2063TTL\u2063";

/** The id of the order or instance an event is about: from its data, else from its subject key ("order:12", "instance:7:…"). */
export function subjectId(event: Pick<CustomerEvent, "data" | "subjectKey">, kind: "order" | "instance"): number | null {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const fromData = data[`${kind}Id`] ?? data[`${kind}_id`];
  if (typeof fromData === "number" && Number.isInteger(fromData)) return fromData;
  const m = new RegExp(`^${kind}:(\\d+)`).exec(event.subjectKey);
  return m ? Number(m[1]) : null;
}

/** The email for an event, or null when what it is about is gone (nothing true left to say). */
export async function eventEmail(deps: EventMailDeps, event: CustomerEvent, to: string): Promise<OutgoingEmail | null> {
  const user = await deps.prisma.user.findUniqueOrThrow({ where: { id: event.userId }, select: { language: true } });
  const locale: Locale = isLocale(user.language) ? user.language : DEFAULT_LOCALE;
  const message = await chatMessage(deps, event, locale);
  if (!message) return null;
  const tr = (value: string | number) => (typeof value === "string" && value.startsWith("t:") ? deps.t(locale, value.slice(2)) : value);
  const params = Object.fromEntries(Object.entries(message.params).map(([k, v]) => [k, tr(v)]));
  let chat = deps.t(locale, message.key, params).trimEnd();
  if (message.dropLinesWith) chat = chat.split("\n").filter((line) => !message.dropLinesWith!.some((mark) => line.includes(mark))).join("\n");
  if (message.extraKey) chat = `${chat}\n\n${deps.t(locale, message.extraKey)}`;
  const subject = deps.t(locale, message.subjectKey, params);
  const body: EmailBody = emailBody(chat, message.isHtml, deps.t(locale, "email-footer", { shop: deps.shopName }), subject);
  const email: OutgoingEmail = { to, subject, ...body };
  if (message.invoiceOrderId !== undefined) {
    const data = await invoiceDataFor(deps.prisma, message.invoiceOrderId, deps.shopName);
    if (data) email.attachments = [{ filename: `invoice-${data.orderReference}.pdf`, content: await renderInvoicePdf(data), contentType: "application/pdf" }];
  }
  return email;
}

async function chatMessage(deps: EventMailDeps, event: CustomerEvent, locale: Locale): Promise<ChatMessage | null> {
  const { prisma } = deps;
  switch (event.type) {
    case "ORDER_PAID": {
      const orderId = subjectId(event, "order");
      const order = orderId === null ? null : await prisma.order.findUnique({ where: { id: orderId }, include: { payments: { where: { status: "PAID" }, orderBy: { paidAt: "asc" }, take: 1 } } });
      if (!order) return null;
      // The chat's notify-payment-received; "details arrive in this chat" is said for email's reader.
      const total = order.payments[0]?.totalIdr ?? order.totalIdr;
      const next = order.kind === "RENEWAL" ? "t:notify-next-renewal" : order.kind === "NEW_VPS" ? "t:email-next-provision" : "";
      return { key: "notify-payment-received", params: { reference: order.reference, total: formatIdr(total), next }, isHtml: false, subjectKey: "email-subject-order-paid", invoiceOrderId: order.id };
    }
    case "VPS_ACTIVE": {
      const instanceId = subjectId(event, "instance");
      const instance = instanceId === null ? null : await prisma.instance.findUnique({ where: { id: instanceId }, include: { order: true, plan: true } });
      if (!instance) return null;
      const plan = instance.plan;
      const params = {
        label: instance.label,
        plan: escapeHtml(instance.order.planName ?? instance.planCode),
        specs: plan ? `${plan.vcpu} vCPU · ${formatMemory(plan.memoryMb)} · ${plan.diskGb} GB SSD` : "",
        os: escapeHtml(instance.order.imageName ?? instance.imageCode),
        region: instance.region,
        ip: instance.ipv4 ?? "—",
        username: "root",
        password: PASSWORD_MARK,
        expires: formatDate(instance.expiresAt, locale),
        ttl: TTL_MARK,
      };
      return { key: "vps-ready", params, isHtml: true, subjectKey: "email-subject-vps-active", dropLinesWith: [PASSWORD_MARK, TTL_MARK], extraKey: "email-vps-login-note" };
    }
    case "VPS_PROVISION_FAILED": {
      const orderId = subjectId(event, "order");
      const order = orderId === null ? null : await prisma.order.findUnique({ where: { id: orderId }, select: { reference: true } });
      if (!order) return null;
      return { key: "provision-failed", params: { reference: order.reference }, isHtml: false, subjectKey: "email-subject-provision-failed" };
    }
    case "VPS_EXPIRING": {
      const instanceId = subjectId(event, "instance");
      const instance = instanceId === null ? null : await prisma.instance.findUnique({ where: { id: instanceId } });
      if (!instance) return null;
      const data = (event.data ?? {}) as Record<string, unknown>;
      const days = typeof data.days_left === "number" ? data.days_left : Math.max(0, Math.ceil((instance.expiresAt.getTime() - event.createdAt.getTime()) / 86_400_000));
      const base = { label: instance.label, ip: instance.ipv4 ?? "—", expires: formatDate(instance.expiresAt, locale) };
      if (!instance.autoRenew) return { key: "renew-reminder", params: { ...base, days }, isHtml: false, subjectKey: "email-subject-vps-expiring" };
      // As the chat's reminder: with auto-renew on, the one-month price the wallet must hold.
      const month = (await renewalOptions(prisma, instance.id, instance.userId)).find((o) => o.months === 1);
      return { key: "renew-reminder-auto", params: { ...base, price: month ? formatIdr(month.totalIdr) : "-" }, isHtml: false, subjectKey: "email-subject-vps-expiring" };
    }
    default:
      return null;
  }
}
