import type { MessageEntity } from "grammy/types";
import { badRequest, type TelegramApiError } from "./errors.js";

/** Plain text plus entities: what Telegram stores after parsing HTML/Markdown. */
export interface FormattedText {
  text: string;
  entities: MessageEntity[];
}

/** An entity under construction while parsing (offsets in UTF-16 code units). */
export type EntityDraft = { type: string; offset: number; length: number; url?: string; language?: string; custom_emoji_id?: string };

/** UTF-8 byte offset of a string index: Telegram reports parse errors in bytes. */
export const byteOffset = (src: string, pos: number): number => Buffer.byteLength(src.slice(0, pos), "utf8");
/** Telegram's notion of whitespace inside markup. */
export const isSpace = (c: string | undefined): boolean => c === " " || c === "\n" || c === "\r" || c === "\t";
/** The 400 Telegram answers for malformed markup. */
export const parseError = (message: string): TelegramApiError => badRequest(`can't parse entities: ${message}`);

/** Turns a draft into a wire MessageEntity, dropping empty optional fields. */
export function makeEntity(d: EntityDraft): MessageEntity {
  const e: Record<string, unknown> = { type: d.type, offset: d.offset, length: d.length };
  if (d.url !== undefined) e.url = d.url;
  if (d.language !== undefined && d.language !== "") e.language = d.language;
  if (d.custom_emoji_id !== undefined) e.custom_emoji_id = d.custom_emoji_id;
  return e as unknown as MessageEntity;
}

/** Telegram's link check, simplified: a scheme-less host gets "http://", junk is rejected. */
export function normalizeUrl(url: string): string | undefined {
  const u = url.trim();
  if (u === "") return undefined;
  if (/^tg:\/\//i.test(u)) return u;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(u) ? u : `http://${u}`;
  try {
    const parsed = new URL(withScheme);
    if (!["http:", "https:", "ftp:"].includes(parsed.protocol)) return undefined;
    if (parsed.hostname === "") return undefined;
    return withScheme;
  } catch {
    return undefined;
  }
}
