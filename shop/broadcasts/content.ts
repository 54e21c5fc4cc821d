import type { MessageEntity } from "grammy/types";

/** A promo skips customers who opted out in /settings; a service announcement reaches everyone reachable. */
export type BroadcastKind = "PROMO" | "SERVICE";
export const BROADCAST_KINDS: readonly BroadcastKind[] = ["PROMO", "SERVICE"];

export const PROVIDERS = ["DIGITALOCEAN", "VULTR", "LINODE"] as const;
export type BroadcastProvider = (typeof PROVIDERS)[number];

/** Who a broadcast goes to. Blocked-the-bot and deleted accounts are never included; banned customers get service announcements only. */
export type Audience =
  | { kind: "ALL" }
  | { kind: "ACTIVE_VPS" }
  | { kind: "EXPIRING"; days: number }
  | { kind: "NO_ORDER" }
  | { kind: "RESELLERS" }
  | { kind: "PROVIDER"; provider: BroadcastProvider };
export type AudienceKind = Audience["kind"];
export const AUDIENCE_KINDS: readonly AudienceKind[] = ["ALL", "ACTIVE_VPS", "EXPIRING", "NO_ORDER", "RESELLERS", "PROVIDER"];
export const EXPIRING_MAX_DAYS = 90;

/** A button under the message: a link, or "open catalog" (the bot's own catalog callback). */
export type BroadcastButton = { kind: "url"; text: string; url: string } | { kind: "catalog"; text: string };
/** Opens the catalog as a new message under the broadcast (bot/features/catalog/browse.feature.ts), leaving the announcement in place. */
export const CATALOG_CALLBACK = "cat:new";

/** The message exactly as staff wrote it: Telegram's text and entities (the caption when there is a photo). */
export interface BroadcastContent {
  text: string;
  entities: MessageEntity[];
  photoFileId?: string;
  buttons: BroadcastButton[];
}

export const MAX_BUTTONS = 6;
/**
 * Room is left under Telegram's 4096 / 1024 (UTF-16 units, which String.length counts) for the
 * promo footer ("/settings to stop promos", under 60 in every language) and its blank line.
 */
export const MAX_TEXT = 4000;
export const MAX_CAPTION = 960;
export const MAX_BUTTON_TEXT = 40;

export type ContentProblem = "empty" | "too_long" | "too_many_buttons" | "bad_url" | "bad_button";

export function validateContent(c: BroadcastContent): { ok: true } | { ok: false; reason: ContentProblem } {
  if (!c.text.trim() && !c.photoFileId) return { ok: false, reason: "empty" };
  if (c.text.length > (c.photoFileId ? MAX_CAPTION : MAX_TEXT)) return { ok: false, reason: "too_long" };
  if (c.buttons.length > MAX_BUTTONS) return { ok: false, reason: "too_many_buttons" };
  for (const b of c.buttons) {
    if (!b.text.trim() || b.text.length > MAX_BUTTON_TEXT) return { ok: false, reason: "bad_button" };
    if (b.kind === "url" && !isButtonUrl(b.url)) return { ok: false, reason: "bad_url" };
  }
  return { ok: true };
}

/** http(s) or tg:// links, as Telegram accepts for URL buttons. */
export function isButtonUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === "https:" || u.protocol === "http:" || u.protocol === "tg:") && (u.protocol === "tg:" || u.hostname.includes("."));
  } catch {
    return false;
  }
}

/** "Label | https://…" (or "Label - https://…", "Label https://…"): a URL button, or null. */
export function parseButtonLine(line: string): { text: string; url: string } | null {
  const m = /^\s*(.+?)\s*(?:[|｜]|\s-\s|\s)\s*((?:https?|tg):\/\/\S+)\s*$/i.exec(line);
  if (!m) return null;
  const text = m[1]!.trim();
  const url = m[2]!;
  if (!text || text.length > MAX_BUTTON_TEXT || !isButtonUrl(url)) return null;
  return { text, url };
}

/** Telegram's price for allow_paid_broadcast: 0.1 Star per message (rounded up to whole Stars, as they are withdrawn). */
export function paidCostStars(recipients: number): number {
  return Math.ceil(Math.max(0, recipients) / 10);
}

/** The audience as stored: its kind and its parameter. */
export function audienceColumns(a: Audience): { audience: string; audienceParam: Record<string, string | number> } {
  if (a.kind === "EXPIRING") return { audience: a.kind, audienceParam: { days: a.days } };
  if (a.kind === "PROVIDER") return { audience: a.kind, audienceParam: { provider: a.provider } };
  return { audience: a.kind, audienceParam: {} };
}

/** The stored audience back as an Audience (null for a draft without one, or a row from an older shape). */
export function audienceFrom(kind: string, param: unknown): Audience | null {
  const p = (param ?? {}) as { days?: unknown; provider?: unknown };
  switch (kind) {
    case "ALL":
    case "ACTIVE_VPS":
    case "NO_ORDER":
    case "RESELLERS":
      return { kind };
    case "EXPIRING":
      return typeof p.days === "number" && validDays(p.days) ? { kind, days: p.days } : null;
    case "PROVIDER":
      return typeof p.provider === "string" && (PROVIDERS as readonly string[]).includes(p.provider) ? { kind, provider: p.provider as BroadcastProvider } : null;
    default:
      return null;
  }
}

export function validAudience(a: Audience): boolean {
  return audienceFrom(a.kind, audienceColumns(a).audienceParam) !== null;
}

function validDays(d: number): boolean {
  return Number.isInteger(d) && d >= 1 && d <= EXPIRING_MAX_DAYS;
}

export function buttonsFrom(json: unknown): BroadcastButton[] {
  if (!Array.isArray(json)) return [];
  return json.flatMap((b: unknown): BroadcastButton[] => {
    const x = b as { kind?: unknown; text?: unknown; url?: unknown };
    if (typeof x?.text !== "string") return [];
    if (x.kind === "catalog") return [{ kind: "catalog", text: x.text }];
    if (x.kind === "url" && typeof x.url === "string") return [{ kind: "url", text: x.text, url: x.url }];
    return [];
  });
}
