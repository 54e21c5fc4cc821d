import type { OrderStatus, ProviderCode } from "../../../db/client.js";

/** What the staff searched orders by. Every field narrows; none means "all orders, newest first". */
export interface OrderFilter {
  /** An exact order reference: the search is a lookup. */
  reference?: string;
  /** @username (without the @), matched case-insensitively. */
  username?: string;
  /** A customer's Telegram id. */
  telegramId?: string;
  /** Part of the customer's name or username. */
  name?: string;
  status?: OrderStatus;
  provider?: ProviderCode;
  /** Created at or after (inclusive), Jakarta midnight of the given day. */
  from?: Date;
  /** Created before (exclusive): the day after the given one. */
  to?: Date;
}

/** The statuses the console offers, in the order its filter buttons show them. */
export const CONSOLE_STATUSES: readonly OrderStatus[] = [
  "PENDING_PAYMENT", "PAYMENT_REVIEW", "PAID", "PROVISIONING", "PROVISIONING_FAILED", "ACTIVE", "EXPIRED", "CANCELLED", "REFUNDED",
];
export const CONSOLE_PROVIDERS: readonly ProviderCode[] = ["DIGITALOCEAN", "VULTR", "LINODE"];

/** Short words staff type for a status (`status:failed`), besides the status names themselves. */
const STATUS_WORDS: Record<string, OrderStatus> = {
  pending: "PENDING_PAYMENT", unpaid: "PENDING_PAYMENT", review: "PAYMENT_REVIEW", paid: "PAID",
  provisioning: "PROVISIONING", failed: "PROVISIONING_FAILED", gagal: "PROVISIONING_FAILED", active: "ACTIVE", aktif: "ACTIVE",
  expired: "EXPIRED", cancelled: "CANCELLED", canceled: "CANCELLED", batal: "CANCELLED", refunded: "REFUNDED", refund: "REFUNDED",
};
const PROVIDER_WORDS: Record<string, ProviderCode> = { do: "DIGITALOCEAN", digitalocean: "DIGITALOCEAN", vultr: "VULTR", linode: "LINODE" };

const REFERENCE = /^ORD-[A-Z0-9-]{4,40}$/i;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Jakarta is UTC+7 all year: a day there starts at 17:00 UTC the day before. */
const JAKARTA_OFFSET_MS = 7 * 3_600_000;

/** Midnight in Jakarta of a YYYY-MM-DD day, or null for a date that does not exist. */
export function jakartaDay(text: string): Date | null {
  const m = DAY.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const utc = Date.UTC(y, mo - 1, d);
  const back = new Date(utc);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return new Date(utc - JAKARTA_OFFSET_MS);
}

/** Midnight in Jakarta `days` days before today's (0 = today). */
export function jakartaDaysAgo(days: number, now = new Date()): Date {
  const local = now.getTime() + JAKARTA_OFFSET_MS;
  const midnight = local - (local % 86_400_000);
  return new Date(midnight - days * 86_400_000 - JAKARTA_OFFSET_MS);
}

export type ParsedFilter = { ok: true; filter: OrderFilter } | { ok: false; bad: string };

/**
 * Reads what staff typed after /order: `ORD-…` (a reference), `@username`, a Telegram id (digits),
 * `status:failed`, `provider:do`, `from:2026-12-01`, `to:2026-12-31`, and any other words as part
 * of the customer's name. An unknown status/provider or an impossible date is refused by name.
 */
export function parseOrderFilter(text: string): ParsedFilter {
  const filter: OrderFilter = {};
  const words: string[] = [];
  for (const token of text.trim().split(/\s+/).filter(Boolean)) {
    const [key, ...rest] = token.split(":");
    const value = rest.join(":");
    const lower = (key ?? "").toLowerCase();
    if (rest.length > 0 && ["status", "provider", "from", "to", "dari", "sampai"].includes(lower)) {
      if (lower === "status") {
        const status = STATUS_WORDS[value.toLowerCase()] ?? CONSOLE_STATUSES.find((s) => s === value.toUpperCase());
        if (!status) return { ok: false, bad: token };
        filter.status = status;
      } else if (lower === "provider") {
        const provider = PROVIDER_WORDS[value.toLowerCase()];
        if (!provider) return { ok: false, bad: token };
        filter.provider = provider;
      } else {
        const day = jakartaDay(value);
        if (!day) return { ok: false, bad: token };
        if (lower === "from" || lower === "dari") filter.from = day;
        else filter.to = new Date(day.getTime() + 86_400_000);
      }
    } else if (REFERENCE.test(token)) filter.reference = token.toUpperCase();
    else if (/^@\w{3,32}$/.test(token)) filter.username = token.slice(1).toLowerCase();
    else if (/^\d{5,15}$/.test(token)) filter.telegramId = token;
    else words.push(token);
  }
  if (words.length) filter.name = words.join(" ").slice(0, 64);
  if (filter.from && filter.to && filter.from >= filter.to) return { ok: false, bad: "from > to" };
  return { ok: true, filter };
}

/** Whether a filter narrows anything (an empty one opens the search menu instead). */
export function isEmptyFilter(filter: OrderFilter): boolean {
  return Object.values(filter).every((v) => v === undefined);
}
